package socketio_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/engineio"
	"github.com/gosockio/gosockio/socketio/parser"
)

// recoveryEnv is a server with connection-state recovery whose sockets join "room" and get data
// when they are new, and report their connections and disconnections.
type recoveryEnv struct {
	*env
	conns chan *socketio.Socket
	gone  chan string // disconnection reasons
	mws   atomic.Int32
}

func newRecoveryEnv(t *testing.T, rc socketio.ConnectionStateRecovery) *recoveryEnv {
	e := &recoveryEnv{conns: make(chan *socketio.Socket, 16), gone: make(chan string, 16)}
	e.env = newEnv(t, socketio.Options{ConnectionStateRecovery: &rc})
	e.srv.Use(func(*socketio.Socket) error { e.mws.Add(1); return nil })
	e.srv.OnConnection(func(s *socketio.Socket) {
		if !s.Recovered() {
			s.Join("room")
			s.SetData(map[string]any{"n": 1})
		}
		s.OnDisconnect(func(reason string) { e.gone <- reason })
		e.conns <- s
	})
	return e
}

type session struct {
	SID string `json:"sid"`
	PID string `json:"pid"`
}

// connect dials and joins "/" with auth, returning the CONNECT answer.
func (e *recoveryEnv) connect(auth any) (*testclient.Client, session) {
	e.t.Helper()
	c, err := testclient.Dial(ctxT(e.t), e.url, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Close)
	data, err := c.ConnectData(ctxT(e.t), "/", auth)
	if err != nil {
		e.t.Fatal(err)
	}
	var s session
	if err := json.Unmarshal(data, &s); err != nil {
		e.t.Fatal(err)
	}
	return c, s
}

// next reads the next event: its name, first argument and offset (the last argument when it is
// a second one).
func next(t *testing.T, c *testclient.Client) (string, any, string) {
	t.Helper()
	_, name, args, err := c.NextEvent(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	vals, err := args.Values()
	if err != nil {
		t.Fatal(err)
	}
	var first any
	if len(vals) > 0 {
		first = vals[0]
	}
	off := ""
	if len(vals) > 1 {
		off, _ = vals[len(vals)-1].(string)
	}
	return name, first, off
}

func waitReason(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no disconnection on the server")
		return ""
	}
}

func TestRecoveryRestoresSession(t *testing.T) {
	e := newRecoveryEnv(t, socketio.ConnectionStateRecovery{})
	c, s1 := e.connect(nil)
	if s1.SID == "" || s1.PID == "" || s1.PID == s1.SID {
		t.Fatalf("CONNECT answer %+v: want sid and a distinct pid", s1)
	}
	sock := waitSocket(t, e.conns)
	if sock.Recovered() {
		t.Fatal("a new socket says it is recovered")
	}
	if err := sock.Emit("e", 0); err != nil { // socket.emit gets an offset too
		t.Fatal(err)
	}
	_, v, off := next(t, c)
	if v != 0.0 || off == "" {
		t.Fatalf("got %v with offset %q", v, off)
	}
	if err := e.srv.Emit("e", 1); err != nil {
		t.Fatal(err)
	}
	_, v, off = next(t, c)
	if v != 1.0 || off == "" {
		t.Fatalf("got %v with offset %q", v, off)
	}

	sock.Conn().Close() // server side: "forced close"
	if r := waitReason(t, e.gone); r != socketio.ReasonForcedClose {
		t.Fatalf("reason %q", r)
	}
	c.Close()
	_ = e.srv.Emit("e", 2)
	_ = e.srv.To("room").Emit("e", 3)
	_ = e.srv.To(s1.SID).Emit("e", 4)
	_ = e.srv.To("other").Emit("e", -1)          // a room it was not in
	_ = e.srv.Except("room").Emit("e", -2)       // excluded
	_ = e.srv.Volatile().Emit("e", -3)           // volatile: not kept
	_ = e.srv.To(s1.SID).Emit("e", []byte{1, 2}) // binary

	mws := e.mws.Load()
	c2, s2 := e.connect(map[string]any{"pid": s1.PID, "offset": off, "token": "x"})
	if s2 != s1 {
		t.Fatalf("recovered as %+v, want %+v", s2, s1)
	}
	sock2 := waitSocket(t, e.conns)
	if !sock2.Recovered() || sock2.ID() != s1.SID {
		t.Fatalf("socket %s recovered=%v", sock2.ID(), sock2.Recovered())
	}
	if rooms := sock2.Rooms(); !slices.Contains(rooms, "room") || !slices.Contains(rooms, s1.SID) {
		t.Fatalf("rooms %v", rooms)
	}
	if d, _ := sock2.Data().(map[string]any); d["n"] != 1 {
		t.Fatalf("data %#v", sock2.Data())
	}
	if e.mws.Load() != mws {
		t.Fatal("middlewares ran for a recovered socket")
	}
	if err := sock2.Emit("e", 5); err != nil {
		t.Fatal(err)
	}
	offsets := map[string]bool{off: true}
	for _, want := range []any{2.0, 3.0, 4.0, "binary", 5.0} {
		p, _, _, err := c2.NextEvent(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		_, args, _ := parser.EventArgs(p)
		vals, err := args.Values()
		if want == "binary" {
			b, _ := vals[0].([]byte)
			if err != nil || len(vals) != 2 || len(b) != 2 {
				t.Fatalf("binary event: %v %#v", err, vals)
			}
			offsets[vals[1].(string)] = true
			continue
		}
		if err != nil || len(vals) != 2 || vals[0] != want {
			t.Fatalf("got %v (%v), want %v", vals, err, want)
		}
		o := vals[1].(string)
		if offsets[o] {
			t.Fatalf("offset %q twice", o)
		}
		offsets[o] = true
	}
	select {
	case p := <-c2.Packets:
		t.Fatalf("unexpected packet %v %s", p.Type, p.Data)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestRecoveryRunMiddlewares(t *testing.T) {
	e := newRecoveryEnv(t, socketio.ConnectionStateRecovery{RunMiddlewares: true})
	c, s1 := e.connect(nil)
	sock := waitSocket(t, e.conns)
	_ = e.srv.Emit("e", 1)
	_, _, off := next(t, c)
	c.Close()
	if r := waitReason(t, e.gone); r != socketio.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}
	_ = sock
	mws := e.mws.Load()
	_, s2 := e.connect(map[string]any{"pid": s1.PID, "offset": off})
	if s2.SID != s1.SID || e.mws.Load() != mws+1 {
		t.Fatalf("sid %s (want %s), middlewares %d -> %d", s2.SID, s1.SID, mws, e.mws.Load())
	}
}

// TestRecoveryRefused: every case where the client must get a fresh session.
func TestRecoveryRefused(t *testing.T) {
	e := newRecoveryEnv(t, socketio.ConnectionStateRecovery{MaxDisconnectionDuration: 300 * time.Millisecond, MaxPackets: 3})
	// lose connects, receives one event, loses its connection (or leaves, with leave).
	lose := func(leave bool) (session, string) {
		t.Helper()
		c, s := e.connect(nil)
		waitSocket(t, e.conns)
		_ = e.srv.To(s.SID).Emit("e", 1)
		_, _, off := next(t, c)
		if leave {
			_ = c.Disconnect("/")
		} else {
			c.Close()
		}
		waitReason(t, e.gone)
		return s, off
	}
	fresh := func(what string, auth map[string]any, old session) {
		t.Helper()
		_, s := e.connect(auth)
		sock := waitSocket(t, e.conns)
		if s.SID == old.SID || s.PID == old.PID || sock.Recovered() || !slices.Contains(sock.Rooms(), "room") {
			t.Fatalf("%s: got %+v (recovered %v), want a fresh session", what, s, sock.Recovered())
		}
	}

	s, off := lose(false)
	fresh("forged pid", map[string]any{"pid": "forged", "offset": off}, s)
	fresh("forged offset", map[string]any{"pid": s.PID, "offset": "x-1"}, s)
	fresh("pid used twice", map[string]any{"pid": s.PID, "offset": off}, s) // the forged offset took it

	s, off = lose(false)
	fresh("no offset", map[string]any{"pid": s.PID}, s)

	s, off = lose(true)
	fresh("client namespace disconnect", map[string]any{"pid": s.PID, "offset": off}, s)

	s, off = lose(false)
	for i := range 4 { // MaxPackets 3: a packet after off is dropped
		_ = e.srv.To("other").Emit("e", i)
	}
	fresh("offset gone", map[string]any{"pid": s.PID, "offset": off}, s)

	s, off = lose(false)
	time.Sleep(400 * time.Millisecond)
	fresh("expired", map[string]any{"pid": s.PID, "offset": off}, s)

	// And one that works, with packets dropped only before its offset.
	s, off = lose(false)
	c, s2 := e.connect(map[string]any{"pid": s.PID, "offset": off})
	if s2 != s || !waitSocket(t, e.conns).Recovered() {
		t.Fatalf("got %+v, want %+v recovered", s2, s)
	}
	_ = c
}

// TestRecoveryOffsets: which packets carry an offset (Node's SessionAwareAdapter.broadcast).
func TestRecoveryOffsets(t *testing.T) {
	e := newRecoveryEnv(t, socketio.ConnectionStateRecovery{})
	c, _ := e.connect(nil)
	sock := waitSocket(t, e.conns)
	sock.On("ask", func(ev *socketio.Event) error { return ev.Ack("answer") })
	check := func(what string, emit func() error, wantOffset bool) {
		t.Helper()
		if err := emit(); err != nil {
			t.Fatal(err)
		}
		p, err := c.Next(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if p.HasID {
			_ = c.Ack(p)
		}
		var vals []any
		_ = json.Unmarshal(p.Data, &vals)
		got := len(vals) == 3
		if got != wantOffset {
			t.Fatalf("%s: %s: offset %v, want %v", what, p.Data, got, wantOffset)
		}
	}
	check("broadcast", func() error { return e.srv.Emit("e", 1) }, true)
	check("to room", func() error { return e.srv.To("room").Emit("e", 1) }, true)
	check("socket emit", func() error { return sock.Emit("e", 1) }, true)
	// A volatile packet may be dropped: each is followed by a marker, and checked if it came.
	for what, emit := range map[string]func() error{
		"volatile":        func() error { return e.srv.Volatile().Emit("v", 1) },
		"socket volatile": func() error { return sock.Volatile().Emit("v", 1) },
	} {
		if err := emit(); err != nil {
			t.Fatal(err)
		}
		_ = sock.Emit("marker")
		for {
			name, _, off := next(t, c)
			if name == "marker" {
				break
			}
			if off != "" {
				t.Fatalf("%s: an offset", what)
			}
		}
	}
	check("with ack", func() error {
		go func() { _, _ = sock.Timeout(time.Second).EmitWithAck(ctxT(t), "e", 1) }()
		return nil
	}, false)
	check("broadcast with ack", func() error {
		go func() { _, _ = e.srv.Timeout(time.Second).EmitWithAck(ctxT(t), "e", 1) }()
		return nil
	}, false)
	if r, err := c.EmitWithAck(ctxT(t), "/", "ask"); err != nil || fmt.Sprint(r) == "" {
		t.Fatalf("ack from the server: %v %v", r, err)
	}
}

func TestNoRecoveryNoPID(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	conns := make(chan *socketio.Socket, 1)
	e.srv.OnConnection(func(s *socketio.Socket) { conns <- s })
	c, err := testclient.Dial(ctxT(t), e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data, err := c.ConnectData(ctxT(t), "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	if _, ok := m["pid"]; ok || len(m) != 1 {
		t.Fatalf("CONNECT answer %s", data)
	}
	waitSocket(t, conns).Emit("e", 1)
	_, _, off := next(t, c)
	if off != "" {
		t.Fatal("an offset without recovery")
	}
}

// TestRecoveryOutgoingListenerEmits: a listener of outgoing events that emits does not deadlock
// the adapter, which delivers under the lock that orders offsets.
func TestRecoveryOutgoingListenerEmits(t *testing.T) {
	e := newRecoveryEnv(t, socketio.ConnectionStateRecovery{})
	c, _ := e.connect(nil)
	sock := waitSocket(t, e.conns)
	sock.OnAnyOutgoing(func(ev *socketio.Event) {
		if ev.Name == "e" {
			_ = sock.Emit("echo")
			_ = e.srv.Emit("echo-all")
		}
	})
	_ = e.srv.Emit("e", 1)
	for _, want := range []string{"e", "echo", "echo-all"} {
		if name, _, _ := next(t, c); name != want {
			t.Fatalf("got %q, want %q", name, want)
		}
	}
}

// TestRecoveryNeedsSessionStore: an adapter that keeps no sessions is refused.
func TestRecoveryNeedsSessionStore(t *testing.T) {
	plain := func(l *adapter.Local) (adapter.Adapter, error) {
		a, err := adapter.Memory(l)
		return struct{ adapter.Adapter }{a}, err
	}
	_, err := socketio.NewServer(socketio.Options{Adapter: plain, ConnectionStateRecovery: &socketio.ConnectionStateRecovery{}})
	if err == nil {
		t.Fatal("NewServer accepted recovery with an adapter that keeps no sessions")
	}
}

// TestRecoveryBacklogOverQueueLimit: a client that missed more packets than the engine's
// outgoing queue holds at once (Engine.MaxQueuedPackets, here 8) gets them all on recovery,
// then new ones, instead of losing its session to a full queue.
func TestRecoveryBacklogOverQueueLimit(t *testing.T) {
	conns := make(chan *socketio.Socket, 4)
	e := newEnv(t, socketio.Options{
		ConnectionStateRecovery: &socketio.ConnectionStateRecovery{},
		Engine:                  engineio.Options{MaxQueuedPackets: 8},
	})
	e.srv.OnConnection(func(s *socketio.Socket) { conns <- s })
	re := &recoveryEnv{env: e}
	c, s1 := re.connect(nil)
	sock := waitSocket(t, conns)
	if err := e.srv.Emit("e", 0); err != nil {
		t.Fatal(err)
	}
	_, _, off := next(t, c)
	sock.Conn().Close()
	c.Close()
	const missed = 50
	for i := 1; i <= missed; i++ {
		if err := e.srv.Emit("e", i); err != nil {
			t.Fatal(err)
		}
	}
	c2, s2 := re.connect(map[string]any{"pid": s1.PID, "offset": off})
	if s2.SID != s1.SID {
		t.Fatalf("not recovered: %+v, want %+v", s2, s1)
	}
	for i := 1; i <= missed; i++ {
		if _, v, _ := next(t, c2); v != float64(i) {
			t.Fatalf("missed event %d: got %v", i, v)
		}
	}
	if err := e.srv.Emit("e", "new"); err != nil {
		t.Fatal(err)
	}
	if _, v, _ := next(t, c2); v != "new" {
		t.Fatalf("after the backlog: got %v", v)
	}
}

// TestSocketDecodeData: DecodeData gives back a typed value whether the socket's data is that
// value (SetData) or its generic form (a session recovered from Redis, possibly by Node).
func TestSocketDecodeData(t *testing.T) {
	type user struct {
		Name string `json:"name"`
		Age  int    `json:"age"`
	}
	conns := make(chan *socketio.Socket, 1)
	e := newEnv(t, socketio.Options{})
	e.srv.OnConnection(func(s *socketio.Socket) { conns <- s })
	c, err := testclient.Dial(ctxT(t), e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if _, err := c.Connect(ctxT(t), "/", nil); err != nil {
		t.Fatal(err)
	}
	s := waitSocket(t, conns)
	for _, data := range []any{user{"ann", 7}, map[string]any{"name": "ann", "age": 7.0}} {
		s.SetData(data)
		var u user
		if err := s.DecodeData(&u); err != nil || u != (user{"ann", 7}) {
			t.Errorf("DecodeData of %#v: %+v, %v", data, u, err)
		}
	}
	s.SetData(map[string]any{"age": "old"})
	var u user
	if err := s.DecodeData(&u); err == nil {
		t.Error("DecodeData of a value of another shape: no error")
	}
}
