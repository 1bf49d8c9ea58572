package adminui

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gosockio/gosockio/socketio"
)

// Feature names what the server lets the UI do (Node's Feature enum), sent in "config".
type Feature string

// The features of the config event.
const (
	FeatureEmit             Feature = "EMIT"              // the UI may emit to sockets
	FeatureJoin             Feature = "JOIN"              // … make sockets join a room
	FeatureLeave            Feature = "LEAVE"             // … make sockets leave a room
	FeatureDisconnect       Feature = "DISCONNECT"        // … disconnect sockets
	FeatureMJoin            Feature = "MJOIN"             // … make every socket of a room join another
	FeatureMLeave           Feature = "MLEAVE"            // … make every socket of a room leave another
	FeatureMDisconnect      Feature = "MDISCONNECT"       // … disconnect every socket of a room
	FeatureAggregatedEvents Feature = "AGGREGATED_EVENTS" // server_stats carries aggregatedEvents
	FeatureAllEvents        Feature = "ALL_EVENTS"        // development mode: every socket and event
)

// statsInterval is how often server_stats is sent (Node: 2 s).
const statsInterval = 2 * time.Second

// fetchTimeout bounds the cluster-wide operations run for an admin client (all_sockets and the
// UI's actions), beside the adapter's own request timeout.
const fetchTimeout = 10 * time.Second

// sessionKey is where the authentication keeps a new session id until the socket connects.
const sessionKey = "adminui.session"

// processStart is when the process started, near enough, for server_stats' uptime.
var processStart = time.Now()

// Admin is the instrumentation of one server, returned by Instrument.
type Admin struct {
	srv      *socketio.Server
	opts     Options
	nsp      *socketio.Namespace
	log      *slog.Logger
	features []Feature
	hostname string
	in       *socketio.Instrumentation

	events  eventBuffer
	traffic traffic
	conns   conns

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// Instrument makes srv appear in the Admin UI, as Node's instrument(io, options) does: it
// creates the admin namespace (Options.NamespaceName), with the authentication of
// Options.Auth, and from then on reports to the admin clients of every node what happens on
// this one, and carries out their actions. It installs srv's socketio.Instrumentation,
// replacing any other. The instrumentation stops with Close, or when srv closes.
func Instrument(srv *socketio.Server, opts Options) (*Admin, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	hostname, _ := os.Hostname()
	a := &Admin{
		srv:      srv,
		opts:     opts,
		log:      opts.Logger.With("component", "adminui"),
		hostname: hostname,
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	if !opts.ReadOnly {
		a.features = []Feature{FeatureEmit, FeatureJoin, FeatureLeave, FeatureDisconnect, FeatureMJoin, FeatureMLeave, FeatureMDisconnect}
	}
	a.features = append(a.features, FeatureAggregatedEvents)
	dev := opts.Mode == Development
	if dev {
		a.features = append(a.features, FeatureAllEvents)
	}

	a.nsp = srv.Of(opts.NamespaceName)
	if basic, ok := opts.Auth.(*BasicAuth); ok {
		a.nsp.Use(func(s *socketio.Socket) error { return a.authenticate(s, basic) })
	}
	a.nsp.OnConnection(a.onAdmin)

	in := &socketio.Instrumentation{
		OnConn:       a.opened,
		OnConnClose:  a.closed,
		OnPacketsIn:  a.traffic.in,
		OnPacketsOut: a.traffic.out,
		OnClose:      a.Close,
	}
	if dev {
		in.OnSocket = a.onSocket
		in.OnRoom = a.onRoom
		in.OnData = a.onData
		in.SocketData = withAdmin
	}
	a.in = in
	srv.SetInstrumentation(in)
	a.log.Debug("instrumented", "namespace", opts.NamespaceName, "mode", opts.Mode, "readonly", opts.ReadOnly, "serverId", opts.ServerID)
	go a.run()
	return a, nil
}

// Namespace returns the admin namespace.
func (a *Admin) Namespace() *socketio.Namespace { return a.nsp }

// Close stops the instrumentation: no more statistics nor events are sent, and the server's
// socketio.Instrumentation is removed, unless another has replaced it. The admin namespace
// stays, with its clients. It is idempotent, and called by the server's Close.
func (a *Admin) Close() {
	a.closeOnce.Do(func() {
		if a.srv.Instrumentation() == a.in {
			a.srv.SetInstrumentation(nil)
		}
		close(a.stop)
		<-a.done
	})
}

// run sends server_stats at once, then every statsInterval, and moves the traffic counts into
// the event buffer every second.
func (a *Admin) run() {
	defer close(a.done)
	a.emitStats(time.Now())
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-a.stop:
			return
		case now := <-tick.C:
			// The counts are of the second that just ended.
			a.traffic.flush(&a.events, now.Add(-time.Second/2))
			if now.Sub(last) >= statsInterval-time.Second/4 {
				last = now
				a.emitStats(now)
			}
		}
	}
}

// serverStats is the payload of server_stats.
type serverStats struct {
	ServerID            string            `json:"serverId"`
	Hostname            string            `json:"hostname"`
	PID                 int               `json:"pid"`
	Uptime              float64           `json:"uptime"`
	ClientsCount        int               `json:"clientsCount"`
	PollingClientsCount int               `json:"pollingClientsCount"`
	AggregatedEvents    []aggregatedEvent `json:"aggregatedEvents"`
	Namespaces          []namespaceStats  `json:"namespaces"`
}

type namespaceStats struct {
	Name         string `json:"name"`
	SocketsCount int    `json:"socketsCount"`
}

func (a *Admin) emitStats(now time.Time) {
	nsps := a.srv.Namespaces()
	ns := make([]namespaceStats, len(nsps))
	for i, n := range nsps {
		ns[i] = namespaceStats{Name: n.Name(), SocketsCount: len(n.Sockets())}
	}
	a.emit("server_stats", serverStats{
		ServerID:            a.opts.ServerID,
		Hostname:            a.hostname,
		PID:                 os.Getpid(),
		Uptime:              now.Sub(processStart).Seconds(),
		ClientsCount:        a.srv.Engine().ClientsCount(),
		PollingClientsCount: a.pollingClients(),
		AggregatedEvents:    a.events.take(),
		Namespaces:          ns,
	})
}

// emit sends an event to every admin client of the cluster.
func (a *Admin) emit(event string, args ...any) {
	if err := a.nsp.Emit(event, args...); err != nil {
		a.log.Warn("cannot send to the admin clients", "event", event, "err", err)
	}
}

// authenticate is the admin namespace's middleware with basic authentication.
func (a *Admin) authenticate(s *socketio.Socket, basic *BasicAuth) error {
	auth := s.Handshake().Auth
	ctx, cancel := context.WithTimeout(s.Context(), fetchTimeout)
	defer cancel()
	if id, ok := auth["sessionId"].(string); ok && id != "" {
		ok, err := a.opts.Store.SessionExists(ctx, id)
		if err != nil {
			a.log.Warn("cannot check an admin session", "err", err)
		}
		if ok {
			return nil
		}
	}
	user, uok := auth["username"].(string)
	pass, pok := auth["password"].(string)
	if uok && pok && subtle.ConstantTimeCompare([]byte(user), []byte(basic.Username)) == 1 {
		p := []byte(pass)
		if len(p) > 72 { // bcryptjs reads no further
			p = p[:72]
		}
		if bcrypt.CompareHashAndPassword([]byte(basic.PasswordHash), p) == nil {
			id := randomID()
			if err := a.opts.Store.SaveSession(ctx, id); err != nil {
				a.log.Warn("cannot save an admin session", "err", err)
			}
			s.Set(sessionKey, id)
			return nil
		}
	}
	return errInvalidCredentials
}

// errInvalidCredentials is the connect_error Node's instrumentation sends.
var errInvalidCredentials = errors.New("invalid credentials")

// randomID is a session id: 8 random bytes in hex, as Node's.
func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// onAdmin greets an admin client: its new session id, the config and, in development mode,
// every socket of the cluster.
func (a *Admin) onAdmin(s *socketio.Socket) {
	if id, ok := s.Get(sessionKey); ok {
		_ = s.Emit("session", id)
	}
	a.registerActions(s)
	_ = s.Emit("config", struct {
		SupportedFeatures []Feature `json:"supportedFeatures"`
	}{a.features})
	if a.opts.Mode == Development {
		_ = s.Emit("all_sockets", a.allSockets(s.Context()))
	}
}

// allSockets describes every socket of every namespace this node knows, across the cluster.
func (a *Admin) allSockets(ctx context.Context) []serializedSocket {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	out := []serializedSocket{}
	for _, n := range a.srv.Namespaces() {
		socks, err := n.FetchSockets(ctx)
		if err != nil {
			a.log.Warn("all_sockets: some sockets are missing", "nsp", n.Name(), "err", err)
		}
		for _, s := range socks {
			out = append(out, serialize(s, n.Name(), "", ""))
		}
	}
	return out
}
