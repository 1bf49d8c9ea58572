package engineio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Handler is how the layer above (Socket.IO) learns of sessions.
type Handler interface {
	// Open is called once per new session, before its handshake response is written and before
	// any message; it returns the receiver for that session's messages (nil drops them). Packets
	// sent from Open follow the open packet.
	Open(c *Conn) ConnHandler
}

// ConnHandler receives one session's messages. Calls for one Conn never overlap and come in
// arrival order (on the WebSocket read goroutine or the polling POST request goroutine). data is
// owned by the callee.
type ConnHandler interface {
	// OnMessage is called for each message packet received.
	OnMessage(data []byte, binary bool)
	// OnClose is called exactly once, after the last OnMessage, with one of the Reason* constants
	// and the error that caused the close, if any.
	OnClose(reason string, err error)
}

// connState is where a session is in its life. It changes only through Conn.setState, and only
// along these transitions:
//
//	handshake ──► open ◄──► upgrading          (a WebSocket probe answered "3probe")
//	    │          │            │
//	    ├──────────┴────────────┴──► closing   (Close: the queue is flushed first)
//	    └──────────┴────────────┴──► closed    (from every other state)
//
// The ways a session ends (closeWith): the client's close packet or a closed transport, a
// transport or parse error, a ping timeout (also while closing), a full queue, a panicking
// handler, the end of a graceful close (flushed, or timed out), and Server.Close.
type connState uint8

const (
	stateHandshake connState = iota // Server.open runs: packets are queued, nothing is written
	stateOpen
	stateUpgrading // probed WebSocket answered: polling GETs are answered at once (noop)
	stateClosing   // Close called: flushing the queue, then closing
	stateClosed
)

var connStateNames = [...]string{"handshake", "open", "upgrading", "closing", "closed"}

func (s connState) String() string { return connStateNames[s] }

// live reports whether the session takes packets both ways.
func (s connState) live() bool { return s <= stateUpgrading }

// writes reports whether queued packets are written.
func (s connState) writes() bool { return s == stateOpen || s == stateUpgrading }

// canGo reports whether a session may go from s to next.
func (s connState) canGo(next connState) bool {
	switch next {
	case stateOpen:
		return s == stateHandshake || s == stateUpgrading
	case stateUpgrading:
		return s == stateOpen
	case stateClosing:
		return s.live()
	case stateClosed:
		return s != stateClosed
	}
	return false
}

// setState moves c to next (c.mu held). Every change of state goes through it.
func (c *Conn) setState(next connState) {
	if !c.state.canGo(next) {
		c.srv.log.LogAttrs(bg, slog.LevelError, "engineio: bug: impossible session state change",
			sidAttr(c.id), slog.String("from", c.state.String()), slog.String("to", next.String()))
		return
	}
	c.state = next
}

// maxRetainedQueue is the largest queue capacity kept for reuse once drained; a larger one is
// released so that a burst does not pin memory on an idle session.
const maxRetainedQueue = 64

// Conn is one Engine.IO session. Its methods are safe for concurrent use.
type Conn struct {
	srv *Server
	id  string
	req *http.Request

	deliverMu sync.Mutex // serialises calls into handler

	mu            sync.Mutex
	handler       ConnHandler // set once Handler.Open has returned
	state         connState
	isWS          bool // current transport is WebSocket
	delivering    bool // a goroutine is inside handler.OnMessage
	closeNotified bool // OnClose was (or is being) called
	postActive    bool // a polling POST is being read
	owesNoop      bool // closed by the client's "1" with no GET pending: a racing GET gets "6"
	awaitingPong  bool
	opening       bool   // Server.open has not registered the session yet: nothing is written
	closeReason   string // reason to close with once a graceful close has flushed
	reason        string // final close reason
	err           error  // final close error
	queue         []*Message
	queueBytes    int
	backlog       int // packets of queue sent with SendBacklog: not counted against the limits
	backlogBytes  int
	spare         []*Message // drained polling queue kept for reuse
	poll          *pollWait  // the pending polling GET, if any
	ws            *wsTransport
	probe         *wsTransport // WebSocket being probed for an upgrade
	hb            *time.Timer  // heartbeat: ping interval, then pong timeout
	hbDue         time.Time
	closeTimer    *time.Timer // bounds a graceful close
	closedCh      chan struct{}
	lis           *listeners
	queued        uint64        // packets ever queued
	written       uint64        // packets ever written to a transport
	flushWaiters  []flushWaiter // OnFlushed callbacks
}

// flushWaiter is an OnFlushed callback, waiting for the first n packets to be written.
type flushWaiter struct {
	n uint64
	f func()
}

// listeners are the callbacks registered with the On* methods; allocated on first use.
type listeners struct {
	upgrade      []func(string)
	packet       []func(Packet)
	packetCreate []func(Packet)
	drain        []func()
	heartbeat    []func()
	close        []func(string, error)
}

func newConn(s *Server, id string, r *http.Request, ws bool) *Conn {
	// Keep the request's context values but not its cancellation nor its body.
	req := r.WithContext(context.WithoutCancel(r.Context()))
	req.Body = http.NoBody
	req.GetBody = nil
	// net/http moves the Host header out of Header; it is put back, as Node has it.
	if req.Host != "" && req.Header != nil && req.Header.Get("Host") == "" {
		req.Header.Set("Host", req.Host)
	}
	return &Conn{srv: s, id: id, req: req, isWS: ws} // (in stateHandshake)
}

// takeOwedNoop reports (once) whether c is closed and owes a noop to a racing GET.
func (c *Conn) takeOwedNoop() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	owed := c.state == stateClosed && c.owesNoop
	c.owesNoop = false
	return owed
}

func (c *Conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == stateClosed
}

// ID returns the Engine.IO session id.
func (c *Conn) ID() string { return c.id }

// Request returns the handshake request (headers, URL, RemoteAddr, TLS, context values). Its body
// must not be read, and its context is never cancelled. Its Header holds the Host header too (as
// Node's request headers do), and must not be modified.
func (c *Conn) Request() *http.Request { return c.req }

// Protocol returns the Engine.IO protocol revision, 4.
func (c *Conn) Protocol() int { return 4 }

// Transport returns the current transport: "polling" or "websocket".
func (c *Conn) Transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isWS {
		return TransportWebSocket
	}
	return TransportPolling
}

// ReadyState returns the state of the session as Node's socket.readyState names it: "opening"
// (while the Handler's Open runs), "open", "closing" (Close was called: the queued packets are
// being flushed) or "closed".
func (c *Conn) ReadyState() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case stateHandshake:
		return "opening"
	case stateOpen, stateUpgrading:
		return "open"
	case stateClosing:
		return "closing"
	}
	return "closed"
}

// Closed returns a channel closed once the session is closed.
func (c *Conn) Closed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closedCh == nil {
		if c.state == stateClosed {
			return closedChan
		}
		c.closedCh = make(chan struct{})
	}
	return c.closedCh
}

// bg is the context of log calls that have none.
var bg = context.Background()

var closedChan = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()

// Send queues msgs, atomically and in order, and returns without waiting for the network. It
// returns ErrClosed if the session is closing or closed. If the queue would exceed
// Options.MaxQueuedPackets or MaxQueuedBytes, nothing is queued, the session is closed with
// ReasonTransportError and the returned error wraps ErrQueueFull.
func (c *Conn) Send(msgs ...*Message) error { return c.send(msgs, false) }

// SendBacklog queues msgs like Send, but they do not count against Options.MaxQueuedPackets
// and MaxQueuedBytes, neither now nor for the packets sent after them until they have been
// handed to the transport: for a backlog the caller already holds in memory and has bounded
// itself (the packets a recovered Socket.IO session missed, which may be more than the
// queue's limits allow at once). It fails only when the session is closed.
func (c *Conn) SendBacklog(msgs ...*Message) error { return c.send(msgs, true) }

func (c *Conn) send(msgs []*Message, backlog bool) error {
	if len(msgs) == 0 {
		return nil
	}
	for _, m := range msgs {
		if m == nil {
			return errors.New("engineio: send: nil message")
		}
	}
	c.mu.Lock()
	if !c.state.live() {
		c.mu.Unlock()
		return ErrClosed
	}
	if backlog {
		c.backlog += len(msgs)
		for _, m := range msgs {
			c.backlogBytes += m.size()
		}
	}
	if err := c.enqueueLocked(msgs); err != nil {
		c.mu.Unlock()
		c.closeWith(ReasonTransportError, err, PacketClose)
		return err
	}
	var lis []func(Packet)
	if c.lis != nil {
		lis = c.lis.packetCreate
	}
	c.mu.Unlock()
	for _, f := range lis {
		for _, m := range msgs {
			c.safe("packetCreate listener", func() { f(m.packet()) })
		}
	}
	return nil
}

// SendVolatile queues msgs only if the transport can write them right away (WebSocket: the writer
// is idle and nothing is queued; polling: a GET is waiting and nothing is queued). Otherwise, or if
// they would not fit in the queue, it drops them and returns false. It never closes the session.
func (c *Conn) SendVolatile(msgs ...*Message) bool {
	for _, m := range msgs {
		if m == nil {
			return false
		}
	}
	c.mu.Lock()
	if !c.writableLocked() {
		c.mu.Unlock()
		return false
	}
	if len(msgs) == 0 {
		c.mu.Unlock()
		return true
	}
	if err := c.enqueueLocked(msgs); err != nil {
		c.mu.Unlock()
		return false
	}
	var lis []func(Packet)
	if c.lis != nil {
		lis = c.lis.packetCreate
	}
	c.mu.Unlock()
	for _, f := range lis {
		for _, m := range msgs {
			c.safe("packetCreate listener", func() { f(m.packet()) })
		}
	}
	return true
}

// Writable reports whether the transport can write right away (Node's transport.writable with an
// empty buffer): see SendVolatile.
func (c *Conn) Writable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writableLocked()
}

func (c *Conn) writableLocked() bool {
	if !c.state.writes() || len(c.queue) > 0 {
		return false
	}
	if c.isWS {
		return c.ws != nil && !c.ws.writing
	}
	return c.poll != nil
}

// enqueueLocked appends msgs to the queue and wakes the transport, or returns an error wrapping
// ErrQueueFull (queueing nothing) when they do not fit.
func (c *Conn) enqueueLocked(msgs []*Message) error {
	n := len(c.queue) - c.backlog + len(msgs)
	b := c.queueBytes
	for _, m := range msgs {
		b += m.size()
	}
	o := &c.srv.opts
	if n > o.MaxQueuedPackets || b-c.backlogBytes > o.MaxQueuedBytes {
		return fmt.Errorf("engineio: session %s: %d packets / %d bytes would be queued (limits %d / %d): %w",
			c.id, n, b-c.backlogBytes, o.MaxQueuedPackets, o.MaxQueuedBytes, ErrQueueFull)
	}
	c.queue = append(c.queue, msgs...)
	c.queued += uint64(len(msgs))
	c.queueBytes = b
	c.wakeLocked()
	return nil
}

// enqueueOneLocked is enqueueLocked for a single packet without allocating.
func (c *Conn) enqueueOneLocked(m *Message) error {
	one := [1]*Message{m}
	return c.enqueueLocked(one[:])
}

// wakeLocked tells the transport that owns the queue that there is work.
func (c *Conn) wakeLocked() {
	if c.state == stateHandshake {
		return // Server.open wakes the transport once the session can be found
	}
	if c.isWS {
		if c.ws != nil {
			c.ws.signal()
		}
	} else if c.poll != nil {
		c.poll.signal()
	}
}

// Close flushes the queued packets, then closes the session with ReasonForcedClose. It returns at
// once; the flush is bounded (by min(30s, PingInterval+PingTimeout)), after which the session is
// closed anyway. Packets sent after Close are refused with ErrClosed.
func (c *Conn) Close() { c.closeGraceful(ReasonForcedClose, false) }

// CloseWithReason is Close with the given reason passed to OnClose.
func (c *Conn) CloseWithReason(reason string) { c.closeGraceful(reason, false) }

// closeGraceful flushes the queue, then closes. With discard (server shutdown, Node's
// close(discard)), a polling session with nothing queued and no GET waiting is closed at once
// instead of waiting for the client's next GET to carry the close packet.
func (c *Conn) closeGraceful(reason string, discard bool) {
	c.mu.Lock()
	if !c.state.live() {
		c.mu.Unlock()
		return
	}
	if discard && !c.isWS && c.poll == nil && len(c.queue) == 0 {
		c.mu.Unlock()
		c.closeWith(reason, nil, PacketClose)
		return
	}
	c.setState(stateClosing)
	c.closeReason = reason
	// The heartbeat goes on (without pings, as in Node): a client that is gone is let go by
	// its ping timeout, whatever the close is waiting for.
	c.closeTimer = time.AfterFunc(c.srv.closeTimeout, func() {
		c.closeWith(reason, errors.New("engineio: close: queued packets not flushed in time"), PacketClose)
	})
	c.wakeLocked()
	c.mu.Unlock()
}

// closeWith closes the session now, dropping queued packets. A pending polling GET is answered
// with the release packet (PacketClose, or PacketNoop when the client asked to close).
func (c *Conn) closeWith(reason string, cause error, release PacketType) {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return
	}
	if c.state == stateClosing && (reason == ReasonTransportClose || reason == ReasonTransportError || reason == ReasonPingTimeout) {
		// The server had started closing (Close, CloseWithReason) and the client went away
		// (or stopped answering) before the flush ended: the close keeps the reason the server
		// gave.
		if reason == ReasonPingTimeout && cause == nil {
			cause = errors.New("engineio: close: ping timeout before the queued packets were flushed")
		}
		reason = c.closeReason
	}
	c.setState(stateClosed)
	c.reason, c.err = reason, cause
	if c.closedCh != nil {
		close(c.closedCh)
	}
	if c.hb != nil {
		c.hb.Stop()
	}
	if c.closeTimer != nil {
		c.closeTimer.Stop()
	}
	clear(c.queue)
	c.queue, c.spare, c.queueBytes = nil, nil, 0
	waiters := c.flushWaiters
	c.flushWaiters = nil
	if p := c.poll; p != nil {
		p.release = release
		p.signal()
	} else if release == PacketNoop && !c.isWS {
		c.owesNoop = true
	}
	owesNoop := c.owesNoop
	var busy [2]*wsTransport
	for i, t := range [2]*wsTransport{c.ws, c.probe} {
		if t != nil && !t.dead && t.kill() {
			busy[i] = t
		}
	}
	c.probe = nil
	notify := !c.delivering
	var lis []func(string, error)
	h := c.handler
	if notify {
		c.closeNotified = true
		if c.lis != nil {
			lis = c.lis.close
		}
	}
	c.mu.Unlock()

	c.srv.remove(c, owesNoop)
	for _, w := range waiters {
		c.safe("OnFlushed callback", w.f)
	}
	for _, t := range busy {
		if t != nil {
			t.unblock()
		}
	}
	level := slog.LevelDebug
	if reason == ReasonParseError || (reason == ReasonTransportError && cause != nil) {
		level = slog.LevelWarn
	}
	if c.srv.log.Enabled(bg, level) {
		attrs := []slog.Attr{slog.String("sid", c.id), slog.String("reason", reason)}
		if cause != nil {
			attrs = append(attrs, slog.Any("err", cause))
		}
		c.srv.log.LogAttrs(bg, level, "engineio: session closed", attrs...)
	}
	if notify {
		c.notifyClose(h, reason, cause, lis)
	}
}

// notifyClose calls OnClose on h (the handler when the close was decided, nil if Handler.Open
// had not returned yet: open then delivers it) and on the listeners.
func (c *Conn) notifyClose(h ConnHandler, reason string, cause error, lis []func(string, error)) {
	if h != nil {
		c.safe("OnClose", func() { h.OnClose(reason, cause) })
	}
	for _, f := range lis {
		c.safe("close listener", func() { f(reason, cause) })
	}
}

// safe runs user code, turning a panic into an error log and a close of the session.
func (c *Conn) safe(what string, f func()) {
	defer func() {
		if v := recover(); v != nil {
			err := fmt.Errorf("engineio: %s panicked: %v", what, v)
			c.srv.log.LogAttrs(bg, slog.LevelError, "engineio: handler panic", slog.String("sid", c.id), slog.Any("err", err))
			c.closeWith(ReasonTransportError, err, PacketClose)
		}
	}()
	f()
}

// deliver hands one message to the handler unless the session is no longer open.
func (c *Conn) deliver(data []byte, binary bool) {
	c.deliverMu.Lock()
	defer c.deliverMu.Unlock()
	c.mu.Lock()
	if !c.state.live() {
		c.mu.Unlock()
		return
	}
	c.delivering = true
	h := c.handler
	c.mu.Unlock()
	if h != nil {
		c.safe("OnMessage", func() { h.OnMessage(data, binary) })
	}
	c.mu.Lock()
	c.delivering = false
	pending := c.state == stateClosed && !c.closeNotified
	var lis []func(string, error)
	if pending {
		c.closeNotified = true
		if c.lis != nil {
			lis = c.lis.close
		}
	}
	reason, cause := c.reason, c.err
	c.mu.Unlock()
	if pending {
		c.notifyClose(h, reason, cause, lis)
	}
}

// onPacket handles one packet received on the current transport. It returns false when the
// transport should stop reading.
func (c *Conn) onPacket(p Packet) bool {
	c.mu.Lock()
	if !c.state.live() {
		closed := c.state == stateClosed
		c.mu.Unlock()
		return !closed
	}
	var lis []func(Packet)
	if c.lis != nil {
		lis = c.lis.packet
	}
	c.mu.Unlock()
	for _, f := range lis {
		c.safe("packet listener", func() { f(p) })
	}
	switch p.Type {
	case PacketMessage:
		c.deliver(p.Data, p.Binary)
	case PacketPong:
		c.onPong()
	case PacketPing:
		c.closeWith(ReasonTransportError, errors.New("engineio: invalid heartbeat direction (ping from client)"), PacketClose)
		return false
	case PacketClose:
		c.closeWith(ReasonTransportClose, nil, PacketNoop)
		return false
	}
	return true
}

// startHeartbeat arms the first ping.
func (c *Conn) startHeartbeat() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.state.live() {
		return
	}
	d := c.srv.opts.PingInterval
	c.hbDue = time.Now().Add(d)
	c.hb = time.AfterFunc(d, c.onHeartbeatTimer)
}

// onHeartbeatTimer sends a ping, or closes the session when the previous one got no pong.
func (c *Conn) onHeartbeatTimer() {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return
	}
	now := time.Now()
	if now.Before(c.hbDue) { // a stale run: the timer was reset meanwhile
		c.mu.Unlock()
		return
	}
	if c.awaitingPong {
		c.mu.Unlock()
		c.closeWith(ReasonPingTimeout, nil, PacketClose)
		return
	}
	c.awaitingPong = true
	// The pong deadline follows the ping's scheduled time, not the timer's (late) run, so
	// timer latency does not add up.
	c.hbDue = c.hbDue.Add(c.srv.opts.PingTimeout)
	c.hb.Reset(max(0, c.hbDue.Sub(now)))
	if c.state == stateClosing { // no ping while closing; the pong deadline stands
		c.mu.Unlock()
		return
	}
	var lis []func(Packet)
	if c.lis != nil {
		lis = c.lis.packetCreate
	}
	c.mu.Unlock()
	// packetCreate listeners hear of the ping before it is queued, as in Node, so they never
	// learn of it after the client has already answered.
	for _, f := range lis {
		c.safe("packetCreate listener", func() { f(pingMsg.packet()) })
	}
	c.mu.Lock()
	if !c.state.live() {
		c.mu.Unlock()
		return
	}
	err := c.enqueueOneLocked(pingMsg)
	c.mu.Unlock()
	if err != nil {
		c.closeWith(ReasonTransportError, err, PacketClose)
	}
}

// pingExpired closes c with ReasonPingTimeout if its pong deadline has passed (its timer may
// not have run yet), and reports whether it did. Requests of the session check it first, so
// that the deadline holds to the millisecond whatever the timer latency.
func (c *Conn) pingExpired() bool {
	c.mu.Lock()
	expired := c.state != stateClosed && c.awaitingPong && !time.Now().Before(c.hbDue)
	c.mu.Unlock()
	if expired {
		c.closeWith(ReasonPingTimeout, nil, PacketClose)
	}
	return expired
}

func (c *Conn) onPong() {
	c.mu.Lock()
	if !c.state.live() {
		c.mu.Unlock()
		return
	}
	c.awaitingPong = false
	d := c.srv.opts.PingInterval
	c.hbDue = time.Now().Add(d)
	if c.hb != nil {
		c.hb.Reset(d)
	}
	var lis []func()
	if c.lis != nil {
		lis = c.lis.heartbeat
	}
	c.mu.Unlock()
	for _, f := range lis {
		c.safe("heartbeat listener", f)
	}
}

// OnFlushed calls f once every packet queued before the call has been written to the
// transport (as Node's "drain" that follows those writes), or once the session is closed,
// whichever comes first; at once if that is already so. f runs on the goroutine that wrote (or
// closed) and may send.
func (c *Conn) OnFlushed(f func()) {
	c.mu.Lock()
	if c.state == stateClosed || c.written >= c.queued {
		c.mu.Unlock()
		c.safe("OnFlushed callback", f)
		return
	}
	c.flushWaiters = append(c.flushWaiters, flushWaiter{c.queued, f})
	c.mu.Unlock()
}

// wrote records that n queued packets have been written, and runs the OnFlushed callbacks
// whose packets all are.
func (c *Conn) wrote(n int) {
	c.mu.Lock()
	c.written += uint64(n)
	var ready []func()
	if len(c.flushWaiters) > 0 {
		rest := c.flushWaiters[:0]
		for _, w := range c.flushWaiters {
			if w.n <= c.written {
				ready = append(ready, w.f)
			} else {
				rest = append(rest, w)
			}
		}
		clear(c.flushWaiters[len(rest):])
		c.flushWaiters = rest
		if len(rest) == 0 {
			c.flushWaiters = nil
		}
	}
	c.mu.Unlock()
	for _, f := range ready {
		c.safe("OnFlushed callback", f)
	}
}

func (c *Conn) emitDrain() {
	c.mu.Lock()
	var lis []func()
	if c.lis != nil {
		lis = c.lis.drain
	}
	c.mu.Unlock()
	for _, f := range lis {
		c.safe("drain listener", f)
	}
}

func (c *Conn) addListener(f func(l *listeners)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lis == nil {
		c.lis = &listeners{}
	}
	f(c.lis)
}

// OnUpgrade registers f to be called with the new transport name when the session upgrades
// (Node's "upgrade" event).
func (c *Conn) OnUpgrade(f func(transport string)) {
	c.addListener(func(l *listeners) { l.upgrade = append(l.upgrade, f) })
}

// OnPacket registers f to be called with every packet received while the session is open
// (Node's "packet" event). f must not modify the packet's Data.
func (c *Conn) OnPacket(f func(Packet)) {
	c.addListener(func(l *listeners) { l.packet = append(l.packet, f) })
}

// OnPacketCreate registers f to be called with every packet queued for sending (Node's
// "packetCreate" event). f must not modify the packet's Data.
func (c *Conn) OnPacketCreate(f func(Packet)) {
	c.addListener(func(l *listeners) { l.packetCreate = append(l.packetCreate, f) })
}

// OnDrain registers f to be called each time queued packets have been written to the transport
// (Node's "drain" event).
func (c *Conn) OnDrain(f func()) {
	c.addListener(func(l *listeners) { l.drain = append(l.drain, f) })
}

// OnHeartbeat registers f to be called when a pong is received (Node's "heartbeat" event).
func (c *Conn) OnHeartbeat(f func()) {
	c.addListener(func(l *listeners) { l.heartbeat = append(l.heartbeat, f) })
}

// OnClose registers f to be called once when the session closes, after the ConnHandler's OnClose
// (Node's "close" event). If the session has already closed, f is called at once.
func (c *Conn) OnClose(f func(reason string, err error)) {
	c.mu.Lock()
	if c.closeNotified {
		reason, cause := c.reason, c.err
		c.mu.Unlock()
		c.safe("close listener", func() { f(reason, cause) })
		return
	}
	if c.lis == nil {
		c.lis = &listeners{}
	}
	c.lis.close = append(c.lis.close, f)
	c.mu.Unlock()
}
