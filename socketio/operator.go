package socketio

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/parser"
)

// BroadcastOperator selects sockets (rooms, exceptions, flags) for one operation: an emit, a
// fetch, a room change or a disconnect, on every node of the cluster unless Local is set. It is
// a small value: every modifier returns a new operator and leaves the receiver unchanged, so an
// operator can be kept and reused.
type BroadcastOperator struct {
	nsps   []*Namespace
	rooms  []string
	except []string
	flags  adapter.Flags
}

// To adds rooms (or socket ids) to the selection: sockets in any of them are selected.
func (b BroadcastOperator) To(rooms ...string) BroadcastOperator {
	b.rooms = append(slices.Clip(b.rooms), rooms...)
	return b
}

// In is an alias of To.
func (b BroadcastOperator) In(rooms ...string) BroadcastOperator { return b.To(rooms...) }

// Except removes the sockets in any of rooms (or with those ids) from the selection.
func (b BroadcastOperator) Except(rooms ...string) BroadcastOperator {
	b.except = append(slices.Clip(b.except), rooms...)
	return b
}

// Local restricts the operation to the sockets of this node.
func (b BroadcastOperator) Local() BroadcastOperator {
	b.flags.Local = true
	return b
}

// Volatile lets the event be dropped for clients whose transport is not ready to take it.
func (b BroadcastOperator) Volatile() BroadcastOperator {
	b.flags.Volatile = true
	return b
}

// Compress sets whether the event may be compressed (WebSocket per-message deflate). The
// default is true.
func (b BroadcastOperator) Compress(compress bool) BroadcastOperator {
	b.flags.NoCompress = !compress
	return b
}

// Timeout bounds the wait of EmitWithAck.
func (b BroadcastOperator) Timeout(d time.Duration) BroadcastOperator {
	b.flags.Timeout = d
	return b
}

func (b BroadcastOperator) target() adapter.Target {
	return adapter.Target{Rooms: b.rooms, Except: b.except, Flags: b.flags}
}

// Emit sends an event to the selected sockets. Arguments are JSON-able values; []byte values,
// at any depth, travel as binary attachments.
func (b BroadcastOperator) Emit(event string, args ...any) error {
	if err := checkEvent(event); err != nil {
		return err
	}
	var errs []error
	for _, n := range b.nsps {
		p, err := eventPacket(n.name, event, args)
		if err != nil {
			return err
		}
		if err := n.Adapter().Broadcast(context.Background(), p, b.target()); err != nil {
			errs = append(errs, fmt.Errorf("socketio: broadcast %q to %s: %w", event, n.name, err))
		}
	}
	return errors.Join(errs...)
}

// Send emits a "message" event (Node's send).
func (b BroadcastOperator) Send(args ...any) error { return b.Emit("message", args...) }

// AllSockets returns the ids of the selected sockets across the cluster (Node's allSockets).
func (b BroadcastOperator) AllSockets(ctx context.Context) ([]string, error) {
	socks, err := b.FetchSockets(ctx)
	ids := make([]string, 0, len(socks))
	for _, s := range socks {
		ids = append(ids, s.ID())
	}
	return ids, err
}

// EmitWithAck sends an event to the selected sockets and collects their acknowledgements (the
// first argument of each client's answer) until every selected client has answered, or the
// Timeout (or ctx) ends. On a timeout it returns the answers it has with an error wrapping
// ErrTimeout. A Timeout or a ctx deadline is required.
func (b BroadcastOperator) EmitWithAck(ctx context.Context, event string, args ...any) ([]Ack, error) {
	if err := checkEvent(event); err != nil {
		return nil, err
	}
	if b.flags.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.flags.Timeout)
		defer cancel()
	} else if _, ok := ctx.Deadline(); !ok {
		return nil, ErrNoTimeout
	} else {
		dl, _ := ctx.Deadline()
		b.flags.Timeout = time.Until(dl)
	}
	var acks []Ack
	var errs []error
	for _, n := range b.nsps {
		got, err := b.emitWithAck(ctx, n, event, args)
		acks = append(acks, got...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return acks, errors.Join(errs...)
}

func (b BroadcastOperator) emitWithAck(ctx context.Context, n *Namespace, event string, args []any) ([]Ack, error) {
	p, err := eventPacket(n.name, event, args)
	if err != nil {
		return nil, err
	}
	p.ID, p.HasID = n.nextAckID(), true

	var (
		mu             sync.Mutex
		acks           []Ack
		expectedNodes  = -1
		reportedNodes  int
		expectedClient int
		done           = make(chan struct{})
		finished       bool
	)
	check := func() { // mu held
		if !finished && expectedNodes == reportedNodes && len(acks) >= expectedClient {
			finished = true
			close(done)
		}
	}
	onCount := func(c int) {
		mu.Lock()
		expectedClient += c
		reportedNodes++
		check()
		mu.Unlock()
	}
	onAck := func(ap *parser.Packet) {
		a, err := ackFromPacket(ap)
		mu.Lock()
		defer mu.Unlock()
		if finished {
			return
		}
		if err != nil {
			n.srv.log.Warn("socketio: undecodable acknowledgement", "nsp", n.name, "err", err)
			a = Ack{}
		}
		acks = append(acks, a)
		check()
	}
	if err := n.Adapter().BroadcastWithAck(ctx, p, b.target(), onCount, onAck); err != nil {
		return nil, fmt.Errorf("socketio: broadcast %q with ack to %s: %w", event, n.name, err)
	}
	nodes := 1
	if !b.flags.Local {
		if nodes, err = n.Adapter().ServerCount(ctx); err != nil {
			return nil, fmt.Errorf("socketio: broadcast %q with ack to %s: server count: %w", event, n.name, err)
		}
	}
	mu.Lock()
	expectedNodes = nodes
	check()
	mu.Unlock()

	select {
	case <-done:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	out := append([]Ack(nil), acks...)
	if !finished {
		finished = true
		return out, fmt.Errorf("socketio: broadcast %q to %s: %d of %d acknowledgements: %w", event, n.name, len(out), expectedClient, ErrTimeout)
	}
	return out, nil
}

// FetchSockets returns the selected sockets, across the cluster unless Local is set.
func (b BroadcastOperator) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	var out []*RemoteSocket
	for _, n := range b.nsps {
		infos, err := n.Adapter().FetchSockets(ctx, b.target())
		for _, info := range infos {
			out = append(out, &RemoteSocket{info: info, nsp: n})
		}
		if err != nil {
			return out, fmt.Errorf("socketio: fetch sockets of %s: %w", n.name, err)
		}
	}
	return out, nil
}

// SocketsJoin makes the selected sockets join rooms.
func (b BroadcastOperator) SocketsJoin(ctx context.Context, rooms ...string) error {
	for _, n := range b.nsps {
		if err := n.Adapter().AddSockets(ctx, b.target(), rooms); err != nil {
			return fmt.Errorf("socketio: sockets join on %s: %w", n.name, err)
		}
	}
	return nil
}

// SocketsLeave makes the selected sockets leave rooms.
func (b BroadcastOperator) SocketsLeave(ctx context.Context, rooms ...string) error {
	for _, n := range b.nsps {
		if err := n.Adapter().DelSockets(ctx, b.target(), rooms); err != nil {
			return fmt.Errorf("socketio: sockets leave on %s: %w", n.name, err)
		}
	}
	return nil
}

// DisconnectSockets disconnects the selected sockets; close also closes their underlying
// connections (and so every other namespace's socket on them).
func (b BroadcastOperator) DisconnectSockets(ctx context.Context, close bool) error {
	for _, n := range b.nsps {
		if err := n.Adapter().DisconnectSockets(ctx, b.target(), close); err != nil {
			return fmt.Errorf("socketio: disconnect sockets on %s: %w", n.name, err)
		}
	}
	return nil
}

// eventPacket builds the EVENT packet for event and args in namespace nsp.
func eventPacket(nsp, event string, args []any) (*parser.Packet, error) {
	data, atts, err := parser.MarshalEvent(event, args...)
	if err != nil {
		return nil, fmt.Errorf("socketio: encode %q: %w", event, err)
	}
	return &parser.Packet{Type: parser.Event, Nsp: nsp, Data: data, Attachments: atts}, nil
}
