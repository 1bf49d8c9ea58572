package socketio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/internal/gopool"
	"github.com/gosockio/gosockio/socketio/engineio"
)

// Options configure a Server. The zero value is a working single-node server with Node's
// defaults.
type Options struct {
	// Engine configures the Engine.IO transport layer: path (default "/socket.io/"), ping
	// interval and timeout, upgrade timeout, maximum HTTP buffer size, transports, CORS,
	// cookie, compression, the allowRequest hook, the initial_headers and headers hooks, the
	// connection_error hook and the session id generator (Node's engine.generateId).
	Engine engineio.Options
	// ConnectTimeout closes a connection that has not joined a namespace in time. Zero means
	// 45s (Node's connectTimeout); negative means never.
	ConnectTimeout time.Duration
	// Adapter builds each namespace's adapter. Nil means adapter.Memory (a single node); use
	// redisadapter.New for a cluster.
	Adapter adapter.Factory
	// CleanupEmptyChildNamespaces removes a dynamic namespace's child once its last socket has
	// gone (Node's cleanupEmptyChildNamespaces).
	CleanupEmptyChildNamespaces bool
	// MaxPendingEvents bounds how many received events of one socket may wait for its
	// handlers; when full, reading from the socket's connection pauses (for every namespace
	// of that connection) until the handlers catch up. Zero means 256.
	MaxPendingEvents int
	// MaxAttachments bounds the binary attachments of one received packet. Zero means 10.
	MaxAttachments int
	// Logger receives the server's logs. Nil means slog.Default().
	Logger *slog.Logger

	// ClientDir is a directory holding the browser bundles of socket.io-client: the dist/
	// directory of its npm package (socket.io.js, socket.io.min.js, socket.io.esm.min.js,
	// socket.io.msgpack.min.js and their .map files). As Node's serveClient does, the server
	// answers GET <path>socket.io.js (and the others) with the file, an ETag and
	// Cache-Control "public, max-age=0", 304 Not Modified when If-None-Match holds the ETag, and
	// gzip when the browser accepts it; a changed file is read again. A file the directory
	// lacks, and every file when ClientDir is empty, is redirected (302) to the official CDN
	// build of ClientVersion, https://cdn.socket.io/4.8.4/…, so the page works when the browser
	// can reach the Internet. NewServer fails when ClientDir is set but is not a directory
	// holding at least one of the bundles.
	ClientDir string
	// ConnectionStateRecovery, when set, enables connection-state recovery (Node's
	// connectionStateRecovery): a client whose connection was lost, for one of the reasons
	// Node recovers from, and that reconnects within MaxDisconnectionDuration gets back its
	// socket id, rooms and data, and the events broadcast to it meanwhile (see "Connection-state
	// recovery" in the package documentation). Nil (the default) turns it off. The adapter
	// must implement adapter.SessionStore: with Adapter nil, adapter.MemoryWithRecovery is used.
	ConnectionStateRecovery *ConnectionStateRecovery
	// DisableServeClient turns off serving the client bundle (Node's serveClient: false):
	// <path>socket.io.js and the others then get 404 Not Found.
	DisableServeClient bool
}

// ConnectionStateRecovery configures connection-state recovery. Its zero value is Node's
// defaults.
type ConnectionStateRecovery struct {
	// MaxDisconnectionDuration is how long a disconnected socket's session, and the packets
	// it may have missed, are kept. Zero means 2 minutes (Node's maxDisconnectionDuration).
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs the namespace's middlewares for recovered sockets too. False (the
	// default) skips them, as Node's skipMiddlewares: true does.
	RunMiddlewares bool
	// MaxPackets, MaxBytes and MaxSessions bound the memory of the in-memory adapter, per
	// namespace (see adapter.RecoveryOptions; zero means 10,000 packets, 32 MiB and 100,000
	// sessions). They do not apply to a configured Adapter.
	MaxPackets, MaxBytes, MaxSessions int
}

// Server is a Socket.IO server. It is an http.Handler to mount at Options.Engine.Path
// (default "/socket.io/"). Its own methods act on the main namespace "/".
type Server struct {
	opts   Options
	log    *slog.Logger
	engine *engineio.Server
	errLog errLog
	client *clientFiles // nil: DisableServeClient

	mu          sync.RWMutex
	nsps        map[string]*Namespace
	parents     []*ParentNamespace
	onNewNsp    []func(*Namespace)
	closed      bool
	clients     map[*client]struct{}
	mainNsp     *Namespace
	workers     sync.WaitGroup // the sockets' dispatch goroutines
	pool        *gopool.Pool   // the goroutines they run on, kept for reuse
	closeOnce   sync.Once
	closeResult error
	instr       instrumentSlot // see SetInstrumentation
}

// NewServer returns a server configured by opts (copied; the caller's value is not changed).
func NewServer(opts Options) (*Server, error) {
	if opts.ConnectTimeout == 0 {
		opts.ConnectTimeout = 45 * time.Second
	}
	if r := opts.ConnectionStateRecovery; r != nil {
		rc := *r
		if rc.MaxDisconnectionDuration <= 0 {
			rc.MaxDisconnectionDuration = 2 * time.Minute
		}
		opts.ConnectionStateRecovery = &rc
		if opts.Adapter == nil {
			opts.Adapter = adapter.MemoryWithRecovery(adapter.RecoveryOptions{
				MaxDisconnectionDuration: rc.MaxDisconnectionDuration,
				MaxPackets:               rc.MaxPackets,
				MaxBytes:                 rc.MaxBytes,
				MaxSessions:              rc.MaxSessions,
			})
		}
	}
	if opts.Adapter == nil {
		opts.Adapter = adapter.Memory
	}
	if opts.MaxPendingEvents <= 0 {
		opts.MaxPendingEvents = 256
	}
	if opts.MaxAttachments <= 0 {
		opts.MaxAttachments = 10
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Engine.Logger == nil {
		opts.Engine.Logger = opts.Logger
	}
	s := &Server{
		opts:    opts,
		log:     opts.Logger,
		errLog:  errLog{log: opts.Logger},
		nsps:    make(map[string]*Namespace),
		clients: make(map[*client]struct{}),
		pool:    gopool.New(0),
	}
	if !opts.DisableServeClient {
		prefix := opts.Engine.Path
		if prefix == "" {
			prefix = engineio.DefaultPath
		}
		if !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		c, err := newClientFiles(prefix, opts.ClientDir)
		if err != nil {
			return nil, err
		}
		s.client = c
	}
	eng, err := engineio.NewServer(opts.Engine, engineHandler{s})
	if err != nil {
		return nil, fmt.Errorf("socketio: %w", err)
	}
	s.engine = eng
	main, err := s.of("/", nil)
	if err != nil {
		_ = eng.Close(context.Background())
		return nil, err
	}
	s.mainNsp = main
	if opts.ConnectionStateRecovery != nil {
		if _, ok := main.Adapter().(adapter.SessionStore); !ok {
			_ = s.Close(context.Background())
			return nil, errors.New("socketio: ConnectionStateRecovery needs an adapter that implements adapter.SessionStore")
		}
	}
	return s, nil
}

// ServeHTTP serves the Engine.IO endpoint (long-polling and WebSocket) and, unless
// Options.DisableServeClient is set, the client bundle (see Options.ClientDir).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.client != nil {
		if name, ok := s.client.match(r); ok {
			s.client.serve(w, r, name)
			return
		}
	}
	s.engine.ServeHTTP(w, r)
}

// Engine returns the underlying Engine.IO server (Node's io.engine), e.g. for ClientsCount.
func (s *Server) Engine() *engineio.Server { return s.engine }

// Of returns the namespace called name, creating it on first use. A name without a leading
// slash gets one.
func (s *Server) Of(name string) *Namespace {
	n, err := s.of(name, nil)
	if err != nil {
		// Only an adapter factory failure gets here; the namespace still works locally.
		s.log.Error("socketio: adapter for namespace failed", "nsp", name, "err", err)
	}
	return n
}

// of returns or creates namespace name. parent is set for children of dynamic namespaces.
func (s *Server) of(name string, parent *ParentNamespace) (*Namespace, error) {
	if name == "" || name[0] != '/' {
		name = "/" + name
	}
	s.mu.Lock()
	if n, ok := s.nsps[name]; ok {
		s.mu.Unlock()
		return n, nil
	}
	n := newNamespace(s, name, parent)
	s.nsps[name] = n
	hooks := slices.Clone(s.onNewNsp)
	s.mu.Unlock()
	a, err := s.opts.Adapter(n.local)
	if err != nil {
		a, _ = adapter.Memory(n.local)
		err = fmt.Errorf("socketio: adapter for %s: %w", name, err)
	}
	n.setAdapter(a)
	if parent != nil {
		parent.addChild(n)
	}
	for _, f := range hooks {
		f(n)
	}
	return n, err
}

// OfFunc declares dynamic namespaces: a client connecting to a name that no namespace has yet
// gets one created when match returns true for that name and the client's auth payload. The
// children share the returned parent's middleware and connection handlers.
func (s *Server) OfFunc(match func(name string, auth map[string]any) bool) *ParentNamespace {
	p := &ParentNamespace{srv: s, match: match, children: make(map[string]*Namespace)}
	s.mu.Lock()
	s.parents = append(s.parents, p)
	s.mu.Unlock()
	return p
}

// OfRegexp declares dynamic namespaces whose names match re.
func (s *Server) OfRegexp(re *regexp.Regexp) *ParentNamespace {
	return s.OfFunc(func(name string, _ map[string]any) bool { return re.MatchString(name) })
}

// OnNewNamespace registers f to be called when a namespace is created (Node's "new_namespace").
func (s *Server) OnNewNamespace(f func(*Namespace)) {
	s.mu.Lock()
	s.onNewNsp = append(s.onNewNsp, f)
	s.mu.Unlock()
}

// lookup finds the namespace a client asks for, creating a dynamic child when a parent matches.
func (s *Server) lookup(name string, auth map[string]any) *Namespace {
	s.mu.RLock()
	n, ok := s.nsps[name]
	parents := s.parents
	s.mu.RUnlock()
	if ok {
		return n
	}
	for _, p := range parents {
		if p.match(name, auth) {
			n, _ := s.of(name, p)
			return n
		}
	}
	return nil
}

func (s *Server) removeNamespace(n *Namespace) {
	s.mu.Lock()
	if s.nsps[n.name] == n {
		delete(s.nsps, n.name)
	}
	s.mu.Unlock()
}

func (s *Server) namespaces() []*Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Namespace, 0, len(s.nsps))
	for _, n := range s.nsps {
		out = append(out, n)
	}
	return out
}

// Close shuts the server down: every socket is disconnected with reason "server shutting
// down", every connection is closed, every adapter is closed, and Close returns once every
// goroutine the server started has ended or ctx is done. It is idempotent.
func (s *Server) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.instrumentClose()
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		for _, n := range s.namespaces() {
			for _, sock := range n.Sockets() {
				sock.onClose(ReasonServerShuttingDown)
			}
		}
		var errs []error
		if err := s.engine.Close(ctx); err != nil {
			errs = append(errs, err)
		}
		for _, n := range s.namespaces() {
			if err := n.Adapter().Close(ctx); err != nil {
				errs = append(errs, fmt.Errorf("socketio: close adapter of %s: %w", n.name, err))
			}
		}
		done := make(chan struct{})
		go func() { s.workers.Wait(); close(done) }()
		select {
		case <-done:
			s.pool.Close() // its idle goroutines (the ones at work are counted in workers)
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("socketio: close: %w", ctx.Err()))
		}
		s.errLog.close()
		s.closeResult = errors.Join(errs...)
	})
	return s.closeResult
}

// Ready reports whether the server takes part in its cluster: nil when the adapter of every
// namespace receives the other nodes' messages, for a readiness probe (/readyz). It asks each
// adapter that implements adapter.Readier (the Redis adapters wait, until ctx ends, for Redis
// to confirm their subscriptions, then fail while the connection is lost); an adapter without
// that method, such as the in-memory one, is always ready. After Close it returns
// ErrServerClosed.
func (s *Server) Ready(ctx context.Context) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return ErrServerClosed
	}
	nsps := s.namespaces()
	slices.SortFunc(nsps, func(a, b *Namespace) int { return strings.Compare(a.name, b.name) })
	var errs []error
	for _, n := range nsps {
		if r, ok := n.Adapter().(adapter.Readier); ok {
			if err := r.Ready(ctx); err != nil {
				errs = append(errs, fmt.Errorf("socketio: namespace %s not ready: %w", n.name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// engineHandler receives Engine.IO sessions.
type engineHandler struct{ s *Server }

func (h engineHandler) Open(c *engineio.Conn) engineio.ConnHandler { return newClient(h.s, c) }

// The Server's own methods act on the main namespace.

// Use adds a middleware to the main namespace (see Namespace.Use).
func (s *Server) Use(mw func(*Socket) error) { s.mainNsp.Use(mw) }

// OnConnection registers a handler for sockets joining the main namespace.
func (s *Server) OnConnection(h func(*Socket)) { s.mainNsp.OnConnection(h) }

// On registers a listener for events sent by other nodes with ServerSideEmit to the main
// namespace.
func (s *Server) On(event string, h func(*Event) error) func() { return s.mainNsp.On(event, h) }

// Sockets returns the sockets of this node in the main namespace.
func (s *Server) Sockets() []*Socket { return s.mainNsp.Sockets() }

// To selects the sockets in rooms of the main namespace for the operation that follows.
func (s *Server) To(rooms ...string) BroadcastOperator { return s.mainNsp.To(rooms...) }

// In is an alias of To.
func (s *Server) In(rooms ...string) BroadcastOperator { return s.mainNsp.In(rooms...) }

// Except excludes the sockets in rooms from the operation that follows.
func (s *Server) Except(rooms ...string) BroadcastOperator { return s.mainNsp.Except(rooms...) }

// Local restricts the operation that follows to this node.
func (s *Server) Local() BroadcastOperator { return s.mainNsp.Local() }

// Volatile makes the broadcast that follows droppable for clients not ready to receive it.
func (s *Server) Volatile() BroadcastOperator { return s.mainNsp.Volatile() }

// Compress sets whether the broadcast that follows may be compressed.
func (s *Server) Compress(compress bool) BroadcastOperator { return s.mainNsp.Compress(compress) }

// Timeout bounds the wait for acknowledgements of the broadcast that follows.
func (s *Server) Timeout(d time.Duration) BroadcastOperator { return s.mainNsp.Timeout(d) }

// Emit sends an event to every socket of the main namespace, on every node.
func (s *Server) Emit(event string, args ...any) error { return s.mainNsp.Emit(event, args...) }

// EmitWithAck sends an event to every socket of the main namespace and collects their
// acknowledgements (see BroadcastOperator.EmitWithAck; ctx must have a deadline).
func (s *Server) EmitWithAck(ctx context.Context, event string, args ...any) ([]Ack, error) {
	return s.mainNsp.EmitWithAck(ctx, event, args...)
}

// Send emits a "message" event to every socket of the main namespace (Node's io.send).
func (s *Server) Send(args ...any) error { return s.mainNsp.Send(args...) }

// AllSockets returns the ids of the main namespace's sockets across the cluster.
func (s *Server) AllSockets(ctx context.Context) ([]string, error) {
	return s.mainNsp.AllSockets(ctx)
}

// FetchSockets returns the sockets of the main namespace across the cluster.
func (s *Server) FetchSockets(ctx context.Context) ([]*RemoteSocket, error) {
	return s.mainNsp.FetchSockets(ctx)
}

// SocketsJoin makes every socket of the main namespace join rooms.
func (s *Server) SocketsJoin(ctx context.Context, rooms ...string) error {
	return s.mainNsp.SocketsJoin(ctx, rooms...)
}

// SocketsLeave makes every socket of the main namespace leave rooms.
func (s *Server) SocketsLeave(ctx context.Context, rooms ...string) error {
	return s.mainNsp.SocketsLeave(ctx, rooms...)
}

// DisconnectSockets disconnects every socket of the main namespace; close also closes their
// underlying connections.
func (s *Server) DisconnectSockets(ctx context.Context, close bool) error {
	return s.mainNsp.DisconnectSockets(ctx, close)
}

// ServerSideEmit sends an event to the main namespace of every other node.
func (s *Server) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	return s.mainNsp.ServerSideEmit(ctx, event, args...)
}

// ServerSideEmitWithAck sends an event to every other node and waits for one answer each.
func (s *Server) ServerSideEmitWithAck(ctx context.Context, event string, args ...any) ([]Ack, error) {
	return s.mainNsp.ServerSideEmitWithAck(ctx, event, args...)
}

// Namespace returns the main namespace "/".
func (s *Server) Namespace() *Namespace { return s.mainNsp }
