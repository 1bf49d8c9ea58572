package socketio

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/engineio"
	"github.com/gosockio/gosockio/socketio/parser"
)

// Namespace is a communication channel multiplexed over the server's connections, with its own
// middleware, handlers, sockets and rooms. Get one with Server.Of.
type Namespace struct {
	srv    *Server
	name   string
	parent *ParentNamespace
	local  *adapter.Local
	ad     atomic.Pointer[adapterBox]
	built  chan struct{} // closed once ad is set (Server.of publishes the namespace before)
	ackIDs atomic.Uint64

	mu          sync.RWMutex
	sockets     map[string]*Socket
	middlewares []func(*Socket) error
	onConnect   []func(*Socket)
	listeners   listeners // server-side events from other nodes
}

type adapterBox struct{ a adapter.Adapter }

func newNamespace(s *Server, name string, parent *ParentNamespace) *Namespace {
	n := &Namespace{srv: s, name: name, parent: parent, sockets: make(map[string]*Socket), built: make(chan struct{})}
	n.local = adapter.NewLocal(nsHooks{n})
	n.watchRooms()
	return n
}

func (n *Namespace) setAdapter(a adapter.Adapter) {
	n.ad.Store(&adapterBox{a})
	close(n.built)
}

// Name returns the namespace's name, e.g. "/" or "/admin".
func (n *Namespace) Name() string { return n.name }

// Adapter returns the namespace's adapter. While another goroutine is still creating the
// namespace (its adapter factory may wait for Redis), it waits for the adapter.
func (n *Namespace) Adapter() adapter.Adapter {
	if b := n.ad.Load(); b != nil {
		return b.a
	}
	<-n.built
	return n.ad.Load().a
}

// Use adds a middleware, run in order for every socket that tries to join the namespace,
// before OnConnection handlers. An error refuses the connection: the client receives a
// connect_error whose message is the error's text (and data, for a *ConnectError).
func (n *Namespace) Use(mw func(*Socket) error) {
	n.mu.Lock()
	n.middlewares = append(n.middlewares, mw)
	n.mu.Unlock()
}

// OnConnection registers a handler called for every socket that joined the namespace.
func (n *Namespace) OnConnection(h func(*Socket)) {
	n.mu.Lock()
	n.onConnect = append(n.onConnect, h)
	n.mu.Unlock()
}

// On registers a listener for events other nodes send with ServerSideEmit. It returns a func
// that removes the listener. Names reserved for the server (connect, connection,
// new_namespace) can never arrive. With a cluster adapter (redisadapter, cluster.Bus) the
// listeners run one at a time, in arrival order, on a goroutine of the namespace's adapter, so
// they may wait on the cluster themselves; while 1024 events wait for them, further ones are
// dropped and logged, and Server.Close waits for those already queued.
func (n *Namespace) On(event string, h func(*Event) error) func() {
	return n.listeners.add(&n.mu, event, h, false)
}

// Sockets returns the sockets of this node connected to the namespace.
func (n *Namespace) Sockets() []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Socket, 0, len(n.sockets))
	for _, s := range n.sockets {
		out = append(out, s)
	}
	return out
}

// Socket returns the socket of this node with the given id.
func (n *Namespace) Socket(id string) (*Socket, bool) {
	n.mu.RLock()
	s, ok := n.sockets[id]
	n.mu.RUnlock()
	return s, ok
}

func (n *Namespace) allMiddlewares() []func(*Socket) error {
	n.mu.RLock()
	own := n.middlewares
	n.mu.RUnlock()
	if n.parent == nil {
		return own
	}
	return append(n.parent.middlewaresSnapshot(), own...)
}

func (n *Namespace) connectionHandlers() []func(*Socket) {
	n.mu.RLock()
	own := n.onConnect
	n.mu.RUnlock()
	if n.parent == nil {
		return own
	}
	return append(n.parent.handlersSnapshot(), own...)
}

func (n *Namespace) add(s *Socket) {
	n.mu.Lock()
	n.sockets[s.id] = s
	n.mu.Unlock()
	n.local.AddAll(s.id, s.id)
}

func (n *Namespace) remove(s *Socket) {
	n.local.DelAll(s.id)
	n.mu.Lock()
	delete(n.sockets, s.id)
	empty := len(n.sockets) == 0
	n.mu.Unlock()
	if empty && n.parent != nil && n.srv.opts.CleanupEmptyChildNamespaces {
		n.parent.removeChild(n)
		n.srv.removeNamespace(n)
		_ = n.Adapter().Close(context.Background())
	}
}

func (n *Namespace) nextAckID() uint64 { return n.ackIDs.Add(1) - 1 }

// operator returns a broadcast operator on this namespace.
func (n *Namespace) operator() BroadcastOperator { return BroadcastOperator{nsps: []*Namespace{n}} }

// To selects the sockets in rooms (or with those ids) for the operation that follows.
func (n *Namespace) To(rooms ...string) BroadcastOperator { return n.operator().To(rooms...) }

// In is an alias of To.
func (n *Namespace) In(rooms ...string) BroadcastOperator { return n.operator().In(rooms...) }

// Except excludes the sockets in rooms from the operation that follows.
func (n *Namespace) Except(rooms ...string) BroadcastOperator { return n.operator().Except(rooms...) }

// Local restricts the operation that follows to this node.
func (n *Namespace) Local() BroadcastOperator { return n.operator().Local() }

// Volatile makes the broadcast that follows droppable for clients not ready to receive it.
func (n *Namespace) Volatile() BroadcastOperator { return n.operator().Volatile() }

// Compress sets whether the broadcast that follows may be compressed.
func (n *Namespace) Compress(compress bool) BroadcastOperator {
	return n.operator().Compress(compress)
}

// Timeout bounds the wait for acknowledgements of the broadcast that follows.
func (n *Namespace) Timeout(d time.Duration) BroadcastOperator { return n.operator().Timeout(d) }

// Emit sends an event to every socket of the namespace, on every node.
func (n *Namespace) Emit(event string, args ...any) error { return n.operator().Emit(event, args...) }

// EmitWithAck sends an event to every socket of the namespace and collects their
// acknowledgements (see BroadcastOperator.EmitWithAck; ctx must have a deadline).
func (n *Namespace) EmitWithAck(ctx context.Context, event string, args ...any) ([]Ack, error) {
	return n.operator().EmitWithAck(ctx, event, args...)
}

// Send emits a "message" event to every socket of the namespace (Node's send).
func (n *Namespace) Send(args ...any) error { return n.operator().Send(args...) }

// AllSockets returns the ids of the namespace's sockets across the cluster (Node's allSockets).
func (n *Namespace) AllSockets(ctx context.Context) ([]string, error) {
	return n.operator().AllSockets(ctx)
}

// FetchSockets returns the sockets of the namespace across the cluster.
func (n *Namespace) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return n.operator().FetchSockets(ctx)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (n *Namespace) SocketsJoin(ctx context.Context, rooms ...string) error {
	return n.operator().SocketsJoin(ctx, rooms...)
}

// SocketsLeave makes every socket of the namespace leave rooms.
func (n *Namespace) SocketsLeave(ctx context.Context, rooms ...string) error {
	return n.operator().SocketsLeave(ctx, rooms...)
}

// DisconnectSockets disconnects every socket of the namespace.
func (n *Namespace) DisconnectSockets(ctx context.Context, close bool) error {
	return n.operator().DisconnectSockets(ctx, close)
}

// ServerSideEmit sends an event to the same namespace of every other node of the cluster,
// where listeners registered with On receive it. Arguments are JSON values: binary data is
// not supported (as in Node).
func (n *Namespace) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	if reservedServerEvents[event] {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	_, err := n.Adapter().ServerSideEmit(ctx, append([]any{event}, args...), false)
	if err != nil {
		return fmt.Errorf("socketio: server-side emit %q: %w", event, err)
	}
	return nil
}

// ServerSideEmitWithAck sends an event to every other node and waits, until ctx ends or the
// adapter's request timeout, for one answer from each. On a timeout it returns the answers it
// has with an error wrapping ErrTimeout.
func (n *Namespace) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Ack, error) {
	if reservedServerEvents[event] {
		return nil, fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	res, err := n.Adapter().ServerSideEmit(ctx, append([]any{event}, args...), true)
	acks := make([]Ack, 0, len(res))
	for _, v := range res {
		a, aerr := ackFromValues([]any{v})
		if aerr != nil {
			n.srv.log.Warn("socketio: undecodable server-side ack", "nsp", n.name, "err", aerr)
			continue
		}
		acks = append(acks, a)
	}
	if err != nil {
		return acks, fmt.Errorf("socketio: server-side emit %q: %w", event, err)
	}
	return acks, nil
}

// nsHooks is the namespace as the adapter sees it (adapter.Namespace), kept off the public API.
type nsHooks struct{ n *Namespace }

func (h nsHooks) Name() string { return h.n.name }

// Deliver encodes p once and hands the same frames to every recipient.
func (h nsHooks) Deliver(p *parser.Packet, ids []string, f adapter.Flags, onAck func(*parser.Packet)) int {
	if len(ids) == 0 {
		return 0
	}
	if onAck != nil {
		// Every broadcast with acknowledgements gets a packet id of this namespace, as Node's
		// adapter does: one from another node carries none (or one of that node's ids), and
		// the packet is shared, so it is copied rather than changed.
		cp := *p
		cp.ID, cp.HasID = h.n.nextAckID(), true
		p = &cp
	}
	msgs, err := encodePacket(p, f.NoCompress)
	if err != nil {
		h.n.srv.log.Error("socketio: cannot encode broadcast", "nsp", h.n.name, "err", err)
		return 0
	}
	var expires time.Time
	if onAck != nil && f.Timeout > 0 {
		expires = time.Now().Add(f.Timeout)
	}
	h.n.mu.RLock()
	targets := make([]*Socket, 0, len(ids))
	for _, id := range ids {
		if s, ok := h.n.sockets[id]; ok {
			targets = append(targets, s)
		}
	}
	h.n.mu.RUnlock()
	sent := 0
	var outgoing *outgoingEvent
	for _, s := range targets {
		if !s.connected.Load() {
			continue
		}
		if onAck != nil {
			s.addAck(p.ID, onAck, expires)
		}
		if s.hasOutgoing.Load() {
			if outgoing == nil {
				outgoing = newOutgoingEvent(p)
			}
			if h.n.srv.opts.ConnectionStateRecovery != nil {
				// The adapter delivers under the lock that orders offsets: listeners, which
				// may emit, run on the socket's dispatcher instead.
				o, x := outgoing, s
				s.client.pushTo(s.slot, func(*nspConn) { x.notifyOutgoing(o) })
			} else {
				s.notifyOutgoing(outgoing)
			}
		}
		if s.write(msgs, f.Volatile) {
			sent++
		} else if onAck != nil {
			s.removeAck(p.ID)
		}
	}
	h.n.srv.countOut(msgs, sent)
	return sent
}

func (h nsHooks) DisconnectSocket(id string, close bool) {
	if s, ok := h.n.Socket(id); ok {
		s.disconnectSoon(close)
	}
}

func (h nsHooks) SocketInfo(id string) (adapter.SocketInfo, bool) {
	s, ok := h.n.Socket(id)
	if !ok {
		return adapter.SocketInfo{}, false
	}
	return adapter.SocketInfo{ID: s.id, Handshake: *s.Handshake(), Data: h.n.srv.socketData(s)}, true
}

// RecoveryEnabled implements adapter.RecoveryAware.
func (h nsHooks) RecoveryEnabled() bool { return h.n.srv.opts.ConnectionStateRecovery != nil }

func (h nsHooks) OnServerSideEmit(args []any, ack func(any)) {
	if len(args) == 0 {
		return
	}
	name, ok := args[0].(string)
	if !ok {
		return
	}
	a, err := ackFromValues(args[1:])
	if err != nil {
		h.n.srv.log.Warn("socketio: undecodable server-side event", "nsp", h.n.name, "err", err)
		return
	}
	ev := &Event{Name: name, args: a.args}
	if ack != nil {
		var once sync.Once
		ev.ack = func(vals []any) error {
			sent := false
			once.Do(func() {
				var v any
				if len(vals) > 0 {
					v = vals[0]
				}
				ack(v)
				sent = true
			})
			if !sent {
				return ErrNoAck
			}
			return nil
		}
	}
	for _, l := range h.n.listeners.get(&h.n.mu, name) {
		h.n.srv.safeCall(func() error { return l.h(ev) }, "nsp", h.n.name, "event", name)
	}
}

// encodePacket turns p into its Engine.IO messages: the text part then one per attachment.
func encodePacket(p *parser.Packet, noCompress bool) ([]*engineio.Message, error) {
	text, err := parser.Encode(p)
	if err != nil {
		return nil, err
	}
	msgs := make([]*engineio.Message, 1+len(p.Attachments))
	msgs[0] = &engineio.Message{Data: text, NoCompress: noCompress}
	for i, a := range p.Attachments {
		msgs[i+1] = &engineio.Message{Data: a, Binary: true, NoCompress: noCompress}
	}
	return msgs, nil
}

// ParentNamespace is a family of dynamic namespaces created on demand (see Server.OfFunc).
// Middleware and connection handlers registered on it apply to every child; its broadcast
// operators reach the sockets of every child.
type ParentNamespace struct {
	srv   *Server
	match func(name string, auth map[string]any) bool

	mu          sync.RWMutex
	middlewares []func(*Socket) error
	onConnect   []func(*Socket)
	children    map[string]*Namespace
}

// Use adds a middleware run for sockets joining any child namespace.
func (p *ParentNamespace) Use(mw func(*Socket) error) {
	p.mu.Lock()
	p.middlewares = append(p.middlewares, mw)
	p.mu.Unlock()
}

// OnConnection registers a handler called for sockets joining any child namespace.
func (p *ParentNamespace) OnConnection(h func(*Socket)) {
	p.mu.Lock()
	p.onConnect = append(p.onConnect, h)
	p.mu.Unlock()
}

// Children returns the child namespaces created so far.
func (p *ParentNamespace) Children() []*Namespace {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]*Namespace, 0, len(p.children))
	for _, c := range p.children {
		out = append(out, c)
	}
	return out
}

func (p *ParentNamespace) middlewaresSnapshot() []func(*Socket) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.middlewares)
}

func (p *ParentNamespace) handlersSnapshot() []func(*Socket) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.onConnect)
}

func (p *ParentNamespace) addChild(n *Namespace) {
	p.mu.Lock()
	p.children[n.name] = n
	p.mu.Unlock()
}

func (p *ParentNamespace) removeChild(n *Namespace) {
	p.mu.Lock()
	if p.children[n.name] == n {
		delete(p.children, n.name)
	}
	p.mu.Unlock()
}

func (p *ParentNamespace) operator() BroadcastOperator {
	return BroadcastOperator{nsps: p.Children()}
}

// To selects the sockets in rooms of every child for the operation that follows.
func (p *ParentNamespace) To(rooms ...string) BroadcastOperator { return p.operator().To(rooms...) }

// Except excludes the sockets in rooms from the operation that follows.
func (p *ParentNamespace) Except(rooms ...string) BroadcastOperator {
	return p.operator().Except(rooms...)
}

// Emit sends an event to every socket of every child namespace.
func (p *ParentNamespace) Emit(event string, args ...any) error {
	return p.operator().Emit(event, args...)
}
