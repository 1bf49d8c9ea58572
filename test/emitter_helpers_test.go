package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/redistest"
)

// emitterRedis returns a client of the Redis at REDIS_URL, its URL, and a key prefix no other
// test uses. Tests that put Node processes on Redis need a real one: without REDIS_URL they
// skip (and fail in CI).
func emitterRedis(t testing.TB) (*redis.Client, string, string) {
	t.Helper()
	r := redistest.Real(t)
	return r.Client(t), r.URL, redistest.Key(t)
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
// "server /nsp srv-event [args]" ("server:A …" for Go node A), "adapter /nsp event {flags}".
func (l sawLine) String() string {
	switch {
	case strings.HasPrefix(l.Who, "server"):
		return fmt.Sprintf("%s %s %s %s", l.Who, l.Nsp, l.Srv, compactJSON(l.Args))
	case l.Who == "adapter":
		return fmt.Sprintf("adapter %s %s %s", l.Nsp, l.Ev, compactJSON(l.Flags))
	case l.Disconnect != "":
		return fmt.Sprintf("%s disconnect %s", l.Who, l.Disconnect)
	}
	return fmt.Sprintf("%s %s %s", l.Who, l.Ev, compactJSON(l.Args))
}

// compactJSON writes a JSON value without spaces and with object keys sorted, so that lines
// from Node (keys in insertion order) and from Go (generic maps) compare equal.
func compactJSON(b json.RawMessage) string {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return string(b)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return string(b)
	}
	return string(out)
}

// canonLine is line with its JSON part (from the first '[' or '{') written as compactJSON
// writes it.
func canonLine(line string) string {
	i := strings.IndexAny(line, "[{")
	if i < 0 {
		return line
	}
	return line[:i] + compactJSON(json.RawMessage(line[i:]))
}

// observer reads report lines (of a node script, or of Go clients) and checks them step by
// step.
type observer struct {
	t         testing.TB
	lines     <-chan string
	proc      *nodeProc       // when set, its end fails the test
	connected map[string]bool // clients that still receive events
	barriers  int
	barrier   func(n int) error // publishes "barrier" n to every namespace the clients use
}

// next returns the next report line, failing the test at the deadline.
func (o *observer) next(deadline <-chan time.Time, seen []string) sawLine {
	o.t.Helper()
	var done chan error
	if o.proc != nil {
		done = o.proc.done
	}
	for {
		select {
		case raw := <-o.lines:
			if !strings.HasPrefix(raw, "{") {
				continue
			}
			var l sawLine
			if err := json.Unmarshal([]byte(raw), &l); err != nil {
				o.t.Fatalf("bad report line %q: %v", raw, err)
			}
			return l
		case err := <-done:
			done <- err
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
			o.setClients(l.IDs)
			return l.IDs
		}
	}
}

// setClients sets the clients expected to see each barrier.
func (o *observer) setClients(ids map[string]string) {
	o.connected = map[string]bool{}
	for name := range ids {
		o.connected[name] = true
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
	want = slices.Clone(want)
	for i := range want {
		want[i] = canonLine(want[i])
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
	slices.Sort(want)
	if !slices.Equal(got, want) {
		o.t.Errorf("%s:\n got %q\nwant %q", name, got, want)
	}
}
