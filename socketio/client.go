package socketio

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/engineio"
	"github.com/gosockio/gosockio/socketio/parser"
)

// client is one Engine.IO connection and the sockets (one per namespace) multiplexed over it.
// Packets are decoded on the connection's reader; acknowledgements are handled there at once,
// and everything else runs on the dispatcher of the packet's namespace: in order within a
// namespace, and without waiting for another namespace's handlers (as in Node, where a
// namespace's listeners never hold up another's).
type client struct {
	srv   *Server
	conn  *engineio.Conn
	dec   parser.Decoder
	timer *time.Timer

	mu   sync.Mutex
	nsps map[string]*nspConn // by namespace name: joined, or with packets being handled
}

// nspConn is the client's side of one namespace: its socket once the CONNECT has succeeded, and
// the dispatcher that handles the namespace's packets (CONNECT, events, DISCONNECT) and its
// disconnection, one at a time in arrival order. It stays in client.nsps while it has a socket
// or work; the dispatcher removes it when it goes idle without a socket.
type nspConn struct {
	name string
	sock *Socket // guarded by client.mu
	exec serial
}

func newClient(s *Server, c *engineio.Conn) *client {
	cl := &client{
		srv:  s,
		conn: c,
		dec:  parser.Decoder{MaxAttachments: s.opts.MaxAttachments},
		nsps: make(map[string]*nspConn),
	}
	if s.opts.ConnectTimeout > 0 {
		cl.timer = time.AfterFunc(s.opts.ConnectTimeout, cl.onConnectTimeout)
	}
	s.instrumentConn(c)
	return cl
}

// OnMessage receives one Engine.IO message (engineio.ConnHandler).
func (c *client) OnMessage(data []byte, binary bool) {
	c.srv.countIn(data)
	p, err := c.dec.Decode(data, binary)
	if err != nil {
		c.srv.log.Debug("socketio: invalid packet", "sid", c.conn.ID(), "err", err)
		c.conn.CloseWithReason(engineio.ReasonParseError)
		return
	}
	if p == nil { // waiting for attachments
		return
	}
	switch p.Type {
	case parser.Ack, parser.BinaryAck:
		if s := c.socket(p.Nsp); s != nil {
			s.onAck(p)
		}
	case parser.Connect:
		c.push(p.Nsp, func(n *nspConn) { c.connect(n, p) })
	case parser.Event, parser.BinaryEvent, parser.Disconnect:
		c.push(p.Nsp, func(n *nspConn) {
			s := c.socketOf(n)
			if s == nil {
				// A packet for a namespace the client has not joined: the client is confused.
				c.srv.log.Debug("socketio: packet for a namespace not joined", "sid", c.conn.ID(), "nsp", p.Nsp)
				c.conn.Close()
				return
			}
			if p.Type == parser.Disconnect {
				s.onClose(ReasonClientNamespaceDisconnect)
				return
			}
			s.onEvent(p)
		})
	default: // CONNECT_ERROR never comes from a client
		c.conn.CloseWithReason(engineio.ReasonParseError)
	}
}

// OnClose is told that the connection has closed (engineio.ConnHandler).
func (c *client) OnClose(reason string, _ error) {
	c.srv.instrumentConnClose(c.conn, reason)
	c.mu.Lock()
	if c.timer != nil {
		c.timer.Stop()
	}
	// Each socket disconnects on its own dispatcher, after the packets it has received (a
	// CONNECT still being handled included).
	for _, n := range c.nsps {
		if n.sock != nil {
			n.sock.closeDone() // wake anything waiting on the socket now
		}
		c.enqueue(n, func(n *nspConn) {
			if s := c.socketOf(n); s != nil {
				s.onClose(reason)
			}
		})
	}
	c.mu.Unlock()
}

func (c *client) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.nsps[nsp]; n != nil {
		return n.sock
	}
	return nil
}

func (c *client) socketOf(n *nspConn) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return n.sock
}

func (c *client) allSockets() []*Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Socket, 0, len(c.nsps))
	for _, n := range c.nsps {
		if n.sock != nil {
			out = append(out, n.sock)
		}
	}
	return out
}

func (c *client) remove(s *Socket) {
	c.mu.Lock()
	n := s.slot
	if n.sock == s {
		n.sock = nil
		n.exec.mu.Lock()
		if !n.exec.running && c.nsps[n.name] == n { // (else its dispatcher removes it when idle)
			delete(c.nsps, n.name)
		}
		n.exec.mu.Unlock()
	}
	c.mu.Unlock()
}

func (c *client) onConnectTimeout() {
	if len(c.allSockets()) == 0 {
		c.conn.CloseWithReason(ReasonForcedServerClose)
	}
}

// connect handles a CONNECT packet on the dispatcher of slot, its namespace: namespace lookup,
// middlewares, then the socket joins.
func (c *client) connect(slot *nspConn, p *parser.Packet) {
	if c.conn.ReadyState() == "closed" {
		return
	}
	var auth map[string]any
	if len(p.Data) > 0 {
		if err := json.Unmarshal(p.Data, &auth); err != nil {
			c.conn.CloseWithReason(engineio.ReasonParseError)
			return
		}
	}
	n := c.srv.lookup(p.Nsp, auth)
	if n == nil {
		c.connectError(p.Nsp, &ConnectError{Message: "Invalid namespace"})
		return
	}
	if c.socketOf(slot) != nil {
		c.srv.log.Debug("socketio: namespace already joined", "sid", c.conn.ID(), "nsp", n.name)
		return
	}
	rc := c.srv.opts.ConnectionStateRecovery
	var s *Socket
	if rc != nil {
		s = c.restore(n, slot, auth)
	}
	if s == nil {
		s = newSocket(n, c, slot, auth)
		if rc != nil {
			s.pid = newID()
		}
	}
	if !s.recovered || rc.RunMiddlewares {
		for _, mw := range n.allMiddlewares() {
			err, panicked := c.srv.safeCallErr(func() error { return mw(s) }, "nsp", n.name)
			if panicked {
				err = &ConnectError{Message: "Internal server error"}
			}
			if err != nil {
				c.detach(s)
				c.connectError(n.name, err)
				return
			}
		}
	}
	if c.conn.ReadyState() == "closed" {
		c.detach(s)
		return
	}
	ws := c.conn.Transport() == "websocket"
	if ws {
		s.holding.Store(true)
	}
	if !s.recovered {
		c.mu.Lock()
		slot.sock = s
		if c.timer != nil {
			c.timer.Stop()
			c.timer = nil // (an idle client keeps no timer)
		}
		c.mu.Unlock()
		s.connected.Store(true)
		n.add(s)
	}
	data, _ := json.Marshal(struct {
		SID string `json:"sid"`
		PID string `json:"pid,omitempty"`
	}{s.id, s.pid})
	if msgs, err := encodePacket(&parser.Packet{Type: parser.Connect, Nsp: n.name, Data: data}, false); err == nil {
		_ = c.conn.Send(msgs...)
		c.srv.countOut(msgs, 1)
	}
	if ws {
		// As Node's server does, the packets the socket is sent from now on (by its connection
		// handlers, or broadcasts) are written once the CONNECT has been: never in the same
		// write. Clients that register their next listener only after seeing the CONNECT (the
		// official protocol test suite does) rely on that. Handlers themselves run at once.
		// Long-polling needs no hold: one GET returns everything in order.
		c.conn.OnFlushed(s.releaseHeld)
	} else if s.recovered {
		s.releaseHeld()
	}
	c.srv.instrumentSocket(s)
	for _, h := range n.connectionHandlers() {
		c.srv.safeCall(func() error { h(s); return nil }, "nsp", n.name, "sid", s.id)
	}
}

// restore gives back the session the CONNECT's auth names (pid and offset, both strings), as
// Node's _createSocket does: the socket joins its rooms at once and is sent the packets it missed
// (before the CONNECT answer, as in Node); what is broadcast to it from then on is held until the
// CONNECT has been written. It returns nil when there is no session to restore.
func (c *client) restore(n *Namespace, slot *nspConn, auth map[string]any) *Socket {
	pid, ok1 := auth["pid"].(string)
	offset, ok2 := auth["offset"].(string)
	store, ok3 := n.Adapter().(adapter.SessionStore)
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	var s *Socket
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ok, err := store.RestoreSession(ctx, pid, offset, func(sess *adapter.Session) {
		s = newSocket(n, c, slot, auth)
		s.id, s.pid, s.data, s.recovered = sess.SID, sess.PID, sess.Data, true
		s.holding.Store(true)
		for _, p := range sess.Missed {
			if msgs, err := encodePacket(p, false); err == nil {
				_ = c.conn.SendBacklog(msgs...)
			}
		}
		c.mu.Lock()
		slot.sock = s
		if c.timer != nil {
			c.timer.Stop()
			c.timer = nil
		}
		c.mu.Unlock()
		s.connected.Store(true)
		n.add(s)
		n.local.AddAll(s.id, sess.Rooms...)
	})
	if err != nil {
		c.srv.log.Warn("socketio: cannot restore a session", "nsp", n.name, "err", err)
	}
	if !ok {
		return nil
	}
	return s
}

// detach undoes restore for a socket that does not connect after all (a middleware refused it,
// or the connection closed meanwhile). Other sockets need nothing undone.
func (c *client) detach(s *Socket) {
	if !s.recovered {
		return
	}
	s.connected.Store(false)
	s.holdMu.Lock()
	s.held = nil
	s.holding.Store(false)
	s.holdMu.Unlock()
	c.mu.Lock()
	if s.slot.sock == s {
		s.slot.sock = nil
	}
	c.mu.Unlock()
	s.nsp.remove(s)
}

// connectError refuses a CONNECT with err's message (and data, for a *ConnectError).
func (c *client) connectError(nsp string, err error) {
	body := struct {
		Message string `json:"message"`
		Data    any    `json:"data,omitempty"`
	}{Message: err.Error()}
	if ce, ok := err.(*ConnectError); ok {
		body.Data = ce.Data
	}
	data, merr := json.Marshal(body)
	if merr != nil {
		body.Data = nil
		data, _ = json.Marshal(body)
	}
	msgs, eerr := encodePacket(&parser.Packet{Type: parser.ConnectError, Nsp: nsp, Data: data}, false)
	if eerr == nil {
		_ = c.conn.Send(msgs...)
		c.srv.countOut(msgs, 1)
	}
}

// disconnectAll disconnects every socket of the client, then closes the connection.
func (c *client) disconnectAll() {
	socks := c.allSockets()
	for _, s := range socks {
		s.Disconnect(false)
	}
	c.closeConn(socks)
}

// closeConn closes the connection gracefully, after the packets its sockets still hold.
func (c *client) closeConn(socks []*Socket) {
	for _, s := range socks {
		s.releaseHeld()
	}
	c.conn.Close()
}

// serial is the queue of one namespace's dispatcher (see client.push): funcs run one after
// the other on a goroutine that exists only while there is work, counted in Server.workers.
type serial struct {
	mu      sync.Mutex
	cond    sync.Cond // L is mu
	queue   []func(*nspConn)
	running bool
}

// push queues f, a packet of namespace name received from the client, on that namespace's
// dispatcher, creating it when needed. It then waits while MaxPendingEvents funcs are waiting
// there: a socket whose handlers do not keep up pauses reading from its connection (so the
// packets of its other namespaces wait too, once this one's queue is full).
func (c *client) push(name string, f func(*nspConn)) {
	c.mu.Lock()
	n := c.nsps[name]
	if n == nil {
		n = &nspConn{name: name}
		n.exec.cond.L = &n.exec.mu
		c.nsps[name] = n
	}
	c.enqueue(n, f)
	c.mu.Unlock()
	q := &n.exec
	q.mu.Lock()
	for q.running && len(q.queue) >= c.srv.opts.MaxPendingEvents {
		q.cond.Wait()
	}
	q.mu.Unlock()
}

// pushTo queues f on n's dispatcher without waiting (the disconnection of n's socket).
func (c *client) pushTo(n *nspConn, f func(*nspConn)) {
	c.mu.Lock()
	c.enqueue(n, f)
	c.mu.Unlock()
}

// enqueue appends f to n's queue and starts n's dispatcher if it is idle. c.mu is held: the
// dispatcher removes an idle n from the client under it.
func (c *client) enqueue(n *nspConn, f func(*nspConn)) {
	q := &n.exec
	q.mu.Lock()
	q.queue = append(q.queue, f)
	if !q.running {
		q.running = true
		c.srv.workers.Add(1)
		c.srv.pool.Go(func() { c.run(n) })
	}
	q.mu.Unlock()
}

// run is n's dispatcher. Idle without a socket, it removes n from the client, under both locks,
// so that a packet for that namespace coming later gets a new dispatcher (never a second one
// running beside this).
func (c *client) run(n *nspConn) {
	defer c.srv.workers.Done()
	q := &n.exec
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.mu.Unlock()
			c.mu.Lock()
			q.mu.Lock()
			if len(q.queue) > 0 { // pushed meanwhile
				q.mu.Unlock()
				c.mu.Unlock()
				continue
			}
			q.running = false
			q.queue = nil
			q.cond.Broadcast()
			if n.sock == nil && c.nsps[n.name] == n {
				delete(c.nsps, n.name)
			}
			q.mu.Unlock()
			c.mu.Unlock()
			return
		}
		f := q.queue[0]
		q.queue[0] = nil
		q.queue = q.queue[1:]
		q.cond.Broadcast()
		q.mu.Unlock()
		f(n)
	}
}

// safeCallErr runs user code, turning a panic into a logged error.
func (s *Server) safeCallErr(f func() error, attrs ...any) (err error, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			panicked = true
			s.log.Error("socketio: handler panicked", append(attrs, "panic", r)...)
		}
	}()
	return f(), false
}

// safeCall runs user code whose error only needs logging.
func (s *Server) safeCall(f func() error, attrs ...any) {
	if err, _ := s.safeCallErr(f, attrs...); err != nil {
		s.log.Debug("socketio: handler error", append(attrs, "err", err)...)
	}
}
