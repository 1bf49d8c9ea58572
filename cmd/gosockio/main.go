// Command gosockio runs a Socket.IO v4 server.
//
//	gosockio serve [flags]    run a server (a single node with the in-memory adapter)
//	gosockio emit [flags] event [json-arg ...]   send an event to a cluster through Redis
//
// The server relays "chat message" events to every client, so any Socket.IO client (for
// example the classic chat tutorial's page) can talk to it at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/engineio"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gosockio:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(os.Stderr, "usage: gosockio serve [flags]   (gosockio serve -h for the flags)")
		fmt.Fprintln(os.Stderr, "       gosockio emit [flags] event [json-arg ...]   (gosockio emit -h)")
		if len(args) == 0 {
			return errors.New("missing subcommand")
		}
		return nil
	}
	switch args[0] {
	case "serve":
		return serve(args[1:])
	case "emit":
		return emitCommand(args[1:], os.Stderr)
	default:
		return fmt.Errorf("unknown subcommand %q (want serve or emit)", args[0])
	}
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", envOr("GOSOCKIO_ADDR", "127.0.0.1:3000"), "listen address (env GOSOCKIO_ADDR)")
	path := fs.String("path", envOr("GOSOCKIO_PATH", "/socket.io/"), "Socket.IO endpoint path (env GOSOCKIO_PATH)")
	origins := fs.String("cors-origins", os.Getenv("GOSOCKIO_CORS_ORIGINS"), "comma-separated allowed CORS origins, or * (env GOSOCKIO_CORS_ORIGINS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opts := socketio.Options{Logger: log}
	opts.Engine.Path = *path
	if *origins != "" {
		opts.Engine.CORS = &engineio.CORSOptions{Origins: strings.Split(*origins, ",")}
	}
	srv, err := socketio.NewServer(opts)
	if err != nil {
		return err
	}
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("chat message", socketio.Handle(func(ev *socketio.Event, msg string) error {
			return srv.Emit("chat message", msg)
		}))
	})

	mux := http.NewServeMux()
	mux.Handle(*path, srv)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("gosockio listening", "addr", ln.Addr().String(), "path", *path, "adapter", "memory")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(srv.Close(shutdownCtx), hs.Shutdown(shutdownCtx))
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
