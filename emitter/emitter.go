package emitter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/internal/redispub"
	"github.com/gosockio/gosockio/internal/wire"
)

// DefaultKey is the key prefix used when Options.Key is empty, as in Node.
const DefaultKey = wire.DefaultKey

// ErrAckNotSupported is returned by EmitWithAck, ServerSideEmitWithAck, and by Emit or
// ServerSideEmit when the last argument is a func (an acknowledgement callback): an emitter
// never subscribes, so nothing could deliver the answers.
var ErrAckNotSupported = errors.New("emitter: acknowledgements are not supported")

// ErrReservedEvent is returned when an event name is one that Socket.IO reserves: connect,
// connect_error, disconnect, disconnecting, newListener and removeListener, plus connection
// and new_namespace for ServerSideEmit.
var ErrReservedEvent = errors.New("emitter: reserved event name")

// ErrNoClient is returned by every operation of an Emitter that was not made by New (or was
// given a nil client).
var ErrNoClient = errors.New("emitter: no Redis client")

// ErrUnavailable is wrapped by the error of an operation whose message the outage queue
// cannot take while Redis is unreachable: the queue is full (Options.MaxQueued,
// MaxQueuedBytes). With the queue off (MaxQueued negative) an operation returns the error of
// its PUBLISH instead.
var ErrUnavailable = errors.New("emitter: Redis unavailable")

// Options configures an Emitter. The zero value matches Node's emitter defaults, with an
// outage queue bounded where node-redis' offline queue is not.
type Options struct {
	// Key is the prefix of every channel name; it must equal the key (Node: "key") of the
	// servers' classic Redis adapter, or in streams mode their channelPrefix. Empty means
	// DefaultKey ("socket.io").
	Key string
	// Streams, when not nil, puts the Emitter in streams mode: it reaches the servers of the
	// Redis Streams adapter (redisadapter.NewStreams, Node's @socket.io/redis-streams-adapter)
	// instead of the classic adapter's. Emit, SocketsJoin, SocketsLeave and DisconnectSockets
	// then append entries to the namespace's stream, and ServerSideEmit publishes a
	// MessagePack message on <Key>#<nsp>#. See "Streams mode" in the package doc.
	Streams *StreamsOptions
	// MaxQueued bounds the outage queue (see "Redis outages" in the package doc): how many
	// messages it keeps while Redis is unreachable, to publish them in order once Redis is
	// back. Zero means 10,000; negative means no queue (an operation fails with the error of
	// its PUBLISH, as a one-shot program wants).
	MaxQueued int
	// MaxQueuedBytes bounds the payload bytes the outage queue keeps. Zero means 16 MiB;
	// negative means no byte bound (MaxQueued still applies).
	MaxQueuedBytes int
	// MaxQueueAge is how long a message may wait in the outage queue; older ones are dropped.
	// Zero means 10s; negative means no age bound.
	MaxQueueAge time.Duration
	// Logger receives the outage queue's logs (queueing, dropped messages, recovery). Nil
	// means slog.Default().
	Logger *slog.Logger
}

// Result says what became of the message of one operation.
type Result struct {
	// Channel is the Redis channel of the message, or in streams mode the stream of an entry.
	Channel string
	// Receivers is the answer of PUBLISH: how many subscriptions received the message. Each
	// server of the namespace subscribes once to each channel an emitter publishes on, so 0
	// means that no server received it: none runs, or they use another Key, another Redis, or
	// the sharded adapter. (Other subscribers, such as a redis-cli PSUBSCRIBE, count too; in a
	// Redis Cluster, PUBLISH counts only the subscribers connected to the node that ran it.)
	// Zero when Queued, and for a stream entry (a stream has readers, not subscribers: the
	// servers reading the stream now deliver the entry; one that starts later begins reading
	// after it, and a client that recovers its session later gets it if it was addressed to it).
	Receivers int
	// Queued is set when the message went to the outage queue (Redis was unreachable, or
	// messages sent before still waited there); it is published once Redis is back.
	Queued bool
}

// Emitter publishes to one namespace of a Socket.IO cluster. Make one with New; Of gives the
// Emitter of another namespace. Its methods target every socket of the namespace; To, In,
// Except, Volatile and Compress return a BroadcastOperator that narrows the target or adds
// flags.
type Emitter struct {
	rdb  redis.UniversalClient
	key  string
	nsp  string
	ch   wire.ClassicChannels
	q    *redispub.Queue // shared by New's Emitter and every Emitter Of returns
	dest *dest           // PUBLISH (SPUBLISH in streams mode with UseShardedPubSub)

	// Streams mode only (streams not nil): the namespace's stream, where entries go through
	// entries, and the channel of ServerSideEmit.
	streams *streams
	stream  string
	entries *dest
	public  string
}

// New returns the Emitter of namespace "/" publishing through client, which stays the
// caller's to close. New does not contact Redis; errors surface on the first operation.
func New(client redis.UniversalClient, opts Options) *Emitter {
	key := opts.Key
	if key == "" {
		key = DefaultKey
	}
	q := redispub.New(redispub.Config{
		Limits:      redispub.ResolveLimits(opts.MaxQueued, opts.MaxQueuedBytes, opts.MaxQueueAge),
		Name:        "emitter",
		Unavailable: ErrUnavailable,
		Logger:      opts.Logger,
	})
	var st *streams
	if opts.Streams != nil {
		so := opts.Streams.withDefaults()
		st = &streams{opts: so, pipe: &streamPipe{c: client, maxLen: so.MaxLen}}
	}
	return newEmitter(client, q, key, "/", st)
}

func newEmitter(client redis.UniversalClient, q *redispub.Queue, key, nsp string, st *streams) *Emitter {
	ch := wire.NewClassicChannels(key, nsp)
	e := &Emitter{rdb: client, key: key, nsp: nsp, ch: ch, q: q, streams: st}
	if st == nil {
		e.dest = &dest{rdb: client, pipe: redispub.Client(client, false), scope: ch.Request()}
		return e
	}
	// Every server of the namespace subscribes to its public channel: the scope of both.
	sharded := st.opts.UseShardedPubSub
	e.public = wire.NewShardedChannels(key, nsp).Namespace()
	e.dest = &dest{rdb: client, pipe: redispub.Client(client, sharded), scope: e.public, sharded: sharded}
	e.entries = &dest{rdb: client, pipe: st.pipe, scope: e.public, sharded: sharded}
	e.stream = wire.StreamOf(st.opts.StreamName, st.opts.StreamCount, nsp)
	return e
}

// Of returns the Emitter of namespace nsp, sharing e's client, key and outage queue. A
// missing leading slash is added, so Of("admin") and Of("/admin") are the same namespace;
// Of("") is "/".
func (e *Emitter) Of(nsp string) *Emitter {
	return newEmitter(e.rdb, e.q, e.key, wire.NormalizeNamespace(nsp), e.streams)
}

// Flush waits until the outage queue is empty (every queued message published, or dropped)
// or ctx ends. It returns at once when nothing is queued.
func (e *Emitter) Flush(ctx context.Context) error {
	if e == nil || e.q == nil {
		return nil
	}
	if err := e.q.Flush(ctx); err != nil {
		return fmt.Errorf("emitter: flush: %d messages still queued: %w", e.q.Stats().Queued(), err)
	}
	return nil
}

// Close publishes what the outage queue holds while Redis answers, until ctx ends (it does
// not wait for a Redis that is away), then drops the rest and ends the queue's goroutine; it
// returns an error wrapping ErrUnavailable when it dropped messages. Call it before the
// program exits. The Emitter (and those of Of) stays usable; the client stays the caller's.
func (e *Emitter) Close(ctx context.Context) error {
	if e == nil || e.q == nil {
		return nil
	}
	if n := e.q.Drain(ctx); n > 0 {
		return fmt.Errorf("emitter: close: %d queued messages dropped: %w", n, ErrUnavailable)
	}
	return nil
}

// Queued returns how many messages wait in the outage queue now (shared by the Emitters of
// one New).
func (e *Emitter) Queued() int {
	if e == nil || e.q == nil {
		return 0
	}
	return e.q.Stats().Queued()
}

// Dropped returns how many messages the outage queue has dropped: refused because it was full
// (the operation returned ErrUnavailable), waited longer than MaxQueueAge, refused by Redis
// when published later, or left at Close.
func (e *Emitter) Dropped() uint64 {
	if e == nil || e.q == nil {
		return 0
	}
	return e.q.Stats().Dropped()
}

// dest publishes an Emitter's messages for its queue.
type dest struct {
	rdb     redis.UniversalClient
	pipe    redispub.Pipe
	scope   string // every server of the namespace subscribes to it: the request channel, or in streams mode the public one
	sharded bool   // scope is counted with SHARDNUMSUB
}

// Pipe implements redispub.Dest: PUBLISH (or XADD in streams mode), several in one pipeline.
func (d *dest) Pipe(context.Context) redispub.Pipe { return d.pipe }

// Subscribers implements redispub.Dest: the servers of the namespace.
func (d *dest) Subscribers(ctx context.Context) (int64, error) {
	n, err := redispub.CountSubscribers(ctx, d.rdb, d.scope, d.sharded)
	return int64(n), err
}

// Namespace returns the name of e's namespace, e.g. "/" or "/admin".
func (e *Emitter) Namespace() string { return e.nsp }

func (e *Emitter) operator() BroadcastOperator { return BroadcastOperator{e: e} }

// To returns an operator targeting the sockets in any of rooms (added to those already
// targeted).
func (e *Emitter) To(rooms ...string) BroadcastOperator { return e.operator().To(rooms...) }

// In is the same as To.
func (e *Emitter) In(rooms ...string) BroadcastOperator { return e.operator().In(rooms...) }

// Except returns an operator that leaves out the sockets in any of rooms.
func (e *Emitter) Except(rooms ...string) BroadcastOperator { return e.operator().Except(rooms...) }

// Volatile returns an operator whose events may be dropped for clients that are not ready
// to receive them.
func (e *Emitter) Volatile() BroadcastOperator { return e.operator().Volatile() }

// Compress returns an operator that asks the servers to compress (true) or not to compress
// (false) the events sent to clients.
func (e *Emitter) Compress(compress bool) BroadcastOperator {
	return e.operator().Compress(compress)
}

// Emit sends event with args to every client of the namespace (see BroadcastOperator.Emit).
func (e *Emitter) Emit(ctx context.Context, event string, args ...any) error {
	return e.operator().Emit(ctx, event, args...)
}

// EmitResult is Emit, and tells how many servers received the message (see Result).
func (e *Emitter) EmitResult(ctx context.Context, event string, args ...any) (Result, error) {
	return e.operator().EmitResult(ctx, event, args...)
}

// EmitWithAck always fails with ErrAckNotSupported: an emitter cannot receive
// acknowledgements.
func (e *Emitter) EmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	return e.operator().EmitWithAck(ctx, event, args...)
}

// SocketsJoin makes every socket of the namespace join rooms (see
// BroadcastOperator.SocketsJoin).
func (e *Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.operator().SocketsJoin(ctx, rooms...)
}

// SocketsJoinResult is SocketsJoin, and tells how many servers received the request.
func (e *Emitter) SocketsJoinResult(ctx context.Context, rooms ...string) (Result, error) {
	return e.operator().SocketsJoinResult(ctx, rooms...)
}

// SocketsLeave makes every socket of the namespace leave rooms.
func (e *Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.operator().SocketsLeave(ctx, rooms...)
}

// SocketsLeaveResult is SocketsLeave, and tells how many servers received the request.
func (e *Emitter) SocketsLeaveResult(ctx context.Context, rooms ...string) (Result, error) {
	return e.operator().SocketsLeaveResult(ctx, rooms...)
}

// DisconnectSockets disconnects every socket of the namespace; with close the underlying
// connections are closed too (see BroadcastOperator.DisconnectSockets).
func (e *Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.operator().DisconnectSockets(ctx, close)
}

// DisconnectSocketsResult is DisconnectSockets, and tells how many servers received the
// request.
func (e *Emitter) DisconnectSocketsResult(ctx context.Context, close bool) (Result, error) {
	return e.operator().DisconnectSocketsResult(ctx, close)
}

// ServerSideEmit sends event with args to the server-side listeners of the namespace on
// every server of the cluster (socketio's Namespace.On in Go, io.on or nsp.on in Node). The
// request is JSON, as Node's emitter writes it: a []byte argument arrives as the object
// {"type":"Buffer","data":[…]}. In streams mode it is a MessagePack SERVER_SIDE_EMIT message
// on <Key>#<nsp>#, where a []byte stays binary. Reserved names (those of Emit, plus
// connection and new_namespace) fail with ErrReservedEvent, and a func as the last argument
// with ErrAckNotSupported.
func (e *Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	_, err := e.ServerSideEmitResult(ctx, event, args...)
	return err
}

// ServerSideEmitResult is ServerSideEmit, and tells how many servers received the request.
func (e *Emitter) ServerSideEmitResult(ctx context.Context, event string, args ...any) (Result, error) {
	if err := checkEvent(event, true); err != nil {
		return Result{}, err
	}
	if err := checkNoAck("ServerSideEmit", event, args); err != nil {
		return Result{}, err
	}
	if e.streams != nil {
		m := wire.ClusterMessage{Type: wire.ClusterServerSideEmit, UID: wire.EmitterUID, Nsp: e.nsp, Args: eventData(event, args)}
		b, err := wire.MarshalClusterMessage(&m, wire.MsgPack)
		if err != nil {
			return Result{}, fmt.Errorf("emitter: server-side emit %q: %w", event, err)
		}
		return e.send(ctx, e.dest, e.public, b, true)
	}
	req := wire.ClassicRequest{
		Type: wire.RequestServerSideEmit,
		UID:  wire.EmitterUID,
		Args: eventData(event, args),
	}
	b, err := wire.MarshalClassicRequest(&req, wire.Auto)
	if err != nil {
		return Result{}, fmt.Errorf("emitter: server-side emit %q: %w", event, err)
	}
	return e.send(ctx, e.dest, e.ch.Request(), b, true)
}

// ServerSideEmitWithAck always fails with ErrAckNotSupported: the servers' answers go to a
// response channel that an emitter never subscribes to.
func (e *Emitter) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	return nil, fmt.Errorf("%w (ServerSideEmitWithAck %q)", ErrAckNotSupported, event)
}

// send sends one payload to d through the queue and waits for its PUBLISH (or XADD): at once,
// or with the next round trip when one is in flight (the messages of concurrent operations
// that wait behind it go out together, in one pipeline); it is the only place that talks to
// Redis. wide tells that every server of the namespace subscribes to channel (so that the
// receivers count them).
func (e *Emitter) send(ctx context.Context, d *dest, channel string, payload []byte, wide bool) (Result, error) {
	if e == nil || e.rdb == nil {
		return Result{}, ErrNoClient
	}
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := e.q.Send(ctx, &redispub.Message{Dest: d, Channel: channel, Payload: payload, Scope: d.scope, Wide: wide}, false)
	if err != nil {
		return Result{Channel: channel}, fmt.Errorf("emitter: publish %s: %w", channel, err)
	}
	return Result{Channel: channel, Receivers: int(res.Receivers), Queued: res.Queued}, nil
}

// reservedEvents are the names Node's emitter refuses to emit (RESERVED_EVENTS).
var reservedEvents = map[string]bool{
	"connect":        true,
	"connect_error":  true,
	"disconnect":     true,
	"disconnecting":  true,
	"newListener":    true,
	"removeListener": true,
}

// checkEvent refuses reserved names; serverSide adds the names a server's namespace uses for
// its own events.
func checkEvent(event string, serverSide bool) error {
	if reservedEvents[event] || serverSide && (event == "connection" || event == "new_namespace") {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	return nil
}

// checkNoAck refuses a func as the last argument, which is how Socket.IO code in JavaScript
// asks for an acknowledgement.
func checkNoAck(op, event string, args []any) error {
	if len(args) == 0 {
		return nil
	}
	if last := args[len(args)-1]; last != nil && reflect.TypeOf(last).Kind() == reflect.Func {
		return fmt.Errorf("%w (%s %q has a func as its last argument)", ErrAckNotSupported, op, event)
	}
	return nil
}

// eventData is [event, args...] in a new slice.
func eventData(event string, args []any) []any {
	data := make([]any, 0, 1+len(args))
	data = append(data, event)
	return append(data, args...)
}
