package engineio

import (
	"compress/flate"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Transport names, as in the "transport" query parameter.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// Defaults, from the Node.js server unless noted.
const (
	DefaultPath              = "/socket.io/"
	DefaultPingInterval      = 25 * time.Second
	DefaultPingTimeout       = 20 * time.Second
	DefaultUpgradeTimeout    = 10 * time.Second
	DefaultMaxHTTPBufferSize = 1_000_000
	// DefaultMaxQueuedPackets and DefaultMaxQueuedBytes bound each session's outgoing queue (not
	// in Node, whose buffer is unbounded).
	DefaultMaxQueuedPackets = 4096
	DefaultMaxQueuedBytes   = 16 << 20
	// DefaultCompressionThreshold is the size in bytes under which neither polling responses
	// (HTTP compression) nor WebSocket messages (permessage-deflate) are compressed.
	DefaultCompressionThreshold = 1024
	// DefaultCookieName is the name of the session cookie when Options.Cookie is set.
	DefaultCookieName = "io"
)

// Options configure a Server. The zero value is valid: every zero field means the default given in
// its comment (the Node.js server's default where there is one). NewServer copies the Options (and
// the structs they point to) and never modifies the caller's value.
type Options struct {
	// Path is the URL path served, with or without its trailing slash. Zero means "/socket.io/"
	// (the Engine.IO protocol's own default is "/engine.io/"). It must start with "/".
	Path string
	// PingInterval is the time between two pings sent by the server. Zero means 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for a pong after a ping before it closes the
	// session with ReasonPingTimeout. Zero means 20s.
	PingTimeout time.Duration
	// UpgradeTimeout is how long a WebSocket opened to upgrade a polling session may take to send
	// the "5" upgrade packet before it is closed (the session goes on with polling). Zero means 10s.
	UpgradeTimeout time.Duration
	// MaxHTTPBufferSize is the largest body (in bytes) of one polling POST, and the largest
	// WebSocket message, a client may send; it is also announced as "maxPayload". A larger polling
	// body is answered 413 and a larger WebSocket message closes the connection; both close the
	// session with ReasonTransportError. Zero means 1e6.
	MaxHTTPBufferSize int64
	// Transports are the enabled transports, among "polling" and "websocket". Nil or empty means
	// both.
	Transports []string
	// DisableUpgrades forbids upgrading polling sessions to WebSocket (Node's allowUpgrades:
	// false): the handshake announces no upgrades and upgrade requests are refused with code 3.
	DisableUpgrades bool
	// AllowRequest, if non-nil, is called for each handshake request (not for the later requests
	// of a session). A non-nil error refuses it with HTTP 403 and code 4 (CodeForbidden), the
	// error's text being the message. Nil accepts every request.
	AllowRequest func(r *http.Request) error
	// CORS, if non-nil, adds CORS headers to every response and answers preflight (OPTIONS)
	// requests. Nil means no CORS headers.
	CORS *CORSOptions
	// Cookie, if non-nil, sets a cookie holding the session id in the handshake response of polling
	// sessions (useful for sticky load balancing). Nil means no cookie.
	Cookie *CookieOptions
	// PerMessageDeflate, if non-nil, negotiates the permessage-deflate WebSocket extension. Nil
	// means off (the Node default).
	PerMessageDeflate *DeflateOptions
	// HTTPCompression configures gzip/deflate compression of polling responses. Nil means on with
	// a 1024-byte threshold (the Node default); set Disable to turn it off.
	HTTPCompression *HTTPCompressionOptions
	// InitialHeaders, if non-nil, may change the headers of a session's handshake response (the
	// polling response carrying the open packet, or the WebSocket 101 response) before they are
	// written (Node's "initial_headers" event). It runs before Headers.
	InitialHeaders func(h http.Header, r *http.Request)
	// Headers, if non-nil, may change the headers of every response of a session, the handshake
	// and WebSocket upgrades included (Node's "headers" event). Error responses are not passed.
	Headers func(h http.Header, r *http.Request)
	// OnConnectionError, if non-nil, is called for each refused request (Node's
	// "connection_error" event), on the request's goroutine.
	OnConnectionError func(e *ConnectionError)
	// GenerateID, if non-nil, returns the id of a new session instead of 15 random bytes in
	// URL-safe base64. The id must be unique across every server sharing clients (a cluster), and
	// safe in a URL query. An error, an empty id or an id already in use on this server refuses
	// the handshake with code 3 (CodeBadRequest, context name "ID_GENERATION_ERROR").
	GenerateID func(r *http.Request) (string, error)
	// MaxQueuedPackets bounds the number of packets waiting to be sent on one session. Zero means
	// 4096. See the package documentation for the overflow policy.
	MaxQueuedPackets int
	// MaxQueuedBytes bounds the bytes (payload length + 1 per packet) waiting to be sent on one
	// session. Zero means 16 MiB.
	MaxQueuedBytes int
	// Logger receives the server's logs (Debug: session life; Warn: peer faults). Nil means
	// slog.Default().
	Logger *slog.Logger
}

// CORSOptions configure the CORS headers (the subset of the Node "cors" package that Socket.IO
// users rely on).
type CORSOptions struct {
	// Origins are the allowed origins. Empty, or containing "*", allows every origin: the answer
	// is "Access-Control-Allow-Origin: *", or the request's origin when Credentials is set (a
	// browser refuses "*" with credentials). Otherwise a request whose Origin is in the list gets
	// it back, and "Vary: Origin" is set.
	Origins []string
	// AllowOrigin, if non-nil, decides instead of Origins: an allowed request origin is reflected.
	AllowOrigin func(origin string, r *http.Request) bool
	// Credentials sends "Access-Control-Allow-Credentials: true".
	Credentials bool
	// Methods answer preflights. Nil means GET,HEAD,PUT,PATCH,POST,DELETE.
	Methods []string
	// AllowedHeaders answer preflights. Nil means the headers the preflight asked for.
	AllowedHeaders []string
	// ExposedHeaders are sent as Access-Control-Expose-Headers. Nil means none.
	ExposedHeaders []string
	// MaxAge is sent (in whole seconds) as Access-Control-Max-Age. Zero means not sent.
	MaxAge time.Duration
}

// CookieOptions configure the session cookie (Node's cookie option).
type CookieOptions struct {
	// Name is the cookie name. Zero means "io".
	Name string
	// Path is the cookie path. Zero means "/".
	Path string
	// Domain is the cookie domain. Zero means none.
	Domain string
	// MaxAge is the cookie lifetime, sent in whole seconds. Zero means a session cookie.
	MaxAge time.Duration
	// Secure sets the Secure attribute.
	Secure bool
	// DisableHTTPOnly omits the HttpOnly attribute, which is set by default (as in Node).
	DisableHTTPOnly bool
	// SameSite is the SameSite attribute. Zero means Lax (as in Node).
	SameSite http.SameSite
}

// DeflateOptions configure the permessage-deflate WebSocket extension.
type DeflateOptions struct {
	// Threshold is the size in bytes under which a message is not compressed. Zero means 1024;
	// negative means every message is compressed.
	Threshold int
	// Level is the flate level (-2..9). Zero means 1 (best speed, gorilla's default).
	Level int
}

// HTTPCompressionOptions configure the compression of polling responses.
type HTTPCompressionOptions struct {
	// Disable turns HTTP compression off.
	Disable bool
	// Threshold is the size in bytes under which a response is not compressed. Zero means 1024;
	// negative means every response is compressed.
	Threshold int
	// Level is the gzip/deflate level (-2..9). Zero means the default level (6).
	Level int
}

// withDefaults returns a deep copy of o with defaults filled, or an error if o is invalid.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if !strings.HasPrefix(o.Path, "/") {
		errs = append(errs, fmt.Errorf("path %q must start with /", o.Path))
	}
	if !strings.HasSuffix(o.Path, "/") {
		o.Path += "/"
	}
	o.PingInterval = durationDefault(o.PingInterval, DefaultPingInterval, "PingInterval", &errs)
	o.PingTimeout = durationDefault(o.PingTimeout, DefaultPingTimeout, "PingTimeout", &errs)
	o.UpgradeTimeout = durationDefault(o.UpgradeTimeout, DefaultUpgradeTimeout, "UpgradeTimeout", &errs)
	if o.MaxHTTPBufferSize == 0 {
		o.MaxHTTPBufferSize = DefaultMaxHTTPBufferSize
	} else if o.MaxHTTPBufferSize < 0 {
		errs = append(errs, errors.New("MaxHTTPBufferSize must not be negative"))
	}
	if len(o.Transports) == 0 {
		o.Transports = []string{TransportPolling, TransportWebSocket}
	} else {
		o.Transports = slices.Clone(o.Transports)
		for _, t := range o.Transports {
			if t != TransportPolling && t != TransportWebSocket {
				errs = append(errs, fmt.Errorf("unknown transport %q", t))
			}
		}
	}
	o.CORS = o.CORS.withDefaults(&errs)
	o.Cookie = o.Cookie.withDefaults(&errs)
	o.PerMessageDeflate = o.PerMessageDeflate.withDefaults(&errs)
	o.HTTPCompression = o.HTTPCompression.withDefaults(&errs)
	if o.MaxQueuedPackets == 0 {
		o.MaxQueuedPackets = DefaultMaxQueuedPackets
	} else if o.MaxQueuedPackets < 0 {
		errs = append(errs, errors.New("MaxQueuedPackets must not be negative"))
	}
	if o.MaxQueuedBytes == 0 {
		o.MaxQueuedBytes = DefaultMaxQueuedBytes
	} else if o.MaxQueuedBytes < 0 {
		errs = append(errs, errors.New("MaxQueuedBytes must not be negative"))
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if err := errors.Join(errs...); err != nil {
		return Options{}, fmt.Errorf("engineio: invalid options: %w", err)
	}
	return o, nil
}

// withDefaults returns a copy of o (nil: no CORS headers) with its slices copied.
func (o *CORSOptions) withDefaults(errs *[]error) *CORSOptions {
	if o == nil {
		return nil
	}
	c := *o
	c.Origins = slices.Clone(c.Origins)
	c.Methods = slices.Clone(c.Methods)
	c.AllowedHeaders = slices.Clone(c.AllowedHeaders)
	c.ExposedHeaders = slices.Clone(c.ExposedHeaders)
	if c.MaxAge < 0 {
		*errs = append(*errs, errors.New("CORS.MaxAge must not be negative"))
	}
	return &c
}

// withDefaults returns a copy of o (nil: no cookie) with Node's defaults filled in.
func (o *CookieOptions) withDefaults(errs *[]error) *CookieOptions {
	if o == nil {
		return nil
	}
	c := *o
	if c.Name == "" {
		c.Name = DefaultCookieName
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if c.SameSite == 0 {
		c.SameSite = http.SameSiteLaxMode
	}
	if c.MaxAge < 0 {
		*errs = append(*errs, errors.New("Cookie.MaxAge must not be negative"))
	}
	return &c
}

// withDefaults returns a copy of o (nil: no permessage-deflate) with the defaults filled in.
func (o *DeflateOptions) withDefaults(errs *[]error) *DeflateOptions {
	if o == nil {
		return nil
	}
	d := *o
	compressionDefaults(&d.Threshold, &d.Level, flate.BestSpeed, "PerMessageDeflate", errs)
	return &d
}

// withDefaults returns a copy of o (nil: the defaults) with the defaults filled in.
func (o *HTTPCompressionOptions) withDefaults(errs *[]error) *HTTPCompressionOptions {
	h := HTTPCompressionOptions{}
	if o != nil {
		h = *o
	}
	compressionDefaults(&h.Threshold, &h.Level, flate.DefaultCompression, "HTTPCompression", errs)
	return &h
}

// compressionDefaults fills in a compression threshold and level, and checks the level.
func compressionDefaults(threshold, level *int, defaultLevel int, name string, errs *[]error) {
	if *threshold == 0 {
		*threshold = DefaultCompressionThreshold
	}
	if *level == 0 {
		*level = defaultLevel
	}
	if *level < flate.HuffmanOnly || *level > flate.BestCompression {
		*errs = append(*errs, fmt.Errorf("%s.Level %d out of range", name, *level))
	}
}

func durationDefault(d, def time.Duration, name string, errs *[]error) time.Duration {
	if d == 0 {
		return def
	}
	if d < 0 {
		*errs = append(*errs, fmt.Errorf("%s must not be negative", name))
	}
	return d
}

// clone returns a copy of o whose pointed-to structs and slices are copies too.
func (o Options) clone() Options {
	o.Transports = slices.Clone(o.Transports)
	if o.CORS != nil {
		c := *o.CORS
		c.Origins = slices.Clone(c.Origins)
		c.Methods = slices.Clone(c.Methods)
		c.AllowedHeaders = slices.Clone(c.AllowedHeaders)
		c.ExposedHeaders = slices.Clone(c.ExposedHeaders)
		o.CORS = &c
	}
	if o.Cookie != nil {
		c := *o.Cookie
		o.Cookie = &c
	}
	if o.PerMessageDeflate != nil {
		d := *o.PerMessageDeflate
		o.PerMessageDeflate = &d
	}
	if o.HTTPCompression != nil {
		h := *o.HTTPCompression
		o.HTTPCompression = &h
	}
	return o
}
