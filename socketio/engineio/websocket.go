package engineio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// closeGrace is how long a WebSocket whose close frame was sent waits for the client's reply
// before its TCP connection is closed.
const closeGrace = time.Second

// wsReadBufferSize is the size of each WebSocket's read buffer, kept for the connection's life.
// Frames larger than this are read straight into the message, so it only bounds how many small
// frames one read system call can bring in. (gorilla keeps a hijacked reader only if it is over
// 256 bytes; 288 is an allocation size class.)
const wsReadBufferSize = 288

// wsTransport is one WebSocket of a session: the session's transport, or a probe while upgrading.
//
// Reading: on Linux, while t is idle no goroutine waits for it: the server's poller (epoll) tells
// when the connection becomes readable, and a reader goroutine then reads every message that has
// come, hands each to the session, and returns (readRun). Elsewhere, or for a connection that is
// not a plain socket (TLS), one goroutine reads t for its whole life (readLoop). Either way the
// messages of one transport are read one at a time, in order. Writes are made by a writer
// goroutine that exists only while something is to be written: queueing a packet on an idle
// transport starts one, and it returns once the queue is empty. The writer takes every packet
// queued at that moment and writes them with one system call, so a burst costs one write per
// connection rather than one per frame. The writer is the only goroutine that writes to the
// connection while the reader runs; once the reader has ended no writer starts again.
type wsTransport struct {
	c  *Conn
	ws *websocket.Conn
	wg sync.WaitGroup // the writer goroutine, if any (the reader waits for it before closing)

	br      *bufio.Reader   // ws's read buffer: a message may be buffered already
	rc      syscall.RawConn // the socket, when it is a plain one (non-blocking writes, the poller)
	polled  bool            // the server's poller watches t while it is idle
	tok     uint64          // t's poller registration
	stopped bool            // (reader only) frames are read and dropped

	// Owned by the writer (whoever set writing): frames a flusher could not write without
	// blocking, left to a writer goroutine, and the number of packets they end.
	pending  []byte
	pendingN int

	// guarded by c.mu
	reading      bool // a reader runs (always, without the poller)
	finished     bool // finish has run, is running, or has been claimed (by expire or readRun)
	graceTimer   *time.Timer
	dead         bool   // discarded: the writer says goodbye and stops
	final        bool   // the reader has ended: no writer may start
	writing      bool   // a writer goroutine runs
	probePong    bool   // a "3probe" is to be written
	closeSent    bool   // a close frame was written
	closeCode    int    // status of the goodbye close frame; 0 means 1000 (normal closure)
	pingData     []byte // payload of a WebSocket ping to answer with a pong
	pongOwed     bool
	upgradeTimer *time.Timer
}

func newWSTransport(c *Conn, ws *websocket.Conn) *wsTransport {
	t := &wsTransport{c: c}
	if ws != nil {
		t.setWS(ws)
	}
	return t
}

// setWS sets t's WebSocket (before t's writer or reader can run).
func (t *wsTransport) setWS(ws *websocket.Conn) {
	t.ws = ws
	switch nc := ws.NetConn().(type) {
	case *net.TCPConn, *net.UnixConn:
		if rc, err := nc.(syscall.Conn).SyscallConn(); err == nil {
			t.rc = rc
		}
	}
}

// signal (c.mu held) makes sure a writer looks at the session's state soon, unless one is on it
// already, the reader has ended, or the WebSocket is not open yet: on a plain socket the
// server's flushers do (see Server.scheduleFlush), otherwise a writer goroutine of t's own.
func (t *wsTransport) signal() {
	if t.writing || t.final || t.ws == nil {
		return
	}
	t.writing = true
	t.wg.Add(1)
	if t.rc != nil {
		t.c.srv.scheduleFlush(t)
		return
	}
	t.c.srv.pool.Go(t.writeLoop)
}

// kill discards t (c.mu held): a writer sends a close frame and stops. It reports whether a write
// was in progress, in which case the caller must call unblock once c.mu is released, so that a
// write stalled on a client that does not read fails at once.
func (t *wsTransport) kill() bool {
	busy := t.writing
	t.dead = true
	if t.upgradeTimer != nil {
		t.upgradeTimer.Stop()
	}
	t.signal()
	return busy
}

// unblockGrace is how long a write in progress when its session closes may still take.
const unblockGrace = 100 * time.Millisecond

// unblock makes a write of t that is stalled (a client that does not read) fail soon. A write
// about to end is unaffected, and the writer sets its own deadline before each later write, so
// the close frame still goes out.
func (t *wsTransport) unblock() {
	_ = t.ws.NetConn().SetWriteDeadline(time.Now().Add(unblockGrace))
}

// serveWebSocketHandshake opens a WebSocket-only session. The request's goroutine returns once
// the WebSocket is open, so that net/http releases what it holds for the request; a goroutine of
// the server reads the WebSocket from then on.
func (s *Server) serveWebSocketHandshake(id string, w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	s.sessionHeaders(h, r, id, true, false)
	ws, br, err := s.upgrade(w, r, h)
	if err != nil {
		s.release(id)
		s.log.LogAttrs(bg, levelDebug, "engineio: websocket upgrade failed", errAttr(err))
		return
	}
	c := newConn(s, id, r, true)
	t := newWSTransport(c, ws)
	t.br = br
	s.configure(t)
	c.ws = t
	s.wg.Add(1) // t's, until finish
	s.open(c)
	s.startReader(c, t)
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
	ws, br, err := s.upgrade(w, r, h)
	if err != nil {
		s.log.LogAttrs(bg, levelDebug, "engineio: websocket upgrade failed", errAttr(err))
		if ok {
			c.cancelProbe(t)
		}
		return
	}
	if ok {
		c.mu.Lock()
		t.setWS(ws)
		t.br = br
		s.configure(t)
		if ok = !t.dead; ok {
			s.wg.Add(1) // t's, until finish (the caller holds a count: it cannot be zero here)
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
	s.startReader(c, t)
}

// configure applies the options to t's WebSocket. WebSocket pings and close frames from the
// client are answered by t's writer (never by the reader, which must not write).
func (s *Server) configure(t *wsTransport) {
	ws := t.ws
	ws.SetReadLimit(s.opts.MaxHTTPBufferSize)
	if d := s.opts.PerMessageDeflate; d != nil {
		_ = ws.SetCompressionLevel(d.Level) // validated by NewServer
	}
	ws.SetPingHandler(func(data string) error {
		c := t.c
		c.mu.Lock()
		t.pingData = append(t.pingData[:0], data...)
		t.pongOwed = true
		t.signal()
		c.mu.Unlock()
		return nil
	})
	ws.SetCloseHandler(func(int, string) error { return nil }) // answered when the reader ends
}

// upgrade completes the WebSocket handshake. It hands gorilla a read buffer of its own
// (wsReadBufferSize bytes), which it returns, so that readRun can tell whether a whole message
// is buffered already.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, h http.Header) (*websocket.Conn, *bufio.Reader, error) {
	hj := &hijacker{ResponseWriter: w}
	ws, err := s.upgrader.Upgrade(hj, r, h)
	if err != nil {
		return nil, nil, err
	}
	if hj.br == nil {
		ws.Close()
		return nil, nil, errors.New("engineio: websocket: no read buffer")
	}
	return ws, hj.br, nil
}

// hijacker is the ResponseWriter gorilla's Upgrader sees: its Hijack returns a small read buffer
// of ours, which gorilla keeps as the WebSocket's (it reuses the hijacked reader when its own
// ReadBufferSize is zero).
type hijacker struct {
	http.ResponseWriter
	br *bufio.Reader
}

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("engineio: websocket: the http.ResponseWriter does not implement http.Hijacker")
	}
	nc, brw, err := hj.Hijack()
	if err != nil || brw.Reader.Buffered() > 0 {
		return nc, brw, err // (gorilla refuses a client that sent data before the handshake ended)
	}
	h.br = bufio.NewReaderSize(nc, wsReadBufferSize)
	return nc, bufio.NewReadWriter(h.br, brw.Writer), nil
}

// startReader starts reading t: through the server's poller when it can watch t's connection,
// else on a goroutine of its own. t already holds its count of s.wg (taken before t could be
// closed), which finish releases; if t has been finished meanwhile there is nothing to start.
// The registration is made under c.mu, so that the poller's callback (which takes c.mu) sees it.
func (s *Server) startReader(c *Conn, t *wsTransport) {
	c.mu.Lock()
	if t.finished {
		c.mu.Unlock()
		return
	}
	if t.rc != nil {
		if p := s.pollerFor(); p != nil {
			t.tok = p.newToken()
			t.polled = true
			if err := p.register(t.rc, t.tok, t.onReadable); err == nil {
				c.mu.Unlock()
				return
			}
			t.polled = false
		}
	}
	t.reading = true // for good: expire never claims t's end, the read deadline ends readLoop
	c.mu.Unlock()
	go t.readLoop()
}

// pollerFor returns the server's poller (started on first use), or nil on systems without one
// or if it cannot start.
func (s *Server) pollerFor() *poller {
	if s.noPoll {
		return nil
	}
	s.pollOnce.Do(func() {
		p, err := newPoller()
		if err != nil {
			s.log.LogAttrs(bg, levelDebug, "engineio: no poller: a goroutine reads each WebSocket", errAttr(err))
			return
		}
		s.poll = p
	})
	return s.poll
}

// readLoop reads t for its whole life (when the poller does not watch it).
func (t *wsTransport) readLoop() {
	for {
		mt, data, err := t.ws.ReadMessage()
		if err != nil {
			t.finish(err)
			return
		}
		t.onMessage(mt, data)
	}
}

// onReadable runs on the poller's goroutine when t's idle connection becomes readable: it
// starts a reader unless t is finished.
func (t *wsTransport) onReadable() {
	c := t.c
	c.mu.Lock()
	if t.finished || t.reading {
		c.mu.Unlock()
		return
	}
	t.reading = true
	c.mu.Unlock()
	c.srv.pool.Go(t.readRun)
}

// readRun reads the messages that have come (a message whose frames are still on their way is
// waited for), then hands t back to the poller.
func (t *wsTransport) readRun() {
	for {
		mt, data, err := t.ws.ReadMessage()
		if err != nil {
			t.finish(err)
			return
		}
		t.onMessage(mt, data)
		if t.br.Buffered() == 0 {
			break
		}
	}
	c := t.c
	c.mu.Lock()
	t.reading = false
	c.mu.Unlock()
	if err := t.c.srv.poll.arm(t.rc, t.tok); err != nil {
		// The connection is closed (finish did it, or is about to), or epoll failed.
		c.mu.Lock()
		claim := !t.finished && !t.reading
		t.finished = t.finished || claim
		c.mu.Unlock()
		if claim {
			t.finish(err)
		}
	}
}

// expire ends t once its goodbye has had closeGrace to be answered, unless a reader runs: that
// one ends by its read deadline.
func (t *wsTransport) expire() {
	c := t.c
	c.mu.Lock()
	claim := !t.finished && !t.reading
	t.finished = t.finished || claim
	c.mu.Unlock()
	if claim {
		t.finish(os.ErrDeadlineExceeded)
	}
}

// onMessage handles one message read from t.
func (t *wsTransport) onMessage(mt int, data []byte) {
	if !t.stopped && !t.c.onFrame(t, mt, data) {
		t.stopped = true
	}
}

// finish ends t once its reading is over (err is why): the session learns of it, the writer is
// waited for, the client's close frame is answered (or a goodbye sent), and the connection is
// closed. It runs once, by the reader that failed or by the claim of expire or readRun.
func (t *wsTransport) finish(err error) {
	c := t.c
	s := c.srv
	defer s.wg.Done()
	c.mu.Lock()
	t.finished, t.final = true, true
	if t.graceTimer != nil {
		t.graceTimer.Stop()
	}
	c.mu.Unlock()
	if !t.stopped {
		c.wsReadFailed(t, err)
	}
	t.wg.Wait()
	c.mu.Lock()
	bye := !t.closeSent
	t.closeSent = true
	code := t.closeCode
	c.mu.Unlock()
	if bye {
		// No writer runs any more: answer the client's close frame, or say goodbye first.
		_ = t.ws.WriteControl(websocket.CloseMessage, closeFrame(code), time.Now().Add(closeGrace))
	}
	if t.polled {
		s.poll.forget(t.tok)
	}
	t.ws.Close()
}

// closeFrame is the payload of a close frame with the given status (0 means normal closure).
func closeFrame(code int) []byte {
	if code == 0 {
		code = websocket.CloseNormalClosure
	}
	return websocket.FormatCloseMessage(code, "")
}

// onFrame handles one WebSocket message; false stops reading.
func (c *Conn) onFrame(t *wsTransport, mt int, data []byte) bool {
	c.mu.Lock()
	dead, probing := t.dead, c.probe == t
	c.mu.Unlock()
	if dead {
		return false
	}
	if mt == websocket.TextMessage && !utf8.Valid(data) {
		// RFC 6455 §8.1: a text frame that is not UTF-8 fails the connection with 1007.
		c.mu.Lock()
		t.closeCode = websocket.CloseInvalidFramePayloadData
		c.mu.Unlock()
		err := fmt.Errorf("engineio: websocket text frame is not valid UTF-8: %w", ErrInvalidPacket)
		if probing {
			c.cancelProbe(t)
		} else {
			c.closeWith(ReasonTransportError, err, PacketClose)
		}
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
		if c.state == stateOpen {
			c.setState(stateUpgrading)
		}
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
		if c.state == stateUpgrading {
			c.setState(stateOpen)
		}
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
	if c.state == stateUpgrading {
		c.setState(stateOpen)
	}
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

// writeLoop is t's writer: it runs while there is something to write. It drains the session queue
// while t is the session's transport, writes "3probe" while t is probed, answers the client's
// WebSocket pings, flushes then closes on a graceful close, and says goodbye once t is discarded.
func (t *wsTransport) writeLoop() {
	defer t.wg.Done()
	c := t.c
	s := c.srv
	var batch []*Message
	var ping []byte
	if t.pending != nil {
		// The rest of a flusher's write, which the client's socket could not take at once.
		err := t.ws.NetConn().SetWriteDeadline(time.Now().Add(s.writeTimeout))
		if err == nil {
			_, err = t.ws.NetConn().Write(t.pending)
		}
		n := t.pendingN
		t.pending, t.pendingN = nil, 0
		if err != nil {
			c.wsWriteFailed(t, fmt.Errorf("engineio: websocket write: %w", err))
		} else {
			t.afterWrite(n)
		}
	}
	for {
		c.mu.Lock()
		if t.dead {
			t.writing = false
			t.sayGoodbye() // releases c.mu
			return
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
				c.queueBytes, c.backlog, c.backlogBytes = 0, 0, 0
			}
			closing = c.state == stateClosing
			reason = c.closeReason
		}
		pong := t.pongOwed
		if pong {
			t.pongOwed = false
			ping = append(ping[:0], t.pingData...)
		}
		if len(batch) == 0 && !closing && !pong {
			// The deadlines of this writer's writes (and of gorilla's WriteControl) stay on the
			// connection: clear them before the flushers, whose non-blocking writes obey them
			// too, take over.
			_ = t.ws.NetConn().SetWriteDeadline(time.Time{})
			t.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()

		var err error
		if pong {
			err = t.ws.WriteControl(websocket.PongMessage, ping, time.Now().Add(s.writeTimeout))
		}
		if err == nil {
			err = t.writeBatch(batch)
		}
		n := len(batch)
		clear(batch)
		batch = batch[:0]
		if cap(batch) > maxRetainedQueue {
			batch = nil
		}
		if err == nil && closing {
			err = t.ws.WriteControl(websocket.CloseMessage, closeFrame(0), time.Now().Add(s.writeTimeout))
		}
		c.mu.Lock()
		if err == nil && closing {
			t.closeSent = true
		}
		c.mu.Unlock()
		switch {
		case err != nil:
			c.wsWriteFailed(t, err)
		case closing:
			c.closeWith(reason, nil, PacketClose)
		default:
			t.afterWrite(n)
		}
	}
}

// sayGoodbye (c.mu held; it returns with c.mu released) ends the writing of a discarded t: a
// close frame unless one was sent (or the reader has ended), then a bounded wait for the
// client's reply: the read deadline for a reader at work, the grace timer otherwise.
func (t *wsTransport) sayGoodbye() {
	c := t.c
	bye := !t.closeSent && !t.final
	t.closeSent = t.closeSent || bye
	code := t.closeCode
	c.mu.Unlock()
	if bye {
		_ = t.ws.WriteControl(websocket.CloseMessage, closeFrame(code), time.Now().Add(closeGrace))
	}
	_ = t.ws.NetConn().SetReadDeadline(time.Now().Add(closeGrace))
	c.mu.Lock()
	if t.graceTimer == nil && !t.finished {
		t.graceTimer = time.AfterFunc(closeGrace, t.expire)
	}
	c.mu.Unlock()
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
	default:
		c.mu.Lock()
		t.dead = true
		c.mu.Unlock()
	}
}

// maxWriteChunk is the most a writer copies into one buffer before writing it; bigger batches
// take several writes.
const maxWriteChunk = 64 << 10

// writeBufPool holds the buffers writers build their frames in.
var writeBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// writeBatch writes msgs, one frame each, with as few system calls as it can: the frames are
// built in one buffer and written together (a frame to be compressed goes through gorilla's
// PreparedMessage instead).
func (t *wsTransport) writeBatch(msgs []*Message) error {
	if len(msgs) == 0 {
		return nil
	}
	s := t.c.srv
	nc := t.ws.NetConn()
	if err := nc.SetWriteDeadline(time.Now().Add(s.writeTimeout)); err != nil {
		return fmt.Errorf("engineio: websocket write: %w", err)
	}
	bp := writeBufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	defer func() {
		if cap(buf) <= maxWriteChunk*2 {
			*bp = buf[:0]
			writeBufPool.Put(bp)
		}
	}()
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		_, err := nc.Write(buf)
		buf = buf[:0]
		return err
	}
	deflate := s.opts.PerMessageDeflate
	for _, m := range msgs {
		if deflate != nil && !m.NoCompress && m.wsLen() >= deflate.Threshold {
			if err := flush(); err != nil {
				return fmt.Errorf("engineio: websocket write: %w", err)
			}
			if err := t.writeCompressed(m); err != nil {
				return fmt.Errorf("engineio: websocket write: %w", err)
			}
			continue
		}
		if len(m.Data) > maxWriteChunk/2 {
			// A large payload is not copied: its header and the buffer so far go out with it
			// in one writev.
			buf = appendFrameHeader(buf, m)
			bufs := net.Buffers{buf, m.Data}
			_, err := bufs.WriteTo(nc)
			buf = buf[:0]
			if err != nil {
				return fmt.Errorf("engineio: websocket write: %w", err)
			}
			continue
		}
		buf = append(appendFrameHeader(buf, m), m.Data...)
		if len(buf) >= maxWriteChunk {
			if err := flush(); err != nil {
				return fmt.Errorf("engineio: websocket write: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("engineio: websocket write: %w", err)
	}
	return nil
}

// writeCompressed writes m through its cached PreparedMessage with permessage-deflate, so that a
// broadcast is compressed once. gorilla sets its own write deadline.
func (t *wsTransport) writeCompressed(m *Message) error {
	pm, err := m.prepared()
	if err != nil {
		return err
	}
	t.ws.EnableWriteCompression(true)
	return t.ws.WritePreparedMessage(pm)
}

// appendFrameHeader appends the start of m as one unmasked, unfragmented, uncompressed WebSocket
// frame (RFC 6455 §5.2; a server never masks), up to m.Data, which follows it: a binary frame for
// a binary message, else a text frame starting with the packet type digit.
func appendFrameHeader(b []byte, m *Message) []byte {
	op := byte(websocket.TextMessage)
	n := len(m.Data) + 1
	if m.isBinary() {
		op, n = byte(websocket.BinaryMessage), len(m.Data)
	}
	b = append(b, 0x80|op) // FIN
	switch {
	case n < 126:
		b = append(b, byte(n))
	case n <= 0xffff:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if !m.isBinary() {
		b = append(b, byte(m.packetType())+'0')
	}
	return b
}
