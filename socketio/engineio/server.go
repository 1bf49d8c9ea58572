package engineio

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gosockio/gosockio/internal/gopool"
)

// Server is an Engine.IO v4 server: an http.Handler serving Options.Path. Create it with
// NewServer.
type Server struct {
	opts         Options
	h            Handler
	log          *slog.Logger
	upgrader     websocket.Upgrader
	writePool    sync.Pool // gorilla write buffers shared by every WebSocket
	pollingOn    bool
	wsOn         bool
	closeTimeout time.Duration // bound of a graceful session close
	writeTimeout time.Duration // bound of one WebSocket batch write
	upgradeCheck time.Duration // how long a GET arriving during an upgrade is held
	noPoll       bool          // every WebSocket gets a reading goroutine (tests)
	flushMu      sync.Mutex
	flushList    []*wsTransport // WebSockets with something to write (see scheduleFlush)
	flushers     int            // flusher goroutines running
	pool         *gopool.Pool   // goroutines kept for reader runs, flushers and writers
	pollOnce     sync.Once
	poll         *poller // watches idle WebSockets (Linux); nil until the first one, or if unavailable

	mu        sync.RWMutex
	sessions  map[string]*Conn // a nil value reserves an id during a handshake
	closing   bool             // Close called: handshakes are refused
	stopped   bool             // Close is waiting for goroutines: every request is refused
	drained   chan struct{}    // closed when no session is left, once closing
	closeDone chan struct{}    // closed when Close has returned
	closeErr  error
	wg        sync.WaitGroup // goroutines running our code: WebSocket readers/writers, GETs
	count     atomic.Int64
}

// NewServer returns a Server that reports sessions to h. It validates and copies opts.
func NewServer(opts Options, h Handler) (*Server, error) {
	if h == nil {
		return nil, errors.New("engineio: NewServer: nil Handler")
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:     o,
		h:        h,
		log:      o.Logger,
		sessions: make(map[string]*Conn),
		pool:     gopool.New(0),
	}
	s.pollingOn = slices.Contains(o.Transports, TransportPolling)
	s.wsOn = slices.Contains(o.Transports, TransportWebSocket)
	s.closeTimeout = min(30*time.Second, o.PingInterval+o.PingTimeout)
	s.writeTimeout = o.PingInterval + o.PingTimeout
	s.upgradeCheck = upgradeCheck
	s.upgrader = websocket.Upgrader{
		// As in Node, the WebSocket origin is not checked: use AllowRequest for that.
		CheckOrigin:       func(*http.Request) bool { return true },
		EnableCompression: o.PerMessageDeflate != nil,
		WriteBufferPool:   &s.writePool,
		HandshakeTimeout:  o.PingTimeout,
	}
	return s, nil
}

// Options returns the effective options (defaults filled in). The result is a copy.
func (s *Server) Options() Options { return s.opts.clone() }

// ClientsCount returns the number of open sessions (Node's engine.clientsCount).
func (s *Server) ClientsCount() int { return int(s.count.Load()) }

// matchPath reports whether p is the served path, with or without its trailing slash.
func (s *Server) matchPath(p string) bool {
	return p == s.opts.Path || p == s.opts.Path[:len(s.opts.Path)-1]
}

// ServeHTTP serves the Engine.IO requests whose path is Options.Path (with or without trailing
// slash); other paths get 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.matchPath(r.URL.Path) {
		http.NotFound(w, r)
		return
	}
	// POSTs are not tracked: they end when the client has sent its body.
	tracked := r.Method != http.MethodPost
	if tracked {
		s.mu.RLock()
		if s.stopped {
			s.mu.RUnlock()
			s.shuttingDown(w, r)
			return
		}
		s.wg.Add(1)
		s.mu.RUnlock()
		defer s.wg.Done()
	}
	if s.opts.CORS != nil {
		s.applyCORS(w.Header(), r)
		if r.Method == http.MethodOptions {
			s.preflight(w.Header(), r)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	q := r.URL.Query()
	transport := q.Get("transport")
	upgrade := transport == TransportWebSocket && websocket.IsWebSocketUpgrade(r)
	if !(transport == TransportPolling && s.pollingOn || transport == TransportWebSocket && s.wsOn) {
		s.fail(w, r, CodeTransportUnknown, map[string]any{"transport": transport})
		return
	}
	if origin := r.Header.Get("Origin"); invalidHeaderValue(origin) {
		s.fail(w, r, CodeBadRequest, map[string]any{"name": "INVALID_ORIGIN", "origin": origin})
		return
	}
	if sid := q.Get("sid"); sid != "" {
		s.serveSession(w, r, sid, transport, upgrade)
		return
	}
	s.serveHandshake(w, r, q, transport, upgrade)
}

// serveSession serves a request of an existing session: a polling GET or POST, or the WebSocket
// of an upgrade.
func (s *Server) serveSession(w http.ResponseWriter, r *http.Request, sid, transport string, upgrade bool) {
	c := s.lookup(sid)
	if c != nil && c.pingExpired() {
		c = nil
	} else if c != nil && c.isClosed() {
		if transport == TransportPolling && r.Method == http.MethodGet && c.takeOwedNoop() {
			s.forget(c)
			s.serveOwedNoop(c, w, r)
			return
		}
		c = nil
	}
	if c == nil {
		s.fail(w, r, CodeUnknownSID, map[string]any{"sid": sid})
		return
	}
	if cur := c.Transport(); !upgrade && cur != transport {
		s.fail(w, r, CodeBadRequest, map[string]any{"name": "TRANSPORT_MISMATCH", "transport": transport, "previousTransport": cur})
		return
	}
	switch {
	case upgrade && s.opts.DisableUpgrades && c.Transport() == TransportPolling:
		s.fail(w, r, CodeBadRequest, map[string]any{"name": "TRANSPORT_MISMATCH", "transport": transport, "previousTransport": TransportPolling})
	case upgrade:
		s.serveUpgrade(c, w, r)
	case r.Method == http.MethodGet:
		s.servePollGet(c, w, r, false)
	case r.Method == http.MethodPost:
		s.servePollPost(c, w, r)
	default:
		s.fail(w, r, CodeBadRequest, map[string]any{"name": "BAD_METHOD", "method": r.Method})
	}
}

// serveHandshake opens a new session, polling or WebSocket, once the request passes Node's
// checks (method, transport, shutdown, AllowRequest, protocol version, id generation).
func (s *Server) serveHandshake(w http.ResponseWriter, r *http.Request, q url.Values, transport string, upgrade bool) {
	if r.Method != http.MethodGet {
		s.fail(w, r, CodeBadHandshakeMethod, map[string]any{"method": r.Method})
		return
	}
	if transport == TransportWebSocket && !upgrade {
		s.fail(w, r, CodeBadRequest, map[string]any{"name": "TRANSPORT_HANDSHAKE_ERROR"})
		return
	}
	if s.isClosing() {
		s.shuttingDown(w, r)
		return
	}
	if s.opts.AllowRequest != nil {
		if err := s.opts.AllowRequest(r); err != nil {
			s.failMessage(w, r, CodeForbidden, err.Error(), map[string]any{"message": err.Error(), "error": err})
			return
		}
	}
	if eio := q.Get("EIO"); eio != "4" {
		s.fail(w, r, CodeUnsupportedProtocolVersion, map[string]any{"protocol": eio})
		return
	}
	id, err := s.newID(r)
	if err != nil {
		s.fail(w, r, CodeBadRequest, map[string]any{"name": "ID_GENERATION_ERROR", "error": err})
		return
	}
	if upgrade {
		s.serveWebSocketHandshake(id, w, r)
		return
	}
	c := newConn(s, id, r, false)
	s.open(c)
	s.servePollGet(c, w, r, true)
}

// newID returns a new session id and reserves it.
func (s *Server) newID(r *http.Request) (string, error) {
	var id string
	if s.opts.GenerateID != nil {
		var err error
		if id, err = s.opts.GenerateID(r); err != nil {
			return "", fmt.Errorf("engineio: generate id: %w", err)
		}
		if id == "" {
			return "", errors.New("engineio: generate id: empty id")
		}
	} else {
		var b [15]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand)
		id = base64.RawURLEncoding.EncodeToString(b[:])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.sessions[id]; dup {
		return "", fmt.Errorf("engineio: generate id: id %q already in use", id)
	}
	s.sessions[id] = nil
	return id, nil
}

// release drops the reservation of an id whose handshake failed.
func (s *Server) release(id string) {
	s.mu.Lock()
	if c, ok := s.sessions[id]; ok && c == nil {
		delete(s.sessions, id)
	}
	s.mu.Unlock()
}

// forget drops a closed session kept for its owed noop.
func (s *Server) forget(c *Conn) {
	s.mu.Lock()
	if s.sessions[c.id] == c {
		delete(s.sessions, c.id)
	}
	s.mu.Unlock()
}

func (s *Server) lookup(sid string) *Conn {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sessions[sid]
}

func (s *Server) isClosing() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closing
}

type handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int64    `json:"maxPayload"`
}

// open queues c's open packet, calls Handler.Open, registers c and starts its heartbeat.
func (s *Server) open(c *Conn) {
	upgrades := []string{}
	if !c.isWS && s.wsOn && !s.opts.DisableUpgrades {
		upgrades = []string{TransportWebSocket}
	}
	b, _ := json.Marshal(handshake{ // cannot fail
		SID:          c.id,
		Upgrades:     upgrades,
		PingInterval: s.opts.PingInterval.Milliseconds(),
		PingTimeout:  s.opts.PingTimeout.Milliseconds(),
		MaxPayload:   s.opts.MaxHTTPBufferSize,
	})
	c.mu.Lock()
	// The open packet is not subject to the queue limits.
	c.queue = append(c.queue, &Message{Data: b, ctrl: '0'})
	c.queued++
	c.wakeLocked()
	c.mu.Unlock()

	c.startHeartbeat() // as in Node, before the session is announced

	var ch ConnHandler
	c.safe("Open", func() { ch = s.h.Open(c) })
	c.mu.Lock()
	c.handler = ch
	closedDuringOpen := c.closeNotified // OnClose went to the listeners only
	reason, cause := c.reason, c.err
	c.mu.Unlock()
	if closedDuringOpen && ch != nil {
		c.safe("OnClose", func() { ch.OnClose(reason, cause) })
	}

	s.mu.Lock()
	c.mu.Lock()
	closed := c.state == stateClosed
	c.mu.Unlock()
	registered := false
	switch {
	case closed:
		delete(s.sessions, c.id)
	case s.closing:
		delete(s.sessions, c.id)
	default:
		s.sessions[c.id] = c
		s.count.Add(1)
		registered = true
	}
	s.mu.Unlock()
	// Only now may the open packet (which tells the client the session id) be written: a request
	// of the client's with that id finds the session.
	c.mu.Lock()
	if c.state == stateHandshake {
		c.setState(stateOpen)
	}
	c.wakeLocked()
	c.mu.Unlock()
	if registered {
		s.log.LogAttrs(bg, levelDebug, "engineio: session opened", sidAttr(c.id), slog.String("transport", c.Transport()))
	} else {
		c.closeGraceful(ReasonServerShutdown, false)
	}
}

// owedNoopGrace is how long a session closed by the client's "1" stays known so that a GET which
// raced that close is answered "6" rather than 400.
const owedNoopGrace = time.Second

// remove forgets a closed session. A session owing a noop stays in the table (not counted) for
// owedNoopGrace.
func (s *Server) remove(c *Conn, owesNoop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[c.id] != c {
		return
	}
	if owesNoop {
		time.AfterFunc(owedNoopGrace, func() { s.forget(c) })
	} else {
		delete(s.sessions, c.id)
	}
	if s.count.Add(-1) == 0 && s.drained != nil {
		select {
		case <-s.drained:
		default:
			close(s.drained)
		}
	}
}

// Close closes every session with ReasonServerShutdown, flushing their queued packets until ctx
// ends (then closing the rest at once), refuses new requests, and returns once every goroutine the
// server started (and every long-polling or WebSocket request it serves) has ended. It returns a
// non-nil error wrapping ctx.Err() if ctx ended before the flush completed. It is idempotent: a
// later call waits for the first to finish (or for its own ctx).
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closeDone != nil {
		done := s.closeDone
		s.mu.Unlock()
		select {
		case <-done:
			return s.closeErr
		case <-ctx.Done():
			return fmt.Errorf("engineio: close: %w", ctx.Err())
		}
	}
	s.closeDone = make(chan struct{})
	s.closing = true
	s.drained = make(chan struct{})
	var conns []*Conn
	for _, c := range s.sessions {
		if c != nil {
			conns = append(conns, c)
		}
	}
	if s.count.Load() == 0 {
		close(s.drained)
	}
	s.mu.Unlock()

	for _, c := range conns {
		c.closeGraceful(ReasonServerShutdown, true)
	}
	var err error
	select {
	case <-s.drained:
	case <-ctx.Done():
		err = fmt.Errorf("engineio: close: %w", ctx.Err())
		for _, c := range conns {
			c.closeWith(ReasonServerShutdown, err, PacketClose)
		}
	}
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.wg.Wait()
	s.pollOnce.Do(func() {}) // no poller may start any more
	if s.poll != nil {
		s.poll.close()
	}
	s.pool.Close()
	s.closeErr = err
	close(s.closeDone)
	return err
}

// fail refuses a request with Node's message for code.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, code int, ctx map[string]any) {
	s.failMessage(w, r, code, CodeMessage(code), ctx)
}

func (s *Server) failMessage(w http.ResponseWriter, r *http.Request, code int, msg string, ctx map[string]any) {
	e := &ConnectionError{Req: r, Code: code, Message: msg, Context: ctx}
	s.log.LogAttrs(bg, levelDebug, "engineio: request refused", slog.Int("code", code), slog.String("message", msg),
		slog.String("method", r.Method), slog.String("url", r.URL.String()))
	if s.opts.OnConnectionError != nil {
		s.opts.OnConnectionError(e)
	}
	writeJSONError(w, e.status(), code, msg)
}

// shuttingDown refuses a request while the server closes: 503 with code 3.
func (s *Server) shuttingDown(w http.ResponseWriter, r *http.Request) {
	e := &ConnectionError{Req: r, Code: CodeBadRequest, Message: CodeMessage(CodeBadRequest),
		Context: map[string]any{"name": "SERVER_SHUTTING_DOWN"}}
	if s.opts.OnConnectionError != nil {
		s.opts.OnConnectionError(e)
	}
	writeJSONError(w, http.StatusServiceUnavailable, e.Code, e.Message)
}

func writeJSONError(w http.ResponseWriter, status, code int, msg string) {
	b, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// sessionHeaders runs the cookie and header hooks on the headers of a session's response.
func (s *Server) sessionHeaders(h http.Header, r *http.Request, sid string, initial, polling bool) {
	if initial {
		if ck := s.opts.Cookie; ck != nil && polling {
			cookie := &http.Cookie{
				Name:     ck.Name,
				Value:    sid,
				Path:     ck.Path,
				Domain:   ck.Domain,
				MaxAge:   int(ck.MaxAge / time.Second),
				Secure:   ck.Secure,
				HttpOnly: !ck.DisableHTTPOnly,
				SameSite: ck.SameSite,
			}
			if v := cookie.String(); v != "" {
				h.Add("Set-Cookie", v)
			}
		}
		if s.opts.InitialHeaders != nil {
			s.opts.InitialHeaders(h, r)
		}
	}
	if s.opts.Headers != nil {
		s.opts.Headers(h, r)
	}
}

// invalidHeaderValue reports whether v holds a character not allowed in a header value.
func invalidHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return true
		}
	}
	return false
}

var (
	levelDebug = slog.LevelDebug
	levelError = slog.LevelError
)

func sidAttr(id string) slog.Attr { return slog.String("sid", id) }
func errAttr(err error) slog.Attr { return slog.Any("err", err) }

// applyCORS sets the CORS headers of a response.
func (s *Server) applyCORS(h http.Header, r *http.Request) {
	o := s.opts.CORS
	origin := r.Header.Get("Origin")
	switch {
	case o.AllowOrigin != nil:
		h.Add("Vary", "Origin")
		if origin != "" && o.AllowOrigin(origin, r) {
			h.Set("Access-Control-Allow-Origin", origin)
		}
	case len(o.Origins) == 0 || slices.Contains(o.Origins, "*"):
		if o.Credentials && origin != "" {
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Allow-Origin", origin)
		} else {
			h.Set("Access-Control-Allow-Origin", "*")
		}
	default:
		h.Add("Vary", "Origin")
		if origin != "" && slices.Contains(o.Origins, origin) {
			h.Set("Access-Control-Allow-Origin", origin)
		}
	}
	if o.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(o.ExposedHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(o.ExposedHeaders, ","))
	}
}

// preflight adds the headers of a preflight answer.
func (s *Server) preflight(h http.Header, r *http.Request) {
	o := s.opts.CORS
	methods := "GET,HEAD,PUT,PATCH,POST,DELETE"
	if o.Methods != nil {
		methods = strings.Join(o.Methods, ",")
	}
	h.Set("Access-Control-Allow-Methods", methods)
	if o.AllowedHeaders != nil {
		h.Set("Access-Control-Allow-Headers", strings.Join(o.AllowedHeaders, ","))
	} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Add("Vary", "Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Headers", req)
	}
	if o.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", fmt.Sprint(int64(o.MaxAge/time.Second)))
	}
	h.Set("Content-Length", "0")
}
