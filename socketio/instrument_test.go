package socketio_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/testclient"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/engineio"
)

// TestInstrumentation checks each hook of socketio.Instrumentation: connections, sockets
// before their handlers, room joins and leaves (the socket's own room included), data
// changes, traffic counts, the data FetchSockets reports, and Close.
func TestInstrumentation(t *testing.T) {
	srv, err := socketio.NewServer(socketio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	var (
		mu                     sync.Mutex
		log                    []string
		conns, closes, gone    atomic.Int32
		pktIn, pktOut, bytesIn atomic.Int64
	)
	record := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
	srv.SetInstrumentation(&socketio.Instrumentation{
		OnConn:      func(*engineio.Conn) { conns.Add(1) },
		OnConnClose: func(_ *engineio.Conn, reason string) { gone.Add(1); record("conn closed " + reason) },
		OnSocket:    func(s *socketio.Socket) { record("socket " + s.Namespace().Name()) },
		OnRoom: func(n *socketio.Namespace, room, id string, joined bool) {
			if room == id {
				room = "<own>"
			}
			record(fmt.Sprintf("room %s %s %v", n.Name(), room, joined))
		},
		OnData:       func(s *socketio.Socket) { record(fmt.Sprintf("data %v", s.Data())) },
		OnPacketsIn:  func(p, b int) { pktIn.Add(int64(p)); bytesIn.Add(int64(b)) },
		OnPacketsOut: func(p, _ int) { pktOut.Add(int64(p)) },
		SocketData:   func(_ *socketio.Socket, d any) any { return map[string]any{"wrapped": d} },
		OnClose:      func() { closes.Add(1) },
	})
	handled := make(chan *socketio.Socket, 1)
	srv.OnConnection(func(s *socketio.Socket) {
		record("handler")
		s.On("go", func(*socketio.Event) error {
			s.Join("a", "b")
			s.Leave("a")
			s.SetData("x")
			handled <- s
			return nil
		})
	})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := testclient.Dial(ctx, hs.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Connect(ctx, "/", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Emit("/", "go"); err != nil {
		t.Fatal(err)
	}
	var s *socketio.Socket
	select {
	case s = <-handled:
	case <-ctx.Done():
		t.Fatal("no event")
	}
	socks, err := srv.FetchSockets(ctx)
	if err != nil || len(socks) != 1 {
		t.Fatalf("FetchSockets: %v %v", socks, err)
	}
	if got, ok := socks[0].Data().(map[string]any); !ok || got["wrapped"] != "x" {
		t.Errorf("FetchSockets data %#v, want the SocketData hook's", socks[0].Data())
	}
	if err := srv.Emit("hello", 1); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.NextEvent(ctx); err != nil {
		t.Fatal(err)
	}
	s.Disconnect(false)
	for s.Connected() || len(srv.Sockets()) > 0 {
		time.Sleep(5 * time.Millisecond)
	}

	mu.Lock()
	got := slices.Clone(log)
	mu.Unlock()
	want := []string{
		"room / <own> true", "socket /", "handler",
		"room / a true", "room / b true", "room / a false", "data x",
		"room / <own> false", "room / b false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("hooks ran as\n%q\nwant\n%q", got, want)
	}
	if conns.Load() != 1 {
		t.Errorf("OnConn ran %d times, want 1", conns.Load())
	}
	// In: CONNECT and the event. Out: CONNECT, "hello", DISCONNECT.
	if pktIn.Load() != 2 || bytesIn.Load() != int64(len("0")+len(`2["go"]`)) {
		t.Errorf("in: %d packets, %d bytes", pktIn.Load(), bytesIn.Load())
	}
	if pktOut.Load() != 3 {
		t.Errorf("out: %d packets, want 3", pktOut.Load())
	}
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if closes.Load() != 1 {
		t.Errorf("OnClose ran %d times", closes.Load())
	}
	if gone.Load() != 1 {
		t.Errorf("OnConnClose ran %d times, want 1 (the server closed the connection)", gone.Load())
	}
	if len(srv.Namespaces()) != 1 || srv.Namespaces()[0].Name() != "/" {
		t.Errorf("Namespaces: %v", srv.Namespaces())
	}
}
