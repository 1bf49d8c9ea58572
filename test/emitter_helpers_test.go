package test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// emitterRedis returns a client of the Redis at REDIS_URL, its URL, and a key prefix no other
// test uses. Tests that put Node processes on Redis need a real one: without REDIS_URL they
// skip (and fail in CI).
func emitterRedis(t testing.TB) (*redis.Client, string, string) {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		if inCI() {
			t.Fatal("REDIS_URL is not set: this test needs a real Redis shared with Node processes")
		}
		t.Skip("skipping: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run tests that share Redis with Node processes")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("REDIS_URL=%s does not answer: %v", url, err)
	}
	return rdb, url, emitterKey(t)
}

var keyUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// emitterKey is a key prefix made of the test name and random bytes.
func emitterKey(t testing.TB) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "gosockio-test-" + keyUnsafe.ReplaceAllString(t.Name(), "_") + "-" + hex.EncodeToString(b[:])
}

// sawLine is one line of a script that reports what its clients and servers saw, one JSON
// object per line (see js/emitter-node-server.js).
type sawLine struct {
	Who        string            `json:"who"`
	Ev         string            `json:"ev"`
	Args       json.RawMessage   `json:"args"`
	Disconnect string            `json:"disconnect"`
	Nsp        string            `json:"nsp"`
	Srv        string            `json:"srv"`
	Flags      json.RawMessage   `json:"flags"`
	IDs        map[string]string `json:"ids"`
}

// String is the form the tests compare: "a ev [args]", "b disconnect reason",
// "server /nsp srv-event [args]", "adapter /nsp event {flags}".
func (l sawLine) String() string {
	switch {
	case l.Who == "server":
		return fmt.Sprintf("server %s %s %s", l.Nsp, l.Srv, compactJSON(l.Args))
	case l.Who == "adapter":
		return fmt.Sprintf("adapter %s %s %s", l.Nsp, l.Ev, compactJSON(l.Flags))
	case l.Disconnect != "":
		return fmt.Sprintf("%s disconnect %s", l.Who, l.Disconnect)
	}
	return fmt.Sprintf("%s %s %s", l.Who, l.Ev, compactJSON(l.Args))
}

func compactJSON(b json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return string(b)
	}
	return buf.String()
}

// observer reads the report lines of a node script and checks them step by step.
type observer struct {
	t         testing.TB
	p         *nodeProc
	connected map[string]bool // clients that still receive events
	barriers  int
	barrier   func(n int) error // publishes "barrier" n to every namespace the clients use
}

// next returns the next report line, failing the test at the deadline.
func (o *observer) next(deadline <-chan time.Time, seen []string) sawLine {
	o.t.Helper()
	for {
		select {
		case raw := <-o.p.lines:
			if !strings.HasPrefix(raw, "{") {
				continue
			}
			var l sawLine
			if err := json.Unmarshal([]byte(raw), &l); err != nil {
				o.t.Fatalf("bad report line %q: %v", raw, err)
			}
			return l
		case err := <-o.p.done:
			o.p.done <- err
			o.t.Fatalf("node script ended (%v); lines so far: %q", err, seen)
		case <-deadline:
			o.t.Fatalf("timed out; lines so far: %q", seen)
		}
	}
}

// waitReady waits for the "ready" line and returns the client ids by name.
func (o *observer) waitReady() map[string]string {
	o.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if l := o.next(deadline, nil); l.Who == "ready" {
			o.connected = map[string]bool{}
			for name := range l.IDs {
				o.connected[name] = true
			}
			return l.IDs
		}
	}
}

// step runs op, publishes a barrier, and checks that the lines reported until every still
// connected client got the barrier are exactly want (in any order). Since Redis delivers
// messages in publish order and Socket.IO keeps each client's events in order, a client that
// got the barrier got everything op sent it: nothing can arrive later.
func (o *observer) step(name string, op func() error, want ...string) {
	o.t.Helper()
	if err := op(); err != nil {
		o.t.Fatalf("%s: %v", name, err)
	}
	o.barriers++
	n := o.barriers
	if err := o.barrier(n); err != nil {
		o.t.Fatalf("%s: barrier: %v", name, err)
	}
	mark := fmt.Sprintf(" barrier [%d]", n)
	pending := map[string]bool{}
	for c := range o.connected {
		pending[c] = true
	}
	wanted := map[string]int{}
	for _, w := range want {
		wanted[w]++
	}
	missing := len(want)
	var got []string
	deadline := time.After(15 * time.Second)
	for len(pending) > 0 || missing > 0 {
		l := o.next(deadline, got)
		s := l.String()
		if strings.HasSuffix(s, mark) {
			delete(pending, l.Who)
			continue
		}
		if strings.Contains(s, " barrier [") {
			o.t.Fatalf("%s: stale barrier line %q", name, s)
		}
		if l.Disconnect != "" {
			delete(o.connected, l.Who)
			delete(pending, l.Who)
		}
		if wanted[s] > 0 {
			wanted[s]--
			missing--
		}
		got = append(got, s)
	}
	slices.Sort(got)
	w := slices.Clone(want)
	slices.Sort(w)
	if !slices.Equal(got, w) {
		o.t.Errorf("%s:\n got %q\nwant %q", name, got, w)
	}
}
