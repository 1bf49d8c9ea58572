// Command gosockio runs a Socket.IO v4 server, alone or as a node of a cluster over Redis, and
// sends events to a cluster from the shell.
//
//	gosockio serve [flags]                       run a server (gosockio serve -h)
//	gosockio emit [flags] event [json-arg ...]   send an event to a cluster through Redis
//	gosockio listen [flags] url [event ...]      print the events a client receives (the Go client)
//
// serve takes its configuration from flags or GOSOCKIO_* environment variables: listen
// address, Socket.IO path, Redis (none: a single node on the in-memory adapter; "embedded": an
// in-process Redis for demos that other local nodes can join; a redis:// or rediss:// URL),
// channel key, CORS origins, ping interval and timeout, maximum payload, log level and format
// (log/slog text or JSON), node name. It serves a multi-room chat demo at / (user names are
// unique across the cluster, the user list is gathered from every node with FetchSockets),
// /healthz (the process is up) and /readyz (the adapter receives the other nodes' messages; 503
// before that and while shutting down). SIGINT or SIGTERM shuts it down gracefully: sockets are
// disconnected with "server shutting down" and their clients reconnect to another node.
//
// The server also relays string "chat message" events to every client, so the classic Socket.IO
// chat tutorial's page talks to it as it is.
package main

import (
	"errors"
	"fmt"
	"os"
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
		fmt.Fprintln(os.Stderr, "       gosockio listen [flags] url [event ...]   (gosockio listen -h)")
		if len(args) == 0 {
			return errors.New("missing subcommand")
		}
		return nil
	}
	switch args[0] {
	case "serve":
		ctx, stop := signalContext()
		defer stop()
		return serveCommand(ctx, args[1:], os.Stderr, nil)
	case "emit":
		return emitCommand(args[1:], os.Stderr)
	case "listen":
		ctx, stop := signalContext()
		defer stop()
		return listenCommand(ctx, args[1:], os.Stdout, os.Stderr)
	default:
		return fmt.Errorf("unknown subcommand %q (want serve, emit or listen)", args[0])
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
