package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gosockio/gosockio/socketio/engineio"
	"github.com/gosockio/gosockio/socketio/parser"
)

// Errors of the client.
var (
	// ErrClosed is returned by operations on a closed Manager or Socket.
	ErrClosed = errors.New("client: closed")
	// ErrQueueFull is returned by Emit when the packets waiting to be sent (on the session, or
	// in a Socket's buffer while disconnected) reach their bound.
	ErrQueueFull = errors.New("client: send queue full")
	// ErrTimeout is returned by EmitWithAck when no acknowledgement came in time.
	ErrTimeout = errors.New("client: operation has timed out")
	// ErrDisconnected fails the acknowledgements still awaited when the Socket disconnects.
	ErrDisconnected = errors.New("client: socket has been disconnected")
	// ErrReconnectFailed is returned by Connect when every reconnection attempt failed.
	ErrReconnectFailed = errors.New("client: reconnection failed")
)

// DefaultMaxBufferedBytes is the default of Options.MaxBufferedBytes.
const DefaultMaxBufferedBytes = 16 << 20

// Options configures a Manager and its Sockets. Every default is socket.io-client 4.8's.
type Options struct {
	// Path is the Engine.IO endpoint. Empty means "/socket.io/".
	Path string
	// Query is added to the query string of every request.
	Query url.Values
	// Header is added to every HTTP request and to the WebSocket handshake.
	Header http.Header
	// Transports are tried in this order: "polling", "websocket". Empty means both; polling first,
	// then the upgrade to WebSocket. {"websocket"} connects with WebSocket only.
	Transports []string
	// NoUpgrade keeps the session on its first transport (the JS client's upgrade: false).
	NoUpgrade bool
	// TLSConfig is used for https and wss URLs. Nil means the standard library's defaults.
	TLSConfig *tls.Config
	// HTTPClient makes the polling requests (its Jar, if any, also serves the WebSocket
	// handshake). Nil means a client of the Manager's own, closed with it.
	HTTPClient *http.Client
	// Auth is sent in each CONNECT packet: a value (marshalled as JSON), or a func() any called
	// on each connection attempt. Nil sends no auth.
	Auth any
	// ForceNew makes Connect create a new Manager instead of reusing the one for the same URL.
	ForceNew bool
	// NoMultiplex is ForceNew (the JS client's multiplex: false): Connect creates a Manager of
	// its own, which is not shared with later Connects.
	NoMultiplex bool
	// NoReconnection turns automatic reconnection off (the JS client's reconnection: false).
	NoReconnection bool
	// ReconnectionAttempts is how many attempts are made before giving up. Zero means no limit.
	ReconnectionAttempts int
	// ReconnectionDelay is the first delay between attempts; it doubles at each attempt. Zero
	// means 1s.
	ReconnectionDelay time.Duration
	// ReconnectionDelayMax caps the delay. Zero means 5s.
	ReconnectionDelayMax time.Duration
	// RandomizationFactor spreads each delay by ± this fraction. Zero means 0.5; negative means none.
	RandomizationFactor float64
	// Timeout bounds each connection attempt (handshake). Zero means 20s.
	Timeout time.Duration
	// AckTimeout is the default timeout of EmitWithAck when ctx has no deadline. Zero means none.
	AckTimeout time.Duration
	// MaxBufferedPackets bounds the packets a Socket keeps while disconnected (its send buffer,
	// and the events received before the server's CONNECT answer). Zero means 1000.
	MaxBufferedPackets int
	// MaxBufferedBytes bounds the same buffers in bytes (each packet's JSON and attachments).
	// Zero means 16 MiB. An Emit that would go past either bound is not kept: it fails with
	// ErrQueueFull and no acknowledgement is awaited.
	MaxBufferedBytes int
	// NoPerMessageDeflate stops offering the permessage-deflate WebSocket extension (the JS
	// client's perMessageDeflate: false). The server decides whether it is used.
	NoPerMessageDeflate bool
	// CompressionThreshold is the size in bytes from which a WebSocket message is compressed,
	// when the extension was negotiated and the emit's Compress flag is on. Zero means 1024.
	CompressionThreshold int
	// MaxPayload bounds a received polling payload or WebSocket message, in bytes. Zero means
	// 100 MB.
	MaxPayload int
	// Logger receives the client's logs. Nil means slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = "/socket.io/"
	}
	if len(o.Transports) == 0 {
		o.Transports = []string{"polling", "websocket"}
	}
	if o.ReconnectionDelay == 0 {
		o.ReconnectionDelay = time.Second
	}
	if o.ReconnectionDelayMax == 0 {
		o.ReconnectionDelayMax = 5 * time.Second
	}
	if o.RandomizationFactor == 0 {
		o.RandomizationFactor = 0.5
	} else if o.RandomizationFactor < 0 {
		o.RandomizationFactor = 0
	}
	if o.Timeout == 0 {
		o.Timeout = 20 * time.Second
	}
	if o.MaxBufferedPackets == 0 {
		o.MaxBufferedPackets = 1000
	}
	if o.MaxBufferedBytes == 0 {
		o.MaxBufferedBytes = DefaultMaxBufferedBytes
	}
	if o.CompressionThreshold == 0 {
		o.CompressionThreshold = 1024
	}
	if o.MaxPayload == 0 {
		o.MaxPayload = 100 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// backoff is the JS client's backoff (component "backo2"): min·2^attempts, randomised by
// ±factor, capped at max.
type backoff struct {
	min, max time.Duration
	jitter   float64
	attempts int
}

func (b *backoff) duration() time.Duration {
	ms := float64(b.min.Milliseconds()) * math.Pow(2, float64(b.attempts))
	b.attempts++
	if b.jitter > 0 {
		r := rand.Float64()
		dev := math.Floor(r * b.jitter * ms)
		if int(math.Floor(r*10))&1 == 0 {
			ms -= dev
		} else {
			ms += dev
		}
	}
	d := time.Duration(math.Min(ms, float64(b.max.Milliseconds()))) * time.Millisecond
	return d
}

// Manager is one connection to a server (one Engine.IO session at a time), shared by the
// Sockets of its namespaces, and the reconnection logic (socket.io-client's Manager).
type Manager struct {
	opts     Options
	base     *url.URL
	http     *http.Client
	ownHTTP  *http.Transport
	cacheKey string

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	loop   *loop

	mu           sync.Mutex
	eng          *engine
	dec          parser.Decoder
	opening      bool // a connect or reconnect routine runs
	closed       bool
	skipRecon    bool
	nsps         map[string]*Socket
	onAttempt    []func(int)
	onReconnect  []func(int)
	onReconErr   []func(error)
	onReconFail  []func()
	onError      []func(error)
	onOpen       []func()
	onCloseHooks []func(string)
	onUpgrade    []func(string)
	onPacket     []func(engineio.Packet)
	onPktCreate  []func(engineio.Packet)
	onDrain      []func()
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*Manager{}
)

// NewManager returns a Manager for the server at rawURL (http, https, ws or wss; its path, if
// any, is ignored: namespaces are chosen with Socket). It connects when a Socket does.
func NewManager(rawURL string, opts Options) (*Manager, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	switch u.Scheme {
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	case "http", "https":
	default:
		return nil, fmt.Errorf("client: unsupported URL scheme %q", u.Scheme)
	}
	o := opts.withDefaults()
	base := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: o.Path}
	m := &Manager{opts: o, base: base, http: o.HTTPClient, nsps: map[string]*Socket{}}
	if m.http == nil {
		m.ownHTTP = &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: o.TLSConfig,
			MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}
		m.http = &http.Client{Transport: m.ownHTTP}
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.loop = newLoop()
	m.wg.Add(1)
	go func() { defer m.wg.Done(); m.loop.run(o.Logger) }()
	return m, nil
}

// Socket returns the Socket of namespace nsp ("/" when empty), creating it with auth (see
// Options.Auth; nil means the Manager's Options.Auth); it connects with Socket.Connect.
func (m *Manager) Socket(nsp string, auth any) *Socket {
	if nsp == "" {
		nsp = "/"
	} else if !strings.HasPrefix(nsp, "/") {
		nsp = "/" + nsp
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.socketLocked(nsp, auth)
}

// socketLocked is Socket with m.mu held and nsp normalised.
func (m *Manager) socketLocked(nsp string, auth any) *Socket {
	if s, ok := m.nsps[nsp]; ok {
		return s
	}
	if auth == nil {
		auth = m.opts.Auth
	}
	s := newSocket(m, nsp, auth)
	m.nsps[nsp] = s
	return s
}

// OnReconnectAttempt registers f for each reconnection attempt (attempt counts from 1).
func (m *Manager) OnReconnectAttempt(f func(attempt int)) {
	m.hook(func() { m.onAttempt = append(m.onAttempt, f) })
}

// OnReconnect registers f for a successful reconnection, after attempt attempts.
func (m *Manager) OnReconnect(f func(attempt int)) {
	m.hook(func() { m.onReconnect = append(m.onReconnect, f) })
}

// OnReconnectError registers f for each failed reconnection attempt.
func (m *Manager) OnReconnectError(f func(error)) {
	m.hook(func() { m.onReconErr = append(m.onReconErr, f) })
}

// OnReconnectFailed registers f for when ReconnectionAttempts attempts failed.
func (m *Manager) OnReconnectFailed(f func()) {
	m.hook(func() { m.onReconFail = append(m.onReconFail, f) })
}

// OnError registers f for each failed connection (the Manager's "error" event).
func (m *Manager) OnError(f func(error)) { m.hook(func() { m.onError = append(m.onError, f) }) }

// OnOpen registers f for each new Engine.IO session.
func (m *Manager) OnOpen(f func()) { m.hook(func() { m.onOpen = append(m.onOpen, f) }) }

// OnUpgrade registers f for each upgrade of the session's transport (to "websocket").
func (m *Manager) OnUpgrade(f func(transport string)) {
	m.hook(func() { m.onUpgrade = append(m.onUpgrade, f) })
}

// OnClose registers f for the end of each Engine.IO session, with its reason.
func (m *Manager) OnClose(f func(reason string)) {
	m.hook(func() { m.onCloseHooks = append(m.onCloseHooks, f) })
}

// OnPacket registers f for every Engine.IO packet the session receives, pings included (the
// engine's "packet" event: socket.io.engine.on("packet") in the JS client). f runs on the
// Manager's event goroutine and must not modify the packet's Data.
func (m *Manager) OnPacket(f func(engineio.Packet)) {
	m.hook(func() { m.onPacket = append(m.onPacket, f) })
}

// OnPacketCreate registers f for every Engine.IO packet the session queues for sending, pongs
// included (the engine's "packetCreate" event). f must not modify the packet's Data.
func (m *Manager) OnPacketCreate(f func(engineio.Packet)) {
	m.hook(func() { m.onPktCreate = append(m.onPktCreate, f) })
}

// OnDrain registers f for each time the session has written what was queued (the engine's
// "drain" event).
func (m *Manager) OnDrain(f func()) { m.hook(func() { m.onDrain = append(m.onDrain, f) }) }

// engineListeners sets e's packet, packetCreate and drain callbacks (m.mu held): each runs the
// Manager's listeners of the moment on its event goroutine, in order.
func (m *Manager) engineListeners(e *engine) {
	e.onPacket = func(p engineio.Packet) {
		m.mu.Lock()
		hooks := m.onPacket
		m.mu.Unlock()
		if len(hooks) > 0 {
			m.loop.post(func() {
				for _, f := range hooks {
					f(p)
				}
			})
		}
	}
	e.onPacketCreate = func(pkts []engineio.Packet) {
		m.mu.Lock()
		hooks := m.onPktCreate
		m.mu.Unlock()
		if len(hooks) > 0 {
			pkts = slices.Clone(pkts)
			m.loop.post(func() {
				for _, p := range pkts {
					for _, f := range hooks {
						f(p)
					}
				}
			})
		}
	}
	e.onDrain = func() {
		m.mu.Lock()
		hooks := m.onDrain
		m.mu.Unlock()
		if len(hooks) > 0 {
			m.loop.post(func() {
				for _, f := range hooks {
					f()
				}
			})
		}
	}
}

func (m *Manager) hook(f func()) {
	m.mu.Lock()
	f()
	m.mu.Unlock()
}

// Transport is the name of the current transport ("polling" or "websocket"), or "" when
// there is no session.
func (m *Manager) Transport() string {
	m.mu.Lock()
	e := m.eng
	m.mu.Unlock()
	if e == nil {
		return ""
	}
	return e.Transport()
}

// open starts connecting unless a session exists or a routine is already at it.
func (m *Manager) open() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.openLocked(false)
}

func (m *Manager) openLocked(reconnecting bool) {
	if m.closed || m.opening || m.eng != nil {
		return
	}
	m.opening = true
	m.skipRecon = false
	m.wg.Add(1)
	go m.connectRoutine(reconnecting)
}

// connectRoutine opens a session, retrying with backoff while reconnection is on.
func (m *Manager) connectRoutine(reconnecting bool) {
	defer m.wg.Done()
	b := backoff{min: m.opts.ReconnectionDelay, max: m.opts.ReconnectionDelayMax, jitter: m.opts.RandomizationFactor}
	for {
		if reconnecting {
			if m.opts.ReconnectionAttempts > 0 && b.attempts >= m.opts.ReconnectionAttempts {
				m.mu.Lock()
				m.opening = false
				hooks := m.onReconFail
				m.mu.Unlock()
				m.loop.post(func() {
					for _, f := range hooks {
						f()
					}
				})
				m.forEachSocket(func(s *Socket) { s.onReconnectFailed() })
				return
			}
			t := time.NewTimer(b.duration())
			select {
			case <-m.ctx.Done():
				t.Stop()
				m.endOpening()
				return
			case <-t.C:
			}
			if m.stopReconnecting() {
				return
			}
			attempt := b.attempts
			m.mu.Lock()
			hooks := m.onAttempt
			m.mu.Unlock()
			m.loop.post(func() {
				for _, f := range hooks {
					f(attempt)
				}
			})
		}
		ctx, cancel := context.WithTimeout(m.ctx, m.opts.Timeout)
		e, err := dialEngine(ctx, &m.opts, m.base, m.http)
		cancel()
		if err == nil {
			if m.install(e, reconnecting, b.attempts) {
				return
			}
			err = ErrClosed
		}
		if m.ctx.Err() != nil {
			m.endOpening()
			return
		}
		m.mu.Lock()
		errHooks, reconHooks := m.onError, m.onReconErr
		m.mu.Unlock()
		wasReconnecting := reconnecting
		m.loop.post(func() {
			for _, f := range errHooks {
				f(err)
			}
			if wasReconnecting {
				for _, f := range reconHooks {
					f(err)
				}
			}
		})
		m.forEachSocket(func(s *Socket) { s.onTransportError(err) })
		if m.opts.NoReconnection || m.stopReconnecting() {
			m.endOpening()
			return
		}
		reconnecting = true
	}
}

func (m *Manager) endOpening() {
	m.mu.Lock()
	m.opening = false
	m.mu.Unlock()
}

// stopReconnecting reports (and ends the routine's state) when reconnecting is no longer wanted:
// the Manager closed, or no Socket is active any more.
func (m *Manager) stopReconnecting() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || m.skipRecon || !m.anyActiveLocked() {
		m.opening = false
		return true
	}
	return false
}

func (m *Manager) anyActiveLocked() bool {
	for _, s := range m.nsps {
		if s.isActive() {
			return true
		}
	}
	return false
}

// install makes e the session; the engine was dialled with nil callbacks, set here before its
// goroutines can call them (dialEngine starts them after the handshake: see hooks).
func (m *Manager) install(e *engine, reconnected bool, attempts int) bool {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		e.teardownConns()
		e.cancel()
		return false
	}
	m.eng = e
	m.opening = false
	m.dec.Reset()
	open, recon := m.onOpen, m.onReconnect
	e.onUpgrade = func() {
		m.mu.Lock()
		hooks := m.onUpgrade
		m.mu.Unlock()
		m.loop.post(func() {
			for _, f := range hooks {
				f("websocket")
			}
		})
	}
	m.engineListeners(e)
	e.start(m.onMessage, func(reason string, err error) { m.onEngineClose(e, reason, err) })
	m.mu.Unlock()
	m.loop.post(func() {
		for _, f := range open {
			f()
		}
		if reconnected {
			for _, f := range recon {
				f(attempts)
			}
		}
	})
	m.forEachSocket(func(s *Socket) { s.onOpen() })
	return true
}

func (m *Manager) forEachSocket(f func(*Socket)) {
	m.mu.Lock()
	ss := make([]*Socket, 0, len(m.nsps))
	for _, s := range m.nsps {
		ss = append(ss, s)
	}
	m.mu.Unlock()
	for _, s := range ss {
		f(s)
	}
}

// onMessage decodes Engine.IO messages into Socket.IO packets (on the session's reader).
func (m *Manager) onMessage(data []byte, binary bool) error {
	p, err := m.dec.Decode(data, binary)
	if err != nil {
		return err
	}
	if p == nil {
		return nil // waiting for attachments
	}
	m.mu.Lock()
	s := m.nsps[p.Nsp]
	m.mu.Unlock()
	if s == nil {
		return nil // as the JS client: packets for namespaces we do not have are ignored
	}
	return s.onPacket(p)
}

func (m *Manager) onEngineClose(e *engine, reason string, err error) {
	m.mu.Lock()
	if m.eng != e {
		m.mu.Unlock()
		return
	}
	m.eng = nil
	hooks := m.onCloseHooks
	// leaving: the client was closing this session (its last Socket left), whatever ended it
	// first (its close packet, or the server's answer to its DISCONNECT).
	leaving := m.skipRecon || reason == reasonForcedClose
	recon := !m.closed && !m.opts.NoReconnection && !leaving
	m.mu.Unlock()
	if err != nil {
		m.opts.Logger.Debug("client: session closed", "reason", reason, "err", err)
	}
	m.loop.post(func() {
		for _, f := range hooks {
			f(reason)
		}
	})
	m.forEachSocket(func(s *Socket) { s.onClose(reason) })
	m.mu.Lock()
	if !m.closed && m.anyActiveLocked() {
		switch {
		case leaving:
			// The client closed the session (its last Socket left) and a Socket connected
			// since: a new session at once.
			m.openLocked(false)
		case recon:
			m.openLocked(true)
		}
	}
	m.mu.Unlock()
}

// send writes a Socket.IO packet on the current session.
func (m *Manager) send(p *parser.Packet, compress bool) error {
	m.mu.Lock()
	e := m.eng
	m.mu.Unlock()
	if e == nil {
		return ErrClosed
	}
	return e.sendSocketIO(p, compress)
}

// maybeClose closes the session when no Socket is active (a Socket left).
func (m *Manager) maybeClose() {
	m.mu.Lock()
	if m.anyActiveLocked() {
		m.mu.Unlock()
		return
	}
	m.skipRecon = true
	e := m.eng
	m.mu.Unlock()
	if e != nil {
		e.close()
	}
}

// Close disconnects every Socket, ends the session and stops reconnecting. It returns when the
// Manager's goroutines have ended, except when called from one of its handlers: then they end
// once the handler returns.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.skipRecon = true
	e := m.eng
	m.mu.Unlock()
	cacheMu.Lock()
	if cache[m.cacheKey] == m {
		delete(cache, m.cacheKey)
	}
	cacheMu.Unlock()
	m.forEachSocket(func(s *Socket) { s.closeByManager() })
	if e != nil {
		e.close()
	}
	m.cancel()
	m.loop.stop()
	if m.loop.isLoopGoroutine() {
		return nil
	}
	m.wg.Wait()
	if e != nil {
		e.wait()
	}
	if m.ownHTTP != nil {
		m.ownHTTP.CloseIdleConnections()
	}
	return nil
}

// loop runs the user's handlers of one Manager, in order, on one goroutine, so that a handler
// that waits (for an acknowledgement, say) does not stop the session's reader.
type loop struct {
	mu      sync.Mutex
	cond    *sync.Cond
	q       []func()
	stopped bool
	gid     uint64
}

// loopMax bounds the queued handler calls; the session's reader waits above it.
const loopMax = 1024

func newLoop() *loop {
	l := &loop{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// post queues f; above loopMax queued calls it waits, unless called from the loop itself.
func (l *loop) post(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.q) >= loopMax && curGoroutineID() != l.gid {
		for len(l.q) >= loopMax && !l.stopped {
			l.cond.Wait()
		}
	}
	if l.stopped {
		return
	}
	l.q = append(l.q, f)
	l.cond.Broadcast()
}

func (l *loop) run(log *slog.Logger) {
	l.mu.Lock()
	l.gid = curGoroutineID()
	for {
		for len(l.q) == 0 && !l.stopped {
			l.cond.Wait()
		}
		if len(l.q) == 0 && l.stopped {
			l.mu.Unlock()
			return
		}
		f := l.q[0]
		l.q[0] = nil
		l.q = l.q[1:]
		l.cond.Broadcast()
		l.mu.Unlock()
		safeCall(log, f)
		l.mu.Lock()
	}
}

// stop ends the loop once the calls already queued have run.
func (l *loop) stop() {
	l.mu.Lock()
	l.stopped = true
	l.cond.Broadcast()
	l.mu.Unlock()
}

func (l *loop) isLoopGoroutine() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.gid == curGoroutineID()
}

func safeCall(log *slog.Logger, f func()) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("client: handler panicked", "err", fmt.Sprint(r))
		}
	}()
	f()
}

// curGoroutineID is the id of the calling goroutine, read from its stack header.
func curGoroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	str, _ := strings.CutPrefix(string(b), "goroutine ")
	var id uint64
	for _, c := range []byte(str) {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
