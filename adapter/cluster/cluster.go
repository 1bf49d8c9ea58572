// Package cluster is the transport-agnostic core of a multi-node adapter: it turns a
// namespace's adapter operations into cluster messages and back, and owns what every pub/sub
// backend would otherwise re-implement: the node id, filtering of its own messages, request ids,
// the table of pending requests, how many answers to expect (from the transport's server
// count), timeouts, partial results, and applying remote operations to the local room index.
//
// A backend supplies two small pieces: a Transport that moves bytes for one namespace, and a
// Codec that turns Messages into the bytes of one wire family (Node's classic Redis adapter
// format, or the ClusterAdapter envelope of the sharded adapter). The codecs live here
// (NewClassicCodec); package redisadapter provides the Transport over go-redis. Bus is an
// in-process cluster for tests.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/parser"
)

// Type is the kind of a cluster message. The numbers are those of Node's ClusterAdapter
// (socket.io-adapter 2.5); codecs of other families map them.
type Type int

// The message types.
const (
	Broadcast              Type = 3
	SocketsJoin            Type = 4
	SocketsLeave           Type = 5
	DisconnectSockets      Type = 6
	FetchSockets           Type = 7
	FetchSocketsResponse   Type = 8
	ServerSideEmit         Type = 9
	ServerSideEmitResponse Type = 10
	BroadcastClientCount   Type = 11
	BroadcastAck           Type = 12
	// AllRooms and its response exist only in the classic family.
	AllRooms         Type = 100
	AllRoomsResponse Type = 101
	// Sockets is the classic family's legacy allSockets request (type 0, Target.Rooms), which
	// older nodes send; it is answered with the ids of the matching sockets.
	Sockets         Type = 102
	SocketsResponse Type = 103
	// SocketOpResponse answers the classic family's legacy per-socket join, leave and
	// disconnect requests (SocketsJoin, SocketsLeave, DisconnectSockets with a RequestID): only
	// the node that has the socket answers.
	SocketOpResponse Type = 104
)

// IsResponse reports whether messages of type t answer a request.
func (t Type) IsResponse() bool {
	switch t {
	case FetchSocketsResponse, ServerSideEmitResponse, BroadcastClientCount, BroadcastAck, AllRoomsResponse,
		SocketsResponse, SocketOpResponse:
		return true
	}
	return false
}

// Message is one cluster message in a family-neutral form.
type Message struct {
	Type Type
	// UID is the sending node's id (empty when the sender does not say, e.g. Node's emitter or
	// a classic response).
	UID string
	// Nsp is the namespace; empty when the wire format does not carry it.
	Nsp string
	// RequestID links requests and responses; empty for messages that expect no answer.
	RequestID string
	// Target selects sockets (Broadcast, SocketsJoin/Leave, DisconnectSockets, FetchSockets).
	Target adapter.Target
	// Packet is the EVENT of a Broadcast.
	Packet *parser.Packet
	// Rooms are the rooms to join or leave, or the rooms of an AllRoomsResponse.
	Rooms []string
	// Close is DisconnectSockets' close flag.
	Close bool
	// Sockets answer FetchSockets.
	Sockets []adapter.SocketInfo
	// SocketIDs answer the legacy Sockets request.
	SocketIDs []string
	// Args are ServerSideEmit's event name and arguments.
	Args []any
	// Value is the one value of a ServerSideEmitResponse or BroadcastAck.
	Value any
	// ClientCount answers a Broadcast with acknowledgements.
	ClientCount int
}

// TopicKind says what a published message is for; the Transport maps it to a channel.
type TopicKind int

// The topic kinds.
const (
	// TopicBroadcast carries broadcasts without acknowledgement to several rooms, every socket,
	// or except-only selections.
	TopicBroadcast TopicKind = iota
	// TopicRoom carries broadcasts without acknowledgement to exactly one room (Topic.Room).
	TopicRoom
	// TopicRequest carries every other operation.
	TopicRequest
	// TopicResponse carries answers to node Topic.Node.
	TopicResponse
)

// Topic is where a message goes, or where it came from.
type Topic struct {
	Kind TopicKind
	Room string // TopicRoom
	Node string // TopicResponse: the requester's uid
}

// Transport moves one namespace's bytes. Inbound messages are handed to Adapter.Receive by the
// transport, from one goroutine, in arrival order.
type Transport interface {
	// Publish sends b to the other nodes (and possibly back to this one) on topic t.
	Publish(ctx context.Context, t Topic, b []byte) error
	// ServerCount is the number of nodes serving the namespace, this one included.
	ServerCount(ctx context.Context) (int, error)
	// Close stops delivery to this namespace and releases its subscriptions.
	Close(ctx context.Context) error
}

// RoomSubscriber is an optional Transport capability: per-room subscriptions (the sharded
// adapter's dynamic modes). The core calls it when a local room appears or empties.
type RoomSubscriber interface {
	SubscribeRoom(ctx context.Context, room string) error
	UnsubscribeRoom(ctx context.Context, room string) error
}

// Codec turns Messages into one wire family's bytes and back.
type Codec interface {
	// Encode returns the bytes of m.
	Encode(m *Message) ([]byte, error)
	// Decode parses bytes received on topic t.
	Decode(t Topic, b []byte) (*Message, error)
	// NewID returns a fresh request id in the family's format.
	NewID() string
}

// uidPeeker is an optional Codec capability: it reads the sender's uid of a message without
// decoding it, so that a node drops its own broadcasts before paying for their decoding.
type uidPeeker interface {
	peekUID(t Topic, b []byte) (uid string, ok bool)
}

// ErrUnsupported is wrapped by errors of operations the wire family cannot express. It wraps
// errors.ErrUnsupported, so code that does not import this package can test for it.
var ErrUnsupported = fmt.Errorf("cluster: operation not supported by this wire format: %w", errors.ErrUnsupported)

// Options tune the core. The zero value is Node's behaviour.
type Options struct {
	// RequestTimeout bounds requests (fetchSockets, serverSideEmit with ack, allRooms) whose
	// ctx has no earlier deadline. Zero means 5s (Node's requestsTimeout).
	RequestTimeout time.Duration
	// RoomTopic decides whether a broadcast to exactly this one room goes to TopicRoom. Nil
	// means never.
	RoomTopic func(room string) bool
	// FetchTimeoutFromFlags makes FetchSockets wait Target.Flags.Timeout, when it is set,
	// instead of RequestTimeout (the sharded adapter's rule). False means the shorter of the
	// two.
	FetchTimeoutFromFlags bool
	// NoAllRooms marks a wire family without an allRooms request (the sharded adapter's):
	// AllRooms then returns this node's rooms with an error wrapping ErrUnsupported, without
	// asking the other nodes.
	NoAllRooms bool
	// ListenerQueue bounds how many server-side events from other nodes may wait for this
	// namespace's listeners, which run one at a time in arrival order on one goroutine of the
	// adapter. Zero means 1024. When it is full, the receive loop does not wait (it serves
	// every namespace of the node, answers included): the event is dropped and logged at Warn
	// (at most one line a second, with the number dropped so far), and a requester waiting for
	// its acknowledgement gets one answer fewer.
	ListenerQueue int
	// LoopbackBroadcasts makes the transport, not the core, deliver this node's own broadcasts
	// without acknowledgement to its local sockets: Broadcast publishes and returns, and
	// Receive delivers the node's own broadcast when it comes back, in the order of the
	// other nodes' (the streams family: every node delivers the stream's entries in one
	// order, and a recovering socket joins at a known point of it). When the publish fails,
	// Broadcast delivers locally at once.
	LoopbackBroadcasts bool
	// Logger receives warnings about malformed messages and failed publishes. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// Adapter is the cluster implementation of adapter.Adapter for one namespace.
type Adapter struct {
	uid   string
	nsp   string
	local *adapter.Local
	tr    Transport
	codec Codec
	opts  Options
	log   *slog.Logger

	mu      sync.Mutex
	pending map[string]*pending
	closed  bool

	// work runs the server-side-emit listeners off the receive goroutine, one at a time in
	// arrival order, so that they may themselves wait on the cluster. later sends to it under
	// mu while the adapter is open; Close then closes stop, and runWork runs what is queued
	// before it ends (workDone), unless Close's ctx ends first (abandon).
	work     chan func()
	stop     chan struct{}
	abandon  chan struct{}
	workDone chan struct{}
	dropped  atomic.Int64 // events dropped because work was full
	dropLog  atomic.Int64 // when the last drop was logged (UnixNano)
}

var (
	_ adapter.Adapter = (*Adapter)(nil)
	_ adapter.Readier = (*Adapter)(nil)
)

// New returns the cluster adapter of the namespace whose room index is l. uid is this node's id
// for the namespace (in the codec's format); tr must deliver inbound messages to Receive.
func New(l *adapter.Local, uid string, tr Transport, codec Codec, opts Options) *Adapter {
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ListenerQueue <= 0 {
		opts.ListenerQueue = 1024
	}
	a := &Adapter{
		uid:      uid,
		nsp:      l.Namespace().Name(),
		local:    l,
		tr:       tr,
		codec:    codec,
		opts:     opts,
		log:      opts.Logger,
		pending:  make(map[string]*pending),
		work:     make(chan func(), opts.ListenerQueue),
		stop:     make(chan struct{}),
		abandon:  make(chan struct{}),
		workDone: make(chan struct{}),
	}
	go a.runWork()
	if rs, ok := tr.(RoomSubscriber); ok {
		l.OnRoomChange(func(room string, exists bool) {
			ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestTimeout)
			defer cancel()
			var err error
			if exists {
				err = rs.SubscribeRoom(ctx, room)
			} else {
				err = rs.UnsubscribeRoom(ctx, room)
			}
			if err != nil {
				a.log.Warn("cluster: room subscription failed", "nsp", a.nsp, "room", room, "err", err)
			}
		})
	}
	return a
}

// UID returns this node's id for the namespace.
func (a *Adapter) UID() string { return a.uid }

// Local returns the namespace's room index.
func (a *Adapter) Local() *adapter.Local { return a.local }

// Ready reports whether the adapter receives the other nodes' messages, for readiness probes
// (adapter.Readier).
// When the Transport has a method Ready(context.Context) error, Ready returns what it returns
// (the Redis transport waits until Redis has confirmed its subscriptions, or ctx ends, then
// fails while its connection is lost); otherwise it returns nil at once.
func (a *Adapter) Ready(ctx context.Context) error {
	if r, ok := a.tr.(adapter.Readier); ok {
		return r.Ready(ctx)
	}
	return nil
}

// runWork runs the queued listeners in order. After Close (stop) it runs those still queued,
// unless Close gives up waiting (abandon): those are then dropped with a log line.
func (a *Adapter) runWork() {
	defer close(a.workDone)
	for {
		select {
		case <-a.abandon:
			if n := len(a.work); n > 0 {
				a.log.Warn("cluster: closed before running queued server-side events; dropped", "nsp", a.nsp, "dropped", n)
			}
			return
		default:
		}
		select {
		case f := <-a.work:
			f()
		case <-a.stop:
			if len(a.work) == 0 { // nothing is queued after Close
				return
			}
		}
	}
}

// later queues f (server-side-emit listeners) for the work goroutine. It never blocks the
// receive loop and never starts another goroutine: when the queue is full, f is dropped and
// logged (Options.ListenerQueue).
func (a *Adapter) later(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	select {
	case a.work <- f:
		return
	default:
	}
	n := a.dropped.Add(1)
	now := time.Now().UnixNano()
	if last := a.dropLog.Load(); now-last >= int64(time.Second) && a.dropLog.CompareAndSwap(last, now) {
		a.log.Warn("cluster: server-side event dropped: the namespace's listeners are behind",
			"nsp", a.nsp, "queued", cap(a.work), "dropped_total", n)
	}
}

func (a *Adapter) publish(ctx context.Context, t Topic, m *Message) error {
	m.UID = a.uid
	m.Nsp = a.nsp
	b, err := a.codec.Encode(m)
	if err != nil {
		return fmt.Errorf("cluster: encode type %d: %w", m.Type, err)
	}
	if err := a.tr.Publish(ctx, t, b); err != nil {
		return fmt.Errorf("cluster: publish type %d: %w", m.Type, err)
	}
	return nil
}

func (a *Adapter) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

// Broadcast implements adapter.Adapter: publish (unless Local), then deliver locally.
func (a *Adapter) Broadcast(ctx context.Context, p *parser.Packet, t adapter.Target) error {
	if a.isClosed() {
		return adapter.ErrClosed
	}
	var err error
	if !t.Flags.Local {
		topic := Topic{Kind: TopicBroadcast}
		if len(t.Rooms) == 1 && a.opts.RoomTopic != nil && a.opts.RoomTopic(t.Rooms[0]) {
			topic = Topic{Kind: TopicRoom, Room: t.Rooms[0]}
		}
		err = a.publish(ctx, topic, &Message{Type: Broadcast, Target: t, Packet: p})
		if err == nil && a.opts.LoopbackBroadcasts {
			return nil
		}
	}
	a.local.Broadcast(p, t)
	return err
}

// BroadcastWithAck implements adapter.Adapter. Answers are accepted until t.Flags.Timeout
// (or ctx) ends.
func (a *Adapter) BroadcastWithAck(ctx context.Context, p *parser.Packet, t adapter.Target, onCount func(int), onAck func(*parser.Packet)) error {
	if a.isClosed() {
		return adapter.ErrClosed
	}
	if !t.Flags.Local {
		wait := t.Flags.Timeout
		if dl, ok := ctx.Deadline(); ok && (wait <= 0 || time.Until(dl) < wait) {
			wait = time.Until(dl)
		}
		if wait <= 0 {
			wait = a.opts.RequestTimeout
		}
		id := a.codec.NewID()
		pd := &pending{kind: Broadcast, onCount: onCount, onAck: onAck}
		a.addPending(id, pd)
		time.AfterFunc(wait, func() { a.removePending(id) })
		if err := a.publish(ctx, Topic{Kind: TopicRequest}, &Message{Type: Broadcast, RequestID: id, Target: t, Packet: p}); err != nil {
			a.removePending(id)
			onCount(a.local.BroadcastWithAck(p, t, onAck))
			return err
		}
	}
	onCount(a.local.BroadcastWithAck(p, t, onAck))
	return nil
}

// FetchSockets implements adapter.Adapter. On a timeout it returns the sockets it has with an
// error wrapping adapter.ErrTimeout.
func (a *Adapter) FetchSockets(ctx context.Context, t adapter.Target) ([]adapter.SocketInfo, error) {
	if a.isClosed() {
		return nil, adapter.ErrClosed
	}
	out := a.local.FetchSockets(t)
	if t.Flags.Local {
		return out, nil
	}
	timeout := a.opts.RequestTimeout
	if t.Flags.Timeout > 0 {
		if a.opts.FetchTimeoutFromFlags {
			timeout = t.Flags.Timeout
		} else {
			timeout = min(timeout, t.Flags.Timeout)
		}
	}
	t.Flags = adapter.Flags{}
	res, err := a.request(ctx, &Message{Type: FetchSockets, Target: t}, timeout)
	for _, m := range res {
		for _, s := range m.Sockets {
			if s.Node == "" {
				s.Node = m.UID
				if s.Node == "" {
					s.Node = "remote"
				}
			}
			out = append(out, s)
		}
	}
	return out, err
}

// AddSockets implements adapter.Adapter: applied here at once, then published.
func (a *Adapter) AddSockets(ctx context.Context, t adapter.Target, rooms []string) error {
	return a.roomOp(ctx, t, &Message{Type: SocketsJoin, Target: t, Rooms: rooms}, func() { a.local.AddSockets(t, rooms) })
}

// DelSockets implements adapter.Adapter.
func (a *Adapter) DelSockets(ctx context.Context, t adapter.Target, rooms []string) error {
	return a.roomOp(ctx, t, &Message{Type: SocketsLeave, Target: t, Rooms: rooms}, func() { a.local.DelSockets(t, rooms) })
}

// DisconnectSockets implements adapter.Adapter.
func (a *Adapter) DisconnectSockets(ctx context.Context, t adapter.Target, close bool) error {
	return a.roomOp(ctx, t, &Message{Type: DisconnectSockets, Target: t, Close: close}, func() { a.local.DisconnectSockets(t, close) })
}

func (a *Adapter) roomOp(ctx context.Context, t adapter.Target, m *Message, apply func()) error {
	if a.isClosed() {
		return adapter.ErrClosed
	}
	apply()
	if t.Flags.Local {
		return nil
	}
	return a.publish(ctx, Topic{Kind: TopicRequest}, m)
}

// ServerSideEmit implements adapter.Adapter.
func (a *Adapter) ServerSideEmit(ctx context.Context, args []any, wantAck bool) ([]any, error) {
	if a.isClosed() {
		return nil, adapter.ErrClosed
	}
	if !wantAck {
		return nil, a.publish(ctx, Topic{Kind: TopicRequest}, &Message{Type: ServerSideEmit, Args: args})
	}
	res, err := a.request(ctx, &Message{Type: ServerSideEmit, Args: args}, a.opts.RequestTimeout)
	out := make([]any, 0, len(res))
	for _, m := range res {
		out = append(out, m.Value)
	}
	return out, err
}

// ServerCount implements adapter.Adapter.
func (a *Adapter) ServerCount(ctx context.Context) (int, error) {
	n, err := a.tr.ServerCount(ctx)
	if err != nil {
		return 1, fmt.Errorf("cluster: server count: %w", err)
	}
	if n < 1 {
		n = 1
	}
	return n, nil
}

// AllRooms implements adapter.Adapter: the union of every node's rooms. With
// Options.NoAllRooms it returns this node's rooms and an error wrapping ErrUnsupported.
func (a *Adapter) AllRooms(ctx context.Context) ([]string, error) {
	if a.isClosed() {
		return nil, adapter.ErrClosed
	}
	if a.opts.NoAllRooms {
		return a.local.Rooms(), fmt.Errorf("cluster: allRooms across nodes (this node's rooms only): %w", ErrUnsupported)
	}
	set := make(map[string]struct{})
	for _, r := range a.local.Rooms() {
		set[r] = struct{}{}
	}
	res, err := a.request(ctx, &Message{Type: AllRooms}, a.opts.RequestTimeout)
	for _, m := range res {
		for _, r := range m.Rooms {
			set[r] = struct{}{}
		}
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	return out, err
}

// request publishes m with a fresh request id and waits for one answer from each other node,
// until ctx or timeout ends.
func (a *Adapter) request(ctx context.Context, m *Message, timeout time.Duration) ([]*Message, error) {
	n, err := a.ServerCount(ctx)
	if err != nil {
		return nil, err
	}
	expected := n - 1
	if expected <= 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := a.codec.NewID()
	pd := &pending{kind: m.Type, expected: expected, done: make(chan struct{})}
	a.addPending(id, pd)
	defer a.removePending(id)
	m.RequestID = id
	if err := a.publish(ctx, Topic{Kind: TopicRequest}, m); err != nil {
		return nil, err
	}
	select {
	case <-pd.done:
	case <-ctx.Done():
	}
	a.mu.Lock()
	got := append([]*Message(nil), pd.answers...)
	closed := a.closed
	a.mu.Unlock()
	if len(got) >= expected {
		return got, nil
	}
	if closed {
		return got, adapter.ErrClosed
	}
	return got, fmt.Errorf("cluster: timeout reached: only %d responses received out of %d: %w", len(got), expected, adapter.ErrTimeout)
}

// pending is a request waiting for answers.
type pending struct {
	kind     Type
	expected int
	answers  []*Message
	done     chan struct{} // closed when expected answers arrived (nil for ack broadcasts)
	onCount  func(int)
	onAck    func(*parser.Packet)
}

func (a *Adapter) addPending(id string, p *pending) {
	a.mu.Lock()
	a.pending[id] = p
	a.mu.Unlock()
}

func (a *Adapter) removePending(id string) {
	a.mu.Lock()
	delete(a.pending, id)
	a.mu.Unlock()
}

// Receive handles bytes that arrived on topic t. Transports call it from one goroutine, in
// arrival order. Malformed and foreign messages are logged and dropped.
func (a *Adapter) Receive(t Topic, b []byte) {
	if t.Kind == TopicRoom && a.local.RoomSize(t.Room) == 0 {
		return // no local socket in that room: not worth decoding
	}
	if p, ok := a.codec.(uidPeeker); ok {
		if uid, ok := p.peekUID(t, b); ok && uid == a.uid {
			return // our own broadcast, already delivered locally
		}
	}
	m, err := a.codec.Decode(t, b)
	if err != nil {
		a.log.Warn("cluster: dropped malformed message", "nsp", a.nsp, "err", err)
		return
	}
	if m.Nsp != "" && m.Nsp != a.nsp {
		a.log.Warn("cluster: dropped message of another namespace", "nsp", a.nsp, "to", m.Nsp, "type", int(m.Type))
		return
	}
	if m.Type.IsResponse() {
		a.onResponse(m)
		return
	}
	if m.UID == a.uid && !(a.opts.LoopbackBroadcasts && m.Type == Broadcast && m.RequestID == "") {
		return // our own message, already applied
	}
	if a.isClosed() {
		return
	}
	a.onRequest(m)
}

func (a *Adapter) onResponse(m *Message) {
	a.mu.Lock()
	p, ok := a.pending[m.RequestID]
	if !ok {
		a.mu.Unlock()
		return
	}
	switch m.Type {
	case BroadcastClientCount:
		a.mu.Unlock()
		if p.onCount != nil {
			p.onCount(m.ClientCount)
		}
		return
	case BroadcastAck:
		a.mu.Unlock()
		if p.onAck != nil {
			ack, err := valuesToPacket(parser.Ack, a.nsp, []any{m.Value})
			if err != nil {
				a.log.Warn("cluster: dropped undecodable ack", "nsp", a.nsp, "err", err)
				return
			}
			p.onAck(ack)
		}
		return
	}
	p.answers = append(p.answers, m)
	if p.done != nil && len(p.answers) == p.expected {
		close(p.done)
	}
	a.mu.Unlock()
}

func (a *Adapter) respond(to string, m *Message) {
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.RequestTimeout)
	defer cancel()
	if err := a.publish(ctx, Topic{Kind: TopicResponse, Node: to}, m); err != nil {
		a.log.Warn("cluster: response not sent", "nsp", a.nsp, "type", int(m.Type), "err", err)
	}
}

func (a *Adapter) onRequest(m *Message) {
	switch m.Type {
	case Broadcast:
		if m.Packet == nil {
			return
		}
		if m.RequestID == "" {
			a.local.Broadcast(m.Packet, m.Target)
			return
		}
		a.remoteBroadcastWithAck(m)
	case SocketsJoin, SocketsLeave, DisconnectSockets:
		// A RequestID marks the legacy per-socket form (Target.Rooms is the socket id): the
		// node that has the socket answers once it applied the change.
		owner := m.RequestID != "" && len(m.Target.Rooms) == 1 && a.local.HasSocket(m.Target.Rooms[0])
		switch m.Type {
		case SocketsJoin:
			a.local.AddSockets(m.Target, m.Rooms)
		case SocketsLeave:
			a.local.DelSockets(m.Target, m.Rooms)
		default:
			// Applied before the next message, as Node does: the namespace detaches the sockets
			// at once and runs their disconnect listeners on their own dispatchers.
			a.local.DisconnectSockets(m.Target, m.Close)
		}
		if owner {
			a.respond(m.UID, &Message{Type: SocketOpResponse, RequestID: m.RequestID})
		}
	case Sockets:
		ids := a.local.Select(m.Target)
		a.respond(m.UID, &Message{Type: SocketsResponse, RequestID: m.RequestID, SocketIDs: ids})
	case FetchSockets:
		if m.RequestID == "" {
			return
		}
		socks := a.local.FetchSockets(m.Target)
		a.respond(m.UID, &Message{Type: FetchSocketsResponse, RequestID: m.RequestID, Sockets: socks})
	case AllRooms:
		if m.RequestID == "" {
			return
		}
		a.respond(m.UID, &Message{Type: AllRoomsResponse, RequestID: m.RequestID, Rooms: a.local.Rooms()})
	case ServerSideEmit:
		var ack func(any)
		if m.RequestID != "" {
			var once sync.Once
			req, to := m.RequestID, m.UID
			ack = func(v any) {
				once.Do(func() { a.respond(to, &Message{Type: ServerSideEmitResponse, RequestID: req, Value: v}) })
			}
		}
		args := m.Args
		a.later(func() { a.local.Namespace().OnServerSideEmit(args, ack) })
	}
}

// remoteBroadcastWithAck runs another node's broadcast with acknowledgements: one client count,
// then one answer per client acknowledgement, to the requester.
func (a *Adapter) remoteBroadcastWithAck(m *Message) {
	var mu sync.Mutex
	mu.Lock() // acks wait until the count is out
	n := a.local.BroadcastWithAck(m.Packet, m.Target, func(ack *parser.Packet) {
		v, err := firstValue(ack)
		if err != nil {
			a.log.Warn("cluster: undecodable client ack", "nsp", a.nsp, "err", err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		a.respond(m.UID, &Message{Type: BroadcastAck, RequestID: m.RequestID, Value: v})
	})
	a.respond(m.UID, &Message{Type: BroadcastClientCount, RequestID: m.RequestID, ClientCount: n})
	mu.Unlock()
}

// Close implements adapter.Adapter: pending requests fail with adapter.ErrClosed, the transport
// is closed, and Close returns once the server-side-emit listeners already queued have run and
// the core's goroutine has ended. If ctx ends first, Close returns its error; the listener that
// is running finishes, and the queued ones that have not started are dropped, with a log line
// saying how many.
func (a *Adapter) Close(ctx context.Context) error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	for id, p := range a.pending {
		if p.done != nil {
			close(p.done)
		}
		delete(a.pending, id)
	}
	a.mu.Unlock()
	err := a.tr.Close(ctx)
	close(a.stop)
	select {
	case <-a.workDone:
	case <-ctx.Done():
		close(a.abandon)
		return errors.Join(err, fmt.Errorf("cluster: close: server-side listeners still running: %w", ctx.Err()))
	}
	if err != nil {
		return fmt.Errorf("cluster: close: %w", err)
	}
	return nil
}
