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
}

// parseServe reads the flags of `gosockio serve` over the defaults taken from getenv. It
// returns flag.ErrHelp for -h after printing the usage to out.
func parseServe(args []string, getenv func(string) string, out io.Writer) (*serveConfig, error) {
	c := &serveConfig{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by main, in one line
	var envErr error
	env := func(name string) string { return getenv(envName(name)) }
	str := func(p *string, name, def, usage string) {
		if v := env(name); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" (env "+envName(name)+")")
	}
	dur := func(p *time.Duration, name string, def time.Duration, usage string) {
		if v := env(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				envErr = errors.Join(envErr, fmt.Errorf("%s: %w", envName(name), err))
			}
			def = d
		}
		fs.DurationVar(p, name, def, usage+" (env "+envName(name)+")")
	}
	str(&c.Addr, "addr", "127.0.0.1:3000", "listen address, host:port")
	str(&c.Path, "path", "/socket.io/", "Socket.IO endpoint path")
	str(&c.Redis, "redis", "", `Redis: empty for a single node (in-memory adapter); "embedded" or "embedded:PORT" to start an in-process Redis on 127.0.0.1 that other nodes can join; or a redis:// or rediss:// URL to join a cluster`)
	str(&c.RedisKey, "redis-key", "socket.io", "key prefix of the Redis channels (Node's key option; same on every node and emitter)")
	str(&c.CORSOrigins, "cors-origins", "", "comma-separated origins allowed by CORS, or *; empty sends no CORS headers")
	dur(&c.PingInterval, "ping-interval", 25*time.Second, "time between two pings")
	dur(&c.PingTimeout, "ping-timeout", 20*time.Second, "how long to wait for a pong before closing")
	i64 := func(p *int64, name string, def int64, usage string) {
		if v := env(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				envErr = errors.Join(envErr, fmt.Errorf("%s: %q is not a number", envName(name), v))
			}
			def = n
		}
		fs.Int64Var(p, name, def, usage+" (env "+envName(name)+")")
	}
	boolean := func(p *bool, name string, def bool, usage string) {
		if v := env(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				envErr = errors.Join(envErr, fmt.Errorf("%s: %q is not true or false", envName(name), v))
			}
			def = b
		}
		fs.BoolVar(p, name, def, usage+" (env "+envName(name)+")")
	}
	i64(&c.MaxPayload, "max-payload", 1_000_000, "largest message a client may send, in bytes")
	str(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	str(&c.LogFormat, "log-format", "text", "text or json (log/slog handlers, on stderr)")
	str(&c.NodeName, "node-name", "", "name of this node, sent to every client (chat page, sticky cookie); empty means a random node-XXXXXXXX, new at each start")
	clientJS := ""
	if _, err := os.Stat(defaultClientJS); err == nil {
		clientJS = defaultClientJS
	}
	str(&c.ClientJS, "client-js", clientJS, "the Socket.IO browser client: a file of socket.io-client's dist/ directory (socket.io.min.js), served with its siblings at <path>socket.io.js, socket.io.min.js…; or a URL the chat page loads; empty means <path>socket.io.min.js redirects to the official CDN")
	boolean(&c.ServeClient, "serve-client", true, "serve the Socket.IO browser client at <path>socket.io.js and its siblings (Node's serveClient)")
	str(&c.StickyCookie, "sticky-cookie", "gosockio_node", "cookie naming this node, set on the page and on Socket.IO handshakes, for a load balancer's sticky sessions; empty means none")
	boolean(&c.Demo, "demo", true, "serve the chat demo page at / and handle its events")
	dur(&c.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGINT or SIGTERM, how long to wait for connections to close")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(out, serveUsage)
			fs.SetOutput(out)
			fs.PrintDefaults()
		}
		return nil, err
	}
	if envErr != nil {
		return nil, envErr
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.MaxPayload <= 0 {
		return nil, fmt.Errorf("--max-payload %d: want a positive number of bytes", c.MaxPayload)
	}
	if c.PingInterval <= 0 || c.PingTimeout <= 0 {
		return nil, errors.New("--ping-interval and --ping-timeout must be positive")
	}
	if c.ShutdownTimeout <= 0 {
		return nil, errors.New("--shutdown-timeout must be positive")
	}
	if !strings.HasPrefix(c.Path, "/") {
		return nil, fmt.Errorf("--path %q: must start with /", c.Path)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return nil, err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, fmt.Errorf("--log-format %q: want text or json", c.LogFormat)
	}
	if c.StickyCookie != "" && !validCookieName(c.StickyCookie) {
		return nil, fmt.Errorf("--sticky-cookie %q: not a valid cookie name", c.StickyCookie)
	}
	return c, nil
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

	dir, err := clientDir(c)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	opts := socketio.Options{Logger: log, Adapter: cluster.factory, DisableServeClient: !c.ServeClient}
	if c.ServeClient {
		opts.ClientDir = dir
		if dir != "" {
			log.Info("serving the Socket.IO client", "url", c.Path+"socket.io.js", "dir", dir)
		} else {
			log.Info("no local copy of the Socket.IO client (--client-js): its URLs redirect to the CDN", "url", c.Path+"socket.io.js", "cdn", cdnClientJS)
		}
	}
	opts.Engine.Path = c.Path
	opts.Engine.PingInterval = c.PingInterval
	opts.Engine.PingTimeout = c.PingTimeout
	opts.Engine.MaxHTTPBufferSize = c.MaxPayload
	if c.CORSOrigins != "" {
		opts.Engine.CORS = &engineio.CORSOptions{Origins: splitList(c.CORSOrigins)}
	}
	if c.StickyCookie != "" {
		cookie := stickyCookie(c)
		opts.Engine.InitialHeaders = func(h http.Header, _ *http.Request) { h.Add("Set-Cookie", cookie) }
	}
	srv, err := socketio.NewServer(opts)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if c.Demo {
		// The classic tutorial's page sends strings as "chat message": relay them to everyone.
		// Demo only: it lets any client broadcast to every client of every node.
		srv.OnConnection(func(s *socketio.Socket) {
			s.On("chat message", relayClassic(srv))
		})
		newChat(srv, c.NodeName, log).install()
	}

	var shuttingDown atomic.Bool
	mux := http.NewServeMux()
	mux.Handle(c.Path, srv)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if shuttingDown.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := srv.Ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	if c.Demo {
		if err := mountDemo(mux, c, log); err != nil {
			_ = srv.Close(context.Background())
			return fmt.Errorf("serve: %w", err)
		}
	}

	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("gosockio listening", "addr", ln.Addr().String(), "path", c.Path, "node", c.NodeName, "adapter", cluster.name)
	if c.Demo {
		log.Info("chat demo", "url", "http://"+ln.Addr().String()+"/")
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	readyLogged := make(chan struct{})
	go func() { // log readiness once (the adapter may wait for Redis)
		defer close(readyLogged)
		if err := srv.Ready(ctx); err == nil {
			log.Info("ready: the adapter receives the other nodes' messages")
		}
	}()

	var serveErr error
	select {
	case err := <-errc:
		serveErr = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		log.Info("shutting down", "timeout", c.ShutdownTimeout)
	}
	shuttingDown.Store(true)
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	// Close the sockets first (they are told "server shutting down" and reconnect elsewhere),
	// then the HTTP server, which waits for the handlers those connections were running.
	err = errors.Join(srv.Close(sctx), hs.Shutdown(sctx))
	<-readyLogged
	if err != nil && errors.Is(sctx.Err(), context.DeadlineExceeded) && serveErr == nil {
		// Typically polling sessions whose client went away without a word: they were closed.
		log.Warn("stopped: some connections did not close within the shutdown timeout and were cut", "err", err)
		return nil
	}
	if err = errors.Join(serveErr, err); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	log.Info("stopped")
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
	cc.factory = redisadapter.New(cc.rdb, redisadapter.Options{Key: c.RedisKey, Logger: log})
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
