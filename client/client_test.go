package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/client"
	"github.com/gosockio/gosockio/internal/leakcheck"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/engineio"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newServer starts an in-process server; setup registers its handlers.
func newServer(t testing.TB, eo engineio.Options, setup func(io *socketio.Server)) (*socketio.Server, *httptest.Server) {
	t.Helper()
	srv, err := socketio.NewServer(socketio.Options{Engine: eo, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(srv)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Close(ctx)
	})
	return srv, hs
}

func connect(t testing.TB, url string, o client.Options) *client.Socket {
	t.Helper()
	if o.Logger == nil {
		o.Logger = quiet
	}
	o.ForceNew = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := client.Connect(ctx, url, o)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { s.Manager().Close() })
	return s
}

func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting")
		panic("unreachable")
	}
}

var transports = []struct {
	name string
	list []string
	want string
}{
	{"polling", []string{"polling"}, "polling"},
	{"websocket", []string{"websocket"}, "websocket"},
	{"upgrade", nil, "websocket"},
}

type payload struct {
	Name string `json:"name"`
	Blob []byte `json:"blob"`
	Deep []any  `json:"deep"`
}

// TestEventsAcksBinary: ids agree, events and acks go both ways, binary at any depth, on each
// transport and across the upgrade.
func TestEventsAcksBinary(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			serverID := make(chan string, 1)
			_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
				io.OnConnection(func(s *socketio.Socket) {
					serverID <- s.ID()
					s.On("echo", func(ev *socketio.Event) error {
						vals, err := ev.Values()
						if err != nil {
							return err
						}
						return ev.Ack(vals...)
					})
					s.On("ask", func(ev *socketio.Event) error {
						go func() {
							a, err := s.EmitWithAck(context.Background(), "question", "q1")
							if err != nil {
								return
							}
							var ans string
							a.Bind(&ans)
							s.Emit("answer", ans, map[string]any{"bin": []any{[]byte{1, 2, 3}}})
						}()
						return nil
					})
				})
			})
			s := connect(t, hs.URL, client.Options{Transports: tr.list})
			if id := recv(t, serverID); s.ID() != id || !s.Connected() {
				t.Fatalf("ID %q, server's %q", s.ID(), id)
			}
			ctx := context.Background()
			a, err := s.Timeout(5*time.Second).EmitWithAck(ctx, "echo", "hi", 42, payload{Name: "x", Blob: []byte{0, 255}, Deep: []any{map[string]any{"b": []byte("deep")}}})
			if err != nil {
				t.Fatal(err)
			}
			var str string
			var n int
			var p payload
			if err := a.Bind(&str, &n, &p); err != nil {
				t.Fatal(err)
			}
			if str != "hi" || n != 42 || p.Name != "x" || !bytes.Equal(p.Blob, []byte{0, 255}) {
				t.Fatalf("ack: %q %d %+v", str, n, p)
			}
			vals, _ := a.Values()
			deep := vals[2].(map[string]any)["deep"].([]any)[0].(map[string]any)["b"]
			if !bytes.Equal(deep.([]byte), []byte("deep")) {
				t.Fatalf("deep binary: %#v", deep)
			}
			s.On("question", func(ev *client.Event) error { return ev.Ack("forty-two") })
			got := make(chan []any, 1)
			s.On("answer", func(ev *client.Event) error {
				v, err := ev.Values()
				got <- v
				return err
			})
			if err := s.Emit("ask"); err != nil {
				t.Fatal(err)
			}
			v := recv(t, got)
			if v[0] != "forty-two" || !bytes.Equal(v[1].(map[string]any)["bin"].([]any)[0].([]byte), []byte{1, 2, 3}) {
				t.Fatalf("answer %#v", v)
			}
			if tr.want == "websocket" {
				deadline := time.Now().Add(5 * time.Second)
				for s.Manager().Transport() != "websocket" && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
			}
			if got := s.Manager().Transport(); got != tr.want {
				t.Fatalf("transport %q, want %q", got, tr.want)
			}
		})
	}
}

// TestTypedHandlersOnceOffAny covers Handle, Once, Off, OnAny and OnAnyOutgoing.
func TestTypedHandlersOnceOffAny(t *testing.T) {
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.On("go", func(ev *socketio.Event) error {
				for i := range 3 {
					s.Emit("n", i)
				}
				s.Emit("pair", "a", 1)
				return s.Emit("done")
			})
		})
	})
	s := connect(t, hs.URL, client.Options{})
	var mu sync.Mutex
	var seen []string
	add := func(x string) { mu.Lock(); seen = append(seen, x); mu.Unlock() }
	s.Once("n", client.Handle(func(ev *client.Event, n int) error { add(fmt.Sprint("once", n)); return nil }))
	s.On("n", client.Handle(func(ev *client.Event, n int) error { add(fmt.Sprint("on", n)); return nil }))
	s.On("pair", client.Handle2(func(ev *client.Event, a string, n int) error { add(fmt.Sprint(a, n)); return nil }))
	s.On("x", func(*client.Event) error { add("x"); return nil })
	s.Off("x")
	s.OnAny(func(ev *client.Event) error { add("any:" + ev.Name); return nil })
	var out []string
	s.OnAnyOutgoing(func(name string, args []any) { out = append(out, name) })
	done := make(chan struct{})
	s.On("done", func(*client.Event) error { close(done); return nil })
	s.Emit("go")
	recv(t, done)
	mu.Lock()
	defer mu.Unlock()
	want := "any:n once0 on0 any:n on1 any:n on2 any:pair a1 any:done"
	if got := strings.Join(seen, " "); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if len(out) != 1 || out[0] != "go" {
		t.Fatalf("outgoing %v", out)
	}
}

// TestNamespacesShareSession: two namespaces over one Engine.IO session; Auth per connect.
func TestNamespacesShareSession(t *testing.T) {
	conns := make(chan string, 2)
	auths := make(chan any, 2)
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		h := func(s *socketio.Socket) { conns <- s.Conn().ID(); auths <- s.Handshake().Auth["n"] }
		io.OnConnection(h)
		io.Of("/admin").OnConnection(h)
	})
	calls := 0
	auth := func() any { calls++; return map[string]any{"n": calls} }
	ctx := context.Background()
	s1, err := client.Connect(ctx, hs.URL, client.Options{Auth: auth, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := client.Connect(ctx, hs.URL+"/admin", client.Options{Auth: auth, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if s1.Manager() != s2.Manager() {
		t.Fatal("not the same manager")
	}
	if a, b := recv(t, conns), recv(t, conns); a != b {
		t.Fatalf("two sessions %s %s", a, b)
	}
	if a, b := recv(t, auths), recv(t, auths); a == b {
		t.Fatalf("auth func not called per connect: %v %v", a, b)
	}
	s1.Close()
	if !s2.Connected() {
		t.Fatal("closing / disconnected /admin")
	}
	s2.Close()
}

// TestMiddlewareRefusal: connect_error with the server's message and data.
func TestMiddlewareRefusal(t *testing.T) {
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		io.Of("/").Use(func(s *socketio.Socket) error {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"content": "retry later"}}
		})
	})
	_, err := client.Connect(context.Background(), hs.URL, client.Options{ForceNew: true, Logger: quiet})
	var ce *client.ConnectError
	if !errors.As(err, &ce) || ce.Message != "not authorized" || string(ce.Data) != `{"content":"retry later"}` {
		t.Fatalf("err %v", err)
	}
	_, err = client.Connect(context.Background(), hs.URL+"/nope", client.Options{ForceNew: true, Logger: quiet})
	if !errors.As(err, &ce) || ce.Message != "Invalid namespace" {
		t.Fatalf("err %v", err)
	}
}

// TestHeadersQuery: custom headers and query reach the handshake.
func TestHeadersQuery(t *testing.T) {
	got := make(chan [2]string, 1)
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			h := s.Handshake()
			got <- [2]string{h.Headers.Get("X-Token"), h.Query.Get("room")}
		})
	})
	connect(t, hs.URL, client.Options{Header: http.Header{"X-Token": {"abc"}}, Query: map[string][]string{"room": {"r1"}}})
	if g := recv(t, got); g != [2]string{"abc", "r1"} {
		t.Fatalf("%v", g)
	}
}

// TestDisconnectReasons: server disconnect (no reconnection), client disconnect.
func TestDisconnectReasons(t *testing.T) {
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.On("kick", func(*socketio.Event) error { s.Disconnect(false); return nil })
		})
	})
	s := connect(t, hs.URL, client.Options{ReconnectionDelay: 10 * time.Millisecond})
	reasons := make(chan string, 4)
	s.OnDisconnect(func(r string) { reasons <- r })
	reconnected := make(chan int, 1)
	s.Manager().OnReconnect(func(n int) { reconnected <- n })
	s.Emit("kick")
	if r := recv(t, reasons); r != client.ReasonServerDisconnect {
		t.Fatalf("reason %q", r)
	}
	if s.ID() != "" || s.Connected() || s.Active() {
		t.Fatal("still connected")
	}
	select {
	case <-reconnected:
		t.Fatal("reconnected after io server disconnect")
	case <-time.After(200 * time.Millisecond):
	}

	s2 := connect(t, hs.URL, client.Options{})
	r2 := make(chan string, 1)
	s2.OnDisconnect(func(r string) { r2 <- r })
	s2.Disconnect()
	if r := recv(t, r2); r != client.ReasonClientDisconnect {
		t.Fatalf("reason %q", r)
	}
}

// TestBufferAndVolatile: events emitted while disconnected are sent on connection, volatile
// ones are dropped; the buffer is bounded.
func TestBufferAndVolatile(t *testing.T) {
	got := make(chan string, 10)
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.OnAny(func(ev *socketio.Event) error { got <- ev.Name; return nil })
		})
	})
	m, err := client.NewManager(hs.URL, client.Options{MaxBufferedPackets: 2, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.Socket("/", nil)
	if err := s.Volatile().Emit("volatile"); err != nil {
		t.Fatal(err)
	}
	s.Emit("a")
	s.Emit("b")
	if err := s.Emit("c"); !errors.Is(err, client.ErrQueueFull) {
		t.Fatalf("third buffered emit: %v", err)
	}
	s.Connect()
	if a, b := recv(t, got), recv(t, got); a != "a" || b != "b" {
		t.Fatalf("%s %s", a, b)
	}
	s.Send("after")
	if x := recv(t, got); x != "message" {
		t.Fatalf("got %s", x)
	}
}

// TestReconnectAfterServerRestart: the server goes away and comes back on the same address;
// the client reconnects with the Manager's events and a new id, and buffered events go through.
func TestReconnectAfterServerRestart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	got := make(chan string, 10)
	start := func(ln net.Listener) (*socketio.Server, *httptest.Server) {
		srv, _ := socketio.NewServer(socketio.Options{Logger: quiet})
		srv.OnConnection(func(s *socketio.Socket) {
			s.OnAny(func(ev *socketio.Event) error { got <- ev.Name; return nil })
		})
		hs := httptest.NewUnstartedServer(srv)
		hs.Listener.Close()
		hs.Listener = ln
		hs.Start()
		return srv, hs
	}
	srv, hs := start(ln)
	s := connect(t, "http://"+addr, client.Options{ReconnectionDelay: 50 * time.Millisecond, ReconnectionDelayMax: 100 * time.Millisecond})
	firstID := s.ID()
	m := s.Manager()
	attempts := make(chan int, 100)
	reconnected := make(chan int, 1)
	reasons := make(chan string, 1)
	reconnErr := make(chan error, 100)
	m.OnReconnectAttempt(func(n int) { attempts <- n })
	m.OnReconnect(func(n int) { reconnected <- n })
	m.OnReconnectError(func(err error) { reconnErr <- err })
	s.OnDisconnect(func(r string) { reasons <- r })
	connected := make(chan struct{}, 1)
	s.OnConnect(func() { connected <- struct{}{} })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.CloseClientConnections()
	srv.Close(ctx)
	hs.Close()
	if r := recv(t, reasons); r != client.ReasonTransportClose && r != client.ReasonTransportError {
		t.Fatalf("reason %q", r)
	}
	if n := recv(t, attempts); n != 1 {
		t.Fatalf("first attempt %d", n)
	}
	recv(t, reconnErr)
	s.Emit("buffered")
	var ln2 net.Listener
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ln2, err = net.Listen("tcp", addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cannot listen again on %s: %v", addr, err)
		}
	}
	srv2, hs2 := start(ln2)
	defer func() { hs2.CloseClientConnections(); hs2.Close(); srv2.Close(ctx) }()
	if n := recv(t, reconnected); n < 1 {
		t.Fatalf("reconnect after %d attempts", n)
	}
	recv(t, connected)
	if s.ID() == "" || s.ID() == firstID {
		t.Fatalf("id %q after reconnection (was %q)", s.ID(), firstID)
	}
	if x := recv(t, got); x != "buffered" {
		t.Fatalf("got %q", x)
	}
	m.Close()
}

// TestReconnectFailed: ReconnectionAttempts bounds the attempts; Connect reports it.
func TestReconnectFailed(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := client.Connect(ctx, "http://"+addr, client.Options{ForceNew: true, Logger: quiet,
		ReconnectionAttempts: 2, ReconnectionDelay: 10 * time.Millisecond})
	if !errors.Is(err, client.ErrReconnectFailed) {
		t.Fatalf("err %v", err)
	}
	_, err = client.Connect(ctx, "http://"+addr, client.Options{ForceNew: true, Logger: quiet, NoReconnection: true})
	if err == nil || errors.Is(err, client.ErrReconnectFailed) {
		t.Fatalf("err %v", err)
	}
}

// TestUpgradeWithEventsInFlight: events sent both ways while polling upgrades to WebSocket
// all arrive, in order; the client's are emitted from the start until the upgrade is done and 50
// more, so that some go by polling and the rest by WebSocket.
func TestUpgradeWithEventsInFlight(t *testing.T) {
	const n = 300
	type arrival struct {
		i         int
		transport string
	}
	fromClient := make(chan arrival, 20000)
	srv, _ := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.On("n", socketio.Handle(func(ev *socketio.Event, i int) error {
				fromClient <- arrival{i, s.Conn().Transport()}
				return nil
			}))
			go func() {
				for i := range n {
					s.Emit("m", i)
				}
			}()
		})
	})
	// The upgrade request is answered 100 ms late, so that the session spends a while on
	// polling with events in flight before it upgrades.
	late := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query(); q.Get("transport") == "websocket" && q.Get("sid") != "" {
			time.Sleep(100 * time.Millisecond)
		}
		srv.ServeHTTP(w, r)
	}))
	defer func() { late.CloseClientConnections(); late.Close() }()
	fromServer := make(chan int, n)
	m, err := client.NewManager(late.URL, client.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := m.Socket("/", nil)
	s.On("m", client.Handle(func(ev *client.Event, i int) error { fromServer <- i; return nil }))
	s.Connect()
	sent, after := 0, -1
	for ; after < 50 && sent < 20000; sent++ {
		if err := s.Emit("n", sent); err != nil {
			t.Fatal(err)
		}
		if after >= 0 {
			after++
		} else if m.Transport() == "websocket" {
			after = 0
		}
		if sent%5 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	by := map[string]int{}
	for i := range sent {
		a := recv(t, fromClient)
		if a.i != i {
			t.Fatalf("server got %d, want %d", a.i, i)
		}
		by[a.transport]++
	}
	for i := range n {
		if b := recv(t, fromServer); b != i {
			t.Fatalf("client got %d, want %d", b, i)
		}
	}
	if by["polling"] == 0 || by["websocket"] == 0 {
		t.Fatalf("events by transport %v, want both", by)
	}
}

// TestAckTimeoutAndDisconnect: Timeout gives ErrTimeout; a disconnection fails pending acks.
func TestAckTimeoutAndDisconnect(t *testing.T) {
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.On("kick", func(*socketio.Event) error { s.Disconnect(true); return nil })
		})
	})
	s := connect(t, hs.URL, client.Options{NoReconnection: true})
	if _, err := s.Timeout(50*time.Millisecond).EmitWithAck(context.Background(), "silence"); !errors.Is(err, client.ErrTimeout) {
		t.Fatalf("err %v", err)
	}
	res := make(chan error, 1)
	go func() {
		_, err := s.EmitWithAck(context.Background(), "silence")
		res <- err
	}()
	time.Sleep(50 * time.Millisecond)
	s.Emit("kick")
	if err := recv(t, res); !errors.Is(err, client.ErrDisconnected) {
		t.Fatalf("err %v", err)
	}
}

// fakeEngine is a bare Engine.IO server for the cases the real one never produces.
func fakeEngine(t *testing.T, handshake string, then func(w http.ResponseWriter, n int)) string {
	var mu sync.Mutex
	n := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("sid") == "" {
			io.WriteString(w, "0"+handshake)
			return
		}
		if r.Method == http.MethodPost {
			io.WriteString(w, "ok")
			return
		}
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		then(w, k)
	}))
	t.Cleanup(func() { hs.CloseClientConnections(); hs.Close() })
	return hs.URL
}

// TestPingTimeoutAndParseError: without pings the session ends with "ping timeout"; bad
// packets end it with "parse error", never a panic.
func TestPingTimeoutAndParseError(t *testing.T) {
	hsJSON := `{"sid":"abc","upgrades":[],"pingInterval":100,"pingTimeout":100,"maxPayload":1000000}`
	cases := []struct {
		name, body, want string
	}{
		{"ping timeout", "6", client.ReasonPingTimeout},
		{"bad engine packet", "9zz", client.ReasonParseError},
		{"bad socket.io packet", "4Z", client.ReasonParseError},
		{"bad attachments", `451-["x",{"_placeholder":true,"num":7}]` + "\x1eb!!", client.ReasonParseError},
		{"close", "1", client.ReasonTransportClose},
		{"session unknown", "HTTP 400", client.ReasonTransportError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url := fakeEngine(t, hsJSON, func(w http.ResponseWriter, n int) {
				if n == 1 {
					io.WriteString(w, `40{"sid":"s1"}`)
					return
				}
				if n == 2 {
					if c.body == "HTTP 400" {
						http.Error(w, `{"code":1,"message":"Session ID unknown"}`, http.StatusBadRequest)
						return
					}
					io.WriteString(w, c.body)
					return
				}
				time.Sleep(50 * time.Millisecond)
				io.WriteString(w, "6")
			})
			m, err := client.NewManager(url, client.Options{NoReconnection: true, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			s := m.Socket("/", nil)
			reasons := make(chan string, 1)
			s.OnDisconnect(func(r string) { reasons <- r })
			s.Connect()
			if r := recv(t, reasons); r != c.want {
				t.Fatalf("reason %q, want %q", r, c.want)
			}
		})
	}
}

// TestBackoffDefaults: Node's reconnection delays, 1s doubling to 5s, ±50%.
func TestBackoffDefaults(t *testing.T) {
	for attempt, base := range []float64{1000, 2000, 4000, 5000, 5000} {
		for range 50 {
			d := client.BackoffDelay(client.Options{}, attempt)
			ms := float64(d.Milliseconds())
			lo, hi := base*0.5, min(base*1.5, 5000)
			if base == 5000 {
				lo = 4000 * 0.5
			}
			if ms < lo || ms > hi {
				t.Fatalf("attempt %d: %v not in [%v, %v]", attempt, d, lo, hi)
			}
		}
	}
}

// TestConnectionStateRecovery: after a lost connection the client sends its pid and last
// offset; the server restores the session (same id, Recovered) and the missed events.
func TestConnectionStateRecovery(t *testing.T) {
	srv, err := socketio.NewServer(socketio.Options{Logger: quiet, ConnectionStateRecovery: &socketio.ConnectionStateRecovery{}})
	if err != nil {
		t.Fatal(err)
	}
	serverSockets := make(chan *socketio.Socket, 2)
	srv.OnConnection(func(s *socketio.Socket) { serverSockets <- s })
	hs := httptest.NewServer(srv)
	defer func() { hs.CloseClientConnections(); hs.Close(); srv.Close(context.Background()) }()
	s := connect(t, hs.URL, client.Options{Transports: []string{"websocket"}, ReconnectionDelay: 300 * time.Millisecond, RandomizationFactor: -1})
	got := make(chan string, 10)
	s.On("news", client.Handle(func(ev *client.Event, x string) error { got <- x; return nil }))
	reasons := make(chan string, 1)
	s.OnDisconnect(func(r string) { reasons <- r })
	connected := make(chan struct{}, 1)
	s.OnConnect(func() { connected <- struct{}{} })
	id := s.ID()
	srv.Emit("news", "one")
	if x := recv(t, got); x != "one" {
		t.Fatal(x)
	}
	ss := recv(t, serverSockets)
	gone := make(chan struct{})
	ss.OnDisconnect(func(string) { close(gone) })
	ss.Conn().Close()
	recv(t, gone)
	if r := recv(t, reasons); r != client.ReasonTransportClose {
		t.Fatalf("reason %q", r)
	}
	srv.Emit("news", "missed")
	recv(t, connected)
	if !s.Recovered() || s.ID() != id {
		t.Fatalf("recovered %v, id %q (was %q)", s.Recovered(), s.ID(), id)
	}
	if x := recv(t, got); x != "missed" {
		t.Fatal(x)
	}
}

// TestTLS: https and wss with the standard library's TLS configuration.
func TestTLS(t *testing.T) {
	srv, _ := socketio.NewServer(socketio.Options{Logger: quiet})
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("ping", func(ev *socketio.Event) error { return ev.Ack("pong") })
	})
	hs := httptest.NewTLSServer(srv)
	defer func() { hs.CloseClientConnections(); hs.Close(); srv.Close(context.Background()) }()
	tlsConf := hs.Client().Transport.(*http.Transport).TLSClientConfig
	s := connect(t, hs.URL, client.Options{TLSConfig: tlsConf})
	a, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "ping")
	var x string
	if err != nil || a.Bind(&x) != nil || x != "pong" {
		t.Fatalf("%v %q", err, x)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Manager().Transport() != "websocket" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.Manager().Transport() != "websocket" {
		t.Fatal("no upgrade to wss")
	}
}

// TestCloseFromHandler: Close called by a handler does not deadlock; the goroutines end
// (TestMain checks).
func TestCloseFromHandler(t *testing.T) {
	_, hs := newServer(t, engineio.Options{}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) { s.Emit("bye") })
	})
	m, err := client.NewManager(hs.URL, client.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	s := m.Socket("/", nil)
	closed := make(chan error, 1)
	s.On("bye", func(*client.Event) error { closed <- s.Close(); return nil })
	s.Connect()
	if err := recv(t, closed); err != nil {
		t.Fatal(err)
	}
	if err := s.Emit("x"); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("emit after close: %v", err)
	}
}

// TestDisconnectThenConnect: Connect right after Disconnect (while the session closes) connects
// on a new session.
func TestDisconnectThenConnect(t *testing.T) {
	_, hs := newServer(t, engineio.Options{}, nil)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s := connect(t, hs.URL, client.Options{Transports: tr.list})
			connected := make(chan struct{}, 1)
			s.OnConnect(func() { connected <- struct{}{} })
			first := s.ID()
			s.Disconnect()
			s.Connect()
			recv(t, connected)
			if s.ID() == "" || s.ID() == first {
				t.Fatalf("id %q (was %q)", s.ID(), first)
			}
		})
	}
}

// TestHeartbeat: the client answers the server's pings, so that a session with a short
// ping interval outlives many of them, on every transport.
func TestHeartbeat(t *testing.T) {
	_, hs := newServer(t, engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 200 * time.Millisecond}, func(io *socketio.Server) {
		io.OnConnection(func(s *socketio.Socket) {
			s.On("ping", func(ev *socketio.Event) error { return ev.Ack("pong") })
		})
	})
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s := connect(t, hs.URL, client.Options{Transports: tr.list, NoReconnection: true})
			gone := make(chan string, 1)
			s.OnDisconnect(func(r string) { gone <- r })
			select {
			case r := <-gone:
				t.Fatalf("disconnected: %s", r)
			case <-time.After(500 * time.Millisecond): // 10 ping intervals
			}
			if _, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "ping"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestEngineListeners: the Manager reports the engine's packet, packetCreate and drain events, as
// socket.io.engine.on(…) does in the JS client: a ping received, the pong and an event created,
// and the drain once they are written.
func TestEngineListeners(t *testing.T) {
	_, hs := newServer(t, engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: time.Second}, nil)
	s := connect(t, hs.URL, client.Options{Transports: []string{"websocket"}, NoReconnection: true})
	m := s.Manager()
	received := make(chan engineio.Packet, 64)
	created := make(chan engineio.Packet, 64)
	drained := make(chan struct{}, 64)
	m.OnPacket(func(p engineio.Packet) { received <- p })
	m.OnPacketCreate(func(p engineio.Packet) { created <- p })
	m.OnDrain(func() { drained <- struct{}{} })

	if err := s.Emit("hello", "world"); err != nil {
		t.Fatal(err)
	}
	var sawPing, sawPong, sawEvent bool
	deadline := time.After(10 * time.Second)
	for !(sawPing && sawPong && sawEvent) {
		select {
		case p := <-received:
			sawPing = sawPing || p.Type == engineio.PacketPing
		case p := <-created:
			sawPong = sawPong || p.Type == engineio.PacketPong
			sawEvent = sawEvent || (p.Type == engineio.PacketMessage && string(p.Data) == `2["hello","world"]`)
		case <-deadline:
			t.Fatalf("ping received %v, pong created %v, event created %v", sawPing, sawPong, sawEvent)
		}
	}
	recv(t, drained)
}
