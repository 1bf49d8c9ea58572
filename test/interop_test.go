package test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gosockio/gosockio/socketio"
)

// scenarioServer is the Go server the JS client scenarios (js/client-scenarios.js) talk to, with
// the server-side behaviour of Node's js/scenario-server.js (keep the two alike; TestJSClient in
// scenarios_test.go runs the scenarios against both).
type scenarioServer struct {
	srv *socketio.Server

	mu      sync.Mutex
	reasons map[string]string // socket id -> disconnect reason
}

func newScenarioServer(t testing.TB) *scenarioServer {
	t.Helper()
	srv, err := socketio.NewServer(socketio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ss := &scenarioServer{srv: srv, reasons: map[string]string{}}
	ack := func(ev *socketio.Event, v ...any) error { return ev.Ack(v...) }

	srv.OnConnection(func(s *socketio.Socket) {
		s.OnDisconnect(func(reason string) {
			ss.mu.Lock()
			ss.reasons[s.ID()] = reason
			ss.mu.Unlock()
		})
		_ = s.Emit("welcome-back", s.ID())
		if n, err := strconv.Atoi(s.Handshake().Query.Get("seq")); err == nil {
			go func() { // paced, so that the sequence spans the transport upgrade
				for i := range n {
					_ = s.Emit("seq", i)
					if i%10 == 0 {
						time.Sleep(time.Millisecond)
					}
				}
				_ = s.Emit("seq-done")
			}()
		}
		s.On("echo", func(ev *socketio.Event) error {
			vals, err := ev.Values()
			if err != nil {
				return err
			}
			return ev.Ack(vals) // one argument: the client's emitWithAck resolves with it
		})
		s.On("transport", func(ev *socketio.Event) error { return ack(ev, s.Conn().Transport()) })
		s.On("sum", socketio.Handle2(func(ev *socketio.Event, a, b int) error { return ack(ev, a+b) }))
		s.On("ignore", func(*socketio.Event) error { return nil })
		s.On("ask-me", func(ev *socketio.Event) error {
			// Blocks this socket's handler while waiting for the client: acks must still arrive.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			a, err := s.EmitWithAck(ctx, "question", "why?")
			if err != nil {
				return err
			}
			var answer string
			if err := a.Bind(&answer); err != nil {
				return err
			}
			_, err = s.Timeout(300*time.Millisecond).EmitWithAck(context.Background(), "silent")
			return ack(ev, map[string]any{"answer": answer, "timeout": errors.Is(err, socketio.ErrTimeout)})
		})
		s.On("binary-echo", func(ev *socketio.Event) error {
			vals, err := ev.Values()
			if err != nil {
				return err
			}
			return ev.Ack(vals[0])
		})
		s.On("binary-sizes", func(ev *socketio.Event) error {
			vals, err := ev.Values()
			if err != nil {
				return err
			}
			m, _ := vals[0].(map[string]any)
			parts, _ := m["parts"].([]any)
			first, _ := parts[0].([]byte)
			deepObj, _ := parts[1].(map[string]any)
			deep, _ := deepObj["deep"].([]byte)
			// The typed form must see the same bytes.
			var typed struct {
				Parts []struct {
					Deep []byte `json:"deep"`
				} `json:"parts"`
			}
			if err := ev.Bind(&typed); err == nil && len(typed.Parts) == 2 && string(typed.Parts[1].Deep) != string(deep) {
				return errors.New("typed bind disagrees with generic values")
			}
			return ack(ev, []int{len(first), len(deep)})
		})
		s.On("send-binary", func(*socketio.Event) error {
			return s.Emit("binary", map[string]any{"data": []byte{0xde, 0xad, 0xbe, 0xef}}, "meta")
		})
		s.On("join", socketio.Handle(func(ev *socketio.Event, room string) error {
			s.Join(room)
			return ack(ev)
		}))
		type target struct {
			To     []string `json:"to"`
			Except []string `json:"except"`
			Msg    string   `json:"msg"`
		}
		s.On("server-broadcast", socketio.Handle(func(ev *socketio.Event, t target) error {
			if err := srv.To(t.To...).Except(t.Except...).Emit("news", t.Msg); err != nil {
				return err
			}
			return ack(ev)
		}))
		s.On("socket-broadcast", socketio.Handle(func(ev *socketio.Event, t target) error {
			op := s.Broadcast()
			if len(t.To) > 0 {
				op = s.To(t.To...)
			}
			if err := op.Emit("news", t.Msg); err != nil {
				return err
			}
			return ack(ev)
		}))
		s.On("barrier", func(ev *socketio.Event) error { return ack(ev) })
		s.On("my-rooms", func(ev *socketio.Event) error { return ack(ev, s.Rooms()) })
		s.On("send-volatile", func(*socketio.Event) error {
			// Volatile packets are dropped while the transport is busy: wait until it is idle.
			deadline := time.Now().Add(3 * time.Second)
			for !s.Conn().Writable() && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			return s.Volatile().Emit("vol", "v")
		})
		s.On("kick", socketio.Handle(func(ev *socketio.Event, close bool) error {
			s.Disconnect(close)
			return nil
		}))
		s.On("reason-of", socketio.Handle(func(ev *socketio.Event, id string) error {
			deadline := time.Now().Add(3 * time.Second)
			for time.Now().Before(deadline) {
				ss.mu.Lock()
				r, ok := ss.reasons[id]
				ss.mu.Unlock()
				if ok {
					return ack(ev, r)
				}
				time.Sleep(10 * time.Millisecond)
			}
			return ack(ev, "unknown")
		}))
	})

	whoami := func(s *socketio.Socket) {
		s.On("whoami", func(ev *socketio.Event) error { return ack(ev, s.Namespace().Name()) })
	}
	srv.Of("/admin").OnConnection(whoami)
	srv.OfRegexp(regexp.MustCompile(`^/dyn-\d+$`)).OnConnection(whoami)

	secure := srv.Of("/secure")
	secure.Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["token"] != "good" {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]any{"reason": "bad token", "code": 401}}
		}
		return nil
	})
	secure.OnConnection(func(s *socketio.Socket) {
		s.On("auth", func(ev *socketio.Event) error { return ack(ev, s.Handshake().Auth) })
	})
	return ss
}

// serve runs h on a loopback listener (addr "127.0.0.1:0" for any port) and returns the base
// URL and a func that stops it.
func serve(t testing.TB, addr string, h http.Handler) (string, func()) {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port of a just-closed server may take a moment to free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() { _ = hs.Serve(ln); close(done) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = hs.Shutdown(ctx)
			<-done
		})
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), stop
}

func startScenarioServer(t testing.TB, addr string) (*scenarioServer, string, func()) {
	ss := newScenarioServer(t)
	url, stopHTTP := serve(t, addr, ss.srv)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ss.srv.Close(ctx); err != nil {
			t.Errorf("server close: %v", err)
		}
		stopHTTP()
	}
	t.Cleanup(stop)
	return ss, url, stop
}
