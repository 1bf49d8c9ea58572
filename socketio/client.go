package socketio

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/socketio/engineio"
	"github.com/gosockio/gosockio/socketio/parser"
)

// client is one Engine.IO connection and the sockets (one per namespace) multiplexed over it.
// Packets are decoded on the connection's reader; acknowledgements are handled there at once,
// and everything else runs in order on the client's dispatcher.
type client struct {
	srv   *Server
	conn  *engineio.Conn
	dec   parser.Decoder
	exec  serial
	timer *time.Timer

	mu      sync.Mutex
	sockets map[string]*Socket // by namespace name
}

func newClient(s *Server, c *engineio.Conn) *client {
	cl := &client{
		srv:     s,
		conn:    c,
		dec:     parser.Decoder{MaxAttachments: s.opts.MaxAttachments},
		sockets: make(map[string]*Socket),
	}
	cl.exec.max = s.opts.MaxPendingEvents
	cl.exec.wg = &s.workers
	cl.exec.srv = s
	if s.opts.ConnectTimeout > 0 {
		cl.timer = time.AfterFunc(s.opts.ConnectTimeout, cl.onConnectTimeout)
	}
	return cl
}

// OnMessage receives one Engine.IO message (engineio.ConnHandler).
func (c *client) OnMessage(data []byte, binary bool) {
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
	case adapter.Ack, adapter.BinaryAck:
		if s := c.socket(p.Nsp); s != nil {
			s.onAck(p)
		}
	case adapter.Connect:
		c.exec.push(func() { c.connect(p) }, false)
	case adapter.Event, adapter.BinaryEvent, adapter.Disconnect:
		c.exec.push(func() {
			s := c.socket(p.Nsp)
			if s == nil {
				// A packet for a namespace the client has not joined: the client is confused.
				c.srv.log.Debug("socketio: packet for a namespace not joined", "sid", c.conn.ID(), "nsp", p.Nsp)
				c.conn.Close()
				return
			}
			if p.Type == adapter.Disconnect {
				s.onClose(ReasonClientNamespaceDisconnect)
				return
			}
			s.onEvent(p)
		}, false)
	default: // CONNECT_ERROR never comes from a client
		c.conn.CloseWithReason(engineio.ReasonParseError)
	}
}

// OnClose is told that the connection has closed (engineio.ConnHandler).
func (c *client) OnClose(reason string, _ error) {
	c.mu.Lock()
	if c.timer != nil {
		c.timer.Stop()
	}
	for _, s := range c.sockets {
		s.closeDone() // wake anything waiting on the socket now; handlers run in order below
	}
	c.mu.Unlock()
	c.exec.push(func() {
		for _, s := range c.allSockets() {
			s.onClose(reason)
		}
	}, true)
}

func (c *client) socket(nsp string) *Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sockets[nsp]
}

func (c *client) allSockets() []*Socket {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Socket, 0, len(c.sockets))
	for _, s := range c.sockets {
		out = append(out, s)
	}
	return out
}

func (c *client) remove(s *Socket) {
	c.mu.Lock()
	if c.sockets[s.nsp.name] == s {
		delete(c.sockets, s.nsp.name)
	}
	c.mu.Unlock()
}

func (c *client) onConnectTimeout() {
	c.mu.Lock()
	n := len(c.sockets)
	c.mu.Unlock()
	if n == 0 {
		c.conn.CloseWithReason(ReasonForcedServerClose)
	}
}

// connect handles a CONNECT packet: namespace lookup, middlewares, then the socket joins.
func (c *client) connect(p *adapter.Packet) {
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
	if c.socket(n.name) != nil {
		c.srv.log.Debug("socketio: namespace already joined", "sid", c.conn.ID(), "nsp", n.name)
		return
	}
	s := newSocket(n, c, auth)
	for _, mw := range n.allMiddlewares() {
		err, panicked := c.srv.safeCallErr(func() error { return mw(s) }, "nsp", n.name)
		if panicked {
			err = &ConnectError{Message: "Internal server error"}
		}
		if err != nil {
			c.connectError(n.name, err)
			return
		}
	}
	if c.conn.ReadyState() == "closed" {
		return
	}
	ws := c.conn.Transport() == "websocket"
	if ws {
		s.holding.Store(true)
	}
	c.mu.Lock()
	c.sockets[n.name] = s
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil // (an idle client keeps no timer)
	}
	c.mu.Unlock()
	s.connected.Store(true)
	n.add(s)
	data, _ := json.Marshal(struct {
		SID string `json:"sid"`
	}{s.id})
	if msgs, err := encodePacket(&adapter.Packet{Type: adapter.Connect, Nsp: n.name, Data: data}, false); err == nil {
		_ = c.conn.Send(msgs...)
	}
	if ws {
		// As Node's server does, the packets the socket is sent from now on (by its connection
		// handlers, or broadcasts) are written once the CONNECT has been: never in the same
		// write. Clients that register their next listener only after seeing the CONNECT (the
		// official protocol test suite does) rely on that. Handlers themselves run at once.
		// Long-polling needs no hold: one GET returns everything in order.
		c.conn.OnFlushed(s.releaseHeld)
	}
	for _, h := range n.connectionHandlers() {
		c.srv.safeCall(func() error { h(s); return nil }, "nsp", n.name, "sid", s.id)
	}
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
	msgs, eerr := encodePacket(&adapter.Packet{Type: adapter.ConnectError, Nsp: nsp, Data: data}, false)
	if eerr == nil {
		_ = c.conn.Send(msgs...)
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

// serial runs funcs one after the other on a goroutine that exists only while there is work.
// Its queue is bounded: push blocks the reader while max funcs are waiting, which pauses
// reading from a client whose handlers do not keep up.
type serial struct {
	srv     *Server
	wg      *sync.WaitGroup
	max     int
	mu      sync.Mutex
	cond    sync.Cond // L is mu, set on first use
	queue   []func()
	running bool
}

func (q *serial) push(f func(), force bool) {
	q.mu.Lock()
	if q.cond.L == nil {
		q.cond.L = &q.mu
	}
	for !force && q.running && len(q.queue) >= q.max {
		q.cond.Wait()
	}
	q.queue = append(q.queue, f)
	if !q.running {
		q.running = true
		q.wg.Add(1)
		q.srv.pool.Go(q.run)
	}
	q.mu.Unlock()
}

func (q *serial) run() {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.running = false
			q.queue = nil
			q.cond.Broadcast()
			q.mu.Unlock()
			return
		}
		f := q.queue[0]
		q.queue[0] = nil
		q.queue = q.queue[1:]
		q.cond.Broadcast()
		q.mu.Unlock()
		f()
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
