package emitter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/emitter"
	"github.com/gosockio/gosockio/internal/wire"
)

var ctx = context.Background()

// broadcast decodes a captured broadcast as a Node server would.
func broadcast(t testing.TB, m published) wire.ClassicBroadcast {
	t.Helper()
	var b wire.ClassicBroadcast
	if err := wire.UnmarshalClassicBroadcast(m.Payload, &b); err != nil {
		t.Fatalf("broadcast on %s does not decode: %v (%x)", m.Channel, err, m.Payload)
	}
	if b.UID != wire.EmitterUID {
		t.Errorf("uid %q, want %q", b.UID, wire.EmitterUID)
	}
	return b
}

// request decodes a captured request as a Node server would.
func request(t testing.TB, m published) wire.ClassicRequest {
	t.Helper()
	if len(m.Payload) == 0 || m.Payload[0] != '{' {
		t.Fatalf("request on %s is not JSON: %x", m.Channel, m.Payload)
	}
	var r wire.ClassicRequest
	if err := wire.UnmarshalClassicRequest(m.Payload, &r); err != nil {
		t.Fatalf("request on %s does not decode: %v (%s)", m.Channel, err, m.Payload)
	}
	return r
}

func TestEmitTargetsAndChannels(t *testing.T) {
	rdb, key := newRedis(t)
	rec := record(t, rdb, key)
	e := emitter.New(rdb, emitter.Options{Key: key})
	ns := key + "#/#"
	cases := []struct {
		name    string
		op      emitter.BroadcastOperator
		channel string
		rooms   []string
		except  []string
	}{
		{"to one room", e.To("r1"), key + "#/#r1#", []string{"r1"}, nil},
		{"in is to", e.In("r1"), key + "#/#r1#", []string{"r1"}, nil},
		{"one room twice", e.To("r1").To("r1"), key + "#/#r1#", []string{"r1"}, nil},
		{"one room with except", e.To("r1").Except("r2"), key + "#/#r1#", []string{"r1"}, []string{"r2"}},
		{"two rooms", e.To("r1").In("r2", "r1"), ns, []string{"r1", "r2"}, nil},
		{"except only", e.Except("a", "b").Except("a"), ns, nil, []string{"a", "b"}},
		{"many rooms", e.To(manyRooms(40)...).To(manyRooms(50)...).In("r3"), ns, manyRooms(50), nil},
		{"socket id as room", e.To("eHFQ5kCHWIQoslduAAAC"), key + "#/#eHFQ5kCHWIQoslduAAAC#", []string{"eHFQ5kCHWIQoslduAAAC"}, nil},
		{"namespace", e.Of("/chat").To("x"), key + "#/chat#x#", []string{"x"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.op.Emit(ctx, "ev", c.name); err != nil {
				t.Fatal(err)
			}
			b := broadcast(t, rec.nextIs(c.channel))
			if got := wire.RoomNames(b.Opts.Rooms); !reflect.DeepEqual(got, c.rooms) {
				t.Errorf("rooms %q, want %q", got, c.rooms)
			}
			if got := wire.RoomNames(b.Opts.Except); !reflect.DeepEqual(got, c.except) {
				t.Errorf("except %q, want %q", got, c.except)
			}
			if !reflect.DeepEqual(b.Packet.Data, []any{"ev", c.name}) {
				t.Errorf("data %v", b.Packet.Data)
			}
			if b.Packet.Type != wire.PacketEvent {
				t.Errorf("packet type %v, want EVENT", b.Packet.Type)
			}
		})
	}
}

// manyRooms is r0, r1, … r(n-1).
func manyRooms(n int) []string {
	rooms := make([]string, n)
	for i := range rooms {
		rooms[i] = fmt.Sprint("r", i)
	}
	return rooms
}

func TestOf(t *testing.T) {
	rdb, key := newRedis(t)
	rec := record(t, rdb, key)
	e := emitter.New(rdb, emitter.Options{Key: key})
	for _, c := range []struct{ in, want string }{
		{"admin", "/admin"}, {"/admin", "/admin"}, {"", "/"}, {"/", "/"}, {"a/b", "/a/b"},
	} {
		sub := e.Of("/other").Of(c.in)
		if sub.Namespace() != c.want {
			t.Errorf("Of(%q).Namespace() = %q, want %q", c.in, sub.Namespace(), c.want)
		}
		if err := sub.Emit(ctx, "ev"); err != nil {
			t.Fatal(err)
		}
		if b := broadcast(t, rec.nextIs(key+"#"+c.want+"#")); b.Packet.Nsp != c.want {
			t.Errorf("Of(%q): packet nsp %q, want %q", c.in, b.Packet.Nsp, c.want)
		}
		if err := sub.SocketsJoin(ctx, "r"); err != nil {
			t.Fatal(err)
		}
		rec.nextIs(key + "-request#" + c.want + "#")
	}
	if e.Namespace() != "/" {
		t.Errorf("New: namespace %q, want /", e.Namespace())
	}
}

// Modifiers return copies: an operator kept aside is not changed by later chains.
func TestOperatorsAreValues(t *testing.T) {
	rdb, key := newRedis(t)
	rec := record(t, rdb, key)
	e := emitter.New(rdb, emitter.Options{Key: key})

	base := e.To("a")
	withB := base.To("b")
	withC := base.To("c") // shares base's history with withB, must not see "b"
	vol := base.Volatile()
	exc := withB.Except("x")
	for _, c := range []struct {
		op             emitter.BroadcastOperator
		rooms, except  []string
		volatile, comp bool
	}{
		{base, []string{"a"}, nil, false, false},
		{withB, []string{"a", "b"}, nil, false, false},
		{withC, []string{"a", "c"}, nil, false, false},
		{vol, []string{"a"}, nil, true, false},
		{exc, []string{"a", "b"}, []string{"x"}, false, false},
		{base.Compress(true), []string{"a"}, nil, false, true},
	} {
		if err := c.op.Emit(ctx, "ev"); err != nil {
			t.Fatal(err)
		}
		b := broadcast(t, rec.next())
		if got := wire.RoomNames(b.Opts.Rooms); !reflect.DeepEqual(got, c.rooms) {
			t.Errorf("rooms %q, want %q", got, c.rooms)
		}
		if got := wire.RoomNames(b.Opts.Except); !reflect.DeepEqual(got, c.except) {
			t.Errorf("except %q, want %q", got, c.except)
		}
		if b.Opts.Flags.Volatile != c.volatile || b.Opts.Flags.HasCompress != c.comp || b.Opts.Flags.Compress != c.comp {
			t.Errorf("rooms %q: flags %+v, want volatile=%v compress=%v", c.rooms, b.Opts.Flags, c.volatile, c.comp)
		}
	}
}

type point struct {
	X      int     `json:"x"`
	Label  string  `json:"label,omitempty"`
	Hidden string  `json:"-"`
	Blob   []byte  `json:"blob"`
	Ratio  float64 `json:"ratio"`
	Next   *point  `json:"next"`
}

type upper string

func (u upper) MarshalJSON() ([]byte, error) { return json.Marshal(strings.ToUpper(string(u))) }

// Go values reach the servers as the JavaScript values internal/wire documents.
func TestEmitValues(t *testing.T) {
	rdb, key := newRedis(t)
	rec := record(t, rdb, key)
	e := emitter.New(rdb, emitter.Options{Key: key})
	when := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	args := []any{
		nil, true, 42, int64(-7), uint8(200), 2.5, float32(1), "héllo ✓",
		[]byte{0, 1, 0xff},
		[]string{"a", "b"},
		map[string]any{"b": 1, "a": []byte{9}},
		point{X: 1, Hidden: "secret", Blob: []byte{7}, Ratio: 0.5, Next: &point{X: 2}},
		&point{X: 3, Label: "p"},
		json.RawMessage(`{"z":1,"a":[true,null]}`),
		json.Number("5000000000"),
		upper("shout"),
		when,
		[]any{[]byte{}, map[string]string{"k": "v"}},
	}
	if err := e.Emit(ctx, "values", args...); err != nil {
		t.Fatal(err)
	}
	b := broadcast(t, rec.nextIs(key+"#/#"))
	obj := func(kv ...any) wire.Object {
		var o wire.Object
		for i := 0; i < len(kv); i += 2 {
			o = append(o, wire.Member{Key: kv[i].(string), Value: kv[i+1]})
		}
		return o
	}
	want := []any{
		"values",
		nil, true, int64(42), int64(-7), int64(200), 2.5, int64(1), "héllo ✓",
		[]byte{0, 1, 0xff},
		[]any{"a", "b"},
		obj("a", []byte{9}, "b", int64(1)),
		obj("x", int64(1), "blob", []byte{7}, "ratio", 0.5, "next",
			obj("x", int64(2), "blob", nil, "ratio", int64(0), "next", nil)),
		obj("x", int64(3), "label", "p", "blob", nil, "ratio", int64(0), "next", nil),
		obj("z", int64(1), "a", []any{true, nil}),
		int64(5000000000),
		"SHOUT",
		when,
		[]any{[]byte{}, obj("k", "v")},
	}
	if len(b.Packet.Data) != len(want) {
		t.Fatalf("got %d values, want %d: %#v", len(b.Packet.Data), len(want), b.Packet.Data)
	}
	for i := range want {
		if !equalValue(b.Packet.Data[i], want[i]) {
			t.Errorf("value %d: got %#v, want %#v", i, b.Packet.Data[i], want[i])
		}
	}
}

// equalValue compares decoded values; struct fields are compared as sets of keys, since
// their order is vmihailenco/msgpack's.
func equalValue(got, want any) bool {
	if wo, ok := want.(wire.Object); ok {
		go_, ok := got.(wire.Object)
		if !ok || len(go_) != len(wo) {
			return false
		}
		for _, m := range wo {
			v, ok := go_.Get(m.Key)
			if !ok || !equalValue(v, m.Value) {
				return false
			}
		}
		return true
	}
	if wa, ok := want.([]any); ok {
		ga, ok := got.([]any)
		if !ok || len(ga) != len(wa) {
			return false
		}
		for i := range wa {
			if !equalValue(ga[i], wa[i]) {
				return false
			}
		}
		return true
	}
	if wt, ok := want.(time.Time); ok {
		gt, ok := got.(time.Time)
		return ok && gt.Equal(wt)
	}
	return reflect.DeepEqual(got, want)
}

func TestRoomRequests(t *testing.T) {
	rdb, key := newRedis(t)
	rec := record(t, rdb, key)
	e := emitter.New(rdb, emitter.Options{Key: key})
	reqCh := key + "-request#/#"
	op := e.To("a", "b").Except("c").Volatile().Compress(true) // flags are not forwarded

	check := func(r wire.ClassicRequest, typ wire.RequestType, rooms []string) {
		t.Helper()
		if r.Type != typ || r.UID != "" || r.RequestID != "" {
			t.Errorf("type %v uid %q requestId %q, want %v without uid and requestId", r.Type, r.UID, r.RequestID, typ)
		}
		if got := wire.RoomNames(r.Opts.Rooms); !reflect.DeepEqual(got, []string{"a", "b"}) {
			t.Errorf("%v: opts.rooms %q", typ, got)
		}
		if got := wire.RoomNames(r.Opts.Except); !reflect.DeepEqual(got, []string{"c"}) {
			t.Errorf("%v: opts.except %q", typ, got)
		}
		if !r.Opts.Flags.IsZero() {
			t.Errorf("%v: flags forwarded: %+v", typ, r.Opts.Flags)
		}
		if got := wire.RoomNames(r.Rooms); !reflect.DeepEqual(got, rooms) {
			t.Errorf("%v: rooms %q, want %q", typ, got, rooms)
		}
	}
	if err := op.SocketsJoin(ctx, "x", "y"); err != nil {
		t.Fatal(err)
	}
	check(request(t, rec.nextIs(reqCh)), wire.RequestRemoteJoin, []string{"x", "y"})
	if err := op.SocketsLeave(ctx, "y"); err != nil {
		t.Fatal(err)
	}
	check(request(t, rec.nextIs(reqCh)), wire.RequestRemoteLeave, []string{"y"})
	for _, closeConn := range []bool{true, false} {
		if err := op.DisconnectSockets(ctx, closeConn); err != nil {
			t.Fatal(err)
		}
		r := request(t, rec.nextIs(reqCh))
		check(r, wire.RequestRemoteDisconnect, nil)
		if r.Close != closeConn {
			t.Errorf("close %v, want %v", r.Close, closeConn)
		}
	}

	// Whole namespace: empty opts lists, written as [] (null would mean something else to Node).
	if err := e.SocketsJoin(ctx, "all"); err != nil {
		t.Fatal(err)
	}
	if m := rec.nextIs(reqCh); string(m.Payload) != `{"type":2,"opts":{"rooms":[],"except":[]},"rooms":["all"]}` {
		t.Errorf("namespace-wide join: %s", m.Payload)
	}
	if err := e.SocketsLeave(ctx, "all"); err != nil {
		t.Fatal(err)
	}
	if m := rec.nextIs(reqCh); string(m.Payload) != `{"type":3,"opts":{"rooms":[],"except":[]},"rooms":["all"]}` {
		t.Errorf("namespace-wide leave: %s", m.Payload)
	}
	if err := e.DisconnectSockets(ctx, true); err != nil {
		t.Fatal(err)
	}
	if m := rec.nextIs(reqCh); string(m.Payload) != `{"type":4,"opts":{"rooms":[],"except":[]},"close":true}` {
		t.Errorf("namespace-wide disconnect: %s", m.Payload)
	}

	// Join or leave nothing: nothing to publish.
	if err := op.SocketsJoin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.SocketsLeave(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Emit(ctx, "marker"); err != nil {
		t.Fatal(err)
	}
	rec.nextIs(key + "#/#") // the marker comes first: the empty joins published nothing
}

func TestServerSideEmit(t *testing.T) {
	rdb, key := newRedis(t)
	rec := record(t, rdb, key)
	e := emitter.New(rdb, emitter.Options{Key: key})
	if err := e.Of("admin").ServerSideEmit(ctx, "sync", 1, []byte{1, 2}, map[string]any{"s": "<&>"}); err != nil {
		t.Fatal(err)
	}
	m := rec.nextIs(key + "-request#/admin#")
	const want = `{"uid":"emitter","type":6,"data":["sync",1,{"type":"Buffer","data":[1,2]},{"s":"<&>"}]}`
	if string(m.Payload) != want {
		t.Errorf("got  %s\nwant %s", m.Payload, want)
	}
	// Without arguments; then "connection", reserved for ServerSideEmit only, as a client event.
	if err := e.ServerSideEmit(ctx, "no-args"); err != nil {
		t.Fatal(err)
	}
	if r := request(t, rec.nextIs(key+"-request#/#")); !reflect.DeepEqual(r.Args, []any{"no-args"}) || r.RequestID != "" {
		t.Errorf("got %+v", r)
	}
	if err := e.Emit(ctx, "connection", "is a client event"); err != nil {
		t.Errorf("Emit(connection): %v", err)
	}
	rec.nextIs(key + "#/#")
}

// Refused operations publish nothing and say why.
func TestRefused(t *testing.T) {
	rdb, key := newRedis(t)
	rec := record(t, rdb, key)
	e := emitter.New(rdb, emitter.Options{Key: key})
	ack := func(...any) {}
	reserved := []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
	type call struct {
		name string
		do   func() error
		want error
	}
	var calls []call
	for _, ev := range reserved {
		calls = append(calls,
			call{"Emit " + ev, func() error { return e.Emit(ctx, ev, 1) }, emitter.ErrReservedEvent},
			call{"To.Emit " + ev, func() error { return e.To("r").Volatile().Emit(ctx, ev) }, emitter.ErrReservedEvent},
			call{"ServerSideEmit " + ev, func() error { return e.ServerSideEmit(ctx, ev) }, emitter.ErrReservedEvent},
		)
	}
	for _, ev := range []string{"connection", "new_namespace"} {
		calls = append(calls, call{"ServerSideEmit " + ev, func() error { return e.ServerSideEmit(ctx, ev, "x") }, emitter.ErrReservedEvent})
	}
	calls = append(calls,
		call{"Emit with ack func", func() error { return e.Emit(ctx, "ev", 1, ack) }, emitter.ErrAckNotSupported},
		call{"Emit with func() ack", func() error { return e.To("r").Emit(ctx, "ev", func() {}) }, emitter.ErrAckNotSupported},
		call{"ServerSideEmit with ack func", func() error { return e.ServerSideEmit(ctx, "ev", ack) }, emitter.ErrAckNotSupported},
		call{"EmitWithAck", func() error { _, err := e.EmitWithAck(ctx, "ev", 1); return err }, emitter.ErrAckNotSupported},
		call{"To.EmitWithAck", func() error { _, err := e.To("r").EmitWithAck(ctx, "ev"); return err }, emitter.ErrAckNotSupported},
		call{"ServerSideEmitWithAck", func() error { _, err := e.ServerSideEmitWithAck(ctx, "ev"); return err }, emitter.ErrAckNotSupported},
		call{"Emit a channel", func() error { return e.Emit(ctx, "ev", make(chan int)) }, nil},
		call{"Emit a func before the last argument", func() error { return e.Emit(ctx, "ev", ack, 1) }, nil},
		call{"Emit a map of funcs", func() error { return e.Emit(ctx, "ev", map[int]func(){1: nil}) }, nil},
		call{"ServerSideEmit a channel", func() error { return e.ServerSideEmit(ctx, "ev", make(chan int)) }, nil},
	)
	for _, c := range calls {
		err := c.do()
		switch {
		case err == nil:
			t.Errorf("%s: no error", c.name)
		case !strings.HasPrefix(err.Error(), "emitter: "):
			t.Errorf("%s: error %q lacks the package prefix", c.name, err)
		case c.want != nil && !errors.Is(err, c.want):
			t.Errorf("%s: error %q, want %q", c.name, err, c.want)
		}
	}
	if err := e.Emit(ctx, "marker"); err != nil {
		t.Fatal(err)
	}
	if b := broadcast(t, rec.nextIs(key+"#/#")); b.Packet.Data[0] != "marker" {
		t.Errorf("a refused call published %v", b.Packet.Data)
	}
	if err := e.Emit(ctx, "connect"); !strings.Contains(fmt.Sprint(err), `"connect"`) {
		t.Errorf("error %q does not name the event", err)
	}
}

func TestNoClient(t *testing.T) {
	var zero emitter.Emitter
	var op emitter.BroadcastOperator
	nilClient := emitter.New(nil, emitter.Options{})
	for name, do := range map[string]func() error{
		"zero Emitter Emit":          func() error { return zero.Emit(ctx, "ev") },
		"zero Emitter join":          func() error { return zero.SocketsJoin(ctx, "r") },
		"zero Emitter server-side":   func() error { return zero.ServerSideEmit(ctx, "ev") },
		"zero operator Emit":         func() error { return op.To("r").Emit(ctx, "ev") },
		"zero operator join nothing": func() error { return op.SocketsJoin(ctx) },
		"zero operator disconnect":   func() error { return op.DisconnectSockets(ctx, true) },
		"nil client Emit":            func() error { return nilClient.Of("x").Emit(ctx, "ev") },
		"nil client leave":           func() error { return nilClient.SocketsLeave(ctx, "r") },
	} {
		if err := do(); !errors.Is(err, emitter.ErrNoClient) {
			t.Errorf("%s: %v, want ErrNoClient", name, err)
		}
	}
}

func TestPublishError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	e := emitter.New(rdb, emitter.Options{Key: "k", MaxQueued: -1}) // no outage queue: the error comes back
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err = e.To("r").Emit(c, "ev")
	var opErr *net.OpError
	if !errors.As(err, &opErr) || !strings.HasPrefix(err.Error(), "emitter: publish k#/#r#: ") {
		t.Errorf("Emit to an unreachable Redis: %v", err)
	}
	if err := e.ServerSideEmit(c, "ev"); !errors.As(err, &opErr) || !strings.HasPrefix(err.Error(), "emitter: publish k-request#/#: ") {
		t.Errorf("ServerSideEmit to an unreachable Redis: %v", err)
	}

	cancelled, cancel2 := context.WithCancel(ctx)
	cancel2()
	if err := emitter.New(newMiniredis(t), emitter.Options{}).Emit(cancelled, "ev"); !errors.Is(err, context.Canceled) {
		t.Errorf("Emit with a cancelled context: %v", err)
	}
}

// One Emitter and its operators are used from many goroutines at once.
func TestConcurrentUse(t *testing.T) {
	rdb, key := newRedis(t)
	rec := record(t, rdb, key)
	e := emitter.New(rdb, emitter.Options{Key: key})
	shared := e.To("base")
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				op := shared.To(fmt.Sprint("w", w))
				if i%2 == 0 {
					op = op.Volatile()
				}
				errs <- op.Emit(ctx, "ev", w, i)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for range workers * each {
		b := broadcast(t, rec.nextIs(key+"#/#"))
		rooms := wire.RoomNames(b.Opts.Rooms)
		w, i := b.Packet.Data[1].(int64), b.Packet.Data[2].(int64)
		if !reflect.DeepEqual(rooms, []string{"base", fmt.Sprint("w", w)}) || b.Opts.Flags.Volatile != (i%2 == 0) {
			t.Errorf("message %d/%d: rooms %q flags %+v", w, i, rooms, b.Opts.Flags)
		}
		seen[fmt.Sprint(w, "/", i)] = true
	}
	if len(seen) != workers*each {
		t.Errorf("%d distinct messages, want %d", len(seen), workers*each)
	}
}
