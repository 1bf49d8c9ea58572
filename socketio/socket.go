package socketio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/engineio"
	"github.com/gosockio/gosockio/socketio/parser"
)

// Handshake describes the request that opened a socket's connection (Node's socket.handshake).
type Handshake = adapter.Handshake

// Socket is one client's connection to one namespace. Its methods are safe for concurrent use.
//
// A socket's event handlers run one at a time, in the order the client sent the events, on a
// goroutine of their own (not the connection's reader, nor shared with the connection's other
// namespaces): a handler may block, even on EmitWithAck to its own client, without stopping
// acknowledgements from being received or the client's other sockets from being served.
type Socket struct {
	id        string
	pid       string // private session id, with connection-state recovery
	recovered bool
	nsp       *Namespace
	client    *client
	slot      *nspConn // the client's side of the namespace: the socket's dispatcher
	hsOnce    sync.Once
	handshake *Handshake     // built on first use (Handshake, fetchSockets): most sockets never need it
	auth      map[string]any // the CONNECT's auth, until handshake is built
	issued    time.Time      // when the socket connected (handshake.Time, Issued)
	done      chan struct{}
	doneOnce  sync.Once

	connected   atomic.Bool
	closing     atomic.Bool
	hasOutgoing atomic.Bool
	holding     atomic.Bool // packets are held until the CONNECT has been written

	holdMu sync.Mutex
	held   []*engineio.Message

	mu            sync.RWMutex
	data          any
	attrs         map[string]any
	events        listeners
	anys          listeners
	outListeners  []func(*Event)
	middlewares   []func(*Event) error
	onError       []func(error)
	onDisconnect  []func(reason string)
	onDisconnectg []func(reason string)
	acks          map[uint64]pendingAck
}

type pendingAck struct {
	f       func(*parser.Packet)
	expires time.Time // zero: until removed
}

func newSocket(n *Namespace, c *client, slot *nspConn, auth map[string]any) *Socket {
	return &Socket{
		id:     newID(),
		nsp:    n,
		client: c,
		slot:   slot,
		auth:   auth,
		issued: time.Now(),
		done:   make(chan struct{}),
	}
}

// ID is the socket's id: 20 random URL-safe characters, distinct from the Engine.IO session id,
// and the name of a room the socket is always in.
func (s *Socket) ID() string { return s.id }

// Recovered reports whether the socket was restored by connection-state recovery (Node's
// socket.recovered): it has the id, rooms and data of the socket its client lost, and the events
// broadcast to it meanwhile have been sent again.
func (s *Socket) Recovered() bool { return s.recovered }

// Handshake returns the details of the connection's handshake. It must not be modified.
func (s *Socket) Handshake() *Handshake {
	s.hsOnce.Do(func() {
		s.handshake = buildHandshake(s.client.conn.Request(), s.auth, s.issued)
		s.auth = nil
	})
	return s.handshake
}

// Namespace returns the namespace the socket belongs to.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Conn returns the underlying Engine.IO connection (Node's socket.conn): its transport, and
// listeners for its upgrade, packet, packetCreate, drain and close events.
func (s *Socket) Conn() *engineio.Conn { return s.client.conn }

// Connected reports whether the socket is connected.
func (s *Socket) Connected() bool { return s.connected.Load() }

// Context returns a context that is cancelled when the socket disconnects.
func (s *Socket) Context() context.Context { return doneContext(s.done) }

// Rooms returns the rooms the socket is in, its own id included.
func (s *Socket) Rooms() []string { return s.nsp.local.SocketRooms(s.id) }

// Data returns the socket's data value, shared with the other nodes through FetchSockets. It
// is the Go value given to SetData, except in a socket recovered from a session kept in Redis
// (redisadapter.NewStreams), possibly by a Node.js node: then it is its generic decoded form
// (map[string]any, []any, string, float64 or int64, bool, nil, []byte). DecodeData decodes
// either into a value of your type.
func (s *Socket) Data() any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data
}

// DecodeData decodes the socket's data value into v (a pointer), through JSON, as
// RemoteSocket.DecodeData does.
func (s *Socket) DecodeData(v any) error { return decodeData(s.Data(), v) }

// SetData sets the socket's data value. Use a value that encodes to JSON and MessagePack
// (a map or a struct with json tags): other nodes of a cluster see it through FetchSockets.
func (s *Socket) SetData(v any) {
	s.mu.Lock()
	s.data = v
	s.mu.Unlock()
	s.nsp.srv.instrumentData(s)
}

// Set stores a value under key on the socket, for this node only: Node's "additional
// attributes" (socket.user = …). Use SetData for what other nodes must see.
func (s *Socket) Set(key string, v any) {
	s.mu.Lock()
	if s.attrs == nil {
		s.attrs = make(map[string]any)
	}
	s.attrs[key] = v
	s.mu.Unlock()
}

// Get returns the value stored under key by Set.
func (s *Socket) Get(key string) (any, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.attrs[key]
	return v, ok
}

// Join adds the socket to rooms.
func (s *Socket) Join(rooms ...string) {
	if !s.connected.Load() {
		return
	}
	s.nsp.local.AddAll(s.id, rooms...)
}

// Leave removes the socket from room.
func (s *Socket) Leave(room string) { s.nsp.local.Del(s.id, room) }

// On registers a handler for event. It returns a func that removes this handler. The names
// reserved by the protocol never arrive here: use OnDisconnect, OnDisconnecting and OnError.
// An error returned by the handler is passed to the OnError listeners; with none, it is
// logged at Warn (see "Errors in handlers" in the package documentation).
func (s *Socket) On(event string, h func(*Event) error) func() {
	return s.events.add(&s.mu, event, h, false)
}

// Once registers a handler for the next occurrence of event only.
func (s *Socket) Once(event string, h func(*Event) error) func() {
	return s.events.add(&s.mu, event, h, true)
}

// Off removes every handler of event.
func (s *Socket) Off(event string) { s.events.clear(&s.mu, event) }

// OnAny registers a catch-all handler, called for every event before the event's own handlers.
// It returns a func that removes it.
func (s *Socket) OnAny(h func(*Event) error) func() {
	return s.anys.add(&s.mu, "", h, false)
}

// OffAny removes every catch-all handler.
func (s *Socket) OffAny() { s.anys.clear(&s.mu, "") }

// OnAnyOutgoing registers a handler called for every event sent to the client (by Emit or a
// broadcast). The Event has no acknowledgement. With connection-state recovery on, it runs on
// the socket's handler goroutine once the event is queued (the event then ends with its offset).
func (s *Socket) OnAnyOutgoing(h func(*Event)) {
	s.mu.Lock()
	s.outListeners = append(s.outListeners, h)
	s.mu.Unlock()
	s.hasOutgoing.Store(true)
}

// OffAnyOutgoing removes every outgoing catch-all handler.
func (s *Socket) OffAnyOutgoing() {
	s.mu.Lock()
	s.outListeners = nil
	s.mu.Unlock()
	s.hasOutgoing.Store(false)
}

// Use adds a packet middleware, run for every incoming event before its handlers (Node's
// socket.use). An error stops the event and is passed to the OnError listeners.
func (s *Socket) Use(mw func(*Event) error) {
	s.mu.Lock()
	s.middlewares = append(s.middlewares, mw)
	s.mu.Unlock()
}

// OnError registers a listener for errors of packet middlewares and event handlers. A socket
// with no OnError listener has these errors logged at Warn, rate-limited.
func (s *Socket) OnError(f func(error)) {
	s.mu.Lock()
	s.onError = append(s.onError, f)
	s.mu.Unlock()
}

// OnDisconnecting registers a listener called when the socket is about to disconnect, while
// Rooms still lists its rooms.
func (s *Socket) OnDisconnecting(f func(reason string)) {
	s.mu.Lock()
	s.onDisconnectg = append(s.onDisconnectg, f)
	s.mu.Unlock()
}

// OnDisconnect registers a listener called once the socket has disconnected, with one of the
// Reason… constants.
func (s *Socket) OnDisconnect(f func(reason string)) {
	s.mu.Lock()
	s.onDisconnect = append(s.onDisconnect, f)
	s.mu.Unlock()
}

// Emit sends an event to the client. Arguments are JSON-able values; []byte values, at any
// depth, travel as binary attachments. It never blocks; see engineio's queue policy for what
// happens to a client that does not keep up.
func (s *Socket) Emit(event string, args ...any) error { return s.emitter().Emit(event, args...) }

// Send emits a "message" event to the client (Node's socket.send).
func (s *Socket) Send(args ...any) error { return s.Emit("message", args...) }

// EmitWithAck sends an event and waits for the client's acknowledgement, until ctx ends.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) (Ack, error) {
	return s.emitter().EmitWithAck(ctx, event, args...)
}

// Volatile returns an emitter whose events are dropped when the transport is not ready.
func (s *Socket) Volatile() SocketEmitter { return s.emitter().Volatile() }

// Compress returns an emitter with compression on or off.
func (s *Socket) Compress(compress bool) SocketEmitter { return s.emitter().Compress(compress) }

// Timeout returns an emitter whose EmitWithAck waits at most d.
func (s *Socket) Timeout(d time.Duration) SocketEmitter { return s.emitter().Timeout(d) }

func (s *Socket) emitter() SocketEmitter { return SocketEmitter{s: s} }

func (s *Socket) broadcaster() BroadcastOperator {
	return BroadcastOperator{nsps: []*Namespace{s.nsp}, except: []string{s.id}}
}

// To selects sockets in rooms, this one excluded, for a broadcast.
func (s *Socket) To(rooms ...string) BroadcastOperator { return s.broadcaster().To(rooms...) }

// In is an alias of To.
func (s *Socket) In(rooms ...string) BroadcastOperator { return s.broadcaster().To(rooms...) }

// Except selects every socket but those in rooms and this one, for a broadcast.
func (s *Socket) Except(rooms ...string) BroadcastOperator {
	return s.broadcaster().Except(rooms...)
}

// Broadcast selects every socket of the namespace but this one.
func (s *Socket) Broadcast() BroadcastOperator { return s.broadcaster() }

// Disconnect disconnects the socket from its namespace: the client receives a DISCONNECT
// packet and sees "io server disconnect". With close, the underlying connection is closed too,
// which disconnects the client's sockets of every namespace.
func (s *Socket) Disconnect(close bool) {
	if !s.connected.Load() {
		return
	}
	if close {
		s.client.disconnectAll()
		return
	}
	s.send(&parser.Packet{Type: parser.Disconnect, Nsp: s.nsp.name}, false, false)
	s.onClose(ReasonServerNamespaceDisconnect)
}

// disconnectSoon is Disconnect for operations that come through the adapter (possibly from
// another node, on the adapter's receive goroutine) and for a panicking handler: the client is
// told and the socket stops receiving at once, and its disconnect listeners run later on its
// dispatcher (after the packets already queued there), so that they may wait on the cluster
// themselves and Server.Close waits for them.
func (s *Socket) disconnectSoon(close bool) {
	socks := []*Socket{s}
	if close {
		socks = s.client.allSockets()
	}
	var detached []*Socket
	for _, x := range socks {
		if x.connected.CompareAndSwap(true, false) {
			x.send(&parser.Packet{Type: parser.Disconnect, Nsp: x.nsp.name}, false, false)
			detached = append(detached, x)
		}
	}
	if close {
		s.client.closeConn(socks)
	}
	for _, x := range detached {
		s.client.pushTo(x.slot, func(*nspConn) { x.onClose(ReasonServerNamespaceDisconnect) })
	}
}

// SocketEmitter emits to one socket with flags (see Socket.Volatile, Compress, Timeout).
type SocketEmitter struct {
	s          *Socket
	volatile   bool
	noCompress bool
	timeout    time.Duration
}

// Volatile makes the event droppable when the transport is not ready.
func (e SocketEmitter) Volatile() SocketEmitter { e.volatile = true; return e }

// Compress sets whether the event may be compressed.
func (e SocketEmitter) Compress(compress bool) SocketEmitter { e.noCompress = !compress; return e }

// Timeout bounds EmitWithAck's wait.
func (e SocketEmitter) Timeout(d time.Duration) SocketEmitter { e.timeout = d; return e }

// Emit sends an event to the client.
func (e SocketEmitter) Emit(event string, args ...any) error {
	if err := checkEvent(event); err != nil {
		return err
	}
	if !e.s.connected.Load() {
		return ErrDisconnected
	}
	p, err := eventPacket(e.s.nsp.name, event, args)
	if err != nil {
		return err
	}
	if e.s.nsp.srv.opts.ConnectionStateRecovery != nil {
		// As Node does, through the adapter, which gives the packet its offset and keeps it
		// for a recovery.
		t := adapter.Target{Rooms: []string{e.s.id}, Flags: adapter.Flags{Volatile: e.volatile, NoCompress: e.noCompress}}
		if err := e.s.nsp.Adapter().Broadcast(context.Background(), p, t); err != nil {
			return fmt.Errorf("socketio: emit %q to %s: %w", event, e.s.id, err)
		}
		return nil
	}
	e.s.notifyOutgoing(newOutgoingEvent(p))
	e.s.send(p, e.volatile, e.noCompress)
	return nil
}

// EmitWithAck sends an event and waits for the client's acknowledgement until ctx ends or the
// Timeout passes; the error then wraps ErrTimeout.
func (e SocketEmitter) EmitWithAck(ctx context.Context, event string, args ...any) (Ack, error) {
	if err := checkEvent(event); err != nil {
		return Ack{}, err
	}
	s := e.s
	if !s.connected.Load() {
		return Ack{}, ErrDisconnected
	}
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	p, err := eventPacket(s.nsp.name, event, args)
	if err != nil {
		return Ack{}, err
	}
	p.ID, p.HasID = s.nsp.nextAckID(), true
	ch := make(chan *parser.Packet, 1)
	s.addAck(p.ID, func(ap *parser.Packet) {
		select {
		case ch <- ap:
		default:
		}
	}, time.Time{})
	defer s.removeAck(p.ID)
	s.notifyOutgoing(newOutgoingEvent(p))
	s.send(p, e.volatile, e.noCompress)
	select {
	case ap := <-ch:
		return ackFromPacket(ap)
	case <-ctx.Done():
		return Ack{}, fmt.Errorf("socketio: %q to %s: %w (%w)", event, s.id, ErrTimeout, ctx.Err())
	case <-s.done:
		return Ack{}, fmt.Errorf("socketio: %q to %s: %w", event, s.id, ErrDisconnected)
	}
}

// send encodes p and queues it on the connection.
func (s *Socket) send(p *parser.Packet, volatile, noCompress bool) {
	msgs, err := encodePacket(p, noCompress)
	if err != nil {
		s.nsp.srv.log.Error("socketio: cannot encode packet", "nsp", s.nsp.name, "sid", s.id, "err", err)
		return
	}
	if s.write(msgs, volatile) {
		s.nsp.srv.countOut(msgs, 1)
	}
}

// write queues encoded messages; it reports whether they were queued.
func (s *Socket) write(msgs []*engineio.Message, volatile bool) bool {
	if s.holding.Load() {
		s.holdMu.Lock()
		if s.holding.Load() { // volatile ones too: the hold lasts one write
			s.held = append(s.held, msgs...)
			s.holdMu.Unlock()
			return true
		}
		s.holdMu.Unlock()
	}
	if volatile {
		return s.client.conn.SendVolatile(msgs...)
	}
	return s.client.conn.Send(msgs...) == nil
}

// releaseHeld sends the packets held while the CONNECT was on its way, and stops holding.
func (s *Socket) releaseHeld() {
	s.holdMu.Lock()
	defer s.holdMu.Unlock()
	if len(s.held) > 0 {
		_ = s.client.conn.Send(s.held...)
	}
	s.held = nil
	s.holding.Store(false)
}

func (s *Socket) notifyOutgoing(o *outgoingEvent) {
	if !s.hasOutgoing.Load() {
		return
	}
	s.mu.RLock()
	ls := s.outListeners
	s.mu.RUnlock()
	if len(ls) == 0 {
		return
	}
	ev, err := o.event(s)
	if err != nil {
		return
	}
	for _, f := range ls {
		s.nsp.srv.safeCall(func() error { f(ev); return nil }, "nsp", s.nsp.name, "sid", s.id)
	}
}

func (s *Socket) addAck(id uint64, f func(*parser.Packet), expires time.Time) {
	s.mu.Lock()
	if s.acks == nil {
		s.acks = make(map[uint64]pendingAck)
	}
	if len(s.acks) >= 64 { // drop broadcast acks whose wait is over, so the map stays bounded
		now := time.Now()
		for k, a := range s.acks {
			if !a.expires.IsZero() && now.After(a.expires) {
				delete(s.acks, k)
			}
		}
	}
	s.acks[id] = pendingAck{f: f, expires: expires}
	s.mu.Unlock()
}

func (s *Socket) removeAck(id uint64) {
	s.mu.Lock()
	delete(s.acks, id)
	s.mu.Unlock()
}

// onAck hands an ACK packet from the client to whoever waits for it.
func (s *Socket) onAck(p *parser.Packet) {
	if !p.HasID {
		return
	}
	s.mu.Lock()
	a, ok := s.acks[p.ID]
	delete(s.acks, p.ID)
	s.mu.Unlock()
	if ok {
		a.f(p)
	}
}

// onEvent runs the middlewares and handlers of an incoming event (on the socket's dispatcher).
func (s *Socket) onEvent(p *parser.Packet) {
	name, args, err := parser.EventArgs(p)
	if err != nil {
		s.client.conn.CloseWithReason(engineio.ReasonParseError)
		return
	}
	ev := &Event{Name: name, Socket: s, args: args}
	if p.HasID {
		ev.ack = s.ackFunc(p.ID, &ev.acked)
	}
	s.mu.RLock()
	mws := s.middlewares
	s.mu.RUnlock()
	for _, mw := range mws {
		if err := s.call(func() error { return mw(ev) }, name); err != nil {
			s.emitError(ev, err)
			return
		}
	}
	for _, l := range s.anys.get(&s.mu, "") {
		if err := s.call(func() error { return l.h(ev) }, name); err != nil {
			s.emitError(ev, err)
		}
	}
	for _, l := range s.events.get(&s.mu, name) {
		if err := s.call(func() error { return l.h(ev) }, name); err != nil {
			s.emitError(ev, err)
		}
	}
}

// call runs user code, turning a panic into a logged error that disconnects this socket (its
// disconnect listeners run on its dispatcher once the current event is done).
func (s *Socket) call(f func() error, event string) error {
	err, panicked := s.nsp.srv.safeCallErr(f, "nsp", s.nsp.name, "sid", s.id, "event", event)
	if panicked {
		s.disconnectSoon(false)
		return nil
	}
	return err
}

// ackFunc answers the client's acknowledgement id once; sent records that it was.
func (s *Socket) ackFunc(id uint64, sent *atomic.Bool) func([]any) error {
	return func(args []any) error {
		if !sent.CompareAndSwap(false, true) {
			return ErrNoAck
		}
		data, atts, err := parser.MarshalArgs(args...)
		if err != nil {
			return fmt.Errorf("socketio: encode acknowledgement: %w", err)
		}
		s.send(&parser.Packet{Type: parser.Ack, Nsp: s.nsp.name, ID: id, HasID: true, Data: data, Attachments: atts}, false, false)
		return nil
	}
}

// emitError hands err, returned by a middleware or handler of ev, to the OnError listeners;
// with none, it is logged at Warn (rate-limited).
func (s *Socket) emitError(ev *Event, err error) {
	s.mu.RLock()
	fs := s.onError
	s.mu.RUnlock()
	if len(fs) == 0 {
		s.nsp.srv.errLog.eventError(s, ev.Name, err, ev.ack != nil && !ev.acked.Load())
	}
	for _, f := range fs {
		s.nsp.srv.safeCall(func() error { f(err); return nil }, "nsp", s.nsp.name, "sid", s.id)
	}
}

// onClose runs the disconnection: disconnecting listeners (rooms still set), leaving every
// room, then disconnect listeners. It runs once.
func (s *Socket) onClose(reason string) {
	if !s.closing.CompareAndSwap(false, true) {
		return
	}
	s.mu.RLock()
	before := s.onDisconnectg
	s.mu.RUnlock()
	for _, f := range before {
		s.nsp.srv.safeCall(func() error { f(reason); return nil }, "nsp", s.nsp.name, "sid", s.id)
	}
	var rooms []string
	if s.recoverable(reason) {
		rooms = s.Rooms()
	}
	s.closeDone()
	s.nsp.remove(s)
	s.client.remove(s)
	s.connected.Store(false)
	if rooms != nil {
		// Once the socket is gone from the namespace: a client coming back at once must not
		// find this socket, which has its id, still there.
		s.persist(rooms)
	}
	s.mu.Lock()
	after := s.onDisconnect
	s.acks = nil
	s.mu.Unlock()
	for _, f := range after {
		s.nsp.srv.safeCall(func() error { f(reason); return nil }, "nsp", s.nsp.name, "sid", s.id)
	}
}

// recoverableReasons are the disconnection reasons after which Node keeps the session
// (RECOVERABLE_DISCONNECT_REASONS).
var recoverableReasons = map[string]bool{
	ReasonTransportError:     true,
	ReasonTransportClose:     true,
	ReasonForcedClose:        true,
	ReasonPingTimeout:        true,
	ReasonServerShuttingDown: true,
	ReasonForcedServerClose:  true,
}

// recoverable tells whether the socket's session is to be kept after a disconnection for reason.
func (s *Socket) recoverable(reason string) bool {
	return s.nsp.srv.opts.ConnectionStateRecovery != nil && s.pid != "" && recoverableReasons[reason]
}

// persist keeps the socket's session, with the rooms it was in, for a recovery.
func (s *Socket) persist(rooms []string) {
	store, ok := s.nsp.Adapter().(adapter.SessionStore)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := store.PersistSession(ctx, adapter.Session{
		SID:     s.id,
		PID:     s.pid,
		Rooms:   rooms,
		Data:    s.Data(),
		Expires: time.Now().Add(s.nsp.srv.opts.ConnectionStateRecovery.MaxDisconnectionDuration),
	})
	if err != nil && !errors.Is(err, adapter.ErrClosed) {
		s.nsp.srv.log.Warn("socketio: cannot keep the session for recovery", "nsp", s.nsp.name, "sid", s.id, "err", err)
	}
}

// closeDone cancels the socket's Context and wakes its EmitWithAck waiters.
func (s *Socket) closeDone() { s.doneOnce.Do(func() { close(s.done) }) }

// doneContext is a context.Context that is cancelled when done is closed.
type doneContext chan struct{}

func (d doneContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (d doneContext) Done() <-chan struct{}       { return d }
func (d doneContext) Value(any) any               { return nil }
func (d doneContext) Err() error {
	select {
	case <-d:
		return context.Canceled
	default:
		return nil
	}
}
