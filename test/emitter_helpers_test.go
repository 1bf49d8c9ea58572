package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/redistest"
)

// emitterRedis returns a client of a real Redis (redistest.Real: REDIS_URL, else the one at
// 127.0.0.1:6379), its URL, and a key prefix no other test uses. Tests that put Node
// processes on Redis need a real one: without it they skip (and fail in CI).
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
	servers   []string        // the servers, which also report each barrier
	barriers  int
	// barrier publishes "barrier" n to every namespace the clients use, and as a server-side
	// event to "/": the first travels on the broadcast channels, the second on the request
	// channel, so once everybody reported it every message published before on either kind
	// of channel has been handled (miniredis, unlike Redis, does not keep the order between
	// a pattern subscription and a channel subscription of one connection).
	barrier func(n int) error
}

// next returns the next report line, failing the test at the deadline.
func (o *observer) next(deadline <-chan time.Time, seen []string, state func() string) sawLine {
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
			o.t.Fatalf("%snode script ended (%v); lines so far: %q", state(), err, seen)
		case <-deadline:
			o.t.Fatalf("%stimed out; lines so far: %q", state(), seen)
		}
	}
}

// waitReady waits for the "ready" line and returns the client ids by name.
func (o *observer) waitReady() map[string]string {
	o.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if l := o.next(deadline, nil, func() string { return "" }); l.Who == "ready" {
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
// connected client and every server got the barrier are exactly want (in any order). Since
// Redis delivers messages in publish order and Socket.IO keeps each client's events in order,
// a client that got the barrier got everything op sent it: nothing can arrive later.
func (o *observer) step(name string, op func() error, want ...string) {
	o.t.Helper()
	want = canonLines(want)
	got := o.collect(name, op, want)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		o.t.Errorf("%s:\n got %q\nwant %q", name, got, want)
	}
}

// stepVolatile is step for a volatile event, which a server may drop for a client that is
// not ready (its transport busy writing): it repeats op, up to tries times, until each line
// of want was reported once. Every run must report only lines of want and every line of
// always.
func (o *observer) stepVolatile(name string, op func() error, tries int, want, always []string) {
	o.t.Helper()
	want, always = canonLines(want), canonLines(always)
	left := map[string]bool{}
	for _, w := range want {
		left[w] = true
	}
	for try := 1; len(left) > 0; try++ {
		if try > tries {
			o.t.Errorf("%s: after %d tries, never reported: %q", name, tries, slices.Sorted(maps.Keys(left)))
			return
		}
		for _, s := range o.collect(name, op, always) {
			switch {
			case slices.Contains(want, s):
				delete(left, s)
			case !slices.Contains(always, s):
				o.t.Errorf("%s (try %d): unexpected %q", name, try, s)
			}
		}
	}
}

func canonLines(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = canonLine(l)
	}
	return out
}

// collect runs op, publishes a barrier, and returns the lines reported until every still
// connected client and every server got the barrier and every line of must was reported.
func (o *observer) collect(name string, op func() error, must []string) []string {
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
	for _, srv := range o.servers {
		pending[srv] = true
	}
	wanted := map[string]int{}
	for _, w := range must {
		wanted[w]++
	}
	missing := len(must)
	var got []string
	deadline := time.After(15 * time.Second)
	for len(pending) > 0 || missing > 0 {
		l := o.next(deadline, got, func() string {
			var left []string
			for w, n := range wanted {
				if n > 0 {
					left = append(left, w)
				}
			}
			return fmt.Sprintf("%s: still waiting for barrier %d from %v and for %q; ", name, n, slices.Sorted(maps.Keys(pending)), left)
		})
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
	return got
}
