package test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
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

// startNodeGoClientServer runs js/client-go-server.js and returns its URL.
func startNodeGoClientServer(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p := startNode(t, ctx, "client-go-server.js", "0")
	return "http://127.0.0.1:" + p.waitPrefix(t, "listening ", 20*time.Second)
}

// TestGoClientNodeUpgradeInFlight: events emitted before connecting (the send buffer) and while
// polling upgrades to WebSocket reach Node's server once each, in order, as do the server's.
func TestGoClientNodeUpgradeInFlight(t *testing.T) {
	requireNode(t)
	base := startNodeGoClientServer(t)
	const n = 300
	m, err := client.NewManager(base, client.Options{Logger: clientQuiet, Query: url.Values{"seq": {"300"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	upgraded := make(chan string, 1)
	m.OnUpgrade(func(tr string) { upgraded <- tr })
	s := m.Socket("/", nil)
	seq := make(chan int, n)
	s.On("seq", client.Handle(func(ev *client.Event, i int) error { seq <- i; return nil }))
	for i := range 50 {
		if err := s.Emit("n", i); err != nil {
			t.Fatal(err)
		}
	}
	s.Connect()
	// Emit until the upgrade is done, then 50 more: events in flight on both sides of it.
	sent, after := 50, -1
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
	for i := range n {
		if got := within(t, seq); got != i {
			t.Fatalf("seq %d, want %d", got, i)
		}
	}
	a, err := s.Timeout(10*time.Second).EmitWithAck(context.Background(), "received")
	var got []struct {
		I         int    `json:"i"`
		Transport string `json:"transport"`
	}
	if err != nil || a.Bind(&got) != nil || len(got) != sent {
		t.Fatalf("received: %v, %d events of %d", err, len(got), sent)
	}
	by := map[string]int{}
	for i, r := range got {
		if r.I != i {
			t.Fatalf("event %d arrived as number %d", r.I, i)
		}
		by[r.Transport]++
	}
	if by["polling"] == 0 || by["websocket"] == 0 {
		t.Fatalf("events by transport: %v, want both", by)
	}
	t.Logf("events by transport: %v", by)
}

// TestGoClientNodeCompress: Node's server (permessage-deflate on) receives compressed frames
// from the Go client by default, uncompressed ones for Compress(false) and under 1024 bytes, and
// decodes them all.
func TestGoClientNodeCompress(t *testing.T) {
	requireNode(t)
	base := startNodeGoClientServer(t)
	s := goClient(t, base, client.Options{Transports: []string{"websocket"}})
	ctx := context.Background()
	big := strings.Repeat("compressible ", 200)
	for _, e := range []client.Emitter{s.Timeout(5 * time.Second), s.Timeout(5 * time.Second).Compress(false)} {
		a, err := e.EmitWithAck(ctx, "big", big)
		var n int
		if err != nil || a.Bind(&n) != nil || n != len(big) {
			t.Fatalf("big: %v %d", err, n)
		}
	}
	a, err := s.Timeout(5*time.Second).EmitWithAck(ctx, "frames")
	var frames []struct {
		RSV1   bool   `json:"rsv1"`
		Opcode int    `json:"opcode"`
		Text   string `json:"text"`
	}
	if err != nil || a.Bind(&frames) != nil {
		t.Fatalf("frames: %v %s", err, a.Raw(0))
	}
	var bigs []bool
	for _, f := range frames {
		switch {
		case strings.HasPrefix(f.Text, `420["big"`), strings.HasPrefix(f.Text, `421["big"`):
			bigs = append(bigs, f.RSV1)
		case strings.HasPrefix(f.Text, "42"):
			if f.RSV1 {
				t.Fatalf("a small message was compressed: %q", f.Text)
			}
		}
	}
	if len(bigs) != 2 || !bigs[0] || bigs[1] {
		t.Fatalf("compressed flags of the two big events: %v (frames %+v)", bigs, frames)
	}
}

// TestGoClientNodeServerDisconnect: after Node's socket.disconnect() the client's reason is
// "io server disconnect" and it does not reconnect on its own; Connect connects it again.
func TestGoClientNodeServerDisconnect(t *testing.T) {
	requireNode(t)
	base := startNodeGoClientServer(t)
	s := goClient(t, base, client.Options{ReconnectionDelay: 10 * time.Millisecond, RandomizationFactor: -1})
	reasons := make(chan string, 1)
	s.OnDisconnect(func(r string) { reasons <- r })
	attempts := make(chan int, 10)
	s.Manager().OnReconnectAttempt(func(n int) { attempts <- n })
	connected := make(chan struct{}, 1)
	s.OnConnect(func() { connected <- struct{}{} })
	first := s.ID()
	s.Emit("kick")
	if r := within(t, reasons); r != client.ReasonServerDisconnect {
		t.Fatalf("reason %q", r)
	}
	if s.Active() || s.Connected() || s.ID() != "" {
		t.Fatal("still active after io server disconnect")
	}
	select {
	case n := <-attempts:
		t.Fatalf("reconnection attempt %d after io server disconnect", n)
	case <-connected:
		t.Fatal("connected again on its own after io server disconnect")
	case <-time.After(300 * time.Millisecond): // 30 reconnection delays
	}
	s.Connect()
	within(t, connected)
	if s.ID() == "" || s.ID() == first {
		t.Fatalf("id %q (was %q)", s.ID(), first)
	}
}

// TestGoClientNodeSharedManager: Connect shares one Manager (one Engine.IO session) between the
// namespaces of Node's server, as io(url) does, and releases it with its last Socket.
func TestGoClientNodeSharedManager(t *testing.T) {
	requireNode(t)
	base := startNodeGoClientServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	o := client.Options{Logger: clientQuiet}
	root, err := client.Connect(ctx, base, o)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := client.Connect(ctx, base+"/admin", o)
	if err != nil {
		t.Fatal(err)
	}
	if admin.Manager() != root.Manager() {
		t.Fatal("/admin has a Manager of its own")
	}
	a, err := admin.Timeout(5*time.Second).EmitWithAck(ctx, "whoami")
	var name string
	if err != nil || a.Bind(&name) != nil || name != "/admin" {
		t.Fatalf("whoami: %v %q", err, name)
	}
	shared := root.Manager()
	root.Close()
	if !admin.Connected() {
		t.Fatal("/admin went with /")
	}
	admin.Close()
	again, err := client.Connect(ctx, base, o)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.Manager() == shared {
		t.Fatal("the released Manager was reused")
	}
}
