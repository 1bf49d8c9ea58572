package socketio_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/testlog"
	"github.com/gosockio/gosockio/socketio"
)

// TestUnhandledEventErrors: an error returned by a handler when the socket has no OnError
// listener, and arguments that do not decode into a typed handler's types, are logged at Warn
// (the default slog level shows them) with the namespace, socket id and event. The client's
// acknowledgement is not sent, as in Node.
func TestUnhandledEventErrors(t *testing.T) {
	var logs testlog.Buffer
	e := newEnv(t, socketio.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}) // level Info
	type login struct {
		Name string `json:"name"`
	}
	e.srv.OnConnection(func(s *socketio.Socket) {
		s.On("fail", func(*socketio.Event) error { return errors.New("boom") })
		s.On("login", socketio.Handle(func(ev *socketio.Event, l login) error { return ev.Ack("welcome " + l.Name) }))
	})
	c, sid := e.dial("/", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.EmitWithAck(ctx, "/", "fail"); err == nil {
		t.Error("the failing handler's client got an acknowledgement")
	}
	line := logs.Wait(t, 1, "level=WARN", "boom")[0]
	for _, want := range []string{"sid=" + sid, "nsp=/", "event=fail", "ack_pending=true", "no OnError listener"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %q", line, want)
		}
	}

	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.EmitWithAck(ctx, "/", "login", "str"); err == nil {
		t.Error("the typed handler was called with arguments that do not decode")
	}
	line = logs.Wait(t, 1, "level=WARN", "event=login")[0]
	for _, want := range []string{"sid=" + sid, "invalid argument 0", "do not decode", "ack_pending=true"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %q", line, want)
		}
	}
	args, err := c.EmitWithAck(ctxT(t), "/", "login", map[string]any{"name": "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := args.Values(); len(v) != 1 || v[0] != "welcome ann" {
		t.Errorf("ack %v", v)
	}
}

// TestEventErrorsGoToOnError: with an OnError listener, errors go there (ErrInvalidArgument
// for arguments that do not decode) and nothing is logged.
func TestEventErrorsGoToOnError(t *testing.T) {
	var logs testlog.Buffer
	e := newEnv(t, socketio.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	errs := make(chan error, 1)
	e.srv.OnConnection(func(s *socketio.Socket) {
		s.OnError(func(err error) { errs <- err })
		s.On("n", socketio.Handle(func(*socketio.Event, int) error { return nil }))
	})
	c, _ := e.dial("/", nil)
	if err := c.Emit("/", "n", "not a number"); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, errs); !errors.Is(err, socketio.ErrInvalidArgument) {
		t.Errorf("OnError got %v, want ErrInvalidArgument", err)
	}
	if got := logs.Lines("level=WARN"); len(got) > 0 {
		t.Errorf("logged although an OnError listener took the error: %q", got)
	}
}

// TestEventErrorLogRateLimit: a client sending failing events as fast as it can gets at most
// 10 lines a second logged, then one line with the number left out.
func TestEventErrorLogRateLimit(t *testing.T) {
	var logs testlog.Buffer
	e := newEnv(t, socketio.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	handled := make(chan struct{}, 100)
	e.srv.OnConnection(func(s *socketio.Socket) {
		s.On("fail", func(*socketio.Event) error { handled <- struct{}{}; return errors.New("boom") })
	})
	c, _ := e.dial("/", nil)
	start := time.Now()
	for range 50 {
		if err := c.Emit("/", "fail"); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		recv(t, handled)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Skipf("50 events took %v: too slow a machine to count a one-second window", d)
	}
	sum := logs.Wait(t, 1, "level=WARN", "rate limit")[0]
	if got := len(logs.Lines("level=WARN", "err=boom")); got != 10 {
		t.Errorf("%d lines logged in the first second, want 10", got)
	}
	if !strings.Contains(sum, "suppressed=40") {
		t.Errorf("summary %q, want suppressed=40", sum)
	}
}
