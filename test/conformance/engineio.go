package main

import (
	"context"
	"log/slog"
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
	return serve(ctx, logger, addr, "engine.io", eio, eio.Close)
}
