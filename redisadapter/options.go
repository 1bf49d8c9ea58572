package redisadapter

import (
	"log/slog"
	"time"

	"github.com/gosockio/gosockio/internal/redispub"
)

// Options configure the adapters a Factory builds. The zero value is Node's defaults
// (@socket.io/redis-adapter createAdapter with no options), with an outage queue bounded where
// node-redis' offline queue is not.
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
	// MaxQueued bounds the outage queue of the Factory (see "Faults" in the package doc): how
	// many messages it keeps while Redis is unreachable, to publish them in order once Redis
	// and the subscriptions are back. Zero means 10,000; negative means no queue (publishing
	// fails with ErrUnavailable while Redis is away).
	MaxQueued int
	// MaxQueuedBytes bounds the payload bytes the outage queue keeps. Zero means 16 MiB;
	// negative means no byte bound (MaxQueued still applies).
	MaxQueuedBytes int
	// MaxQueueAge is how long a message may wait in the outage queue; older ones are dropped.
	// Zero means 10s; negative means no age bound.
	MaxQueueAge time.Duration
	// Stats, when not nil, receives the counters of the outage queue (dropped messages,
	// messages waiting). Nil means the Factory keeps them to itself.
	Stats *Stats
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

// SubscriptionMode is the sharded adapter's subscriptionMode option: which room channels a
// node subscribes to, and so where a broadcast to one room is published. Every node of a
// cluster, Go or Node, must use the same mode.
type SubscriptionMode string

// The subscription modes of Node's createShardedAdapter.
const (
	// SubscriptionStatic: no room channels. Every message goes to the namespace channel, and
	// every node receives every broadcast.
	SubscriptionStatic SubscriptionMode = "static"
	// SubscriptionDynamic (the default): a node subscribes to the channel of each of its rooms
	// that is not one of its socket ids, from the moment the room appears until it empties. A
	// broadcast without acknowledgement to exactly one room goes to that room's channel, so
	// only the nodes that have the room receive it; unless the room looks like a socket id
	// (20 characters), which goes to the namespace channel.
	SubscriptionDynamic SubscriptionMode = "dynamic"
	// SubscriptionDynamicPrivate: as SubscriptionDynamic, socket-id rooms included (one more
	// subscription per connected socket, and messages to one socket reach only its node).
	SubscriptionDynamicPrivate SubscriptionMode = "dynamic-private"
)

// ShardedOptions configure the adapters a sharded Factory (NewSharded) builds. The zero value
// is Node's defaults (@socket.io/redis-adapter createShardedAdapter with no options), with an
// outage queue bounded where node-redis' offline queue is not.
type ShardedOptions struct {
	// ChannelPrefix is the prefix of every channel (Node's channelPrefix): each namespace has
	// <ChannelPrefix>#<nsp>#, each node <ChannelPrefix>#<nsp>#<uid>#, each room (dynamic modes)
	// <ChannelPrefix>#<nsp>#<room>#. Empty means "socket.io". Every node of a cluster must use
	// the same prefix.
	ChannelPrefix string
	// SubscriptionMode is Node's subscriptionMode. Empty means SubscriptionDynamic.
	SubscriptionMode SubscriptionMode
	// RequestsTimeout bounds ServerSideEmitWithAck and FetchSockets without a Timeout (with
	// one, FetchSockets waits that long, as in Node) when their context has no earlier
	// deadline, and every Redis command (publish, server count) whose context has no
	// deadline. Zero means 5s (Node's fixed value).
	RequestsTimeout time.Duration
	// MaxQueued bounds the outage queue of the Factory (see "Faults" in the package doc): how
	// many messages it keeps while Redis is unreachable, to publish them in order once Redis
	// and the subscriptions are back. Zero means 10,000; negative means no queue (publishing
	// fails with ErrUnavailable while Redis is away).
	MaxQueued int
	// MaxQueuedBytes bounds the payload bytes the outage queue keeps. Zero means 16 MiB;
	// negative means no byte bound (MaxQueued still applies).
	MaxQueuedBytes int
	// MaxQueueAge is how long a message may wait in the outage queue; older ones are dropped.
	// Zero means 10s; negative means no age bound.
	MaxQueueAge time.Duration
	// Stats, when not nil, receives the counters of the outage queue (dropped messages,
	// messages waiting). Nil means the Factory keeps them to itself.
	Stats *Stats
	// Logger receives the adapter's logs: subscriber disconnections and reconnections,
	// dropped messages, failed publishes of fire-and-forget answers. Nil means slog.Default().
	Logger *slog.Logger
}

func (o ShardedOptions) withDefaults() ShardedOptions {
	if o.ChannelPrefix == "" {
		o.ChannelPrefix = "socket.io"
	}
	if o.SubscriptionMode == "" {
		o.SubscriptionMode = SubscriptionDynamic
	}
	if o.RequestsTimeout <= 0 {
		o.RequestsTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

func (o Options) queue() queueOptions {
	return queueOptions{o.MaxQueued, o.MaxQueuedBytes, o.MaxQueueAge, o.Stats, o.RequestsTimeout, o.Logger}
}

func (o ShardedOptions) queue() queueOptions {
	return queueOptions{o.MaxQueued, o.MaxQueuedBytes, o.MaxQueueAge, o.Stats, o.RequestsTimeout, o.Logger}
}

// queueOptions are the outage queue's options, common to Options and ShardedOptions.
type queueOptions struct {
	maxQueued      int
	maxQueuedBytes int
	maxQueueAge    time.Duration
	stats          *Stats
	timeout        time.Duration
	logger         *slog.Logger
}

// Stats are the counters of a Factory's outage queue (Options.Stats, ShardedOptions.Stats).
// Read them at any time. A Stats given to several Factories sums theirs.
type Stats struct {
	s redispub.Stats
}

// Dropped is how many messages the Factory's queue dropped: refused because the outage queue
// was full (the caller got ErrUnavailable), waited longer than MaxQueueAge, refused by Redis
// when published from the outage queue, broadcasts and answers refused by Redis (they do not
// wait for it), or still queued when the last adapter of the Factory closed.
func (s *Stats) Dropped() uint64 { return s.s.Dropped() }

// Queued is how many messages wait in the outage queue now.
func (s *Stats) Queued() int { return s.s.Queued() }

// QueuedBytes is how many payload bytes wait in the outage queue now.
func (s *Stats) QueuedBytes() int { return s.s.QueuedBytes() }
