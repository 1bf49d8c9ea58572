package emitter

import (
	"context"
	"fmt"
	"slices"

	"github.com/gosockio/gosockio/internal/wire"
)

// BroadcastOperator is a target (rooms and exceptions) and flags within one namespace. It is
// a small value: every modifier returns a new operator and leaves its receiver unchanged, so
// an operator can be kept and reused. The zero value has no Emitter and its operations fail
// with ErrNoClient; get operators from an Emitter.
type BroadcastOperator struct {
	e      *Emitter
	rooms  []string // distinct, in the order first given (a JavaScript Set)
	except []string // distinct, in the order first given
	flags  wire.Flags
}

// To returns an operator that also targets the sockets in any of rooms. When no room is
// targeted, every socket of the namespace is.
func (o BroadcastOperator) To(rooms ...string) BroadcastOperator {
	o.rooms = addDistinct(o.rooms, rooms)
	return o
}

// In is the same as To.
func (o BroadcastOperator) In(rooms ...string) BroadcastOperator { return o.To(rooms...) }

// Except returns an operator that also leaves out the sockets in any of rooms.
func (o BroadcastOperator) Except(rooms ...string) BroadcastOperator {
	o.except = addDistinct(o.except, rooms)
	return o
}

// Volatile returns an operator whose events may be dropped for clients that are not ready to
// receive them (for example while a transport is being upgraded).
func (o BroadcastOperator) Volatile() BroadcastOperator {
	o.flags.Volatile = true
	return o
}

// Compress returns an operator that asks the servers to compress (true) or not to compress
// (false) the events sent to clients. Without it the servers use their default.
func (o BroadcastOperator) Compress(compress bool) BroadcastOperator {
	o.flags.Compress, o.flags.HasCompress = compress, true
	return o
}

// Emit sends event with args to the targeted clients on every server. It publishes one
// message, on the channel of the room when exactly one room is targeted. The names Socket.IO
// reserves fail with ErrReservedEvent, a func as the last argument with ErrAckNotSupported,
// and an argument that cannot be converted (a channel, a func elsewhere, a cycle) with the
// conversion error; nothing is published then.
func (o BroadcastOperator) Emit(ctx context.Context, event string, args ...any) error {
	_, err := o.EmitResult(ctx, event, args...)
	return err
}

// EmitResult is Emit, and tells how many servers received the message (see Result).
func (o BroadcastOperator) EmitResult(ctx context.Context, event string, args ...any) (Result, error) {
	if err := checkEvent(event, false); err != nil {
		return Result{}, err
	}
	if err := checkNoAck("Emit", event, args); err != nil {
		return Result{}, err
	}
	if o.e == nil {
		return Result{}, ErrNoClient
	}
	if o.e.streams != nil {
		m := wire.ClusterMessage{
			Type:   wire.ClusterBroadcast,
			Packet: wire.Packet{Type: wire.PacketEvent, Data: eventData(event, args)},
			Opts:   wire.BroadcastOptions{Rooms: wire.Rooms(o.rooms...), Except: wire.Rooms(o.except...), Flags: o.flags},
		}
		return o.e.appendToStream(ctx, &m, fmt.Sprintf("emit %q", event))
	}
	msg := wire.ClassicBroadcast{
		UID:    wire.EmitterUID,
		Packet: wire.Packet{Type: wire.PacketEvent, Data: eventData(event, args), Nsp: o.e.nsp},
		Opts: wire.BroadcastOptions{
			Rooms:        wire.Rooms(o.rooms...),
			Except:       wire.Rooms(o.except...),
			Flags:        o.flags,
			EmitterOrder: true,
		},
	}
	b, err := wire.MarshalClassicBroadcast(&msg)
	if err != nil {
		return Result{}, fmt.Errorf("emitter: emit %q: %w", event, err)
	}
	return o.e.send(ctx, o.e.dest, o.e.ch.BroadcastTo(msg.Opts.Rooms), b, true)
}

// EmitWithAck always fails with ErrAckNotSupported: an emitter cannot receive
// acknowledgements.
func (o BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	return nil, fmt.Errorf("%w (EmitWithAck %q)", ErrAckNotSupported, event)
}

// SocketsJoin makes the targeted sockets, on every server, join rooms. Flags do not apply.
// Without rooms it does nothing.
func (o BroadcastOperator) SocketsJoin(ctx context.Context, rooms ...string) error {
	_, err := o.SocketsJoinResult(ctx, rooms...)
	return err
}

// SocketsJoinResult is SocketsJoin, and tells how many servers received the request (a zero
// Result without rooms: nothing is published).
func (o BroadcastOperator) SocketsJoinResult(ctx context.Context, rooms ...string) (Result, error) {
	return o.roomRequest(ctx, wire.RequestRemoteJoin, "sockets join", rooms)
}

// SocketsLeave makes the targeted sockets, on every server, leave rooms. Flags do not apply.
// Without rooms it does nothing.
func (o BroadcastOperator) SocketsLeave(ctx context.Context, rooms ...string) error {
	_, err := o.SocketsLeaveResult(ctx, rooms...)
	return err
}

// SocketsLeaveResult is SocketsLeave, and tells how many servers received the request (a
// zero Result without rooms: nothing is published).
func (o BroadcastOperator) SocketsLeaveResult(ctx context.Context, rooms ...string) (Result, error) {
	return o.roomRequest(ctx, wire.RequestRemoteLeave, "sockets leave", rooms)
}

// DisconnectSockets disconnects the targeted sockets on every server. With close, the
// underlying connections are closed too (and with them the client's other namespaces);
// without, only the namespace is left. Flags do not apply.
func (o BroadcastOperator) DisconnectSockets(ctx context.Context, close bool) error {
	_, err := o.DisconnectSocketsResult(ctx, close)
	return err
}

// DisconnectSocketsResult is DisconnectSockets, and tells how many servers received the
// request.
func (o BroadcastOperator) DisconnectSocketsResult(ctx context.Context, close bool) (Result, error) {
	req := wire.ClassicRequest{Type: wire.RequestRemoteDisconnect, Opts: o.target(), Close: close}
	return o.request(ctx, &req, "disconnect sockets")
}

func (o BroadcastOperator) roomRequest(ctx context.Context, t wire.RequestType, op string, rooms []string) (Result, error) {
	if len(rooms) == 0 {
		if o.e == nil {
			return Result{}, ErrNoClient
		}
		return Result{}, nil
	}
	req := wire.ClassicRequest{Type: t, Opts: o.target(), Rooms: wire.Rooms(rooms...)}
	return o.request(ctx, &req, op)
}

// target is the opts object of a request: rooms and except, no flags (Node's emitter does not
// send them).
func (o BroadcastOperator) target() wire.BroadcastOptions {
	return wire.BroadcastOptions{Rooms: wire.Rooms(o.rooms...), Except: wire.Rooms(o.except...)}
}

// request publishes a join, leave or disconnect request. Like Node's emitter it has no uid
// and no requestId: no answer is expected. In streams mode it is the stream entry of the
// same operation (SOCKETS_JOIN, SOCKETS_LEAVE or DISCONNECT_SOCKETS, uid "emitter").
func (o BroadcastOperator) request(ctx context.Context, req *wire.ClassicRequest, op string) (Result, error) {
	if o.e == nil {
		return Result{}, ErrNoClient
	}
	if o.e.streams != nil {
		m := wire.ClusterMessage{Type: streamsTypes[req.Type], Opts: req.Opts, Rooms: req.Rooms, Close: req.Close}
		return o.e.appendToStream(ctx, &m, op)
	}
	b, err := wire.MarshalClassicRequest(req, wire.Auto)
	if err != nil {
		return Result{}, fmt.Errorf("emitter: %s: %w", op, err)
	}
	return o.e.send(ctx, o.e.dest, o.e.ch.Request(), b, true)
}

// streamsTypes are the streams family's types of the classic requests an emitter sends.
var streamsTypes = map[wire.RequestType]wire.ClusterType{
	wire.RequestRemoteJoin:       wire.ClusterSocketsJoin,
	wire.RequestRemoteLeave:      wire.ClusterSocketsLeave,
	wire.RequestRemoteDisconnect: wire.ClusterDisconnectSockets,
}

// addDistinct returns set followed by the items of add it does not hold yet, in a new slice
// (operators share nothing, so copies stay independent).
func addDistinct(set, add []string) []string {
	out := make([]string, len(set), len(set)+len(add))
	copy(out, set)
	if len(out)+len(add) <= 16 {
		for _, r := range add {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
		return out
	}
	seen := make(map[string]struct{}, len(out)+len(add))
	for _, r := range out {
		seen[r] = struct{}{}
	}
	for _, r := range add {
		if _, ok := seen[r]; !ok {
			seen[r] = struct{}{}
			out = append(out, r)
		}
	}
	return out
}
