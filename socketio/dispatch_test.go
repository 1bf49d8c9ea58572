package socketio_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosockio/gosockio/socketio"
)

// TestNamespacesDoNotBlockEachOther: a handler blocked in /admin does not hold up the events
// of / on the same connection (each socket has its own dispatcher, as Node's namespaces do not
// wait for each other).
func TestNamespacesDoNotBlockEachOther(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the server's Close (cleanups run last first)
	blocked := make(chan struct{}, 1)
	e.srv.Of("/admin").OnConnection(func(s *socketio.Socket) {
		s.On("block", func(*socketio.Event) error {
			blocked <- struct{}{}
			<-release
			return nil
		})
	})
	e.srv.OnConnection(func(s *socketio.Socket) {
		s.On("ping", func(ev *socketio.Event) error { return ev.Ack("pong") })
	})
	c, _ := e.dial("/", nil)
	if _, err := c.Connect(ctxT(t), "/admin", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Emit("/admin", "block"); err != nil {
		t.Fatal(err)
	}
	recv(t, blocked)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	args, err := c.EmitWithAck(ctx, "/", "ping")
	var got string
	if err == nil {
		err = args.Bind(0, &got)
	}
	if err != nil || got != "pong" {
		t.Fatalf("/ while /admin's handler is blocked: %q, %v", got, err)
	}
	// A connection middleware blocked in another namespace does not hold up / either.
	e.srv.Of("/slow").Use(func(*socketio.Socket) error { <-release; return nil })
	go func() { _, _ = c.Connect(context.Background(), "/slow", nil) }()
	time.Sleep(20 * time.Millisecond) // let the CONNECT reach the server
	if _, err := c.EmitWithAck(ctx, "/", "ping"); err != nil {
		t.Fatalf("/ while /slow's middleware is blocked: %v", err)
	}
}

// TestNamespaceOrderKept: within one namespace, a CONNECT, the events after it and a
// DISCONNECT followed by a new CONNECT are still handled in the order they were sent.
func TestNamespaceOrderKept(t *testing.T) {
	e := newEnv(t, socketio.Options{})
	var joins atomic.Int32
	got := make(chan string, 16)
	e.srv.Of("/admin").Use(func(*socketio.Socket) error {
		time.Sleep(20 * time.Millisecond) // a slow middleware: events sent meanwhile wait for it
		return nil
	})
	e.srv.Of("/admin").OnConnection(func(s *socketio.Socket) {
		joins.Add(1)
		s.On("ev", func(ev *socketio.Event) error {
			var v string
			_ = ev.Bind(&v)
			got <- v
			return nil
		})
		s.OnDisconnect(func(string) { got <- "left" })
	})
	c, _ := e.dial("/admin", nil)
	for _, v := range []string{"a", "b"} {
		if err := c.Emit("/admin", "ev", v); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Disconnect("/admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Connect(ctxT(t), "/admin", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Emit("/admin", "ev", "c"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"a", "b", "left", "c"} {
		if v := recv(t, got); v != want {
			t.Fatalf("got %q, want %q", v, want)
		}
	}
	if n := joins.Load(); n != 2 {
		t.Fatalf("%d joins, want 2", n)
	}
}

// TestPanicDisconnectOwnedByClose: the disconnection of a socket whose handler panicked runs
// on the socket's dispatcher, so Server.Close waits for its listeners (it used to run on a
// goroutine of its own that Close did not wait for).
func TestPanicDisconnectOwnedByClose(t *testing.T) {
	e := newEnv(t, socketio.Options{}) // (its cleanup's Close is a no-op after ours)
	entered := make(chan struct{})
	var finished atomic.Bool
	e.srv.OnConnection(func(s *socketio.Socket) {
		s.On("boom", func(*socketio.Event) error { panic("boom") })
		s.OnDisconnect(func(r string) {
			if r != socketio.ReasonServerNamespaceDisconnect {
				t.Errorf("reason %q", r)
			}
			close(entered)
			time.Sleep(200 * time.Millisecond)
			finished.Store(true)
		})
	})
	c, _ := e.dial("/", nil)
	if err := c.Emit("/", "boom"); err != nil {
		t.Fatal(err)
	}
	recv(t, entered)
	if err := e.srv.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Fatal("Close returned while the disconnect listener of the panicked socket was still running")
	}
}
