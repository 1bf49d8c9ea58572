package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gosockio/gosockio/socketio/parser"
)

// The disconnect reasons of a Socket, as socket.io-client names them.
const (
	ReasonServerDisconnect = "io server disconnect"
	ReasonClientDisconnect = "io client disconnect"
	ReasonPingTimeout      = reasonPingTimeout
	ReasonTransportClose   = reasonTransportClose
	ReasonTransportError   = reasonTransportError
	ReasonParseError       = reasonParseError
	ReasonForcedClose      = reasonForcedClose
)

// ConnectError is a refusal of the server (a middleware's error, or an unknown namespace):
// the connect_error with the server's message and data.
type ConnectError struct {
	Message string
	// Data is the error's data as JSON, nil when there is none.
	Data json.RawMessage
}

func (e *ConnectError) Error() string { return "client: connect error: " + e.Message }

// Connect connects to the namespace named by rawURL's path ("/" when none) of the server at
// rawURL, and returns the Socket once connected.
//
// As the JS client's io(url), it reuses the Manager (the Engine.IO session) of an earlier Connect
// to the same server (scheme, host and Options.Path), unless opts.ForceNew or opts.NoMultiplex is
// set or that Manager already has a Socket for this namespace: then it creates a Manager of its
// own, not shared. opts apply to the Manager only when it is created here, except Auth. The
// shared Manager is released (closed, and no longer reused) when the Close of its last active
// Socket closes it.
//
// It fails with a *ConnectError when the server refuses the namespace, with ErrReconnectFailed
// when every attempt failed, and with ctx's error (and the last transport error) when ctx ends
// first; the Socket is then closed.
func Connect(ctx context.Context, rawURL string, opts Options) (*Socket, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	nsp := u.Path
	if nsp == "" {
		nsp = "/"
	}
	s, err := socketFor(rawURL, u, nsp, opts)
	if err != nil {
		return nil, err
	}
	m := s.m
	res := make(chan error, 1)
	put := func(err error) {
		select {
		case res <- err:
		default:
		}
	}
	var last atomic.Value
	offs := []func(){
		addInternalHook(s, &s.onConnect, func() { put(nil) }),
		addInternalHook(s, &s.onConnErr, func(err error) {
			last.Store(err)
			if _, ok := err.(*ConnectError); ok || m.opts.NoReconnection {
				put(err)
			}
		}),
		s.onEndHook(put),
	}
	defer func() {
		for _, off := range offs {
			off()
		}
	}()
	s.Connect()
	if m.isClosed() { // closed since socketFor, before onEndHook
		put(ErrClosed)
	}
	select {
	case err = <-res:
	case <-ctx.Done():
		err = ctx.Err()
		if l, ok := last.Load().(error); ok {
			err = fmt.Errorf("%w (last error: %w)", err, l)
		}
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// socketFor returns the Socket of nsp on the cached Manager of the server, or on a new Manager
// (cached unless opts asks for a connection of its own, or the cached one has nsp already).
func socketFor(rawURL string, u *url.URL, nsp string, opts Options) (*Socket, error) {
	scheme := u.Scheme
	switch scheme {
	case "ws":
		scheme = "http"
	case "wss":
		scheme = "https"
	}
	path := opts.Path
	if path == "" {
		path = "/socket.io/"
	}
	key := scheme + "://" + u.Host + path
	own := opts.ForceNew || opts.NoMultiplex
	if !own {
		cacheMu.Lock()
		if c := cache[key]; c != nil {
			c.mu.Lock()
			_, taken := c.nsps[nsp]
			if !taken && !c.closed {
				s := c.socketLocked(nsp, opts.Auth)
				c.mu.Unlock()
				cacheMu.Unlock()
				return s, nil
			}
			own = taken
			c.mu.Unlock()
		}
		cacheMu.Unlock()
	}
	m, err := NewManager(rawURL, opts)
	if err != nil {
		return nil, err
	}
	if !own {
		cacheMu.Lock()
		if cache[key] == nil {
			m.cacheKey = key
			cache[key] = m
		}
		cacheMu.Unlock()
	}
	return m.Socket(nsp, opts.Auth), nil
}

type pendingAck struct {
	ch chan ackResult // 1 slot
}

type ackResult struct {
	ack Ack
	err error
}

// Socket is a connection to one namespace, multiplexed with the Manager's other Sockets over
// its Engine.IO session (socket.io-client's Socket).
type Socket struct {
	m      *Manager
	nsp    string
	auth   any
	active atomic.Bool // Connect was called and neither side disconnected since
	closed atomic.Bool // Close was called: the Socket is no longer its Manager's

	mu          sync.Mutex
	connected   bool
	id          string
	connectSent *engine // the session a CONNECT was sent on
	pid         string  // the private session id the server gave, with connection-state recovery
	lastOffset  string  // the offset of the last event received, with recovery
	recovered   bool
	buf         []*outgoing      // the send buffer: to send once connected
	bufBytes    int              // the bytes of buf's packets
	recvBuf     []*parser.Packet // received before the CONNECT answer
	recvBytes   int
	acks        map[uint64]*pendingAck
	nextAck     uint64
	handlers    map[string][]*handler
	anyH        []*handler
	anyOut      []*outHook
	onConnect   []*hook[func()]
	onConnErr   []*hook[func(error)]
	onDisc      []*hook[func(string)]
	onEnd       []*hook[func(error)] // internal: Connect's wait ends (reconnect failed, closed)
}

type handler struct {
	f    func(*Event) error
	once bool
}

type outHook struct{ f func(string, []any) }

type hook[F any] struct {
	f        F
	internal bool // registered by the package itself: RemoveAllListeners keeps it
}

// outgoing is an event in the send buffer, with what its outgoing listeners are told once it is
// sent.
type outgoing struct {
	p        *parser.Packet
	name     string
	args     []any
	size     int
	compress bool
}

// packetSize is the bytes a packet holds: its JSON and its attachments.
func packetSize(p *parser.Packet) int {
	n := len(p.Data)
	for _, a := range p.Attachments {
		n += len(a)
	}
	return n
}

func newSocket(m *Manager, nsp string, auth any) *Socket {
	return &Socket{m: m, nsp: nsp, auth: auth, acks: map[uint64]*pendingAck{}, handlers: map[string][]*handler{}}
}

// SetAuth replaces the auth sent in the Socket's next CONNECT packets (the JS client's
// socket.auth = …): a value, or a func() any called on each connection attempt.
func (s *Socket) SetAuth(auth any) {
	s.mu.Lock()
	s.auth = auth
	s.mu.Unlock()
}

// Manager is the Manager the Socket belongs to.
func (s *Socket) Manager() *Manager { return s.m }

// Namespace is the Socket's namespace.
func (s *Socket) Namespace() string { return s.nsp }

// ID is the Socket's id, the same as the server's, or "" while disconnected.
func (s *Socket) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Recovered reports whether the last connection recovered the previous session (the server's
// connection-state recovery: same id, rooms, and the events missed meanwhile).
func (s *Socket) Recovered() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recovered
}

// Connected reports whether the Socket is connected.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// Active reports whether the Socket connects again on its own after a disconnection (false
// after Disconnect, a server disconnect or a connect error from the server).
func (s *Socket) Active() bool { return s.active.Load() }

func (s *Socket) isActive() bool { return s.active.Load() }

// Connect starts connecting (or reconnecting) the Socket, opening the Manager's session if
// needed; it does not wait (see the package's Connect for that). It does nothing once the Socket
// or its Manager is closed.
func (s *Socket) Connect() {
	if s.active.Swap(true) {
		return
	}
	s.m.mu.Lock()
	e, closed := s.m.eng, s.m.closed || s.closed.Load()
	s.m.mu.Unlock()
	if closed {
		s.active.Store(false)
		s.end(ErrClosed)
		return
	}
	if e != nil {
		s.sendConnect(e)
	} else {
		s.m.open()
	}
}

// onOpen: a new session is up.
func (s *Socket) onOpen() {
	s.m.mu.Lock()
	e := s.m.eng
	s.m.mu.Unlock()
	if e != nil {
		s.sendConnect(e)
	}
}

func (s *Socket) sendConnect(e *engine) {
	if !s.active.Load() {
		return
	}
	var data json.RawMessage
	s.mu.Lock()
	auth := s.auth
	s.mu.Unlock()
	if f, ok := auth.(func() any); ok {
		auth = f()
	}
	s.mu.Lock()
	pid, offset := s.pid, s.lastOffset
	s.mu.Unlock()
	if pid != "" { // as the JS client: {pid, offset, ...auth}
		merged := map[string]any{}
		if auth != nil {
			if b, err := json.Marshal(auth); err == nil {
				json.Unmarshal(b, &merged)
			}
		}
		merged["pid"], merged["offset"] = pid, offset
		auth = merged
	}
	if auth != nil {
		b, err := json.Marshal(auth)
		if err != nil {
			s.m.opts.Logger.Warn("client: auth does not marshal", "nsp", s.nsp, "err", err)
		} else {
			data = b
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connected || s.connectSent == e {
		return
	}
	s.connectSent = e
	e.sendSocketIO(&parser.Packet{Type: parser.Connect, Nsp: s.nsp, Data: data}, true)
}

// onPacket handles a packet of this namespace, on the session's reader.
func (s *Socket) onPacket(p *parser.Packet) error {
	switch p.Type {
	case parser.Connect:
		var d struct {
			SID string `json:"sid"`
			PID string `json:"pid"`
		}
		if err := json.Unmarshal(p.Data, &d); err != nil || d.SID == "" {
			return fmt.Errorf("client: bad CONNECT payload: %w", errParse)
		}
		s.mu.Lock()
		if s.connected || !s.active.Load() {
			s.mu.Unlock()
			return nil
		}
		s.connected, s.id = true, d.SID
		s.recovered = d.PID != "" && d.PID == s.pid
		s.pid = d.PID
		buf, recv := s.buf, s.recvBuf
		s.buf, s.recvBuf, s.bufBytes, s.recvBytes = nil, nil, 0, 0
		calls := make([]func(), 0, len(recv))
		for _, q := range recv {
			if name, args, err := parser.EventArgs(q); err == nil {
				calls = append(calls, s.dispatchLocked(q, name, args))
			}
		}
		hooks := slices.Clone(s.onConnect)
		out := slices.Clone(s.anyOut)
		for _, q := range buf {
			s.m.send(q.p, q.compress)
		}
		s.mu.Unlock()
		for _, f := range calls {
			s.m.loop.post(f)
		}
		s.m.loop.post(func() {
			// As the JS client's emitBuffered: the received events, the buffered ones sent
			// (with the outgoing listeners), then "connect".
			if len(out) > 0 {
				for _, q := range buf {
					for _, h := range out {
						h.f(q.name, q.args)
					}
				}
			}
			for _, h := range hooks {
				h.f()
			}
		})
	case parser.ConnectError:
		var d struct {
			Message string          `json:"message"`
			Data    json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(p.Data, &d); err != nil {
			return fmt.Errorf("client: bad CONNECT_ERROR payload: %w", errParse)
		}
		s.active.Store(false)
		s.mu.Lock()
		s.connectSent = nil
		hooks := slices.Clone(s.onConnErr)
		s.mu.Unlock()
		cerr := &ConnectError{Message: d.Message, Data: d.Data}
		s.m.loop.post(func() {
			for _, h := range hooks {
				h.f(cerr)
			}
		})
		s.m.maybeClose()
	case parser.Event, parser.BinaryEvent:
		name, args, err := parser.EventArgs(p)
		if err != nil {
			return err
		}
		s.mu.Lock()
		if !s.connected {
			// As the JS client's receive buffer: events before the CONNECT answer (the missed
			// packets of a recovered session) are handled once connected.
			if n := packetSize(p); s.active.Load() && len(s.recvBuf) < s.m.opts.MaxBufferedPackets &&
				s.recvBytes+n <= s.m.opts.MaxBufferedBytes {
				s.recvBuf = append(s.recvBuf, p)
				s.recvBytes += n
			}
			s.mu.Unlock()
			return nil
		}
		f := s.dispatchLocked(p, name, args)
		s.mu.Unlock()
		s.m.loop.post(f)
	case parser.Ack, parser.BinaryAck:
		args, err := parser.AckArgs(p)
		if err != nil {
			return err
		}
		s.mu.Lock()
		pa := s.acks[p.ID]
		delete(s.acks, p.ID)
		s.mu.Unlock()
		if pa != nil && p.HasID {
			pa.ch <- ackResult{ack: Ack{args: args}}
		}
	case parser.Disconnect:
		s.active.Store(false)
		s.onClose(ReasonServerDisconnect)
		s.m.maybeClose()
	}
	return nil
}

// dispatchLocked returns the call of an event's handlers, to be posted on the Manager's loop
// once s.mu (held) is released.
func (s *Socket) dispatchLocked(p *parser.Packet, name string, args parser.Args) func() {
	if s.pid != "" && args.Len() > 0 {
		var off string
		if raw := args.Raw(args.Len() - 1); len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &off) == nil {
			s.lastOffset = off
		}
	}
	hs := slices.Clone(s.handlers[name])
	anyH := slices.Clone(s.anyH)
	if len(hs) > 0 {
		kept := s.handlers[name][:0:0]
		for _, h := range s.handlers[name] {
			if !h.once {
				kept = append(kept, h)
			}
		}
		if len(kept) == 0 {
			delete(s.handlers, name)
		} else {
			s.handlers[name] = kept
		}
	}
	ev := &Event{Name: name, Socket: s, args: args}
	if p.HasID {
		id := p.ID
		var sent atomic.Bool
		ev.ack = func(vals []any) error {
			if sent.Swap(true) {
				return ErrNoAck
			}
			data, atts, err := parser.MarshalArgs(vals...)
			if err != nil {
				return err
			}
			return s.sendIfConnected(&parser.Packet{Type: parser.Ack, Nsp: s.nsp, ID: id, HasID: true, Data: data, Attachments: atts})
		}
	}
	return func() {
		for _, h := range anyH {
			s.call(h, ev)
		}
		for _, h := range hs {
			s.call(h, ev)
		}
	}
}

func (s *Socket) call(h *handler, ev *Event) {
	if err := h.f(ev); err != nil {
		s.m.opts.Logger.Warn("client: event handler failed", "nsp", s.nsp, "event", ev.Name, "err", err)
	}
}

func (s *Socket) sendIfConnected(p *parser.Packet) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connected {
		return ErrClosed
	}
	return s.m.send(p, true)
}

// onClose: the Socket is disconnected for reason (its session ended, or either side
// disconnected it).
func (s *Socket) onClose(reason string) {
	s.mu.Lock()
	s.connectSent = nil
	if !s.connected {
		s.mu.Unlock()
		return
	}
	s.connected, s.id = false, ""
	buffered := map[uint64]bool{}
	for _, q := range s.buf {
		if q.p.HasID {
			buffered[q.p.ID] = true
		}
	}
	for id, pa := range s.acks {
		if !buffered[id] {
			pa.ch <- ackResult{err: ErrDisconnected}
			delete(s.acks, id)
		}
	}
	hooks := slices.Clone(s.onDisc)
	s.mu.Unlock()
	s.m.loop.post(func() {
		for _, h := range hooks {
			h.f(reason)
		}
	})
}

func (s *Socket) onTransportError(err error) {
	if !s.active.Load() || s.Connected() {
		return
	}
	s.mu.Lock()
	hooks := slices.Clone(s.onConnErr)
	s.mu.Unlock()
	s.m.loop.post(func() {
		for _, h := range hooks {
			h.f(err)
		}
	})
}

func (s *Socket) onReconnectFailed() { s.end(ErrReconnectFailed) }

// end runs the internal hooks that wait for a connection attempt to give up, with err.
func (s *Socket) end(err error) {
	s.mu.Lock()
	hooks := slices.Clone(s.onEnd)
	s.mu.Unlock()
	for _, h := range hooks {
		h.f(err)
	}
}

func (s *Socket) closeByManager() {
	s.active.Store(false)
	s.onClose(ReasonClientDisconnect)
	s.mu.Lock()
	for id, pa := range s.acks {
		pa.ch <- ackResult{err: ErrClosed}
		delete(s.acks, id)
	}
	s.buf, s.bufBytes = nil, 0
	s.mu.Unlock()
	s.end(ErrClosed)
}

// Disconnect disconnects the Socket ("io client disconnect"); it does not reconnect until
// Connect is called again. The Manager's session ends when no Socket is left on it.
func (s *Socket) Disconnect() {
	if !s.active.Swap(false) {
		return
	}
	s.mu.Lock()
	if s.connected {
		s.m.send(&parser.Packet{Type: parser.Disconnect, Nsp: s.nsp}, true)
	}
	s.mu.Unlock()
	s.onClose(ReasonClientDisconnect)
	s.m.maybeClose()
}

// Close disconnects the Socket and removes it from its Manager (Manager.Socket and Connect
// then make a new one for the namespace). When no other Socket of the Manager is active, it
// closes the Manager, waiting for its goroutines (see Manager.Close): a Manager that Connect
// shared is then released.
func (s *Socket) Close() error {
	s.closed.Store(true)
	s.Disconnect()
	s.m.mu.Lock()
	if s.m.nsps[s.nsp] == s {
		delete(s.m.nsps, s.nsp)
	}
	idle := !s.m.anyActiveLocked()
	s.m.mu.Unlock()
	s.closeByManager() // the acks of buffered events fail with ErrClosed; the buffer goes
	if idle {
		return s.m.Close()
	}
	return nil
}

// On registers h for event name; the returned func removes it. Handlers of a Manager run one
// at a time, in the order the events arrived, on a goroutine of the Manager's.
func (s *Socket) On(name string, h func(*Event) error) (off func()) {
	return s.addHandler(name, h, false)
}

// Once is On for the next event only.
func (s *Socket) Once(name string, h func(*Event) error) (off func()) {
	return s.addHandler(name, h, true)
}

func (s *Socket) addHandler(name string, f func(*Event) error, once bool) func() {
	h := &handler{f: f, once: once}
	s.mu.Lock()
	s.handlers[name] = append(s.handlers[name], h)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		hs := slices.DeleteFunc(slices.Clone(s.handlers[name]), func(x *handler) bool { return x == h })
		if len(hs) == 0 {
			delete(s.handlers, name)
		} else {
			s.handlers[name] = hs
		}
	}
}

// Off removes every handler of event name.
func (s *Socket) Off(name string) {
	s.mu.Lock()
	delete(s.handlers, name)
	s.mu.Unlock()
}

// OnAny registers h for every event, before the event's own handlers, after the OnAny
// handlers registered earlier; the returned func removes it (the JS client's offAny(listener)).
func (s *Socket) OnAny(h func(*Event) error) (off func()) {
	return addListener(s, &s.anyH, &handler{f: h}, false)
}

// PrependAny is OnAny, but h runs before the OnAny handlers registered earlier.
func (s *Socket) PrependAny(h func(*Event) error) (off func()) {
	return addListener(s, &s.anyH, &handler{f: h}, true)
}

// OffAny removes every OnAny and PrependAny handler (the JS client's offAny()).
func (s *Socket) OffAny() {
	s.mu.Lock()
	s.anyH = nil
	s.mu.Unlock()
}

// OnAnyOutgoing registers f for every event the Socket sends, called with the event's name and
// arguments: on the emitting goroutine when the event is sent at once, on the Manager's event
// goroutine for an event of the send buffer once it is sent on connection (as the JS client,
// which does not report buffered or dropped events until then). The returned func removes f.
func (s *Socket) OnAnyOutgoing(f func(name string, args []any)) (off func()) {
	return addListener(s, &s.anyOut, &outHook{f: f}, false)
}

// PrependAnyOutgoing is OnAnyOutgoing, but f runs before the listeners registered earlier.
func (s *Socket) PrependAnyOutgoing(f func(name string, args []any)) (off func()) {
	return addListener(s, &s.anyOut, &outHook{f: f}, true)
}

// OffAnyOutgoing removes every OnAnyOutgoing and PrependAnyOutgoing listener (the JS client's
// offAnyOutgoing()).
func (s *Socket) OffAnyOutgoing() {
	s.mu.Lock()
	s.anyOut = nil
	s.mu.Unlock()
}

// RemoveAllListeners removes every listener registered on the Socket: the handlers of On, Once,
// OnAny and PrependAny, the outgoing listeners, and the OnConnect, OnConnectError and
// OnDisconnect listeners (the JS client's off() / removeAllListeners()). The Manager's listeners
// are not the Socket's and stay.
func (s *Socket) RemoveAllListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.handlers)
	s.anyH, s.anyOut = nil, nil
	s.onConnect = keepInternal(s.onConnect)
	s.onConnErr = keepInternal(s.onConnErr)
	s.onDisc = keepInternal(s.onDisc)
}

func keepInternal[F any](list []*hook[F]) []*hook[F] {
	return slices.DeleteFunc(slices.Clone(list), func(h *hook[F]) bool { return !h.internal })
}

// addListener adds x to *list (at its front with prepend); the returned func removes it. The
// list is copied on change: dispatch iterates a snapshot.
func addListener[T any](s *Socket, list *[]*T, x *T, prepend bool) func() {
	s.mu.Lock()
	if prepend {
		*list = append([]*T{x}, *list...)
	} else {
		*list = append(slices.Clip(*list), x)
	}
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		*list = slices.DeleteFunc(slices.Clone(*list), func(y *T) bool { return y == x })
		s.mu.Unlock()
	}
}

func addHook[F any](s *Socket, list *[]*hook[F], f F) func() {
	return addListener(s, list, &hook[F]{f: f}, false)
}

// addInternalHook is addHook for the package's own listeners, which RemoveAllListeners keeps.
func addInternalHook[F any](s *Socket, list *[]*hook[F], f F) func() {
	return addListener(s, list, &hook[F]{f: f, internal: true}, false)
}

// OnConnect registers f for each connection of the Socket (the "connect" event).
func (s *Socket) OnConnect(f func()) (off func()) { return addHook(s, &s.onConnect, f) }

// OnConnectError registers f for each failed connection (the "connect_error" event): a
// *ConnectError from the server, or the transport's error.
func (s *Socket) OnConnectError(f func(error)) (off func()) { return addHook(s, &s.onConnErr, f) }

// OnDisconnect registers f for each disconnection, with its reason (Reason… constants).
func (s *Socket) OnDisconnect(f func(reason string)) (off func()) { return addHook(s, &s.onDisc, f) }

// onEndHook registers f, internal, for when a connection attempt gives up without a
// connect_error from the server: ErrReconnectFailed, ErrClosed.
func (s *Socket) onEndHook(f func(error)) func() { return addInternalHook(s, &s.onEnd, f) }

// Emit sends an event ([]byte values, at any depth, travel as binary attachments). While the
// Socket is disconnected the event is kept in its send buffer and sent on connection, as the JS
// client does; the buffer is bounded (Options.MaxBufferedPackets, Options.MaxBufferedBytes): past
// either bound the event is not kept and Emit returns an error wrapping ErrQueueFull. It fails
// the same way when the session cannot queue more (10,000 packets or 64 MiB wait to be written).
func (s *Socket) Emit(name string, args ...any) error { return Emitter{s: s}.Emit(name, args...) }

// Send emits a "message" event (the JS client's send).
func (s *Socket) Send(args ...any) error { return s.Emit("message", args...) }

// EmitWithAck sends an event and waits for the server's acknowledgement, until ctx ends (or
// Options.AckTimeout when ctx has no deadline).
func (s *Socket) EmitWithAck(ctx context.Context, name string, args ...any) (Ack, error) {
	return Emitter{s: s}.EmitWithAck(ctx, name, args...)
}

// Volatile returns an Emitter whose events are dropped when they cannot be sent now.
func (s *Socket) Volatile() Emitter { return Emitter{s: s, volatile: true} }

// Timeout returns an Emitter whose EmitWithAck fails with ErrTimeout after d.
func (s *Socket) Timeout(d time.Duration) Emitter { return Emitter{s: s, timeout: d} }

// Compress returns an Emitter whose events are sent with per-message compression when compress
// is true, the default, or never compressed when false (the JS client's socket.compress(false)):
// it applies to WebSocket messages of at least Options.CompressionThreshold bytes, when the
// server accepted the permessage-deflate extension.
func (s *Socket) Compress(compress bool) Emitter { return Emitter{s: s, noCompress: !compress} }

// Emitter is a Socket with emit flags (Volatile, Timeout, Compress); each modifier returns a
// copy.
type Emitter struct {
	s          *Socket
	volatile   bool
	noCompress bool
	timeout    time.Duration
}

// Compress returns a copy of e with the compress flag set (see Socket.Compress).
func (e Emitter) Compress(compress bool) Emitter { e.noCompress = !compress; return e }

// Volatile returns a copy of e whose events are dropped when they cannot be sent now.
func (e Emitter) Volatile() Emitter { e.volatile = true; return e }

// Timeout returns a copy of e whose EmitWithAck fails with ErrTimeout after d.
func (e Emitter) Timeout(d time.Duration) Emitter { e.timeout = d; return e }

// Emit sends an event (see Socket.Emit).
func (e Emitter) Emit(name string, args ...any) error {
	_, err := e.emit(name, args, false)
	return err
}

// EmitWithAck sends an event and waits for its acknowledgement (see Socket.EmitWithAck).
func (e Emitter) EmitWithAck(ctx context.Context, name string, args ...any) (Ack, error) {
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	} else if _, ok := ctx.Deadline(); !ok && e.s.m.opts.AckTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.s.m.opts.AckTimeout)
		defer cancel()
	}
	pa, err := e.emit(name, args, true)
	if err != nil {
		return Ack{}, err
	}
	select {
	case r := <-pa.ch:
		return r.ack, r.err
	case <-ctx.Done():
		e.s.mu.Lock()
		for id, x := range e.s.acks {
			if x == pa {
				delete(e.s.acks, id)
			}
		}
		e.s.mu.Unlock()
		if ctx.Err() == context.DeadlineExceeded {
			return Ack{}, ErrTimeout
		}
		return Ack{}, ctx.Err()
	}
}

func (e Emitter) emit(name string, args []any, withAck bool) (*pendingAck, error) {
	s := e.s
	if parser.IsReservedEvent(name) {
		return nil, fmt.Errorf("client: %q is a reserved event name", name)
	}
	data, atts, err := parser.MarshalEvent(name, args...)
	if err != nil {
		return nil, fmt.Errorf("client: emit %q: %w", name, err)
	}
	p := &parser.Packet{Type: parser.Event, Nsp: s.nsp, Data: data, Attachments: atts}
	compress := !e.noCompress
	var pa *pendingAck
	s.mu.Lock()
	if s.closed.Load() || s.m.isClosed() {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	if withAck {
		pa = &pendingAck{ch: make(chan ackResult, 1)}
		p.ID, p.HasID = s.nextAck, true
		s.nextAck++
	}
	sent, buffer := false, !s.connected
	if s.connected {
		switch err = s.m.send(p, compress); {
		case err == nil:
			sent = true
		case e.volatile && errors.Is(err, ErrQueueFull):
			err = nil // dropped, as a volatile event the transport cannot take now
		case errors.Is(err, ErrClosed) && !s.m.isClosed():
			// The session ended and the Socket does not know it yet: buffer it, as an event
			// emitted a moment later would be.
			err, buffer = nil, true
		}
	}
	if buffer && !e.volatile {
		size := packetSize(p)
		if len(s.buf) >= s.m.opts.MaxBufferedPackets || s.bufBytes+size > s.m.opts.MaxBufferedBytes {
			err = fmt.Errorf("client: emit %q while disconnected: the send buffer holds %d packets, %d bytes (MaxBufferedPackets %d, MaxBufferedBytes %d): %w",
				name, len(s.buf), s.bufBytes, s.m.opts.MaxBufferedPackets, s.m.opts.MaxBufferedBytes, ErrQueueFull)
		} else {
			s.buf = append(s.buf, &outgoing{p: p, name: name, args: args, size: size, compress: compress})
			s.bufBytes += size
		}
	}
	if err == nil && withAck {
		s.acks[p.ID] = pa
	}
	var out []*outHook
	if sent {
		out = slices.Clone(s.anyOut)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	for _, h := range out {
		h.f(name, args)
	}
	return pa, nil
}

func (m *Manager) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}
