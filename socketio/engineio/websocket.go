package engineio

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// closeGrace is how long a WebSocket whose close frame was sent waits for the client's reply
// before its TCP connection is closed.
const closeGrace = time.Second

// wsTransport is one WebSocket of a session: the session's transport, or a probe while upgrading.
// The ServeHTTP goroutine reads; writeLoop is the only writer.
type wsTransport struct {
	c    *Conn
	ws   *websocket.Conn
	wake chan struct{} // 1-slot
	done chan struct{} // closed when writeLoop returns

	// guarded by c.mu
	dead         bool // discarded: the writer says goodbye and returns
	busy         bool // the writer is writing
	probePong    bool // a "3probe" is to be written
	closeSent    bool // the writer sent a close frame
	upgradeTimer *time.Timer
}

func newWSTransport(c *Conn, ws *websocket.Conn) *wsTransport {
	return &wsTransport{c: c, ws: ws, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (t *wsTransport) signal() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// kill discards t (c.mu held): its writer sends a close frame and returns. It reports whether
// the writer is (or was a moment ago) writing, in which case the caller must call unblock once
// c.mu is released, so that a write stalled on a client that does not read fails at once.
func (t *wsTransport) kill() bool {
	t.dead = true
	if t.upgradeTimer != nil {
		t.upgradeTimer.Stop()
	}
	t.signal()
	return t.busy // (a busy transport has its ws: the writer runs only once it is set)
}

// unblockGrace is how long a write in progress when its session closes may still take.
const unblockGrace = 100 * time.Millisecond

// unblock makes a write of t that is stalled (a client that does not read) fail soon. A write
// about to end is unaffected, and gorilla sets its own deadline before each later write, so the
// close frame still goes out.
func (t *wsTransport) unblock() {
	_ = t.ws.NetConn().SetWriteDeadline(time.Now().Add(unblockGrace))
}

// serveWebSocketHandshake opens a WebSocket-only session.
func (s *Server) serveWebSocketHandshake(id string, w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	s.sessionHeaders(h, r, id, true, false)
	ws, err := s.upgrader.Upgrade(w, r, h)
	if err != nil {
		s.release(id)
		s.log.LogAttrs(bg, levelDebug, "engineio: websocket upgrade failed", errAttr(err))
		return
	}
	s.configure(ws)
	c := newConn(s, id, r, true)
	t := newWSTransport(c, ws)
	c.ws = t
	s.wg.Add(1)
	go t.writeLoop()
	s.open(c)
	s.readLoop(c, t)
}

// serveUpgrade starts probing a WebSocket opened to upgrade polling session c. The probe is
// registered before the 101 response is written, so that any request the client sends after
// seeing the WebSocket open finds it.
func (s *Server) serveUpgrade(c *Conn, w http.ResponseWriter, r *http.Request) {
	t := newWSTransport(c, nil)
	c.mu.Lock()
	ok := c.state != stateClosed && !c.isWS && c.probe == nil
	if ok {
		c.probe = t
	}
	c.mu.Unlock()

	h := w.Header()
	s.sessionHeaders(h, r, c.id, false, false)
	ws, err := s.upgrader.Upgrade(w, r, h)
	if err != nil {
		s.log.LogAttrs(bg, levelDebug, "engineio: websocket upgrade failed", errAttr(err))
		if ok {
			c.cancelProbe(t)
		}
		return
	}
	s.configure(ws)
	if ok {
		c.mu.Lock()
		t.ws = ws
		if ok = !t.dead; ok {
			t.upgradeTimer = time.AfterFunc(s.opts.UpgradeTimeout, func() { c.cancelProbe(t) })
		}
		c.mu.Unlock()
	}
	if !ok {
		// Already upgraded, or upgrading, or closed: Node accepts the WebSocket and closes it.
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(closeGrace))
		ws.Close()
		return
	}
	s.wg.Add(1)
	go t.writeLoop()
	s.readLoop(c, t)
}

func (s *Server) configure(ws *websocket.Conn) {
	ws.SetReadLimit(s.opts.MaxHTTPBufferSize)
	if d := s.opts.PerMessageDeflate; d != nil {
		_ = ws.SetCompressionLevel(d.Level) // validated by NewServer
	}
}

// readLoop reads t until it fails, then closes it and waits for its writer. Once t is discarded
// its frames are read and dropped, so that the client's close reply is consumed (the writer bounds
// this with a read deadline).
func (s *Server) readLoop(c *Conn, t *wsTransport) {
	stopped := false
	for {
		mt, data, err := t.ws.ReadMessage()
		if err != nil {
			if !stopped {
				c.wsReadFailed(t, err)
			}
			break
		}
		if !stopped && !c.onFrame(t, mt, data) {
			stopped = true
		}
	}
	t.ws.Close()
	<-t.done
}

// onFrame handles one WebSocket message; false stops reading.
func (c *Conn) onFrame(t *wsTransport, mt int, data []byte) bool {
	c.mu.Lock()
	dead, probing := t.dead, c.probe == t
	c.mu.Unlock()
	if dead {
		return false
	}
	p, err := DecodePacket(data, mt == websocket.BinaryMessage)
	if probing {
		return c.onProbePacket(t, p, err)
	}
	if err != nil {
		c.closeWith(ReasonParseError, err, PacketClose)
		return false
	}
	return c.onPacket(p)
}

// onProbePacket handles a packet of the WebSocket being probed: "2probe" is answered "3probe",
// "5" completes the upgrade, anything else cancels the probe (as in Node).
func (c *Conn) onProbePacket(t *wsTransport, p Packet, err error) bool {
	switch {
	case err == nil && p.Type == PacketPing && string(p.Data) == "probe":
		c.mu.Lock()
		if c.probe != t {
			c.mu.Unlock()
			return false
		}
		t.probePong = true
		t.signal()
		c.upgrading = true
		if c.poll != nil {
			c.poll.signal() // release the pending GET (with noop, or queued packets)
		}
		c.mu.Unlock()
		return true
	case err == nil && p.Type == PacketUpgrade:
		c.mu.Lock()
		if c.probe != t || c.state == stateClosed {
			c.mu.Unlock()
			return false
		}
		c.probe = nil
		c.upgrading = false
		if t.upgradeTimer != nil {
			t.upgradeTimer.Stop()
		}
		c.isWS = true
		c.ws = t
		if c.poll != nil {
			c.poll.signal() // answered with noop
		}
		t.signal() // write what the polling transport left in the queue
		var lis []func(string)
		if c.lis != nil {
			lis = c.lis.upgrade
		}
		c.mu.Unlock()
		c.srv.log.LogAttrs(bg, levelDebug, "engineio: session upgraded", sidAttr(c.id))
		for _, f := range lis {
			c.safe("upgrade listener", func() { f(TransportWebSocket) })
		}
		return true
	default:
		c.cancelProbe(t)
		return false
	}
}

// cancelProbe discards probe t; the session goes on with polling.
func (c *Conn) cancelProbe(t *wsTransport) {
	c.mu.Lock()
	if c.probe != t {
		c.mu.Unlock()
		return
	}
	c.probe = nil
	c.upgrading = false
	busy := t.kill()
	c.mu.Unlock()
	if busy {
		t.unblock()
	}
}

// wsReadFailed handles the end of t's read side.
func (c *Conn) wsReadFailed(t *wsTransport, err error) {
	c.mu.Lock()
	active, probing := c.ws == t && !t.dead, c.probe == t
	c.mu.Unlock()
	switch {
	case probing:
		c.cancelProbe(t)
	case active:
		reason, cause := wsCloseReason(err)
		c.closeWith(reason, cause, PacketClose)
	}
}

// wsCloseReason maps a read error to a close reason as Node's ws transport does: a closed
// connection is a "transport close", anything else (oversized or malformed frames) a "transport
// error".
func wsCloseReason(err error) (string, error) {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce):
		return ReasonTransportClose, nil
	case errors.Is(err, websocket.ErrReadLimit):
		return ReasonTransportError, fmt.Errorf("engineio: websocket message over the read limit: %w", ErrPayloadTooLarge)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return ReasonTransportClose, nil
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return ReasonTransportClose, nil
	}
	return ReasonTransportError, fmt.Errorf("engineio: websocket read: %w", err)
}

// writeLoop is t's only writer. It drains the session queue while t is the session's transport,
// writes "3probe" while t is probed, and flushes then closes on a graceful close.
func (t *wsTransport) writeLoop() {
	c := t.c
	s := c.srv
	defer s.wg.Done()
	defer close(t.done)
	var batch []*Message
	for range t.wake {
		c.mu.Lock()
		if t.dead {
			c.mu.Unlock()
			break
		}
		closing := false
		var reason string
		switch {
		case c.probe == t:
			if t.probePong {
				t.probePong = false
				batch = append(batch, pongProbeMsg)
			}
		case c.ws == t:
			if len(c.queue) > 0 {
				batch, c.queue = c.queue, batch
				c.queueBytes = 0
			}
			closing = c.state == stateClosing
			reason = c.closeReason
		}
		if len(batch) == 0 && !closing {
			c.mu.Unlock()
			continue
		}
		t.busy = true
		c.mu.Unlock()

		err := t.writeBatch(batch)
		n := len(batch)
		clear(batch)
		batch = batch[:0]
		if cap(batch) > maxRetainedQueue {
			batch = nil
		}
		if err == nil && closing {
			err = t.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(s.writeTimeout))
		}
		c.mu.Lock()
		t.busy = false
		if err == nil && closing {
			t.closeSent = true
		}
		active := c.ws == t
		c.mu.Unlock()
		switch {
		case err != nil:
			c.wsWriteFailed(t, err)
		case closing:
			c.closeWith(reason, nil, PacketClose)
		case n > 0 && active:
			c.emitDrain()
		}
	}
	// Discarded: say goodbye, then let the reader see the client's close reply (bounded).
	c.mu.Lock()
	sent := t.closeSent
	c.mu.Unlock()
	if !sent {
		_ = t.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(closeGrace))
	}
	_ = t.ws.NetConn().SetReadDeadline(time.Now().Add(closeGrace))
}

func (c *Conn) wsWriteFailed(t *wsTransport, err error) {
	c.mu.Lock()
	active, probing := c.ws == t && !t.dead, c.probe == t
	c.mu.Unlock()
	switch {
	case probing:
		c.cancelProbe(t)
	case active:
		c.closeWith(ReasonTransportError, err, PacketClose)
	}
}

// writeBatch writes msgs, one frame each.
func (t *wsTransport) writeBatch(msgs []*Message) error {
	if len(msgs) == 0 {
		return nil
	}
	s := t.c.srv
	ws := t.ws
	if err := ws.SetWriteDeadline(time.Now().Add(s.writeTimeout)); err != nil {
		return fmt.Errorf("engineio: websocket write: %w", err)
	}
	deflate := s.opts.PerMessageDeflate
	for _, m := range msgs {
		if deflate != nil {
			ws.EnableWriteCompression(!m.NoCompress && m.wsLen() >= deflate.Threshold)
		}
		if err := writeMessage(ws, m); err != nil {
			return fmt.Errorf("engineio: websocket write: %w", err)
		}
	}
	return nil
}

var typeDigits = [...][]byte{{'0'}, {'1'}, {'2'}, {'3'}, {'4'}, {'5'}, {'6'}}

// writeMessage writes m as one frame. A message queued on several WebSocket sessions (or a shared
// control packet) goes through its cached PreparedMessage, so its frame is built once; a message
// queued on one session only is written straight through the pooled write buffer, which costs no
// frame copy.
func writeMessage(ws *websocket.Conn, m *Message) error {
	if m.shared || m.wsRefs.Load() > 1 {
		pm, err := m.prepared()
		if err != nil {
			return err
		}
		return ws.WritePreparedMessage(pm)
	}
	if m.isBinary() {
		return ws.WriteMessage(websocket.BinaryMessage, m.Data)
	}
	w, err := ws.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	if _, err := w.Write(typeDigits[m.packetType()]); err != nil {
		return err
	}
	if _, err := w.Write(m.Data); err != nil {
		return err
	}
	return w.Close()
}
