package emitter

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/redis/go-redis/v9"

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

// Options configures an Emitter. The zero value matches Node's emitter defaults.
type Options struct {
	// Key is the prefix of every channel name; it must equal the key (Node: "key") of the
	// servers' classic Redis adapter. Empty means DefaultKey ("socket.io").
	Key string
}

// Emitter publishes to one namespace of a Socket.IO cluster. Make one with New; Of gives the
// Emitter of another namespace. Its methods target every socket of the namespace; To, In,
// Except, Volatile and Compress return a BroadcastOperator that narrows the target or adds
// flags.
type Emitter struct {
	rdb redis.UniversalClient
	key string
	nsp string
	ch  wire.ClassicChannels
}

// New returns the Emitter of namespace "/" publishing through client, which stays the
// caller's to close. New does not contact Redis; errors surface on the first operation.
func New(client redis.UniversalClient, opts Options) *Emitter {
	key := opts.Key
	if key == "" {
		key = DefaultKey
	}
	return newEmitter(client, key, "/")
}

func newEmitter(client redis.UniversalClient, key, nsp string) *Emitter {
	return &Emitter{rdb: client, key: key, nsp: nsp, ch: wire.NewClassicChannels(key, nsp)}
}

// Of returns the Emitter of namespace nsp, sharing e's client and key. A missing leading
// slash is added, so Of("admin") and Of("/admin") are the same namespace; Of("") is "/".
func (e *Emitter) Of(nsp string) *Emitter {
	return newEmitter(e.rdb, e.key, wire.NormalizeNamespace(nsp))
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

// SocketsLeave makes every socket of the namespace leave rooms.
func (e *Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.operator().SocketsLeave(ctx, rooms...)
}

// DisconnectSockets disconnects every socket of the namespace; with close the underlying
// connections are closed too (see BroadcastOperator.DisconnectSockets).
func (e *Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.operator().DisconnectSockets(ctx, close)
}

// ServerSideEmit sends event with args to the server-side listeners of the namespace on
// every server of the cluster (socketio's Namespace.On in Go, io.on or nsp.on in Node). The
// request is JSON, as Node's emitter writes it: a []byte argument arrives as the object
// {"type":"Buffer","data":[…]}. Reserved names (those of Emit, plus connection and
// new_namespace) fail with ErrReservedEvent, and a func as the last argument with
// ErrAckNotSupported.
func (e *Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	if err := checkEvent(event, true); err != nil {
		return err
	}
	if err := checkNoAck("ServerSideEmit", event, args); err != nil {
		return err
	}
	req := wire.ClassicRequest{
		Type: wire.RequestServerSideEmit,
		UID:  wire.EmitterUID,
		Args: eventData(event, args),
	}
	b, err := wire.MarshalClassicRequest(&req, wire.Auto)
	if err != nil {
		return fmt.Errorf("emitter: server-side emit %q: %w", event, err)
	}
	return e.publish(ctx, e.ch.Request(), b)
}

// ServerSideEmitWithAck always fails with ErrAckNotSupported: the servers' answers go to a
// response channel that an emitter never subscribes to.
func (e *Emitter) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	return nil, fmt.Errorf("%w (ServerSideEmitWithAck %q)", ErrAckNotSupported, event)
}

// publish sends one payload; it is the only place that talks to Redis.
func (e *Emitter) publish(ctx context.Context, channel string, payload []byte) error {
	if e == nil || e.rdb == nil {
		return ErrNoClient
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if err := e.rdb.Publish(ctx, channel, payload).Err(); err != nil {
		return fmt.Errorf("emitter: publish %s: %w", channel, err)
	}
	return nil
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
