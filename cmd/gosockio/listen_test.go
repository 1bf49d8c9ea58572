package main

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/internal/testlog"
	"github.com/gosockio/gosockio/socketio"
)

// TestListen: `gosockio listen` connects, sends --emit on connection and prints the events
// it receives (only those named) as JSON lines; a refusal ends it with the server's message.
func TestListen(t *testing.T) {
	srv, err := socketio.NewServer(socketio.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("join", socketio.Handle(func(ev *socketio.Event, room string) error {
			s.Emit("other", 1)
			return s.Emit("news", "joined "+room, []byte{1, 2})
		}))
	})
	srv.Of("/secure").Use(func(*socketio.Socket) error {
		return &socketio.ConnectError{Message: "not authorized"}
	})
	hs := httptest.NewServer(srv)
	defer func() { hs.CloseClientConnections(); hs.Close(); srv.Close(context.Background()) }()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out testlog.Buffer
	done := make(chan error, 1)
	go func() {
		done <- listenCommand(ctx, []string{"--emit", `["join","room1"]`, hs.URL, "news"}, &out, testWriter{t})
	}()
	want := `{"args":["joined room1","AQI="],"event":"news"}` + "\n"
	deadline := time.Now().Add(10 * time.Second)
	for out.String() != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := out.String(); got != want {
		t.Fatalf("output %q, want %q", got, want)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	err = listenCommand(context.Background(), []string{hs.URL + "/secure"}, io.Discard, testWriter{t})
	if err == nil || !strings.Contains(err.Error(), "not authorized") {
		t.Fatalf("err %v", err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
