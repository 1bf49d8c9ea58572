package adminui

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosockio/gosockio/socketio/engineio"
)

// aggregatedEvent is one entry of server_stats' aggregatedEvents: how many events of a type
// (and subtype) happened in the second starting at Timestamp (Unix milliseconds).
type aggregatedEvent struct {
	Timestamp int64  `json:"timestamp"`
	Type      string `json:"type"`
	SubType   string `json:"subType,omitempty"`
	Count     int64  `json:"count"`
}

type eventKey struct {
	ts       int64
	typ, sub string
}

// eventBuffer aggregates events per second until the next server_stats takes them (Node's
// EventBuffer), in the order they first happened.
type eventBuffer struct {
	mu     sync.Mutex
	index  map[eventKey]int
	events []aggregatedEvent
}

// push counts n events of typ and sub at t.
func (b *eventBuffer) push(t time.Time, typ, sub string, n int64) {
	if n == 0 {
		return
	}
	ts := t.Truncate(time.Second).UnixMilli()
	k := eventKey{ts: ts, typ: typ, sub: sub}
	b.mu.Lock()
	defer b.mu.Unlock()
	if i, ok := b.index[k]; ok {
		b.events[i].Count += n
		return
	}
	if b.index == nil {
		b.index = make(map[eventKey]int)
	}
	b.index[k] = len(b.events)
	b.events = append(b.events, aggregatedEvent{Timestamp: ts, Type: typ, SubType: sub, Count: n})
}

// take returns the events and empties the buffer; never nil, so that it is written as [].
func (b *eventBuffer) take() []aggregatedEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.events
	if out == nil {
		out = []aggregatedEvent{}
	}
	b.events, b.index = nil, nil
	return out
}

// traffic counts packets and bytes with atomic additions, from the server's hot paths; tick
// moves the counts into the event buffer once a second.
type traffic struct {
	packetsIn, bytesIn, packetsOut, bytesOut atomic.Int64
}

func (t *traffic) in(packets, bytes int) {
	t.packetsIn.Add(int64(packets))
	t.bytesIn.Add(int64(bytes))
}

func (t *traffic) out(packets, bytes int) {
	t.packetsOut.Add(int64(packets))
	t.bytesOut.Add(int64(bytes))
}

// flush moves the counts into b, dated at.
func (t *traffic) flush(b *eventBuffer, at time.Time) {
	b.push(at, "packetsIn", "", t.packetsIn.Swap(0))
	b.push(at, "bytesIn", "", t.bytesIn.Swap(0))
	b.push(at, "packetsOut", "", t.packetsOut.Swap(0))
	b.push(at, "bytesOut", "", t.bytesOut.Swap(0))
}

// conns tracks the Engine.IO sessions for server_stats without a listener on each (which would
// cost every connection memory, and the broadcasts cache misses): the sessions that started
// on long-polling, until they upgrade or close.
type conns struct {
	mu      sync.Mutex
	polling map[*engineio.Conn]struct{}
}

// opened counts a new session (rawConnection) and remembers it while it polls.
func (a *Admin) opened(c *engineio.Conn) {
	a.events.push(time.Now(), "rawConnection", "", 1)
	if c.Transport() != "polling" {
		return
	}
	a.conns.mu.Lock()
	if a.conns.polling == nil {
		a.conns.polling = make(map[*engineio.Conn]struct{})
	}
	a.conns.polling[c] = struct{}{}
	a.conns.mu.Unlock()
}

// closed counts a session's end (rawDisconnection, by reason).
func (a *Admin) closed(c *engineio.Conn, reason string) {
	a.events.push(time.Now(), "rawDisconnection", reason, 1)
	a.conns.mu.Lock()
	delete(a.conns.polling, c)
	a.conns.mu.Unlock()
}

// pollingClients is the number of sessions on long-polling now (Node's pollingClientsCount);
// it forgets those that have upgraded.
func (a *Admin) pollingClients() int {
	a.conns.mu.Lock()
	defer a.conns.mu.Unlock()
	for c := range a.conns.polling {
		if c.Transport() != "polling" {
			delete(a.conns.polling, c)
		}
	}
	return len(a.conns.polling)
}
