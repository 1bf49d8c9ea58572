// Package ticks measures what a cluster loses: a Ticker sends numbered ticks (1, 2, …) at a
// steady pace, a Recorder keeps the numbers a test client receives, and Tally counts the
// ticks lost, received twice and received out of order. For the fault tests.
package ticks

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/socketio/parser"
)

// Ticker calls send with 1, 2, … once per period until Stop. A send that takes longer than
// the period delays the next one (ticks are never sent concurrently).
type Ticker struct {
	n      atomic.Int64
	failed atomic.Int64
	quit   chan struct{}
	done   chan struct{}
}

// Start starts a Ticker.
func Start(period time.Duration, send func(n int64) error) *Ticker {
	tk := &Ticker{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(tk.done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-tk.quit:
				return
			case <-t.C:
				if err := send(tk.n.Add(1)); err != nil {
					tk.failed.Add(1)
				}
			}
		}
	}()
	return tk
}

// Sent is the number of the last tick sent (or being sent).
func (tk *Ticker) Sent() int64 { return tk.n.Load() }

// Stop ends the ticks and returns how many were sent and how many sends failed.
func (tk *Ticker) Stop() (sent, failed int64) {
	close(tk.quit)
	<-tk.done
	return tk.n.Load(), tk.failed.Load()
}

// Recorder keeps the numbers of the events of one name a client receives, in order.
type Recorder struct {
	mu  sync.Mutex
	got []int64
}

// Record reads c's packets until the connection ends and keeps the first argument of each
// event named event.
func Record(c *testclient.Client, event string) *Recorder {
	r := &Recorder{}
	go func() {
		for p := range c.Packets {
			if p.Type != parser.Event {
				continue
			}
			name, args, err := parser.EventArgs(p)
			var n int64
			if err != nil || name != event || args.Bind(0, &n) != nil {
				continue
			}
			r.mu.Lock()
			r.got = append(r.got, n)
			r.mu.Unlock()
		}
	}()
	return r
}

// Last is the last number received (0 before any).
func (r *Recorder) Last() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) == 0 {
		return 0
	}
	return r.got[len(r.got)-1]
}

// WaitFor waits until a number of at least n has been received, or d has passed; the test
// fails then.
func (r *Recorder) WaitFor(t testing.TB, n int64, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for r.Last() < n {
		if time.Now().After(deadline) {
			t.Fatalf("last tick received %d after %v, want %d", r.Last(), d, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Tally is what became of ticks 1…Sent.
type Tally struct {
	Sent       int64
	Lost       int // never received
	Duplicated int // received again
	Disordered int // received after a higher one
}

func (t Tally) String() string {
	return fmt.Sprintf("%d sent, %d lost, %d duplicated, %d out of order", t.Sent, t.Lost, t.Duplicated, t.Disordered)
}

// Tally counts, over ticks 1…sent, those lost, duplicated and out of order.
func (r *Recorder) Tally(sent int64) Tally {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := Tally{Sent: sent}
	seen := make(map[int64]bool, len(r.got))
	var high int64
	for _, n := range r.got {
		if seen[n] {
			out.Duplicated++
			continue
		}
		seen[n] = true
		if n < high {
			out.Disordered++
		}
		high = max(high, n)
	}
	for n := int64(1); n <= sent; n++ {
		if !seen[n] {
			out.Lost++
		}
	}
	return out
}
