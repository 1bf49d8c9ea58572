package redisadapter

import (
	"log/slog"
	"time"
)

// Options configure the adapters a Factory builds. The zero value is Node's defaults
// (@socket.io/redis-adapter createAdapter with no options).
type Options struct {
	// Key is the prefix of every channel (Node's key option): broadcasts go to
	// <Key>#<nsp>#, requests to <Key>-request#<nsp>#. Empty means "socket.io". Every node of a
	// cluster, Go or Node, and every emitter must use the same Key.
	Key string
	// RequestsTimeout bounds the operations that wait for the other nodes (FetchSockets,
	// ServerSideEmitWithAck, AllRooms) when their context has no earlier deadline, and every
	// Redis command (publish, server count) whose context has no deadline. Zero means 5s
	// (Node's requestsTimeout).
	RequestsTimeout time.Duration
	// PublishOnSpecificResponseChannel sends this node's answers to the requesting node's own
	// response channel (<Key>-response#<nsp>#<uid>#) instead of the shared one, as Node's
	// option of the same name does. Every node listens on both, so nodes with different
	// settings work together.
	PublishOnSpecificResponseChannel bool
	// Logger receives the adapter's logs: subscriber disconnections and reconnections,
	// dropped messages, failed publishes of fire-and-forget answers. Nil means slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Key == "" {
		o.Key = "socket.io"
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
