package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/gosockio/gosockio/socketio/engineio"
	"github.com/gosockio/gosockio/socketio/parser"
)

// The reasons an Engine.IO session ends, with engine.io-client's strings.
const (
	reasonForcedClose    = "forced close"
	reasonTransportClose = "transport close"
	reasonTransportError = "transport error"
	reasonPingTimeout    = "ping timeout"
	reasonParseError     = "parse error"
)

// The bounds of what waits to be written on one session: packets, and bytes (a single packet
// larger than maxEngineQueueBytes is still accepted when nothing else waits).
const (
	maxEngineQueue      = 10000
	maxEngineQueueBytes = 64 << 20
)

// outPacket is a packet waiting to be written, with its emit's compress flag (permessage-deflate
// on WebSocket, when the server accepted the extension).
type outPacket struct {
	engineio.Packet
	compress bool
}

// handshake is the payload of the Engine.IO open packet.
type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// engine is the client side of one Engine.IO session: a polling or WebSocket transport, the
// upgrade from one to the other, the heartbeat and one writer. Messages are handed to onMessage
// on the reading goroutine, in order; onClose is called once, when the session ends.
type engine struct {
	opts      *Options
	base      *url.URL // the Engine.IO endpoint, http(s) scheme
	http      *http.Client
	onMessage func(data []byte, binary bool) error
	onClose   func(reason string, err error)
	onUpgrade func()
	// Engine packet listeners (the Manager's OnPacket, OnPacketCreate, OnDrain); nil: none.
	onPacket       func(engineio.Packet)
	onPacketCreate func([]engineio.Packet)
	onDrain        func()

	hs        handshake
	first     []engineio.Packet // received with the handshake
	ctx       context.Context   // cancelled when the session ends
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	wake      chan struct{}
	upgradeCh chan *websocket.Conn
	pollDone  chan struct{} // closed when the polling reader stops

	mu        sync.Mutex
	queue     []outPacket
	queued    int             // bytes in queue
	ws        *websocket.Conn // the WebSocket transport, once upgraded (or WebSocket only)
	probe     *websocket.Conn
	pausing   bool // the polling reader stops after its current request
	closing   bool // a close packet is queued
	closed    bool
	pingTimer *time.Timer
	transport atomic.Value // string
}

// dialEngine opens a session: a polling handshake (or a WebSocket one when polling is not among
// the transports), then the reader and writer, then the upgrade probe when both allow it.
func dialEngine(ctx context.Context, o *Options, base *url.URL, hc *http.Client) (*engine, error) {
	e := &engine{opts: o, base: base, http: hc,
		wake: make(chan struct{}, 1), upgradeCh: make(chan *websocket.Conn, 1), pollDone: make(chan struct{})}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, e.cancel) // the dial's ctx bounds the handshake only
	defer stop()
	if slices.Contains(o.Transports, "polling") {
		pkts, err := e.poll(e.ctx, "")
		if err != nil {
			e.cancel()
			return nil, err
		}
		if len(pkts) == 0 || pkts[0].Type != engineio.PacketOpen {
			e.cancel()
			return nil, fmt.Errorf("client: handshake: expected an open packet: %w", errParse)
		}
		if err := e.readHandshake(pkts[0].Data); err != nil {
			e.cancel()
			return nil, err
		}
		e.first = pkts[1:]
		e.transport.Store("polling")
	} else {
		conn, err := e.dialWS(ctx, "")
		if err != nil {
			e.cancel()
			return nil, err
		}
		_, data, err := conn.ReadMessage()
		var p engineio.Packet
		if err == nil {
			p, err = engineio.DecodePacket(data, false)
		}
		if err == nil && p.Type != engineio.PacketOpen {
			err = errParse
		}
		if err == nil {
			err = e.readHandshake(p.Data)
		}
		if err != nil {
			conn.Close()
			e.cancel()
			return nil, fmt.Errorf("client: websocket handshake: %w", err)
		}
		e.ws = conn
		e.transport.Store("websocket")
		close(e.pollDone)
	}
	if ctx.Err() != nil {
		e.teardownConns()
		e.cancel()
		return nil, ctx.Err()
	}
	return e, nil
}

// start runs the session: its reader, its writer and, when both sides allow it, the upgrade.
func (e *engine) start(onMessage func([]byte, bool) error, onClose func(string, error)) {
	e.onMessage, e.onClose = onMessage, onClose
	e.resetPing()
	e.wg.Add(2)
	go e.writer()
	if e.ws != nil {
		go e.wsReader(e.ws)
	} else {
		go e.pollReader(e.first)
		e.first = nil
		if !e.opts.NoUpgrade && slices.Contains(e.opts.Transports, "websocket") && slices.Contains(e.hs.Upgrades, "websocket") {
			e.wg.Add(1)
			go e.upgrade()
		}
	}
}

// sendSocketIO queues a Socket.IO packet: its text message, then its attachments; compress is
// the emit's compress flag.
func (e *engine) sendSocketIO(p *parser.Packet, compress bool) error {
	b, err := parser.Encode(p)
	if err != nil {
		return err
	}
	pkts := make([]engineio.Packet, 0, 1+len(p.Attachments))
	pkts = append(pkts, engineio.Packet{Type: engineio.PacketMessage, Data: b})
	for _, a := range p.Attachments {
		pkts = append(pkts, engineio.Packet{Type: engineio.PacketMessage, Data: a, Binary: true})
	}
	return e.send(compress, pkts...)
}

var errParse = errors.New("client: invalid packet from the server")

func (e *engine) readHandshake(data []byte) error {
	if err := json.Unmarshal(data, &e.hs); err != nil || e.hs.SID == "" {
		return fmt.Errorf("client: bad handshake %.100q: %w", data, errParse)
	}
	if e.hs.PingInterval <= 0 {
		e.hs.PingInterval = 25000
	}
	if e.hs.PingTimeout <= 0 {
		e.hs.PingTimeout = 20000
	}
	return nil
}

// Transport is the name of the current transport.
func (e *engine) Transport() string {
	s, _ := e.transport.Load().(string)
	return s
}

func (e *engine) endpoint(transport, sid string) string {
	u := *e.base
	q := u.Query()
	for k, vs := range e.opts.Query {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	q.Set("EIO", "4")
	q.Set("transport", transport)
	if sid != "" {
		q.Set("sid", sid)
	}
	if transport == "polling" {
		q.Set("t", strconv.FormatInt(time.Now().UnixNano(), 36))
	}
	u.RawQuery = q.Encode()
	if transport == "websocket" {
		switch u.Scheme {
		case "https":
			u.Scheme = "wss"
		default:
			u.Scheme = "ws"
		}
	}
	return u.String()
}

// poll does one polling GET and decodes its payload.
func (e *engine) poll(ctx context.Context, sid string) ([]engineio.Packet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.endpoint("polling", sid), nil)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	e.setHeaders(req.Header)
	resp, err := e.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: polling: %w", err)
	}
	defer resp.Body.Close()
	limit := int64(e.opts.MaxPayload)
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("client: polling: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &TransportError{Status: resp.StatusCode, Body: string(truncate(body, 200))}
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("client: polling payload over %d bytes: %w", limit, errParse)
	}
	pkts, err := engineio.DecodePayload(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errParse, err)
	}
	return pkts, nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

func (e *engine) setHeaders(h http.Header) {
	for k, vs := range e.opts.Header {
		h[k] = slices.Clone(vs)
	}
}

func (e *engine) dialWS(ctx context.Context, sid string) (*websocket.Conn, error) {
	d := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		TLSClientConfig:  e.opts.TLSConfig,
		HandshakeTimeout: 20 * time.Second,
		Jar:              e.http.Jar,
		// The JS client offers permessage-deflate (perMessageDeflate: {threshold: 1024}).
		EnableCompression: !e.opts.NoPerMessageDeflate,
	}
	h := http.Header{}
	e.setHeaders(h)
	conn, resp, err := d.DialContext(ctx, e.endpoint("websocket", sid), h)
	if err != nil {
		if resp != nil {
			return nil, &TransportError{Status: resp.StatusCode, Err: err}
		}
		return nil, fmt.Errorf("client: websocket: %w", err)
	}
	conn.SetReadLimit(int64(e.opts.MaxPayload))
	return conn, nil
}

// TransportError is a failed request of a transport: the HTTP status when the server answered.
type TransportError struct {
	Status int
	Body   string
	Err    error
}

func (e *TransportError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("client: transport error (HTTP %d): %v", e.Status, e.Err)
	}
	return fmt.Sprintf("client: transport error (HTTP %d): %s", e.Status, e.Body)
}

func (e *TransportError) Unwrap() error { return e.Err }

// resetPing (re)arms the heartbeat: the session ends with "ping timeout" unless a ping arrives
// within pingInterval+pingTimeout.
func (e *engine) resetPing() {
	d := time.Duration(e.hs.PingInterval+e.hs.PingTimeout) * time.Millisecond
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	if e.pingTimer == nil {
		e.pingTimer = time.AfterFunc(d, func() { e.shutdown(reasonPingTimeout, nil) })
	} else {
		e.pingTimer.Reset(d)
	}
}

// handle processes one received packet; it returns false when the session ended.
func (e *engine) handle(p engineio.Packet) bool {
	if e.onPacket != nil {
		e.onPacket(p)
	}
	switch p.Type {
	case engineio.PacketPing:
		e.resetPing()
		e.send(true, engineio.Packet{Type: engineio.PacketPong})
	case engineio.PacketMessage:
		if err := e.onMessage(p.Data, p.Binary); err != nil {
			e.shutdown(reasonParseError, err)
			return false
		}
	case engineio.PacketClose:
		e.shutdown(reasonTransportClose, nil)
		return false
	case engineio.PacketNoop, engineio.PacketPong:
	default:
		e.shutdown(reasonParseError, fmt.Errorf("unexpected %s packet: %w", p.Type, errParse))
		return false
	}
	return true
}

func (e *engine) pollReader(first []engineio.Packet) {
	defer e.wg.Done()
	defer close(e.pollDone)
	pkts := first
	for {
		for _, p := range pkts {
			if !e.handle(p) {
				return
			}
		}
		e.mu.Lock()
		stop := e.pausing || e.closed
		e.mu.Unlock()
		if stop {
			return
		}
		var err error
		pkts, err = e.poll(e.ctx, e.hs.SID)
		if err != nil {
			if errors.Is(err, errParse) {
				e.shutdown(reasonParseError, err)
			} else {
				e.shutdown(reasonTransportError, err)
			}
			return
		}
	}
}

func (e *engine) wsReader(conn *websocket.Conn) {
	defer e.wg.Done()
	for {
		mt, data, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				e.shutdown(reasonTransportClose, err)
			} else {
				e.shutdown(reasonTransportError, err)
			}
			return
		}
		p, err := engineio.DecodePacket(data, mt == websocket.BinaryMessage)
		if err != nil {
			e.shutdown(reasonParseError, err)
			return
		}
		if !e.handle(p) {
			return
		}
	}
}

// upgrade probes a WebSocket ("2probe", "3probe") and hands it to the writer, which pauses
// polling and completes the upgrade with "5" (as engine.io-client does).
func (e *engine) upgrade() {
	defer e.wg.Done()
	conn, err := e.dialWS(e.ctx, e.hs.SID)
	if err != nil {
		return // stay on polling
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		conn.Close()
		return
	}
	e.probe = conn
	e.mu.Unlock()
	ok := conn.WriteMessage(websocket.TextMessage, []byte("2probe")) == nil
	if ok {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := conn.ReadMessage()
		ok = err == nil && string(data) == "3probe"
		conn.SetReadDeadline(time.Time{})
	}
	if !ok {
		e.mu.Lock()
		e.probe = nil
		e.mu.Unlock()
		conn.Close()
		return
	}
	e.upgradeCh <- conn // 1 slot: never blocks
	e.kick()
}

func (e *engine) kick() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// send queues packets to be written together (a Socket.IO packet and its attachments).
func (e *engine) send(compress bool, pkts ...engineio.Packet) error {
	size := 0
	for _, p := range pkts {
		size += len(p.Data) + 1
	}
	e.mu.Lock()
	if e.closed || e.closing {
		e.mu.Unlock()
		return ErrClosed
	}
	if len(e.queue)+len(pkts) > maxEngineQueue || (len(e.queue) > 0 && e.queued+size > maxEngineQueueBytes) {
		n, b := len(e.queue), e.queued
		e.mu.Unlock()
		return fmt.Errorf("client: %d packets (%d bytes) wait to be written: %w", n, b, ErrQueueFull)
	}
	for _, p := range pkts {
		e.queue = append(e.queue, outPacket{Packet: p, compress: compress})
	}
	e.queued += size
	e.mu.Unlock()
	if e.onPacketCreate != nil {
		e.onPacketCreate(pkts)
	}
	e.kick()
	return nil
}

// close ends the session from the client side: queued packets and a close packet are written
// first (bounded by a second), then the transport is closed.
func (e *engine) close() {
	e.mu.Lock()
	if e.closed || e.closing {
		e.mu.Unlock()
		return
	}
	e.closing = true
	e.queue = append(e.queue, outPacket{Packet: engineio.Packet{Type: engineio.PacketClose}})
	e.mu.Unlock()
	e.kick()
	time.AfterFunc(time.Second, func() { e.shutdown(reasonForcedClose, nil) })
}

func (e *engine) writer() {
	defer e.wg.Done()
	for {
		select {
		case <-e.ctx.Done():
			return
		case conn := <-e.upgradeCh:
			if !e.finishUpgrade(conn) {
				return
			}
			continue
		case <-e.wake:
		}
		e.mu.Lock()
		batch := e.queue
		e.queue, e.queued = nil, 0
		ws := e.ws
		e.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		var err error
		if ws != nil {
			for _, p := range batch {
				if err = e.writeWS(ws, p); err != nil {
					break
				}
			}
		} else {
			err = e.post(batch)
		}
		if batch[len(batch)-1].Type == engineio.PacketClose {
			e.shutdown(reasonForcedClose, nil)
			return
		}
		if err != nil {
			e.shutdown(reasonTransportError, err)
			return
		}
		if e.onDrain != nil {
			e.onDrain()
		}
	}
}

// writeWS writes one packet as a WebSocket message, compressed (when the extension was
// negotiated) if its compress flag is set and it has at least the threshold's bytes, as
// engine.io-client does.
func (e *engine) writeWS(ws *websocket.Conn, p outPacket) error {
	mt, data := websocket.TextMessage, []byte(nil)
	if p.Type == engineio.PacketMessage && p.Binary {
		mt, data = websocket.BinaryMessage, p.Data
	} else {
		data = engineio.EncodePacket(p.Packet)
	}
	ws.EnableWriteCompression(p.compress && len(data) >= e.opts.CompressionThreshold)
	return ws.WriteMessage(mt, data)
}

// post writes packets with polling POSTs of at most maxPayload bytes each.
func (e *engine) post(queued []outPacket) error {
	pkts := make([]engineio.Packet, len(queued))
	for i, p := range queued {
		pkts[i] = p.Packet
	}
	for len(pkts) > 0 {
		n, size := 0, 0
		for n < len(pkts) {
			l := len(engineio.EncodePacket(pkts[n])) + 1
			if n > 0 && size+l > e.hs.MaxPayload && e.hs.MaxPayload > 0 {
				break
			}
			size += l
			n++
		}
		body := engineio.EncodePayload(pkts[:n])
		pkts = pkts[n:]
		req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, e.endpoint("polling", e.hs.SID), bytes.NewReader(body))
		if err != nil {
			return err
		}
		e.setHeaders(req.Header)
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
		resp, err := e.http.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return &TransportError{Status: resp.StatusCode}
		}
	}
	return nil
}

// finishUpgrade runs on the writer (so no POST is in flight): it waits for the polling reader to
// stop, sends the upgrade packet on the probe and makes it the transport.
func (e *engine) finishUpgrade(conn *websocket.Conn) bool {
	e.mu.Lock()
	e.pausing = true
	e.mu.Unlock()
	select {
	case <-e.pollDone:
	case <-e.ctx.Done():
		return false
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return false
	}
	e.probe = nil
	e.ws = conn
	e.mu.Unlock()
	if err := conn.WriteMessage(websocket.TextMessage, []byte("5")); err != nil {
		e.shutdown(reasonTransportError, err)
		return false
	}
	e.transport.Store("websocket")
	e.wg.Add(1)
	go e.wsReader(conn)
	e.kick()
	if e.onUpgrade != nil {
		e.onUpgrade()
	}
	return true
}

func (e *engine) teardownConns() {
	e.mu.Lock()
	ws, probe := e.ws, e.probe
	e.mu.Unlock()
	if ws != nil {
		ws.Close()
	}
	if probe != nil {
		probe.Close()
	}
}

// shutdown ends the session once, for reason.
func (e *engine) shutdown(reason string, err error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	e.queue = nil
	if e.pingTimer != nil {
		e.pingTimer.Stop()
	}
	ws, probe := e.ws, e.probe
	e.mu.Unlock()
	e.cancel()
	if ws != nil {
		ws.Close()
	}
	if probe != nil {
		probe.Close()
	}
	e.onClose(reason, err)
}

// wait returns when the session's goroutines have ended.
func (e *engine) wait() { e.wg.Wait() }
