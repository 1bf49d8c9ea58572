package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/engineio"
)

func init() { suites["socket.io"] = runSocketIO }

// socketIOServer is configured as the socket.io-protocol test suite's README expects:
// pingInterval 300, pingTimeout 200, maxPayload 1e6, connectTimeout 1000, cors origin "*"; every
// socket of "/" and "/custom" is sent its auth payload; "message" is echoed as "message-back";
// "message-with-ack" is acknowledged with its arguments.
func socketIOServer(logger *slog.Logger) (*socketio.Server, error) {
	srv, err := socketio.NewServer(socketio.Options{
		Engine: engineio.Options{
			PingInterval:      300 * time.Millisecond,
			PingTimeout:       200 * time.Millisecond,
			MaxHTTPBufferSize: 1e6,
			CORS:              &engineio.CORSOptions{Origins: []string{"*"}},
		},
		ConnectTimeout: time.Second,
		Logger:         logger,
	})
	if err != nil {
		return nil, err
	}
	sendAuth := func(s *socketio.Socket) {
		auth := s.Handshake().Auth
		if auth == nil {
			auth = map[string]any{}
		}
		_ = s.Emit("auth", auth)
	}
	srv.OnConnection(func(s *socketio.Socket) {
		sendAuth(s)
		s.On("message", func(ev *socketio.Event) error {
			vals, err := ev.Values()
			if err != nil {
				return err
			}
			return s.Emit("message-back", vals...)
		})
		s.On("message-with-ack", func(ev *socketio.Event) error {
			vals, err := ev.Values()
			if err != nil {
				return err
			}
			return ev.Ack(vals...)
		})
	})
	srv.Of("/custom").OnConnection(sendAuth)
	return srv, nil
}

// runSocketIO serves the Socket.IO suite's server on addr until ctx ends.
func runSocketIO(ctx context.Context, addr string) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := socketIOServer(logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("socket.io conformance server listening", "addr", ln.Addr().String(), "path", "/socket.io/")
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(srv.Close(shutdownCtx), hs.Shutdown(shutdownCtx))
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
