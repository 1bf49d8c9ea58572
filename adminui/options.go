package adminui

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"golang.org/x/crypto/bcrypt"
)

// Mode says how much the instrumentation reports (Node's mode option).
type Mode string

const (
	// Development reports everything: aggregated counts, every socket and every event
	// received and sent. It costs the server much more than Production.
	Development Mode = "development"
	// Production reports only the servers' statistics and aggregated event counts.
	Production Mode = "production"
)

// Auth is how admin clients authenticate: NoAuth() or a *BasicAuth. As in Node, where the
// auth option must be given, it has no default.
type Auth interface {
	// check validates the configuration.
	check() error
}

// BasicAuth accepts the admin clients that send Username and a password matching
// PasswordHash, a bcrypt hash ($2a$, $2b$ or $2y$, as produced by bcryptjs, htpasswd -B or
// golang.org/x/crypto/bcrypt), and then their session id. As with bcryptjs, only the first
// 72 bytes of a password count.
type BasicAuth struct {
	// Username is the user name admin clients must send.
	Username string
	// PasswordHash is the bcrypt hash of the password they must send.
	PasswordHash string
}

func (b *BasicAuth) check() error {
	if _, err := bcrypt.Cost([]byte(b.PasswordHash)); err != nil {
		return fmt.Errorf("adminui: BasicAuth.PasswordHash must be a valid bcrypt hash: %w", err)
	}
	return nil
}

type noAuth struct{}

func (noAuth) check() error { return nil }

// NoAuth lets every admin client in, without credentials (Node's auth: false). Use it with
// caution: anyone who reaches the server can then watch it and, unless ReadOnly is set, act
// on its sockets.
func NoAuth() Auth { return noAuth{} }

// Options configure Instrument. They are Node's instrument() options, with its defaults.
type Options struct {
	// Auth is required: NoAuth() or &BasicAuth{…}.
	Auth Auth
	// NamespaceName is the admin namespace. Empty means "/admin".
	NamespaceName string
	// ReadOnly refuses the UI's actions (emit, join, leave, disconnect).
	ReadOnly bool
	// ServerID names this server in the UI; it must be unique in the cluster. Empty means the
	// host name (os.Hostname), as in Node: set it when several nodes share a host.
	ServerID string
	// Store keeps the admin clients' session ids. Nil means a new InMemoryStore; use a
	// RedisStore shared by every node of a cluster.
	Store Store
	// Mode is Development or Production. Empty means the NODE_ENV environment variable, as
	// in Node: Development when it is unset or "development", Production otherwise.
	Mode Mode
	// Logger receives the instrumentation's logs. Nil means slog.Default().
	Logger *slog.Logger
}

// withDefaults returns o with its defaults filled in, or what is wrong with it.
func (o Options) withDefaults() (Options, error) {
	if o.Auth == nil {
		return o, errors.New("adminui: Options.Auth must be set: NoAuth() or &BasicAuth{…}")
	}
	if err := o.Auth.check(); err != nil {
		return o, err
	}
	if o.NamespaceName == "" {
		o.NamespaceName = "/admin"
	}
	if o.NamespaceName[0] != '/' {
		o.NamespaceName = "/" + o.NamespaceName
	}
	if o.ServerID == "" {
		h, err := os.Hostname()
		if err != nil {
			return o, fmt.Errorf("adminui: no ServerID and no host name: %w", err)
		}
		o.ServerID = h
	}
	if o.Store == nil {
		o.Store = NewInMemoryStore()
	}
	switch o.Mode {
	case "":
		if env := os.Getenv("NODE_ENV"); env == "" || env == string(Development) {
			o.Mode = Development
		} else {
			o.Mode = Production
		}
	case Development, Production:
	default:
		return o, fmt.Errorf("adminui: Mode %q: want %q or %q", o.Mode, Development, Production)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}
