package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/gosockio/gosockio/adapter"
	"github.com/gosockio/gosockio/redisadapter"
	"github.com/gosockio/gosockio/socketio"
	"github.com/gosockio/gosockio/socketio/engineio"
)

const serveUsage = `usage: gosockio serve [flags]

Runs a Socket.IO v4 server with a chat demo page at /, health checks at /healthz and /readyz.
Every flag can also be set by the environment variable named after it (GOSOCKIO_…); a flag
given on the command line wins.

  gosockio serve                                    one node, in-memory adapter, 127.0.0.1:3000
  gosockio serve --redis embedded:6380              one node and an in-process Redis for others
  gosockio serve --addr 127.0.0.1:3001 --redis redis://127.0.0.1:6380   join it
  gosockio serve --admin-ui --admin-ui-password-hash '$2y$10$…'      and watch it in the Admin UI
  gosockio serve --redis redis://127.0.0.1:6379 --adapter streams   a node of a cluster on Redis
                                                    streams, with connection-state recovery

flags:
`

// defaultClientJS is where `npm ci` in test/js puts the browser build of socket.io-client.
const defaultClientJS = "test/js/node_modules/socket.io-client/dist/socket.io.min.js"

// cdnClientJS is the official CDN build of the tested client, where the server redirects
// requests for the client bundle when it has no local copy.
const cdnClientJS = "https://cdn.socket.io/" + socketio.ClientVersion + "/socket.io.min.js"

// serveConfig is everything `gosockio serve` can be told, from flags or the environment.
type serveConfig struct {
	Addr            string
	Path            string
	Redis           string // "", "embedded", "embedded:PORT", or a redis:// / rediss:// URL
	RedisKey        string
	Adapter         string        // classic, sharded or streams
	Recovery        time.Duration // connection-state recovery: 0 auto, negative off
	CORSOrigins     string
	PingInterval    time.Duration
	PingTimeout     time.Duration
	MaxPayload      int64
	LogLevel        string
	LogFormat       string
	NodeName        string
	ClientJS        string // a file of socket.io-client's dist/ directory, or a URL for the page
	ServeClient     bool
	StickyCookie    string
	Demo            bool
	ShutdownTimeout time.Duration
	adminUIConfig   // --admin-ui… (adminui.go)
}

// parseServe reads the flags of `gosockio serve` over the defaults taken from getenv. It
// returns flag.ErrHelp for -h after printing the usage to out.
func parseServe(args []string, getenv func(string) string, out io.Writer) (*serveConfig, error) {
	c := &serveConfig{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by main, in one line
	ef := &envFlags{fs: fs, getenv: getenv}
	c.define(ef)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(out, serveUsage)
			fs.SetOutput(out)
			fs.PrintDefaults()
		}
		return nil, err
	}
	if ef.err != nil {
		return nil, ef.err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// define declares every flag of `gosockio serve`, bound to c's fields.
func (c *serveConfig) define(ef *envFlags) {
	ef.str(&c.Addr, "addr", "127.0.0.1:3000", "listen address, host:port")
	ef.str(&c.Path, "path", "/socket.io/", "Socket.IO endpoint path")
	ef.str(&c.Redis, "redis", "", `Redis: empty for a single node (in-memory adapter); "embedded" or "embedded:PORT" to start an in-process Redis on 127.0.0.1 that other nodes can join; or a redis:// or rediss:// URL to join a cluster`)
	ef.str(&c.RedisKey, "redis-key", "socket.io", "key prefix of the Redis channels (Node's key, channelPrefix and streamName; same on every node and emitter)")
	ef.str(&c.Adapter, "adapter", "classic", `with --redis: the Redis adapter, "classic" (@socket.io/redis-adapter), "sharded" (its sharded pub/sub variant, Redis 7) or "streams" (@socket.io/redis-streams-adapter: broadcasts kept up to 1 min while Redis is away, this node's clients' too, and connection-state recovery across nodes)`)
	ef.dur(&c.Recovery, "recovery", 0, "connection-state recovery: how long a disconnected client's session is kept (Node's maxDisconnectionDuration); 0 means 2m with --adapter streams and off otherwise; negative turns it off")
	ef.str(&c.CORSOrigins, "cors-origins", "", "comma-separated origins allowed by CORS, or *; empty sends no CORS headers")
	ef.dur(&c.PingInterval, "ping-interval", 25*time.Second, "time between two pings")
	ef.dur(&c.PingTimeout, "ping-timeout", 20*time.Second, "how long to wait for a pong before closing")
	ef.i64(&c.MaxPayload, "max-payload", 1_000_000, "largest message a client may send, in bytes")
	ef.str(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	ef.str(&c.LogFormat, "log-format", "text", "text or json (log/slog handlers, on stderr)")
	ef.str(&c.NodeName, "node-name", "", "name of this node, sent to every client (chat page, sticky cookie); empty means a random node-XXXXXXXX, new at each start")
	clientJS := ""
	if _, err := os.Stat(defaultClientJS); err == nil {
		clientJS = defaultClientJS
	}
	ef.str(&c.ClientJS, "client-js", clientJS, "the Socket.IO browser client: a file of socket.io-client's dist/ directory (socket.io.min.js), served with its siblings at <path>socket.io.js, socket.io.min.js…; or a URL the chat page loads; empty means <path>socket.io.min.js redirects to the official CDN")
	ef.boolean(&c.ServeClient, "serve-client", true, "serve the Socket.IO browser client at <path>socket.io.js and its siblings (Node's serveClient)")
	ef.str(&c.StickyCookie, "sticky-cookie", "gosockio_node", "cookie naming this node, set on the page and on Socket.IO handshakes, for a load balancer's sticky sessions; empty means none")
	ef.boolean(&c.Demo, "demo", true, "serve the chat demo page at / and handle its events")
	ef.dur(&c.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGINT or SIGTERM, how long to wait for connections to close")
	c.defineAdminUI(ef)
}

// validate checks the values that the flags' types do not.
func (c *serveConfig) validate() error {
	if c.MaxPayload <= 0 {
		return fmt.Errorf("--max-payload %d: want a positive number of bytes", c.MaxPayload)
	}
	if c.PingInterval <= 0 || c.PingTimeout <= 0 {
		return errors.New("--ping-interval and --ping-timeout must be positive")
	}
	if c.ShutdownTimeout <= 0 {
		return errors.New("--shutdown-timeout must be positive")
	}
	if !strings.HasPrefix(c.Path, "/") {
		return fmt.Errorf("--path %q: must start with /", c.Path)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	switch c.Adapter {
	case "classic", "sharded", "streams":
	default:
		return fmt.Errorf("--adapter %q: want classic, sharded or streams", c.Adapter)
	}
	if c.Adapter != "classic" && c.Redis == "" {
		return fmt.Errorf("--adapter %s needs --redis (without it the node runs alone, on the in-memory adapter)", c.Adapter)
	}
	if c.recovery() > 0 && c.Redis != "" && c.Adapter != "streams" {
		return fmt.Errorf("--recovery %v: the %s adapter keeps no sessions across nodes; use --adapter streams (or no --redis for one node)", c.Recovery, c.Adapter)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format %q: want text or json", c.LogFormat)
	}
	if c.StickyCookie != "" && !validCookieName(c.StickyCookie) {
		return fmt.Errorf("--sticky-cookie %q: not a valid cookie name", c.StickyCookie)
	}
	return c.validateAdminUI()
}

// envFlags declares flags whose defaults come from the environment variable named after each
// (envName); err collects the environment's values that do not parse.
type envFlags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	err    error
}

func (e *envFlags) env(name string) string { return e.getenv(envName(name)) }

func (e *envFlags) usage(name, usage string) string { return usage + " (env " + envName(name) + ")" }

func (e *envFlags) str(p *string, name, def, usage string) {
	if v := e.env(name); v != "" {
		def = v
	}
	e.fs.StringVar(p, name, def, e.usage(name, usage))
}

func (e *envFlags) dur(p *time.Duration, name string, def time.Duration, usage string) {
	if v := e.env(name); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.err = errors.Join(e.err, fmt.Errorf("%s: %w", envName(name), err))
		}
		def = d
	}
	e.fs.DurationVar(p, name, def, e.usage(name, usage))
}

func (e *envFlags) i64(p *int64, name string, def int64, usage string) {
	if v := e.env(name); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			e.err = errors.Join(e.err, fmt.Errorf("%s: %q is not a number", envName(name), v))
		}
		def = n
	}
	e.fs.Int64Var(p, name, def, e.usage(name, usage))
}

func (e *envFlags) boolean(p *bool, name string, def bool, usage string) {
	if v := e.env(name); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.err = errors.Join(e.err, fmt.Errorf("%s: %q is not true or false", envName(name), v))
		}
		def = b
	}
	e.fs.BoolVar(p, name, def, e.usage(name, usage))
}

// envName is the environment variable of a flag: GOSOCKIO_ and the flag's name in upper case,
// with - as _.
func envName(flag string) string {
	return "GOSOCKIO_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

func validCookieName(s string) bool {
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return false
		}
	}
	return true
}

// newLogger builds the logger of c's level and format, writing to w.
func newLogger(c *serveConfig, w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel) // validated by parseServe
	ho := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// serveCommand runs `gosockio serve` until ctx ends (SIGINT or SIGTERM in main), then shuts
// down gracefully. ready, if not nil, receives the listening address once the server accepts
// connections (for tests).
func serveCommand(ctx context.Context, args []string, stderr io.Writer, ready func(addr string)) error {
	c, err := parseServe(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("serve: %w (see gosockio serve -h)", err)
	}
	log := newLogger(c, stderr)
	slog.SetDefault(log)

	// Listen first: a busy port is the most common mistake.
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer ln.Close()
	if c.NodeName == "" {
		c.NodeName = randomNodeName()
	}

	cluster, err := openCluster(ctx, c, log)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer cluster.close()

	srv, err := newSocketServer(c, cluster.factory, log)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	n := &serveNode{c: c, log: log, srv: srv}
	mux, err := n.routes()
	if err == nil {
		err = instrumentAdminUI(c, srv, cluster.rdb, mux, ln.Addr().String(), log)
	}
	if err != nil {
		_ = srv.Close(context.Background())
		return fmt.Errorf("serve: %w", err)
	}
	return n.serve(ctx, ln, mux, cluster.name, ready)
}

// newSocketServer builds the Socket.IO server of c on the adapter factory (nil: in-memory)
// and, with --demo, installs the chat's handlers.
func newSocketServer(c *serveConfig, factory adapter.Factory, log *slog.Logger) (*socketio.Server, error) {
	opts, err := socketOptions(c, log)
	if err != nil {
		return nil, err
	}
	opts.Adapter = factory
	srv, err := socketio.NewServer(opts)
	if err != nil {
		return nil, err
	}
	if c.Demo {
		// The classic tutorial's page sends strings as "chat message": relay them to everyone.
		// Demo only: it lets any client broadcast to every client of every node.
		srv.OnConnection(func(s *socketio.Socket) {
			s.On("chat message", relayClassic(srv))
		})
		newChat(srv, c.NodeName, log).install()
	}
	return srv, nil
}

// recovery is the connection-state recovery's maxDisconnectionDuration, 0 when off.
func (c *serveConfig) recovery() time.Duration {
	switch {
	case c.Recovery < 0:
		return 0
	case c.Recovery == 0 && c.Redis != "" && c.Adapter == "streams":
		return 2 * time.Minute
	}
	return c.Recovery
}

// socketOptions are the socketio.Options of c: the browser client (--client-js,
// --serve-client), the Engine.IO settings, CORS and the sticky cookie.
func socketOptions(c *serveConfig, log *slog.Logger) (socketio.Options, error) {
	dir, err := clientDir(c)
	if err != nil {
		return socketio.Options{}, err
	}
	opts := socketio.Options{Logger: log, DisableServeClient: !c.ServeClient}
	if c.ServeClient {
		opts.ClientDir = dir
		if dir != "" {
			log.Info("serving the Socket.IO client", "url", c.Path+"socket.io.js", "dir", dir)
		} else {
			log.Info("no local copy of the Socket.IO client (--client-js): its URLs redirect to the CDN", "url", c.Path+"socket.io.js", "cdn", cdnClientJS)
		}
	}
	if d := c.recovery(); d > 0 {
		opts.ConnectionStateRecovery = &socketio.ConnectionStateRecovery{MaxDisconnectionDuration: d}
	}
	opts.Engine.Path = c.Path
	opts.Engine.PingInterval = c.PingInterval
	opts.Engine.PingTimeout = c.PingTimeout
	opts.Engine.MaxHTTPBufferSize = c.MaxPayload
	if c.CORSOrigins != "" {
		opts.Engine.CORS = &engineio.CORSOptions{Origins: splitList(c.CORSOrigins)}
	}
	c.adminUICORS(&opts)
	if c.StickyCookie != "" {
		cookie := stickyCookie(c)
		opts.Engine.InitialHeaders = func(h http.Header, _ *http.Request) { h.Add("Set-Cookie", cookie) }
	}
	return opts, nil
}

// serveNode is a running `gosockio serve`: its settings, logger and Socket.IO server.
type serveNode struct {
	c            *serveConfig
	log          *slog.Logger
	srv          *socketio.Server
	shuttingDown atomic.Bool // /readyz answers 503 from the start of the shutdown
}

// routes is the node's HTTP handler: the Socket.IO path, /healthz, /readyz and, with --demo,
// the chat page.
func (n *serveNode) routes() (*http.ServeMux, error) {
	mux := http.NewServeMux()
	mux.Handle(n.c.Path, n.srv)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", n.readyz)
	if n.c.Demo {
		if err := mountDemo(mux, n.c, n.log); err != nil {
			return nil, err
		}
	}
	return mux, nil
}

// readyz answers 200 while the Socket.IO server takes part in its cluster, 503 before, while
// Redis is lost, and during the shutdown.
func (n *serveNode) readyz(w http.ResponseWriter, r *http.Request) {
	if n.shuttingDown.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if err := n.srv.Ready(ctx); err != nil {
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// serve answers HTTP on ln with mux until ctx ends or the HTTP server fails, then shuts the
// node down.
func (n *serveNode) serve(ctx context.Context, ln net.Listener, mux http.Handler, adapterName string, ready func(addr string)) error {
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(n.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	addr := ln.Addr().String()
	recovery := "off"
	if d := n.c.recovery(); d > 0 {
		recovery = d.String()
	}
	n.log.Info("gosockio listening", "addr", addr, "path", n.c.Path, "node", n.c.NodeName, "adapter", adapterName, "recovery", recovery)
	if n.c.Demo {
		n.log.Info("chat demo", "url", "http://"+addr+"/")
	}
	if ready != nil {
		ready(addr)
	}
	readyLogged := n.logWhenReady(ctx)

	var serveErr error
	select {
	case err := <-errc:
		serveErr = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		n.log.Info("shutting down", "timeout", n.c.ShutdownTimeout)
	}
	return n.shutdown(hs, serveErr, readyLogged)
}

// logWhenReady logs once that the node is ready (the adapter may wait for Redis); the channel
// it returns is closed when it has, or will not.
func (n *serveNode) logWhenReady(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := n.srv.Ready(ctx); err == nil {
			n.log.Info("ready: the adapter receives the other nodes' messages")
		}
	}()
	return done
}

// shutdown stops the node within --shutdown-timeout: the sockets first (they are told "server
// shutting down" and reconnect elsewhere), then the HTTP server, which waits for the handlers
// those connections were running. serveErr is why the HTTP server stopped by itself, if it did.
func (n *serveNode) shutdown(hs *http.Server, serveErr error, readyLogged <-chan struct{}) error {
	n.shuttingDown.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), n.c.ShutdownTimeout)
	defer cancel()
	err := errors.Join(n.srv.Close(sctx), hs.Shutdown(sctx))
	<-readyLogged
	if err != nil && errors.Is(sctx.Err(), context.DeadlineExceeded) && serveErr == nil {
		// Typically polling sessions whose client went away without a word: they were closed.
		n.log.Warn("stopped: some connections did not close within the shutdown timeout and were cut", "err", err)
		return nil
	}
	if err = errors.Join(serveErr, err); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	n.log.Info("stopped")
	return nil
}

// clientDir is the directory of the client bundle named by --client-js: "" for none or a
// URL; an error when the file is missing or not one of socket.io-client's dist/ files.
func clientDir(c *serveConfig) (string, error) {
	f := c.ClientJS
	if f == "" || isURL(f) {
		return "", nil
	}
	if _, err := os.Stat(f); err != nil {
		return "", fmt.Errorf("--client-js: %w", err)
	}
	if !socketio.IsClientFile(filepath.Base(f)) {
		return "", fmt.Errorf("--client-js %s: want a file of socket.io-client's dist/ directory, such as socket.io.min.js", f)
	}
	return filepath.Dir(f), nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "//")
}

// randomNodeName is the default node name: it goes to every client (sticky cookie, the chat's
// "hello"), so it says nothing about the machine, unlike a host name.
func randomNodeName() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return "node-" + hex.EncodeToString(b[:])
}

func stickyCookie(c *serveConfig) string {
	ck := &http.Cookie{Name: c.StickyCookie, Value: c.NodeName, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}
	return ck.String()
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// clusterConn is the adapter chosen by --redis and what it opened.
type clusterConn struct {
	name    string          // for the logs: memory, redis, embedded redis
	factory adapter.Factory // nil: in-memory
	rdb     *redis.Client
	mini    *miniredis.Miniredis
}

func (cc *clusterConn) close() {
	if cc.rdb != nil {
		_ = cc.rdb.Close()
	}
	if cc.mini != nil {
		cc.mini.Close()
	}
}

// openCluster starts the embedded Redis or connects to the configured one, failing fast when
// it does not answer.
func openCluster(ctx context.Context, c *serveConfig, log *slog.Logger) (*clusterConn, error) {
	cc := &clusterConn{name: "memory"}
	url := c.Redis
	switch {
	case url == "":
		return cc, nil
	case url == "embedded" || strings.HasPrefix(url, "embedded:"):
		port := strings.TrimPrefix(strings.TrimPrefix(url, "embedded"), ":")
		if port == "" {
			port = "0"
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return nil, fmt.Errorf("--redis %q: want embedded or embedded:PORT", url)
		}
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr(net.JoinHostPort("127.0.0.1", port)); err != nil {
			return nil, fmt.Errorf("embedded redis: %w", err)
		}
		cc.mini = m
		cc.name = "embedded redis"
		url = "redis://" + m.Addr()
		log.Info("embedded Redis (miniredis, for demos) listening; other nodes join with --redis "+url, "url", url)
	case strings.HasPrefix(url, "redis://") || strings.HasPrefix(url, "rediss://"):
		cc.name = "redis"
	default:
		return nil, fmt.Errorf("--redis %q: want embedded, embedded:PORT, or a redis:// or rediss:// URL", url)
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		cc.close()
		return nil, fmt.Errorf("--redis %q: %w", c.Redis, err)
	}
	setRedisLogger.Do(func() { redis.SetLogger(redisLogger{}) }) // a global of go-redis: set once
	cc.rdb = redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := cc.rdb.Ping(pctx).Err(); err != nil {
		cc.close()
		return nil, fmt.Errorf("redis %s does not answer: %w", redactURL(url), err)
	}
	redisLogs.Store(true) // from now on, go-redis's reconnection messages are worth logging
	switch c.Adapter {
	case "sharded":
		cc.factory = redisadapter.NewSharded(cc.rdb, redisadapter.ShardedOptions{ChannelPrefix: c.RedisKey, Logger: log})
	case "streams":
		cc.factory = redisadapter.NewStreams(cc.rdb, redisadapter.StreamsOptions{StreamName: c.RedisKey, ChannelPrefix: c.RedisKey, Logger: log})
	default:
		cc.factory = redisadapter.New(cc.rdb, redisadapter.Options{Key: c.RedisKey, Logger: log})
	}
	cc.name += " (" + c.Adapter + ")"
	return cc, nil
}

// redactURL hides a password in a Redis URL.
func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return scheme + "://***@" + rest[at+1:]
	}
	return u
}

var (
	setRedisLogger sync.Once
	redisLogs      atomic.Bool // false until Redis first answered: the error says it all
)

// redisLogger sends go-redis's internal log lines (reconnections) to slog.Default().
type redisLogger struct{}

func (redisLogger) Printf(_ context.Context, format string, v ...any) {
	if redisLogs.Load() {
		slog.Warn("redis: " + fmt.Sprintf(format, v...))
	}
}

// relayClassic is the classic tutorial's server: a string "chat message" goes to everyone.
func relayClassic(srv *socketio.Server) func(*socketio.Event) error {
	return socketio.Handle(func(ev *socketio.Event, msg string) error {
		return srv.Emit("chat message", msg)
	})
}

// signalContext ends on SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
