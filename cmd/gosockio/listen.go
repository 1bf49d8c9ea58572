package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"sync"

	"github.com/gosockio/gosockio/client"
)

const listenUsage = `usage: gosockio listen [flags] url [event ...]

Connects to a Socket.IO server (this one or any other) as a client, with the Go client, and
prints each event it receives as one JSON line, {"event":"news","args":[...]}, on stdout until
interrupted: only the named events, or all when none is named. The url's path is the namespace
(http://127.0.0.1:3000/admin). Connection, disconnection and reconnection go to stderr.
Binary arguments are printed in base64.

examples:
  gosockio listen http://127.0.0.1:3000 "chat message"
  gosockio listen --auth '{"token":"abc"}' --emit '["join","room1"]' https://example.com/chat

flags:
`

// listenCommand runs `gosockio listen` until ctx ends.
func listenCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	auth := fs.String("auth", "", "auth payload sent on connection, a JSON object")
	emit := fs.String("emit", "", `an event to send on each connection, as a JSON array: '["join","room1"]'`)
	wsOnly := fs.Bool("websocket", false, "WebSocket only (default: polling, then the upgrade to WebSocket)")
	if help, err := parseFlags(fs, args, stderr, "listen", listenUsage); help || err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("listen: missing url (see gosockio listen -h)")
	}
	o := client.Options{Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if *auth != "" {
		var a map[string]any
		if err := json.Unmarshal([]byte(*auth), &a); err != nil {
			return fmt.Errorf("listen: --auth is not a JSON object: %w", err)
		}
		o.Auth = a
	}
	var toEmit []json.RawMessage
	if *emit != "" {
		if err := json.Unmarshal([]byte(*emit), &toEmit); err != nil || len(toEmit) == 0 {
			return errors.New(`listen: --emit is not a JSON array starting with the event name: '["join","room1"]'`)
		}
	}
	var event string
	if len(toEmit) > 0 {
		if err := json.Unmarshal(toEmit[0], &event); err != nil {
			return errors.New("listen: --emit: the event name must be a string")
		}
	}
	if *wsOnly {
		o.Transports = []string{"websocket"}
	}
	m, err := client.NewManager(fs.Arg(0), o)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer m.Close()
	nsp := "/"
	if u, err := url.Parse(fs.Arg(0)); err == nil && u.Path != "" {
		nsp = u.Path
	}
	s := m.Socket(nsp, nil)
	names := fs.Args()[1:]
	var mu sync.Mutex
	s.OnAny(func(ev *client.Event) error {
		if len(names) > 0 && !slices.Contains(names, ev.Name) {
			return nil
		}
		vals, err := ev.Values()
		if err != nil {
			return err
		}
		line, err := json.Marshal(map[string]any{"event": ev.Name, "args": vals})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		_, err = fmt.Fprintf(stdout, "%s\n", line)
		return err
	})
	refused := make(chan error, 1)
	s.OnConnect(func() {
		fmt.Fprintf(stderr, "gosockio: listen: connected to %s (id %s)\n", fs.Arg(0), s.ID())
		if event != "" {
			args := make([]any, 0, len(toEmit)-1)
			for _, a := range toEmit[1:] {
				args = append(args, a)
			}
			if err := s.Emit(event, args...); err != nil {
				fmt.Fprintf(stderr, "gosockio: listen: emit: %v\n", err)
			}
		}
	})
	s.OnConnectError(func(err error) {
		fmt.Fprintf(stderr, "gosockio: listen: %v\n", err)
		var ce *client.ConnectError
		if errors.As(err, &ce) {
			select {
			case refused <- err:
			default:
			}
		}
	})
	s.OnDisconnect(func(reason string) { fmt.Fprintf(stderr, "gosockio: listen: disconnected: %s\n", reason) })
	m.OnReconnectAttempt(func(n int) { fmt.Fprintf(stderr, "gosockio: listen: reconnecting (attempt %d)\n", n) })
	s.Connect()
	select {
	case <-ctx.Done():
		return nil
	case err := <-refused:
		return fmt.Errorf("listen: %w", err)
	}
}
