package test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/gosockio/gosockio/client"
)

// The Go client (package client) against Node's socket.io 4.8 (js/scenario-server.js).

var clientQuiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func goClient(t *testing.T, rawURL string, o client.Options) *client.Socket {
	t.Helper()
	o.ForceNew = true
	if o.Logger == nil {
		o.Logger = clientQuiet
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := client.Connect(ctx, rawURL, o)
	if err != nil {
		t.Fatalf("connect %s: %v", rawURL, err)
	}
	t.Cleanup(func() { s.Manager().Close() })
	return s
}

func within[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out")
		panic("unreachable")
	}
}

func TestGoClientNode(t *testing.T) {
	requireNode(t)
	base, _ := startNodeScenarioServer(t, "127.0.0.1:0")
	for _, tr := range []struct {
		name string
		list []string
		want string
	}{{"polling", []string{"polling"}, "polling"}, {"websocket", []string{"websocket"}, "websocket"}, {"upgrade", nil, "websocket"}} {
		t.Run(tr.name, func(t *testing.T) {
			ctx := context.Background()
			m, err := client.NewManager(base, client.Options{Transports: tr.list, Logger: clientQuiet, Query: url.Values{"seq": {"200"}}})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			s := m.Socket("/", nil)
			welcome := make(chan string, 1)
			s.On("welcome-back", client.Handle(func(ev *client.Event, id string) error { welcome <- id; return nil }))
			seq := make(chan int, 300)
			s.On("seq", client.Handle(func(ev *client.Event, i int) error { seq <- i; return nil }))
			seqDone := make(chan struct{})
			s.On("seq-done", func(*client.Event) error { close(seqDone); return nil })
			s.On("question", func(ev *client.Event) error { return ev.Ack("because") })
			s.On("silent", func(*client.Event) error { return nil })
			s.Connect()
			if id := within(t, welcome); id != s.ID() {
				t.Fatalf("welcome-back %q, ID %q", id, s.ID())
			}
			for i := range 200 {
				if got := within(t, seq); got != i {
					t.Fatalf("seq %d, want %d", got, i)
				}
			}
			within(t, seqDone)

			a, err := s.Timeout(5*time.Second).EmitWithAck(ctx, "sum", 2, 3)
			var sum int
			if err != nil || a.Bind(&sum) != nil || sum != 5 {
				t.Fatalf("sum: %v %d", err, sum)
			}
			a, err = s.Timeout(5*time.Second).EmitWithAck(ctx, "echo", "x", map[string]any{"n": 1})
			if err != nil || string(a.Raw(0)) != `["x",{"n":1}]` {
				t.Fatalf("echo: %v %s", err, a.Raw(0))
			}
			a, err = s.Timeout(5*time.Second).EmitWithAck(ctx, "binary-sizes", map[string]any{"parts": []any{[]byte{1, 2, 3}, map[string]any{"deep": make([]byte, 1000)}}})
			if err != nil || string(a.Raw(0)) != `[3,1000]` {
				t.Fatalf("binary-sizes: %v %s", err, a.Raw(0))
			}
			a, err = s.Timeout(5*time.Second).EmitWithAck(ctx, "binary-echo", map[string]any{"b": []any{[]byte("deep")}})
			var be struct{ B [][]byte }
			if err != nil || a.Bind(&be) != nil || len(be.B) != 1 || string(be.B[0]) != "deep" {
				t.Fatalf("binary-echo: %v %+v", err, be)
			}
			bin := make(chan []any, 1)
			s.Once("binary", func(ev *client.Event) error { v, err := ev.Values(); bin <- v; return err })
			s.Emit("send-binary")
			if v := within(t, bin); !bytes.Equal(v[0].(map[string]any)["data"].([]byte), []byte{0xde, 0xad, 0xbe, 0xef}) || v[1] != "meta" {
				t.Fatalf("binary: %#v", v)
			}
			a, err = s.Timeout(10*time.Second).EmitWithAck(ctx, "ask-me")
			var res struct {
				Answer  string `json:"answer"`
				Timeout bool   `json:"timeout"`
			}
			if err != nil || a.Bind(&res) != nil || res.Answer != "because" || !res.Timeout {
				t.Fatalf("ask-me: %v %+v", err, res)
			}
			a, err = s.Timeout(5*time.Second).EmitWithAck(ctx, "transport")
			var name string
			if err != nil || a.Bind(&name) != nil || name != tr.want {
				t.Fatalf("transport: %v %q, want %q", err, name, tr.want)
			}

			// A second namespace on the same session.
			admin := m.Socket("/admin", nil)
			connected := make(chan struct{}, 1)
			admin.OnConnect(func() { connected <- struct{}{} })
			admin.Connect()
			within(t, connected)
			a, err = admin.Timeout(5*time.Second).EmitWithAck(ctx, "whoami")
			if err != nil || a.Bind(&name) != nil || name != "/admin" {
				t.Fatalf("whoami: %v %q", err, name)
			}

			// Disconnect reasons on both sides.
			reasons := make(chan string, 1)
			s.OnDisconnect(func(r string) { reasons <- r })
			id := s.ID()
			s.Emit("kick", false)
			if r := within(t, reasons); r != client.ReasonServerDisconnect {
				t.Fatalf("reason %q", r)
			}
			if !admin.Connected() {
				t.Fatal("/admin went with /")
			}
			obs := goClient(t, base, client.Options{})
			a, err = obs.Timeout(5*time.Second).EmitWithAck(ctx, "reason-of", id)
			if err != nil || a.Bind(&name) != nil || name != "server namespace disconnect" {
				t.Fatalf("reason-of: %v %q", err, name)
			}
		})
	}

	t.Run("middleware", func(t *testing.T) {
		_, err := client.Connect(context.Background(), base+"/secure", client.Options{ForceNew: true, Logger: clientQuiet, Auth: map[string]any{"token": "bad"}})
		var ce *client.ConnectError
		if !errors.As(err, &ce) || ce.Message != "not authorized" || string(ce.Data) != `{"reason":"bad token","code":401}` {
			t.Fatalf("err %v (%+v)", err, ce)
		}
		s := goClient(t, base+"/secure", client.Options{Auth: func() any { return map[string]any{"token": "good"} }})
		a, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "auth")
		if err != nil || string(a.Raw(0)) != `{"token":"good"}` {
			t.Fatalf("auth: %v %s", err, a.Raw(0))
		}
	})
}

// TestGoClientNodeRestart: the Node server stops and starts again on the same port; the Go
// client reconnects (reconnect_attempt, reconnect) and gets a new id.
func TestGoClientNodeRestart(t *testing.T) {
	requireNode(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base, stop := startNodeScenarioServer(t, addr)
	s := goClient(t, base, client.Options{ReconnectionDelay: 100 * time.Millisecond, ReconnectionDelayMax: 200 * time.Millisecond})
	first := s.ID()
	reasons := make(chan string, 1)
	s.OnDisconnect(func(r string) { reasons <- r })
	reconnected := make(chan int, 1)
	s.Manager().OnReconnect(func(n int) { reconnected <- n })
	connected := make(chan struct{}, 1)
	s.OnConnect(func() { connected <- struct{}{} })
	stop()
	if r := within(t, reasons); r != client.ReasonTransportClose && r != client.ReasonTransportError {
		t.Fatalf("reason %q", r)
	}
	startNodeScenarioServer(t, addr)
	within(t, reconnected)
	within(t, connected)
	if s.ID() == "" || s.ID() == first {
		t.Fatalf("id %q (was %q)", s.ID(), first)
	}
	a, err := s.Timeout(5*time.Second).EmitWithAck(context.Background(), "sum", 1, 1)
	var n int
	if err != nil || a.Bind(&n) != nil || n != 2 {
		t.Fatalf("sum after reconnection: %v %d", err, n)
	}
}
