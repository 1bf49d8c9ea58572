package cluster

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/gosockio/gosockio/adapter"
)

// Bus is an in-process cluster: several servers in one process whose namespaces reach each
// other through memory, with the same semantics as a Redis-backed cluster. It is meant for
// tests of cluster behaviour without Redis. Messages are passed by reference, not encoded.
type Bus struct {
	mu    sync.Mutex
	nodes map[*busTransport]struct{}
	msgs  map[uint64]*busEntry
	seq   uint64
}

// NewBus returns an empty in-process cluster.
func NewBus() *Bus {
	return &Bus{nodes: make(map[*busTransport]struct{}), msgs: make(map[uint64]*busEntry)}
}

// Factory returns the adapter factory of one node of the bus: give each server its own.
func (b *Bus) Factory(opts Options) adapter.Factory {
	return func(l *adapter.Local) (adapter.Adapter, error) {
		uid := randomHex()
		t := &busTransport{bus: b, nsp: l.Namespace().Name(), uid: uid, in: make(chan busDelivery, 4096), stop: make(chan struct{}), done: make(chan struct{})}
		a := New(l, uid, t, busCodec{b}, opts)
		t.a = a
		b.mu.Lock()
		b.nodes[t] = struct{}{}
		b.mu.Unlock()
		go t.run()
		return a, nil
	}
}

func randomHex() string {
	var x [8]byte
	_, _ = rand.Read(x[:])
	return hex.EncodeToString(x[:])
}

type busDelivery struct {
	t Topic
	b []byte
}

type busTransport struct {
	bus  *Bus
	nsp  string
	uid  string
	a    *Adapter
	in   chan busDelivery // never closed: publishers may still hold the transport
	stop chan struct{}    // closed by Close
	done chan struct{}
	once sync.Once
}

func (t *busTransport) run() {
	defer close(t.done)
	for {
		select {
		case d := <-t.in:
			t.a.Receive(d.t, d.b)
			t.bus.release(d.b)
		case <-t.stop:
			for { // what was delivered but not received: let go of it
				select {
				case d := <-t.in:
					t.bus.release(d.b)
				default:
					return
				}
			}
		}
	}
}

func (t *busTransport) Publish(ctx context.Context, tp Topic, b []byte) error {
	t.bus.mu.Lock()
	var targets []*busTransport
	for n := range t.bus.nodes {
		if n.nsp != t.nsp || (tp.Kind == TopicResponse && n.uid != tp.Node) {
			continue
		}
		targets = append(targets, n)
	}
	if e, ok := t.bus.msgs[binary.BigEndian.Uint64(b)]; ok {
		e.refs += len(targets)
	}
	t.bus.mu.Unlock()
	for _, n := range targets {
		select {
		case n.in <- busDelivery{tp, b}:
		case <-n.stop: // closed meanwhile
			t.bus.release(b)
		case <-ctx.Done():
			return fmt.Errorf("bus: publish: %w", ctx.Err())
		}
	}
	if len(targets) == 0 {
		t.bus.release(b)
	}
	return nil
}

func (t *busTransport) ServerCount(context.Context) (int, error) {
	t.bus.mu.Lock()
	defer t.bus.mu.Unlock()
	n := 0
	for x := range t.bus.nodes {
		if x.nsp == t.nsp {
			n++
		}
	}
	return n, nil
}

func (t *busTransport) Close(ctx context.Context) error {
	t.once.Do(func() {
		t.bus.mu.Lock()
		delete(t.bus.nodes, t)
		t.bus.mu.Unlock()
		close(t.stop)
	})
	select {
	case <-t.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// The bus "encodes" a message as a reference to it, counted per recipient.

type busCodec struct{ b *Bus }

type busEntry struct {
	m    *Message
	refs int
}

func (c busCodec) Encode(m *Message) ([]byte, error) {
	cp := *m
	c.b.mu.Lock()
	c.b.seq++
	id := c.b.seq
	c.b.msgs[id] = &busEntry{m: &cp}
	c.b.mu.Unlock()
	var out [8]byte
	binary.BigEndian.PutUint64(out[:], id)
	return out[:], nil
}

func (c busCodec) Decode(_ Topic, b []byte) (*Message, error) {
	if len(b) != 8 {
		return nil, fmt.Errorf("bus: bad reference")
	}
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	e, ok := c.b.msgs[binary.BigEndian.Uint64(b)]
	if !ok {
		return nil, fmt.Errorf("bus: unknown message")
	}
	return e.m, nil
}

func (c busCodec) NewID() string { return randomHex() }

// release forgets a message once every recipient has handled it.
func (b *Bus) release(raw []byte) {
	id := binary.BigEndian.Uint64(raw)
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.msgs[id]; ok {
		e.refs--
		if e.refs <= 0 {
			delete(b.msgs, id)
		}
	}
}
