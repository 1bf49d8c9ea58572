package redisadapter_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/redistest"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio/parser"
)

// TestOutageQueueOff: with MaxQueued negative, publishing fails at once with ErrUnavailable
// while Redis is away, as before the queue existed; local delivery goes on.
func TestOutageQueueOff(t *testing.T) {
	r := redistest.Mini(t)
	rdb := r.Client(t)
	logs := newLogSink()
	stats := new(redisadapter.Stats)
	a := startNode(t, rdb, redisadapter.Options{Key: redistest.Key(t), RequestsTimeout: time.Second, Logger: logs.logger(),
		MaxQueued: -1, Stats: stats})
	ca := connect(t, a)
	r.Mini.Close()
	logs.waitFor(t, "subscriber connection lost")
	start := time.Now()
	if err := a.srv.Emit("during"); !errors.Is(err, redisadapter.ErrUnavailable) {
		t.Errorf("Emit with Redis down and no queue: %v, want ErrUnavailable", err)
	}
	if el := time.Since(start); el > 100*time.Millisecond {
		t.Errorf("Emit took %v", el)
	}
	ca.expectEvent(t, "during")
	if stats.Queued() != 0 {
		t.Errorf("%d queued without a queue", stats.Queued())
	}
}

// TestOutageQueueFull: what the queue cannot take fails with ErrUnavailable and is counted;
// what it took reaches the other node, in order, once Redis is back.
func TestOutageQueueFull(t *testing.T) {
	r := redistest.Mini(t)
	rdb := r.Client(t)
	logs := newLogSink()
	stats := new(redisadapter.Stats)
	opts := redisadapter.Options{Key: redistest.Key(t), RequestsTimeout: time.Second, Logger: logs.logger(), MaxQueued: 2, Stats: stats}
	a := startNode(t, rdb, opts)
	b := startNode(t, rdb, opts)
	waitCount(t, 2, a, b)
	cb := connect(t, b)
	r.Mini.Close()
	logs.waitForN(t, "subscriber connection lost", 2)
	for _, ev := range []string{"q1", "q2"} {
		if err := a.srv.Emit(ev); err != nil {
			t.Fatalf("Emit %s: %v", ev, err)
		}
	}
	if err := a.srv.Emit("q3"); !errors.Is(err, redisadapter.ErrUnavailable) {
		t.Errorf("Emit with a full queue: %v, want ErrUnavailable", err)
	}
	if stats.Dropped() != 1 || stats.Queued() != 2 {
		t.Errorf("dropped %d, queued %d; want 1, 2", stats.Dropped(), stats.Queued())
	}
	logs.waitFor(t, "dropped messages that waited for Redis")
	if err := r.Mini.Restart(); err != nil {
		t.Fatal(err)
	}
	cb.expectEvent(t, "q1")
	cb.expectEvent(t, "q2")
	if err := a.srv.Emit("after"); err != nil {
		t.Fatal(err)
	}
	cb.expectEvent(t, "after")
}

// TestOutageQueueClose: closing the servers while Redis is away does not wait for it: the
// queued messages are dropped, counted and logged, and no goroutine is left (TestMain checks).
func TestOutageQueueClose(t *testing.T) {
	r := redistest.Mini(t)
	rdb := r.Client(t)
	logs := newLogSink()
	stats := new(redisadapter.Stats)
	f := redisadapter.New(rdb, redisadapter.Options{Key: redistest.Key(t), Logger: logs.logger(), Stats: stats})
	a := startNodeWith(t, f, logs.logger())
	a.srv.Of("/other") // a second namespace: the last to close drains the queue
	r.Mini.Close()
	logs.waitFor(t, "subscriber connection lost")
	for range 3 {
		if err := a.srv.Emit("x"); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if err := a.srv.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("close took %v with Redis away", el)
	}
	if stats.Dropped() != 3 || stats.Queued() != 0 {
		t.Errorf("dropped %d, queued %d; want 3, 0", stats.Dropped(), stats.Queued())
	}
	logs.waitFor(t, "closed before Redis was back")
}

// TestRedisRestartUnderTraffic: node A broadcasts 100 numbered ticks a second while a real
// redis-server is killed (SIGKILL) and started again on the same port 5 s later. The client of
// node B must get every tick, in order, except at most the few in flight when Redis died.
func TestRedisRestartUnderTraffic(t *testing.T) {
	for _, sharded := range []bool{false, true} {
		name := "classic"
		if sharded {
			name = "sharded"
		}
		t.Run(name, func(t *testing.T) {
			rs := redistest.StartServer(t)
			rdb := rs.Client(t, nil)
			logs := newLogSink()
			stats := new(redisadapter.Stats)
			key := redistest.Key(t)
			var a, b *node
			if sharded {
				opts := redisadapter.ShardedOptions{ChannelPrefix: key, Logger: logs.logger(), Stats: stats}
				a, b = startShardedNode(t, rdb, opts), startShardedNode(t, rdb, opts)
			} else {
				opts := redisadapter.Options{Key: key, Logger: logs.logger(), Stats: stats}
				a, b = startNode(t, rdb, opts), startNode(t, rdb, opts)
			}
			waitCount(t, 2, a, b)
			rec := recordTicks(connect(t, b))

			tk := startTicker(func(n int64) error { return a.srv.Emit("tick", n) })
			rec.waitFor(t, 20)
			rs.Stop(t)
			killedAt := tk.sent()
			time.Sleep(5 * time.Second)
			rs.Start(t)
			time.Sleep(2 * time.Second)
			total, failed := tk.stop()
			rec.waitFor(t, total)
			lost, dups, disorder := rec.tally(total)
			t.Logf("%d ticks sent (%d before the kill), %d refused, %d lost, %d duplicated, %d out of order; queue dropped %d",
				total, killedAt, failed, lost, dups, disorder, stats.Dropped())
			if lost > 2 || disorder > 0 || failed > 0 {
				t.Errorf("lost %d (want ≤ 2, the ticks in flight when Redis died), %d out of order, %d refused", lost, disorder, failed)
			}
		})
	}
}

// ticker emits numbered ticks (1, 2, …) every 10 ms until stopped.
type ticker struct {
	n      atomic.Int64
	failed atomic.Int64
	quit   chan struct{}
	wg     sync.WaitGroup
}

func startTicker(emit func(n int64) error) *ticker {
	tk := &ticker{quit: make(chan struct{})}
	tk.wg.Add(1)
	go func() {
		defer tk.wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-tk.quit:
				return
			case <-t.C:
				if err := emit(tk.n.Add(1)); err != nil {
					tk.failed.Add(1)
				}
			}
		}
	}()
	return tk
}

func (tk *ticker) sent() int64 { return tk.n.Load() }

// stop ends the ticks and returns how many were sent and how many failed.
func (tk *ticker) stop() (int64, int64) {
	close(tk.quit)
	tk.wg.Wait()
	return tk.n.Load(), tk.failed.Load()
}

// tickRecorder keeps the tick numbers a client received, in order.
type tickRecorder struct {
	mu   sync.Mutex
	got  []int64
	done chan struct{}
}

func recordTicks(c *client) *tickRecorder {
	r := &tickRecorder{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for p := range c.Packets {
			if p.Type != adapter.Event {
				continue
			}
			name, args, err := parser.EventArgs(p)
			var n int64
			if err != nil || name != "tick" || args.Bind(0, &n) != nil {
				continue
			}
			r.mu.Lock()
			r.got = append(r.got, n)
			r.mu.Unlock()
		}
	}()
	return r
}

func (r *tickRecorder) last() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) == 0 {
		return 0
	}
	return r.got[len(r.got)-1]
}

// waitFor waits (at most 20 s) until the last tick received is n, or fails.
func (r *tickRecorder) waitFor(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for r.last() < n {
		if time.Now().After(deadline) {
			t.Fatalf("last tick received %d, want %d", r.last(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tally counts the ticks 1…total never received, those received more than once, and those
// received after a higher one.
func (r *tickRecorder) tally(total int64) (lost, dups, disorder int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := make(map[int64]bool, len(r.got))
	var high int64
	for _, n := range r.got {
		if seen[n] {
			dups++
			continue
		}
		seen[n] = true
		if n < high {
			disorder++
		}
		high = max(high, n)
	}
	for n := int64(1); n <= total; n++ {
		if !seen[n] {
			lost++
		}
	}
	return lost, dups, disorder
}
