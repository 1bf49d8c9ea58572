package adapter_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/parser"
)

// fakeNS records what the index asks of the namespace.
type fakeNS struct {
	mu           sync.Mutex
	delivered    map[string]int // socket id -> packets received
	flags        []adapter.Flags
	disconnected map[string]bool
	sse          [][]any
}

func newFakeNS() *fakeNS {
	return &fakeNS{delivered: map[string]int{}, disconnected: map[string]bool{}}
}

func (f *fakeNS) Name() string { return "/" }
func (f *fakeNS) Deliver(p *parser.Packet, ids []string, fl adapter.Flags, onAck func(*parser.Packet)) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flags = append(f.flags, fl)
	for _, id := range ids {
		f.delivered[id]++
		if onAck != nil {
			onAck(&parser.Packet{Type: parser.Ack, Data: []byte(`["` + id + `"]`)})
		}
	}
	return len(ids)
}
func (f *fakeNS) DisconnectSocket(id string, close bool) {
	f.mu.Lock()
	f.disconnected[id] = close
	f.mu.Unlock()
}
func (f *fakeNS) SocketInfo(id string) (adapter.SocketInfo, bool) {
	return adapter.SocketInfo{ID: id, Data: "data-" + id}, true
}
func (f *fakeNS) OnServerSideEmit(args []any, ack func(any)) {
	f.mu.Lock()
	f.sse = append(f.sse, args)
	f.mu.Unlock()
}

func (f *fakeNS) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.delivered {
		out = append(out, id)
	}
	slices.Sort(out)
	clear(f.delivered)
	return out
}

// setup builds: a in r1; b in r1,r2; c in r2; d in nothing but its own room.
func setup(t *testing.T) (*adapter.Local, *fakeNS) {
	t.Helper()
	ns := newFakeNS()
	l := adapter.NewLocal(ns)
	for _, id := range []string{"a", "b", "c", "d"} {
		l.AddAll(id, id)
	}
	l.AddAll("a", "r1")
	l.AddAll("b", "r1", "r2")
	l.AddAll("c", "r2")
	return l, ns
}

func TestSelect(t *testing.T) {
	l, _ := setup(t)
	cases := []struct {
		name string
		t    adapter.Target
		want []string
	}{
		{"all", adapter.Target{}, []string{"a", "b", "c", "d"}},
		{"one room", adapter.Target{Rooms: []string{"r1"}}, []string{"a", "b"}},
		{"two rooms, no duplicates", adapter.Target{Rooms: []string{"r1", "r2"}}, []string{"a", "b", "c"}},
		{"except", adapter.Target{Except: []string{"r2"}}, []string{"a", "d"}},
		{"room except room", adapter.Target{Rooms: []string{"r1"}, Except: []string{"r2"}}, []string{"a"}},
		{"socket id as room", adapter.Target{Rooms: []string{"c"}}, []string{"c"}},
		{"except own id", adapter.Target{Rooms: []string{"r1", "r2"}, Except: []string{"b"}}, []string{"a", "c"}},
		{"unknown room", adapter.Target{Rooms: []string{"nope"}}, nil},
	}
	for _, c := range cases {
		got := l.Select(c.t)
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRoomsLifecycle(t *testing.T) {
	l, _ := setup(t)
	var mu sync.Mutex
	changes := map[string]bool{}
	l.OnRoomChange(func(room string, exists bool) {
		mu.Lock()
		changes[room] = exists
		mu.Unlock()
	})
	if got := l.SocketRooms("b"); !slices.Equal(got, []string{"b", "r1", "r2"}) {
		t.Fatalf("rooms of b = %v", got)
	}
	l.Del("a", "r1")
	if _, seen := changes["r1"]; seen {
		t.Fatal("r1 still has b; it must not be reported empty")
	}
	l.DelAll("b")
	if l.HasSocket("b") || l.SocketRooms("b") != nil {
		t.Fatal("b still indexed after DelAll")
	}
	if changes["r1"] || changes["b"] {
		t.Fatalf("rooms r1 and b should be reported empty: %v", changes)
	}
	if l.RoomSize("r2") != 1 {
		t.Fatalf("r2 size = %d, want 1", l.RoomSize("r2"))
	}
	l.AddAll("d", "new")
	if !changes["new"] {
		t.Fatal("creation of room new not reported")
	}
	if got := l.Rooms(); !slices.Equal(got, []string{"a", "c", "d", "new", "r2"}) {
		t.Fatalf("Rooms() = %v", got)
	}
}

func TestMemoryAdapter(t *testing.T) {
	ctx := context.Background()
	l, ns := setup(t)
	a, err := adapter.Memory(l)
	if err != nil {
		t.Fatal(err)
	}
	p := &parser.Packet{Type: parser.Event, Nsp: "/", Data: []byte(`["x"]`)}
	if err := a.Broadcast(ctx, p, adapter.Target{Rooms: []string{"r2"}, Flags: adapter.Flags{Volatile: true}}); err != nil {
		t.Fatal(err)
	}
	if got := ns.got(); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("broadcast reached %v", got)
	}
	if !ns.flags[0].Volatile {
		t.Fatal("flags not passed to the namespace")
	}

	var count int
	var acks []string
	err = a.BroadcastWithAck(ctx, p, adapter.Target{Rooms: []string{"r1"}}, func(n int) { count += n }, func(ack *parser.Packet) {
		acks = append(acks, string(ack.Data))
	})
	if err != nil || count != 2 || len(acks) != 2 {
		t.Fatalf("broadcast with ack: err=%v count=%d acks=%v", err, count, acks)
	}

	infos, err := a.FetchSockets(ctx, adapter.Target{Rooms: []string{"r1"}, Except: []string{"r2"}})
	if err != nil || len(infos) != 1 || infos[0].ID != "a" || infos[0].Data != "data-a" || !slices.Equal(infos[0].Rooms, []string{"a", "r1"}) {
		t.Fatalf("fetch = %+v, %v", infos, err)
	}

	if err := a.AddSockets(ctx, adapter.Target{Rooms: []string{"r2"}}, []string{"r3"}); err != nil {
		t.Fatal(err)
	}
	if got := l.Select(adapter.Target{Rooms: []string{"r3"}}); len(got) != 2 {
		t.Fatalf("r3 = %v", got)
	}
	if err := a.DelSockets(ctx, adapter.Target{}, []string{"r3"}); err != nil {
		t.Fatal(err)
	}
	if l.RoomSize("r3") != 0 {
		t.Fatal("r3 not emptied")
	}
	if err := a.DisconnectSockets(ctx, adapter.Target{Rooms: []string{"r1"}}, true); err != nil {
		t.Fatal(err)
	}
	if len(ns.disconnected) != 2 || !ns.disconnected["a"] || !ns.disconnected["b"] {
		t.Fatalf("disconnected = %v", ns.disconnected)
	}
	if n, err := a.ServerCount(ctx); n != 1 || err != nil {
		t.Fatalf("server count %d %v", n, err)
	}
	if res, err := a.ServerSideEmit(ctx, []any{"hello"}, true); len(res) != 0 || err != nil {
		t.Fatalf("server side emit on a single node = %v, %v", res, err)
	}
	if rooms, _ := a.AllRooms(ctx); !slices.Contains(rooms, "r1") {
		t.Fatalf("all rooms = %v", rooms)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Broadcast(ctx, p, adapter.Target{}); err != adapter.ErrClosed {
		t.Fatalf("broadcast after close: %v", err)
	}
}
