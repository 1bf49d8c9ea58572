// Package adaptertest is the behaviour suite every adapter.Adapter must pass: the same table of
// broadcasts, acknowledgements, fetches, room changes, disconnections and server-side events,
// issued from every node of a cluster and checked on every node. Run it from a backend's tests
// with a function that builds the nodes of one fresh cluster:
//
//	func TestSuite(t *testing.T) {
//		adaptertest.Run(t, func(t testing.TB) []adapter.Factory { … three factories … })
//	}
//
// The nodes are driven through fake namespaces (no server, no network besides the backend's),
// whose sockets answer acknowledgements with their own id and whose server-side listeners
// answer with their node's name.
package adaptertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/parser"
)

// wait bounds every wait of the suite.
const wait = 10 * time.Second

// NewNodes builds the nodes of one fresh cluster (a single one for a single-node adapter) and
// registers their cleanup on t. Every call must give a cluster of its own.
type NewNodes func(t testing.TB) []adapter.Factory

// Run runs the suite; every subtest builds its own cluster with newNodes.
func Run(t *testing.T, newNodes NewNodes) {
	t.Run("ServerCount", func(t *testing.T) { testServerCount(t, newNodes) })
	t.Run("Broadcast", func(t *testing.T) { testBroadcast(t, newNodes) })
	t.Run("BroadcastFlags", func(t *testing.T) { testBroadcastFlags(t, newNodes) })
	t.Run("BroadcastValues", func(t *testing.T) { testBroadcastValues(t, newNodes) })
	t.Run("BroadcastWithAck", func(t *testing.T) { testBroadcastWithAck(t, newNodes) })
	t.Run("FetchSockets", func(t *testing.T) { testFetchSockets(t, newNodes) })
	t.Run("SocketsJoinLeave", func(t *testing.T) { testJoinLeave(t, newNodes) })
	t.Run("DisconnectSockets", func(t *testing.T) { testDisconnect(t, newNodes) })
	t.Run("ServerSideEmit", func(t *testing.T) { testServerSideEmit(t, newNodes) })
	t.Run("ServerSideEmitTimeout", func(t *testing.T) { testServerSideEmitTimeout(t, newNodes) })
	t.Run("AllRooms", func(t *testing.T) { testAllRooms(t, newNodes) })
	t.Run("Closed", func(t *testing.T) { testClosed(t, newNodes) })
}

// ---- the fixture ----

// Node is one node of the cluster under test.
type Node struct {
	Name    string
	Adapter adapter.Adapter
	Local   *adapter.Local
	ns      *namespace
}

// socketSpec is where a socket lives and what rooms it joins.
type socketSpec struct {
	node  int
	id    string
	rooms []string
}

// fixture lays out the sockets: on node i, "s<i>a" in rooms "A" and "only<i>" (and "even" for
// even i), "s<i>b" in room "B".
func fixture(n int) []socketSpec {
	var out []socketSpec
	for i := range n {
		ra := []string{"A", fmt.Sprintf("only%d", i)}
		if i%2 == 0 {
			ra = append(ra, "even")
		}
		out = append(out,
			socketSpec{node: i, id: fmt.Sprintf("s%da", i), rooms: ra},
			socketSpec{node: i, id: fmt.Sprintf("s%db", i), rooms: []string{"B"}})
	}
	return out
}

// expect resolves a target over the whole fixture: the ids of the sockets it selects, sorted.
func expect(specs []socketSpec, t adapter.Target, onlyNode int) []string {
	in := func(s socketSpec, rooms []string) bool {
		for _, r := range rooms {
			if r == s.id || slices.Contains(s.rooms, r) {
				return true
			}
		}
		return false
	}
	var out []string
	for _, s := range specs {
		if onlyNode >= 0 && s.node != onlyNode {
			continue
		}
		if len(t.Rooms) > 0 && !in(s, t.Rooms) {
			continue
		}
		if in(s, t.Except) {
			continue
		}
		out = append(out, s.id)
	}
	sort.Strings(out)
	return out
}

type cluster struct {
	nodes []*Node
	specs []socketSpec
}

func newCluster(t *testing.T, newNodes NewNodes) *cluster {
	t.Helper()
	fs := newNodes(t)
	if len(fs) == 0 {
		t.Fatal("adaptertest: no nodes")
	}
	c := &cluster{specs: fixture(len(fs))}
	for i, f := range fs {
		ns := newNamespace(fmt.Sprintf("node%d", i))
		a, err := f(ns.local)
		if err != nil {
			t.Fatalf("adaptertest: node %d: %v", i, err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if err := a.Close(ctx); err != nil {
				t.Errorf("adaptertest: close node %d: %v", i, err)
			}
			ns.wg.Wait()
		})
		c.nodes = append(c.nodes, &Node{Name: ns.node, Adapter: a, Local: ns.local, ns: ns})
	}
	for _, s := range c.specs {
		c.nodes[s.node].ns.addSocket(s.id, s.rooms)
	}
	c.waitServerCount(t)
	c.waitReady(t)
	return c
}

// waitReady waits until every node whose adapter is an adapter.Readier (the cluster adapters:
// Redis has confirmed its subscriptions, room channels included) is ready.
func (c *cluster) waitReady(t *testing.T) {
	t.Helper()
	for _, n := range c.nodes {
		if r, ok := n.Adapter.(adapter.Readier); ok {
			if err := r.Ready(ctxWait(t)); err != nil {
				t.Fatalf("adaptertest: %s not ready: %v", n.Name, err)
			}
		}
	}
}

// waitServerCount waits until every node sees every other (subscriptions may be asynchronous).
func (c *cluster) waitServerCount(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for _, n := range c.nodes {
		for {
			got, err := n.Adapter.ServerCount(context.Background())
			if err == nil && got == len(c.nodes) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("adaptertest: %s: server count %d (%v), want %d", n.Name, got, err, len(c.nodes))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// barrier makes sure every node has handled what node from published before, and returns, for
// every socket, the events it received meanwhile, in order. Messages of one kind arrive in
// order, but a backend may reorder requests and broadcasts (miniredis delivers channel and
// pattern subscriptions separately), so the barrier is a request that every node answers
// (FetchSockets), then a wait for every node to be ready (rooms created meanwhile may need
// subscriptions), then a broadcast marker that every socket receives.
func (c *cluster) barrier(t *testing.T, from int) map[string][]delivery {
	t.Helper()
	if _, err := c.nodes[from].Adapter.FetchSockets(ctxWait(t), adapter.Target{Rooms: []string{"barrier"}}); err != nil {
		t.Fatalf("adaptertest: barrier request: %v", err)
	}
	c.waitReady(t)
	name := fmt.Sprintf("barrier-%d", time.Now().UnixNano())
	if err := c.nodes[from].Adapter.Broadcast(context.Background(), eventPacket(t, name), adapter.Target{}); err != nil {
		t.Fatalf("adaptertest: barrier broadcast: %v", err)
	}
	out := make(map[string][]delivery)
	timeout := time.After(wait)
	for _, n := range c.nodes {
		for _, s := range n.ns.socketList() {
			var got []delivery
			for done := false; !done; {
				select {
				case d := <-s.got:
					if d.event == name {
						done = true
						continue
					}
					got = append(got, d)
				case <-timeout:
					t.Fatalf("adaptertest: socket %s on %s never got the barrier", s.id, n.Name)
				}
			}
			out[s.id] = got
		}
	}
	return out
}

// ---- the fake namespace ----

type delivery struct {
	event string
	args  []any
	raw   json.RawMessage // the packet's JSON payload
	flags adapter.Flags
	atts  int
}

type sse struct {
	args  []any
	acked bool
}

type fakeSocket struct {
	id   string
	data any
	hs   adapter.Handshake
	got  chan delivery
	// disconnected receives the close flag when the socket is disconnected.
	disconnected chan bool
}

type namespace struct {
	node  string
	local *adapter.Local
	wg    sync.WaitGroup // acknowledgements sent asynchronously, as clients do

	mu       sync.Mutex
	sockets  map[string]*fakeSocket
	silent   bool // server-side events are not answered
	received chan sse
}

func newNamespace(node string) *namespace {
	ns := &namespace{node: node, sockets: make(map[string]*fakeSocket), received: make(chan sse, 64)}
	ns.local = adapter.NewLocal(ns)
	return ns
}

func (ns *namespace) addSocket(id string, rooms []string) {
	s := &fakeSocket{
		id:   id,
		data: map[string]any{"node": ns.node, "n": 7, "tags": []any{"x", 1.5}},
		hs: adapter.Handshake{
			Headers: http.Header{"User-Agent": {"adaptertest"}},
			Query:   url.Values{"name": {id}},
			Auth:    map[string]any{"token": "t-" + id},
			Time:    "Sun Nov 22 2026 16:08:31 GMT+0000 (Coordinated Universal Time)",
			Issued:  1795363711473,
			URL:     "/socket.io/?name=" + id,
			Address: "127.0.0.1",
		},
		got:          make(chan delivery, 256),
		disconnected: make(chan bool, 1),
	}
	ns.mu.Lock()
	ns.sockets[id] = s
	ns.mu.Unlock()
	ns.local.AddAll(id, append([]string{id}, rooms...)...)
}

func (ns *namespace) socketList() []*fakeSocket {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	out := make([]*fakeSocket, 0, len(ns.sockets))
	for _, s := range ns.sockets {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (ns *namespace) Name() string { return "/" }

func (ns *namespace) Deliver(p *parser.Packet, ids []string, f adapter.Flags, onAck func(*parser.Packet)) int {
	name, args, err := parser.EventArgs(p)
	if err != nil {
		return 0
	}
	vals, err := args.Values()
	if err != nil {
		return 0
	}
	n := 0
	for _, id := range ids {
		ns.mu.Lock()
		s, ok := ns.sockets[id]
		ns.mu.Unlock()
		if !ok {
			continue
		}
		d := delivery{event: name, args: vals, raw: p.Data, flags: f, atts: len(p.Attachments)}
		select {
		case s.got <- d:
		default:
			continue // a full queue drops, as a real namespace would
		}
		n++
		if onAck != nil {
			ack, _, err := parser.MarshalArgs(id)
			if err != nil {
				continue
			}
			ap := &parser.Packet{Type: parser.Ack, Nsp: "/", ID: p.ID, HasID: true, Data: ack}
			ns.wg.Add(1)
			go func() { // clients answer later, from their connection's goroutine
				defer ns.wg.Done()
				onAck(ap)
			}()
		}
	}
	return n
}

func (ns *namespace) DisconnectSocket(id string, close bool) {
	ns.mu.Lock()
	s, ok := ns.sockets[id]
	delete(ns.sockets, id)
	ns.mu.Unlock()
	if !ok {
		return
	}
	ns.local.DelAll(id)
	s.disconnected <- close
}

func (ns *namespace) SocketInfo(id string) (adapter.SocketInfo, bool) {
	ns.mu.Lock()
	s, ok := ns.sockets[id]
	ns.mu.Unlock()
	if !ok {
		return adapter.SocketInfo{}, false
	}
	return adapter.SocketInfo{ID: id, Handshake: s.hs, Data: s.data}, true
}

func (ns *namespace) OnServerSideEmit(args []any, ack func(any)) {
	ns.mu.Lock()
	silent := ns.silent
	ns.mu.Unlock()
	ns.received <- sse{args: args, acked: ack != nil}
	if ack != nil && !silent {
		ack(map[string]any{"from": ns.node})
	}
}

var _ adapter.Namespace = (*namespace)(nil)

// ---- helpers ----

func eventPacket(t testing.TB, event string, args ...any) *parser.Packet {
	t.Helper()
	data, atts, err := parser.MarshalEvent(event, args...)
	if err != nil {
		t.Fatal(err)
	}
	return &parser.Packet{Type: parser.Event, Nsp: "/", Data: data, Attachments: atts}
}

func ctxWait(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}

// targets is the table of selections every operation is checked with.
var targets = []struct {
	name string
	t    adapter.Target
}{
	{"all", adapter.Target{}},
	{"one room", adapter.Target{Rooms: []string{"A"}}},
	{"a room with members on some nodes", adapter.Target{Rooms: []string{"even"}}},
	{"a room of one node", adapter.Target{Rooms: []string{"only1"}}},
	{"two rooms", adapter.Target{Rooms: []string{"even", "B"}}},
	{"except", adapter.Target{Except: []string{"B"}}},
	{"room except room", adapter.Target{Rooms: []string{"A"}, Except: []string{"even"}}},
	{"a socket id", adapter.Target{Rooms: []string{"s1b"}}},
	{"no such room", adapter.Target{Rooms: []string{"nobody"}}},
}

func receivers(got map[string][]delivery, event string) []string {
	var out []string
	for id, ds := range got {
		for _, d := range ds {
			if d.event == event {
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	return out
}

// ---- the tests ----

func testServerCount(t *testing.T, newNodes NewNodes) {
	c := newCluster(t, newNodes)
	for _, n := range c.nodes {
		got, err := n.Adapter.ServerCount(ctxWait(t))
		if err != nil || got != len(c.nodes) {
			t.Errorf("%s: ServerCount = %d, %v; want %d", n.Name, got, err, len(c.nodes))
		}
	}
}

func testBroadcast(t *testing.T, newNodes NewNodes) {
	c := newCluster(t, newNodes)
	for from := range c.nodes {
		for k, tc := range targets {
			ev := fmt.Sprintf("ev-%d-%d", from, k)
			if err := c.nodes[from].Adapter.Broadcast(ctxWait(t), eventPacket(t, ev, "hello", k), tc.t); err != nil {
				t.Fatalf("from %d, %s: %v", from, tc.name, err)
			}
			got := c.barrier(t, from)
			if r, want := receivers(got, ev), expect(c.specs, tc.t, -1); !slices.Equal(r, want) {
				t.Errorf("from node %d, %s: received by %v, want %v", from, tc.name, r, want)
			}
			for id, ds := range got {
				if len(ds) > 1 {
					t.Errorf("from node %d, %s: %s received %d events, want at most 1", from, tc.name, id, len(ds))
				}
			}
		}
	}
	// Local stays on the issuing node.
	for from := range c.nodes {
		for k, tc := range targets {
			ev := fmt.Sprintf("local-%d-%d", from, k)
			tg := tc.t
			tg.Flags.Local = true
			if err := c.nodes[from].Adapter.Broadcast(ctxWait(t), eventPacket(t, ev), tg); err != nil {
				t.Fatal(err)
			}
			got := c.barrier(t, from)
			if r, want := receivers(got, ev), expect(c.specs, tc.t, from); !slices.Equal(r, want) {
				t.Errorf("local from node %d, %s: received by %v, want %v", from, tc.name, r, want)
			}
		}
	}
}

func testBroadcastFlags(t *testing.T, newNodes NewNodes) {
	c := newCluster(t, newNodes)
	for from := range c.nodes {
		for _, f := range []adapter.Flags{{Volatile: true}, {NoCompress: true}, {Volatile: true, NoCompress: true}, {}} {
			ev := fmt.Sprintf("flags-%d-%v-%v", from, f.Volatile, f.NoCompress)
			if err := c.nodes[from].Adapter.Broadcast(ctxWait(t), eventPacket(t, ev), adapter.Target{Flags: f}); err != nil {
				t.Fatal(err)
			}
			for id, ds := range c.barrier(t, from) {
				if len(ds) != 1 {
					t.Fatalf("%s: %d deliveries, want 1", id, len(ds))
				}
				if got := ds[0].flags; got.Volatile != f.Volatile || got.NoCompress != f.NoCompress {
					t.Errorf("from node %d to %s: flags %+v, want %+v", from, id, got, f)
				}
			}
		}
	}
}

func testBroadcastValues(t *testing.T, newNodes NewNodes) {
	c := newCluster(t, newNodes)
	type point struct {
		X   int    `json:"x"`
		Y   int    `json:"y"`
		Bin []byte `json:"bin"`
	}
	args := []any{"text é ✓", 42, 2.5, -3, true, nil, []any{1, "two"},
		map[string]any{"b": 1, "a": []byte{1, 2, 3}}, []byte{0xde, 0xad}, point{X: 1, Y: 2, Bin: []byte{9}}}
	p := eventPacket(t, "values", args...)
	_, want, err := parser.EventArgs(p)
	if err != nil {
		t.Fatal(err)
	}
	wantVals, err := want.Values()
	if err != nil {
		t.Fatal(err)
	}
	for from := range c.nodes {
		if err := c.nodes[from].Adapter.Broadcast(ctxWait(t), p, adapter.Target{}); err != nil {
			t.Fatal(err)
		}
		for id, ds := range c.barrier(t, from) {
			if len(ds) != 1 {
				t.Fatalf("%s: %d deliveries, want 1", id, len(ds))
			}
			d := ds[0]
			if d.atts != len(p.Attachments) {
				t.Errorf("from node %d to %s: %d attachments, want %d", from, id, d.atts, len(p.Attachments))
			}
			if g, w := fmt.Sprint(d.args), fmt.Sprint(wantVals); g != w {
				t.Errorf("from node %d to %s: args\n got %s\nwant %s", from, id, g, w)
			}
			// Struct fields keep their order (x, y, bin) across nodes.
			if !containsOrdered(string(d.raw), `"x":1`, `"y":2`, `"bin":`) {
				t.Errorf("from node %d to %s: struct fields out of order: %s", from, id, d.raw)
			}
		}
	}
}

func containsOrdered(s string, parts ...string) bool {
	at := 0
	for _, p := range parts {
		i := indexFrom(s, p, at)
		if i < 0 {
			return false
		}
		at = i + len(p)
	}
	return true
}

func indexFrom(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func testBroadcastWithAck(t *testing.T, newNodes NewNodes) {
	c := newCluster(t, newNodes)
	for from := range c.nodes {
		for k, tc := range targets {
			want := expect(c.specs, tc.t, -1)
			var (
				mu     sync.Mutex
				counts []int
				acks   []string
				done   = make(chan struct{})
			)
			check := func() { // mu held
				total := 0
				for _, n := range counts {
					total += n
				}
				if len(counts) == len(c.nodes) && len(acks) == total {
					select {
					case <-done:
					default:
						close(done)
					}
				}
			}
			tg := tc.t
			tg.Flags.Timeout = wait
			p := eventPacket(t, fmt.Sprintf("ask-%d-%d", from, k))
			p.ID, p.HasID = uint64(100+k), true
			err := c.nodes[from].Adapter.BroadcastWithAck(ctxWait(t), p, tg,
				func(n int) { mu.Lock(); counts = append(counts, n); check(); mu.Unlock() },
				func(a *parser.Packet) {
					args, err := parser.AckArgs(a)
					var id string
					if err == nil {
						err = args.Bind(0, &id)
					}
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						t.Errorf("undecodable ack: %v", err)
					}
					acks = append(acks, id)
					check()
				})
			if err != nil {
				t.Fatalf("from node %d, %s: %v", from, tc.name, err)
			}
			select {
			case <-done:
			case <-time.After(wait):
			}
			mu.Lock()
			total := 0
			for _, n := range counts {
				total += n
			}
			sort.Strings(acks)
			if len(counts) != len(c.nodes) || total != len(want) || !slices.Equal(acks, want) {
				t.Errorf("from node %d, %s: counts %v (want %d nodes, %d clients), acks %v, want %v",
					from, tc.name, counts, len(c.nodes), len(want), acks, want)
			}
			mu.Unlock()
			c.barrier(t, from)
		}
	}
}

func testFetchSockets(t *testing.T, newNodes NewNodes) {
	c := newCluster(t, newNodes)
	for from := range c.nodes {
		for _, tc := range targets {
			got, err := c.nodes[from].Adapter.FetchSockets(ctxWait(t), tc.t)
			if err != nil {
				t.Fatalf("from node %d, %s: %v", from, tc.name, err)
			}
			var ids []string
			for _, s := range got {
				ids = append(ids, s.ID)
			}
			sort.Strings(ids)
			if want := expect(c.specs, tc.t, -1); !slices.Equal(ids, want) {
				t.Errorf("from node %d, %s: fetched %v, want %v", from, tc.name, ids, want)
			}
			for _, s := range got {
				checkSocketInfo(t, c, from, s)
			}
		}
		tg := adapter.Target{Flags: adapter.Flags{Local: true}}
		got, err := c.nodes[from].Adapter.FetchSockets(ctxWait(t), tg)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Errorf("local fetch from node %d: %d sockets, want 2", from, len(got))
		}
	}
}

func checkSocketInfo(t *testing.T, c *cluster, from int, s adapter.SocketInfo) {
	t.Helper()
	var spec socketSpec
	for _, sp := range c.specs {
		if sp.id == s.ID {
			spec = sp
		}
	}
	if local := spec.node == from; local != (s.Node == "") {
		t.Errorf("from node %d: %s has Node %q (socket of node %d)", from, s.ID, s.Node, spec.node)
	}
	wantRooms := append([]string{s.ID}, spec.rooms...)
	sort.Strings(wantRooms)
	rooms := slices.Clone(s.Rooms)
	sort.Strings(rooms)
	if !slices.Equal(rooms, wantRooms) {
		t.Errorf("from node %d: %s rooms %v, want %v", from, s.ID, rooms, wantRooms)
	}
	data, _ := json.Marshal(s.Data)
	wantData, _ := json.Marshal(map[string]any{"node": fmt.Sprintf("node%d", spec.node), "n": 7, "tags": []any{"x", 1.5}})
	if string(data) != string(wantData) {
		t.Errorf("from node %d: %s data %s, want %s", from, s.ID, data, wantData)
	}
	h := s.Handshake
	if h.Query.Get("name") != s.ID || h.Auth["token"] != "t-"+s.ID || h.Headers.Get("User-Agent") != "adaptertest" ||
		h.Issued != 1795363711473 || h.Address != "127.0.0.1" || h.URL != "/socket.io/?name="+s.ID || h.Time == "" {
		t.Errorf("from node %d: %s handshake %+v", from, s.ID, h)
	}
}

func testJoinLeave(t *testing.T, newNodes NewNodes) {
	c := newCluster(t, newNodes)
	roomsOf := func(id string) []string {
		for _, n := range c.nodes {
			if n.Local.HasSocket(id) {
				return n.Local.SocketRooms(id)
			}
		}
		return nil
	}
	for from := range c.nodes {
		for k, tc := range targets {
			room := fmt.Sprintf("joined-%d-%d", from, k)
			if err := c.nodes[from].Adapter.AddSockets(ctxWait(t), tc.t, []string{room, room + "-bis"}); err != nil {
				t.Fatal(err)
			}
			c.barrier(t, from)
			var in []string
			for _, s := range c.specs {
				if r := roomsOf(s.id); slices.Contains(r, room) && slices.Contains(r, room+"-bis") {
					in = append(in, s.id)
				}
			}
			sort.Strings(in)
			if want := expect(c.specs, tc.t, -1); !slices.Equal(in, want) {
				t.Errorf("join from node %d, %s: %v joined, want %v", from, tc.name, in, want)
			}
			// A broadcast to the new room reaches them, from any node.
			ev := fmt.Sprintf("to-joined-%d-%d", from, k)
			other := (from + 1) % len(c.nodes)
			if err := c.nodes[other].Adapter.Broadcast(ctxWait(t), eventPacket(t, ev), adapter.Target{Rooms: []string{room}}); err != nil {
				t.Fatal(err)
			}
			if got := receivers(c.barrier(t, other), ev); !slices.Equal(got, in) {
				t.Errorf("broadcast to %s from node %d: received by %v, want %v", room, other, got, in)
			}
			if err := c.nodes[from].Adapter.DelSockets(ctxWait(t), adapter.Target{}, []string{room}); err != nil {
				t.Fatal(err)
			}
			c.barrier(t, from)
			for _, s := range c.specs {
				if r := roomsOf(s.id); slices.Contains(r, room) {
					t.Errorf("leave from node %d: %s still in %s", from, s.id, room)
				} else if slices.Contains(in, s.id) && !slices.Contains(r, room+"-bis") {
					t.Errorf("leave from node %d: %s left %s-bis too", from, s.id, room)
				}
			}
		}
	}
}

func testDisconnect(t *testing.T, newNodes NewNodes) {
	for _, close := range []bool{false, true} {
		c := newCluster(t, newNodes)
		from := len(c.nodes) - 1
		tg := adapter.Target{Rooms: []string{"A"}, Except: []string{"even"}}
		if len(c.nodes) == 1 {
			tg = adapter.Target{Rooms: []string{"A"}}
		}
		want := expect(c.specs, tg, -1)
		if err := c.nodes[from].Adapter.DisconnectSockets(ctxWait(t), tg, close); err != nil {
			t.Fatal(err)
		}
		for _, n := range c.nodes {
			for _, s := range n.ns.socketList() {
				if slices.Contains(want, s.id) {
					continue
				}
				select {
				case <-s.disconnected:
					t.Errorf("%s disconnected, but it was not selected", s.id)
				default:
				}
			}
		}
		var gone []string
		for _, sp := range c.specs {
			if !slices.Contains(want, sp.id) {
				continue
			}
			n := c.nodes[sp.node]
			n.ns.mu.Lock()
			s := n.ns.sockets[sp.id]
			n.ns.mu.Unlock()
			if s == nil {
				gone = append(gone, sp.id) // already disconnected (local)
				continue
			}
			select {
			case got := <-s.disconnected:
				if got != close {
					t.Errorf("%s disconnected with close=%v, want %v", sp.id, got, close)
				}
				gone = append(gone, sp.id)
			case <-time.After(wait):
				t.Errorf("%s was not disconnected", sp.id)
			}
		}
		if len(gone) != len(want) {
			t.Errorf("disconnected %v, want %v", gone, want)
		}
		c.barrier(t, from) // the others are still there
	}
}

func testServerSideEmit(t *testing.T, newNodes NewNodes) {
	c := newCluster(t, newNodes)
	for from := range c.nodes {
		if _, err := c.nodes[from].Adapter.ServerSideEmit(ctxWait(t), []any{"hello", "from", from}, false); err != nil {
			t.Fatal(err)
		}
		for i, n := range c.nodes {
			if i == from {
				continue
			}
			select {
			case got := <-n.ns.received:
				if s := fmt.Sprint(got.args); s != fmt.Sprint([]any{"hello", "from", from}) || got.acked {
					t.Errorf("node %d got %s (ack %v) from node %d", i, s, got.acked, from)
				}
			case <-time.After(wait):
				t.Fatalf("node %d did not get the server-side event of node %d", i, from)
			}
		}
		res, err := c.nodes[from].Adapter.ServerSideEmit(ctxWait(t), []any{"question", map[string]any{"q": 1}}, true)
		if err != nil {
			t.Fatalf("from node %d: %v", from, err)
		}
		var froms []string
		for _, v := range res {
			b, _ := json.Marshal(v)
			var m struct{ From string }
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			froms = append(froms, m.From)
		}
		sort.Strings(froms)
		var want []string
		for i, n := range c.nodes {
			if i != from {
				want = append(want, n.Name)
				<-n.ns.received
			}
		}
		if !slices.Equal(froms, want) {
			t.Errorf("answers to node %d from %v, want %v", from, froms, want)
		}
		select {
		case got := <-c.nodes[from].ns.received:
			t.Errorf("node %d received its own server-side event %v", from, got.args)
		default:
		}
	}
}

func testServerSideEmitTimeout(t *testing.T, newNodes NewNodes) {
	c := newCluster(t, newNodes)
	if len(c.nodes) < 2 {
		t.Skip("needs two nodes")
	}
	silent := c.nodes[len(c.nodes)-1].ns
	silent.mu.Lock()
	silent.silent = true
	silent.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := c.nodes[0].Adapter.ServerSideEmit(ctx, []any{"question"}, true)
	if !errors.Is(err, adapter.ErrTimeout) {
		t.Fatalf("error %v, want one wrapping adapter.ErrTimeout", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("timed out after %v, want about 500ms", el)
	}
	if len(res) != len(c.nodes)-2 {
		t.Errorf("%d partial answers, want %d", len(res), len(c.nodes)-2)
	}
}

func testAllRooms(t *testing.T, newNodes NewNodes) {
	c := newCluster(t, newNodes)
	want := map[string]bool{}
	for _, s := range c.specs {
		want[s.id] = true
		for _, r := range s.rooms {
			want[r] = true
		}
	}
	for from := range c.nodes {
		got, err := c.nodes[from].Adapter.AllRooms(ctxWait(t))
		if errors.Is(err, errors.ErrUnsupported) {
			// A wire family without allRooms (the sharded one) gives this node's rooms.
			local := map[string]bool{}
			for _, s := range c.specs {
				if s.node == from {
					local[s.id] = true
					for _, r := range s.rooms {
						local[r] = true
					}
				}
			}
			set := map[string]bool{}
			for _, r := range got {
				set[r] = true
			}
			if fmt.Sprint(set) != fmt.Sprint(local) {
				t.Errorf("AllRooms from node %d (unsupported) = %v, want its own rooms %v", from, set, local)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		for _, r := range got {
			set[r] = true
		}
		if fmt.Sprint(set) != fmt.Sprint(want) {
			t.Errorf("AllRooms from node %d = %v, want %v", from, set, want)
		}
	}
}

func testClosed(t *testing.T, newNodes NewNodes) {
	c := newCluster(t, newNodes)
	a := c.nodes[0].Adapter
	if err := a.Close(ctxWait(t)); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(ctxWait(t)); err != nil {
		t.Errorf("second Close: %v", err)
	}
	ctx := ctxWait(t)
	checks := map[string]error{
		"Broadcast":         a.Broadcast(ctx, eventPacket(t, "x"), adapter.Target{}),
		"AddSockets":        a.AddSockets(ctx, adapter.Target{}, []string{"r"}),
		"DelSockets":        a.DelSockets(ctx, adapter.Target{}, []string{"r"}),
		"DisconnectSockets": a.DisconnectSockets(ctx, adapter.Target{}, false),
	}
	_, checks["FetchSockets"] = a.FetchSockets(ctx, adapter.Target{})
	_, checks["ServerSideEmit"] = a.ServerSideEmit(ctx, []any{"x"}, true)
	_, checks["AllRooms"] = a.AllRooms(ctx)
	for op, err := range checks {
		if !errors.Is(err, adapter.ErrClosed) {
			t.Errorf("%s after Close: %v, want adapter.ErrClosed", op, err)
		}
	}
	if len(c.nodes) > 1 {
		// The others no longer count it.
		deadline := time.Now().Add(wait)
		for {
			n, err := c.nodes[1].Adapter.ServerCount(ctx)
			if err == nil && n == len(c.nodes)-1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("server count after a node closed: %d, %v; want %d", n, err, len(c.nodes)-1)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
