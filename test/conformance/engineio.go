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

	"github.com/gosockio/gosockio/socketio/engineio"
)

func init() { suites["engine.io"] = runEngineIO }

// engineIOOptions is the configuration the engine.io-protocol test suite expects (its README:
// pingInterval 300, pingTimeout 200, maxPayload 1e6, cors origin "*", on path /engine.io/).
func engineIOOptions(logger *slog.Logger) engineio.Options {
	return engineio.Options{
		Path:              "/engine.io/",
		PingInterval:      300 * time.Millisecond,
		PingTimeout:       200 * time.Millisecond,
		MaxHTTPBufferSize: 1e6,
		CORS:              &engineio.CORSOptions{Origins: []string{"*"}},
		Logger:            logger,
	}
}

// echo sends every message back, binary or not, like the suite's reference server.
type echo struct{}

func (echo) Open(c *engineio.Conn) engineio.ConnHandler { return echoConn{c} }

type echoConn struct{ c *engineio.Conn }

func (e echoConn) OnMessage(data []byte, binary bool) {
	_ = e.c.Send(&engineio.Message{Data: data, Binary: binary}) // fails only once closed
}

func (echoConn) OnClose(string, error) {}

// runEngineIO serves the Engine.IO echo server on addr until ctx ends.
func runEngineIO(ctx context.Context, addr string) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	eio, err := engineio.NewServer(engineIOOptions(logger), echo{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: eio, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("engine.io conformance server listening", "addr", ln.Addr().String(), "path", "/engine.io/")

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(eio.Close(shutdownCtx), srv.Shutdown(shutdownCtx))
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}
