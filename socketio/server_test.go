package socketio_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/leakcheck"
	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/parser"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// env is a server on httptest plus helpers.
type env struct {
	t   *testing.T
	srv *socketio.Server
	url string
}

func newEnv(t *testing.T, opts socketio.Options) *env {
	t.Helper()
	srv, err := socketio.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
		hs.Close()
	})
	return &env{t: t, srv: srv, url: hs.URL}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dial opens a client and joins nsp.
func (e *env) dial(nsp string, auth any) (*testclient.Client, string) {
	e.t.Helper()
	c, err := testclient.Dial(ctxT(e.t), e.url, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Close)
	sid, err := c.Connect(ctxT(e.t), nsp, auth)
	if err != nil {
		e.t.Fatalf("connect %s: %v", nsp, err)
	}
	return c, sid
}

// connected waits for the server side of a socket.
func waitSocket(t *testing.T, ch <-chan *socketio.Socket) *socketio.Socket {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no connection on the server")
		return nil
	}
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting")
		var zero T
		return zero
	}
}

func TestConnectAndIDs(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	conns := make(chan *socketio.Socket, 1)
	e.srv.OnConnection(func(s *socketio.Socket) { conns <- s })
	c, sid := e.dial("/", nil)
	s := waitSocket(t, conns)
	if s.ID() != sid || len(sid) != 20 {
		t.Fatalf("socket id %q (client saw %q), want 20 chars and equal", s.ID(), sid)
	}
	if sid == c.SID {
		t.Fatal("the Socket.IO id must differ from the Engine.IO session id")
	}
	if !s.Connected() || !slices.Equal(s.Rooms(), []string{sid}) {
		t.Fatalf("connected=%v rooms=%v", s.Connected(), s.Rooms())
	}
	if s.Conn().Transport() != "websocket" || s.Conn().ID() != c.SID {
		t.Fatalf("conn transport %q id %q", s.Conn().Transport(), s.Conn().ID())
	}
	h := s.Handshake()
	if h.Query.Get("EIO") != "4" || h.Address != "127.0.0.1" || h.Issued == 0 || h.Time == "" || h.Secure {
		t.Fatalf("handshake %+v", h)
	}
	if n := e.srv.Engine().ClientsCount(); n != 1 {
		t.Fatalf("clientsCount = %d", n)
	}
}

func TestInvalidNamespaceAndMiddleware(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	e.srv.Of("/private").Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["token"] == "ok" {
			return nil
		}
		return &socketio.ConnectError{Message: "denied", Data: map[string]any{"code": 7}}
	})
	c, err := testclient.Dial(ctxT(t), e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Connect(ctxT(t), "/missing", nil)
	var ce *testclient.ConnectError
	if !errors.As(err, &ce) || ce.Message != "Invalid namespace" {
		t.Fatalf("unknown namespace: %v", err)
	}
	_, err = c.Connect(ctxT(t), "/private", map[string]any{"token": "no"})
	if !errors.As(err, &ce) || ce.Message != "denied" || string(ce.Data) != `{"code":7}` {
		t.Fatalf("middleware refusal: %v (%s)", err, ce.Data)
	}
	if _, err := c.Connect(ctxT(t), "/private", map[string]any{"token": "ok"}); err != nil {
		t.Fatalf("accepted auth refused: %v", err)
	}
}

func TestEventsAndAcks(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	type msg struct {
		Text string `json:"text"`
		N    int    `json:"n"`
	}
	got := make(chan msg, 1)
	e.srv.OnConnection(func(s *socketio.Socket) {
		s.On("typed", socketio.Handle(func(ev *socketio.Event, m msg) error {
			got <- m
			return ev.Ack(m.N * 2)
		}))
		s.On("raw", func(ev *socketio.Event) error {
			vals, err := ev.Values()
			if err != nil {
				return err
			}
			return ev.Ack(len(vals), vals)
		})
	})
	c, _ := e.dial("/", nil)
	args, err := c.EmitWithAck(ctxT(t), "/", "typed", msg{"hi", 21})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := args.Bind(0, &n); err != nil || n != 42 {
		t.Fatalf("ack = %d, %v", n, err)
	}
	if m := recv(t, got); m != (msg{"hi", 21}) {
		t.Fatalf("handler got %+v", m)
	}
	args, err = c.EmitWithAck(ctxT(t), "/", "raw", "a", 1.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	vals, _ := args.Values()
	if len(vals) != 2 || vals[0] != float64(3) {
		t.Fatalf("raw ack = %v", vals)
	}
}

func TestServerEmitWithAck(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	conns := make(chan *socketio.Socket, 1)
	e.srv.OnConnection(func(s *socketio.Socket) { conns <- s })
	c, _ := e.dial("/", nil)
	s := waitSocket(t, conns)

	go func() {
		for p := range c.Packets {
			if p.HasID {
				_ = c.Ack(p, "pong", []byte{1, 2})
			}
		}
	}()
	ack, err := s.EmitWithAck(ctxT(t), "ping", 1)
	if err != nil {
		t.Fatal(err)
	}
	var word string
	var bin []byte
	if err := ack.Bind(&word, &bin); err != nil || word != "pong" || !slices.Equal(bin, []byte{1, 2}) {
		t.Fatalf("ack = %q %v %v", word, bin, err)
	}
	if err := s.Emit("disconnect"); !errors.Is(err, socketio.ErrReservedEvent) {
		t.Fatalf("reserved name: %v", err)
	}
}

func TestEmitWithAckTimeout(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	conns := make(chan *socketio.Socket, 1)
	e.srv.OnConnection(func(s *socketio.Socket) { conns <- s })
	e.dial("/", nil) // never answers
	s := waitSocket(t, conns)
	_, err := s.Timeout(100*time.Millisecond).EmitWithAck(context.Background(), "question")
	if !errors.Is(err, socketio.ErrTimeout) {
		t.Fatalf("want ErrTimeout, got %v", err)
	}
}

func TestBinaryBothWays(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	type file struct {
		Name  string `json:"name"`
		Parts []struct {
			Blob []byte `json:"blob"`
		} `json:"parts"`
	}
	e.srv.OnConnection(func(s *socketio.Socket) {
		s.On("upload", socketio.Handle(func(ev *socketio.Event, f file) error {
			total := 0
			for _, p := range f.Parts {
				total += len(p.Blob)
			}
			return ev.Ack(f.Name, total, map[string]any{"echo": f.Parts[1].Blob})
		}))
	})
	c, _ := e.dial("/", nil)
	args, err := c.EmitWithAck(ctxT(t), "/", "upload", map[string]any{
		"name":  "f",
		"parts": []any{map[string]any{"blob": []byte("abc")}, map[string]any{"blob": []byte{0, 255}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	vals, err := args.Values()
	if err != nil {
		t.Fatal(err)
	}
	echo, _ := vals[2].(map[string]any)["echo"].([]byte)
	if vals[0] != "f" || vals[1] != float64(5) || !slices.Equal(echo, []byte{0, 255}) {
		t.Fatalf("ack values %#v", vals)
	}
}

func TestRoomsAndBroadcast(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	sockets := make(chan *socketio.Socket, 3)
	e.srv.OnConnection(func(s *socketio.Socket) { sockets <- s })
	ca, _ := e.dial("/", nil)
	sa := waitSocket(t, sockets)
	cb, _ := e.dial("/", nil)
	sb := waitSocket(t, sockets)
	cc, _ := e.dial("/", nil)
	sc := waitSocket(t, sockets)
	sa.Join("red")
	sb.Join("red", "blue")
	sc.Join("blue")

	expect := func(c *testclient.Client, want string) {
		t.Helper()
		_, name, args, err := c.NextEvent(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		var m string
		_ = args.Bind(0, &m)
		if name != "news" || m != want {
			t.Fatalf("got %s %q, want news %q", name, m, want)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.srv.To("red").Except("blue").Emit("news", "1"))
	must(e.srv.To("red", "blue").Emit("news", "2"))
	must(sb.To("blue").Emit("news", "3"))
	must(sa.Broadcast().Emit("news", "4"))
	must(e.srv.Except(sc.ID()).Emit("news", "5"))
	expect(ca, "1")
	expect(ca, "2")
	expect(ca, "5")
	expect(cb, "2")
	expect(cb, "4")
	expect(cb, "5")
	expect(cc, "2")
	expect(cc, "3")
	expect(cc, "4")

	sb.Leave("red")
	if slices.Contains(sb.Rooms(), "red") {
		t.Fatal("leave did not remove the room")
	}
}

func TestServerUtilities(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	sockets := make(chan *socketio.Socket, 3)
	e.srv.OnConnection(func(s *socketio.Socket) {
		s.SetData(map[string]any{"user": "u-" + s.ID()[:4]})
		sockets <- s
	})
	c1, _ := e.dial("/", nil)
	s1 := waitSocket(t, sockets)
	_, _ = e.dial("/", nil)
	s2 := waitSocket(t, sockets)
	s1.Join("room1")
	ctx := ctxT(t)

	all, err := e.srv.FetchSockets(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("fetch all: %d %v", len(all), err)
	}
	in1, _ := e.srv.In("room1").FetchSockets(ctx)
	if len(in1) != 1 || in1[0].ID() != s1.ID() || !in1[0].Local() {
		t.Fatalf("fetch room1 = %v", in1)
	}
	var data struct {
		User string `json:"user"`
	}
	if err := in1[0].DecodeData(&data); err != nil || data.User != "u-"+s1.ID()[:4] {
		t.Fatalf("data = %+v %v", data, err)
	}
	if !slices.Contains(in1[0].Rooms(), "room1") {
		t.Fatalf("rooms %v", in1[0].Rooms())
	}

	if err := e.srv.In("room1").SocketsJoin(ctx, "room2", "room3"); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(s1.Rooms(), "room3") || slices.Contains(s2.Rooms(), "room2") {
		t.Fatalf("socketsJoin: s1 %v s2 %v", s1.Rooms(), s2.Rooms())
	}
	if err := e.srv.SocketsLeave(ctx, "room2"); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(s1.Rooms(), "room2") {
		t.Fatal("socketsLeave")
	}
	if err := in1[0].Emit("direct", "hi"); err != nil {
		t.Fatal(err)
	}
	if _, name, _, err := c1.NextEvent(ctx); err != nil || name != "direct" {
		t.Fatalf("remote socket emit: %s %v", name, err)
	}

	reasons := make(chan string, 2)
	s1.OnDisconnect(func(r string) { reasons <- r })
	if err := e.srv.In("room3").DisconnectSockets(ctx, false); err != nil {
		t.Fatal(err)
	}
	if r := recv(t, reasons); r != socketio.ReasonServerNamespaceDisconnect {
		t.Fatalf("reason %q", r)
	}
	p, err := c1.Next(ctx)
	if err != nil || p.Type != parser.Disconnect {
		t.Fatalf("client got %v %v, want DISCONNECT", p, err)
	}
	if left, _ := e.srv.FetchSockets(ctx); len(left) != 1 || left[0].ID() != s2.ID() {
		t.Fatalf("left: %v", left)
	}
}

func TestBroadcastWithAcks(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	sockets := make(chan *socketio.Socket, 3)
	e.srv.OnConnection(func(s *socketio.Socket) { sockets <- s })
	var sids []string
	for i := range 3 {
		c, sid := e.dial("/", nil)
		waitSocket(t, sockets)
		sids = append(sids, sid)
		go func(i int) {
			for p := range c.Packets {
				if p.HasID && i < 2 { // the third never answers
					_ = c.Ack(p, i)
				}
			}
		}(i)
	}
	acks, err := e.srv.Timeout(300*time.Millisecond).EmitWithAck(context.Background(), "count")
	if !errors.Is(err, socketio.ErrTimeout) || len(acks) != 2 {
		t.Fatalf("want 2 acks and a timeout, got %d, %v", len(acks), err)
	}
	var got []int
	for _, a := range acks {
		var n int
		_ = a.Bind(&n)
		got = append(got, n)
	}
	sort.Ints(got)
	if !slices.Equal(got, []int{0, 1}) {
		t.Fatalf("acks %v", got)
	}
	// All answer: no error, before the timeout.
	start := time.Now()
	acks, err = e.srv.Except(sids[2]).Timeout(5*time.Second).EmitWithAck(context.Background(), "count")
	if err != nil || len(acks) != 2 || time.Since(start) > 4*time.Second {
		t.Fatalf("all answered: %d acks, %v", len(acks), err)
	}
	if _, err := e.srv.EmitWithAck(context.Background(), "count"); !errors.Is(err, socketio.ErrNoTimeout) {
		t.Fatalf("no timeout: %v", err)
	}
}

func TestDisconnectReasons(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	sockets := make(chan *socketio.Socket, 4)
	reasons := make(chan string, 4)
	e.srv.OnConnection(func(s *socketio.Socket) {
		s.OnDisconnecting(func(r string) {
			if !slices.Contains(s.Rooms(), s.ID()) {
				reasons <- "rooms already gone"
			}
		})
		s.OnDisconnect(func(r string) { reasons <- r })
		sockets <- s
	})

	c, _ := e.dial("/", nil)
	waitSocket(t, sockets)
	_ = c.Disconnect("/")
	if r := recv(t, reasons); r != socketio.ReasonClientNamespaceDisconnect {
		t.Fatalf("client disconnect: %q", r)
	}

	c, _ = e.dial("/", nil)
	waitSocket(t, sockets)
	c.Close()
	if r := recv(t, reasons); r != socketio.ReasonTransportClose {
		t.Fatalf("transport close: %q", r)
	}

	c, _ = e.dial("/", nil)
	s := waitSocket(t, sockets)
	s.Disconnect(true)
	if r := recv(t, reasons); r != socketio.ReasonServerNamespaceDisconnect {
		t.Fatalf("server disconnect: %q", r)
	}
	select {
	case <-c.Closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Disconnect(true) left the connection open")
	}

	c, _ = e.dial("/", nil)
	waitSocket(t, sockets)
	_ = c.SendRaw("42[\"unterminated")
	if r := recv(t, reasons); r != socketio.ReasonParseError {
		t.Fatalf("parse error: %q", r)
	}
}

func TestConnectTimeout(t *testing.T) {
	e := newEnv(t, socketio.Options{ConnectTimeout: 100 * time.Millisecond})
	c, err := testclient.Dial(ctxT(t), e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-c.Closed:
	case <-time.After(5 * time.Second):
		t.Fatal("a connection that joins no namespace must be closed after ConnectTimeout")
	}
}

func TestDynamicNamespaces(t *testing.T) {
	e := newEnv(t, socketio.Options{CleanupEmptyChildNamespaces: true})
	parent := e.srv.OfRegexp(regexp.MustCompile(`^/team-\d+$`))
	var order []string
	var mu sync.Mutex
	parent.Use(func(s *socketio.Socket) error {
		mu.Lock()
		order = append(order, "mw:"+s.Namespace().Name())
		mu.Unlock()
		return nil
	})
	joined := make(chan *socketio.Socket, 2)
	parent.OnConnection(func(s *socketio.Socket) { joined <- s })
	newNsp := make(chan string, 2)
	e.srv.OnNewNamespace(func(n *socketio.Namespace) { newNsp <- n.Name() })

	c, _ := e.dial("/team-7", nil)
	s := waitSocket(t, joined)
	if s.Namespace().Name() != "/team-7" || recv(t, newNsp) != "/team-7" {
		t.Fatalf("namespace %q", s.Namespace().Name())
	}
	if err := parent.Emit("hello", "all teams"); err != nil {
		t.Fatal(err)
	}
	p, name, _, err := c.NextEvent(ctxT(t))
	if err != nil || name != "hello" || p.Nsp != "/team-7" {
		t.Fatalf("parent broadcast: %v %s %v", p, name, err)
	}
	cx, err := testclient.Dial(ctxT(t), e.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cx.Close()
	if _, err := cx.Connect(ctxT(t), "/team-x", nil); err == nil {
		t.Fatal("a name the regexp refuses must get Invalid namespace")
	}
	_ = c.Disconnect("/team-7")
	deadline := time.Now().Add(5 * time.Second)
	for len(parent.Children()) != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(parent.Children()) != 0 {
		t.Fatal("empty child namespace not cleaned up")
	}
}

func TestSocketMiddlewareAndCatchAll(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	errs := make(chan error, 2)
	seen := make(chan string, 8)
	e.srv.OnConnection(func(s *socketio.Socket) {
		s.Use(func(ev *socketio.Event) error {
			if ev.Name == "forbidden" {
				return errors.New("unauthorized event")
			}
			return nil
		})
		s.OnError(func(err error) { errs <- err })
		s.OnAny(func(ev *socketio.Event) error { seen <- "any:" + ev.Name; return nil })
		s.Once("once", func(ev *socketio.Event) error { seen <- "once"; return nil })
		s.On("boom", func(ev *socketio.Event) error { panic("handler bug") })
	})
	c, _ := e.dial("/", nil)
	_ = c.Emit("/", "forbidden")
	if err := recv(t, errs); err.Error() != "unauthorized event" {
		t.Fatalf("middleware error %v", err)
	}
	_ = c.Emit("/", "once")
	_ = c.Emit("/", "once")
	want := []string{"any:once", "once", "any:once"}
	for _, w := range want {
		if got := recv(t, seen); got != w {
			t.Fatalf("got %q want %q", got, w)
		}
	}
	// A panicking handler disconnects that socket only; the server keeps serving.
	_ = c.Emit("/", "boom")
	p, err := c.Next(ctxT(t))
	if err != nil || p.Type != parser.Disconnect {
		t.Fatalf("after panic: %v %v", p, err)
	}
	e.dial("/", nil)
}

func TestCloseTellsSockets(t *testing.T) {
	srv, err := socketio.NewServer(socketio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	reasons := make(chan string, 1)
	ready := make(chan struct{})
	srv.OnConnection(func(s *socketio.Socket) {
		s.OnDisconnect(func(r string) { reasons <- r })
		close(ready)
	})
	c, err := testclient.Dial(ctxT(t), hs.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Connect(ctxT(t), "/", nil); err != nil {
		t.Fatal(err)
	}
	recv(t, ready)
	if err := srv.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if r := recv(t, reasons); r != socketio.ReasonServerShuttingDown {
		t.Fatalf("reason %q", r)
	}
	select {
	case <-c.Closed:
	case <-time.After(5 * time.Second):
		t.Fatal("connection still open after Close")
	}
}

func TestSendAllSocketsAndAttributes(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	sockets := make(chan *socketio.Socket, 2)
	e.srv.Use(func(s *socketio.Socket) error {
		s.Set("user", "alice") // Node's socket.user = … in a middleware
		return nil
	})
	e.srv.OnConnection(func(s *socketio.Socket) { sockets <- s })
	c, sid := e.dial("/", nil)
	s := waitSocket(t, sockets)
	if v, ok := s.Get("user"); !ok || v != "alice" {
		t.Fatalf("attribute = %v, %v", v, ok)
	}
	if _, ok := s.Get("missing"); ok {
		t.Fatal("Get of an unset key reported a value")
	}
	ids, err := e.srv.AllSockets(ctxT(t))
	if err != nil || !slices.Equal(ids, []string{sid}) {
		t.Fatalf("AllSockets = %v, %v", ids, err)
	}
	if err := s.Send("hi", 1); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Send("all"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hi", "all"} {
		_, name, args, err := c.NextEvent(ctxT(t))
		var first string
		_ = args.Bind(0, &first)
		if err != nil || name != "message" || first != want {
			t.Fatalf("got %s(%q) %v, want message(%q)", name, first, err, want)
		}
	}
}
