// Package adapter defines how a Socket.IO namespace reaches its sockets: the Adapter seam that
// carries broadcasts, room operations, fetchSockets and server-side events to every node of a
// cluster, the room index Local that every adapter shares, and the in-memory adapter Memory for
// a single node.
//
// The server (package socketio) creates one *Local per namespace and hands it to the configured
// Factory. A single-node deployment uses Memory, which simply calls Local. A cluster adapter
// (package adapter/cluster and its Redis transports) wraps the same Local and forwards each
// operation to the other nodes, so there is exactly one room index per namespace per process.
//
// The packets it carries are parser.Packet values: the Socket.IO packet lives with its codec in
// package socketio/parser, which depends on nothing of the adapter layer. Apart from that and
// the standard library this package imports nothing, so every other package of the module may
// use its types.
package adapter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gosockio/gosockio/socketio/parser"
)

// ErrClosed is returned by operations on an adapter that has been closed.
var ErrClosed = errors.New("adapter: closed")

// Flags modify a broadcast, as the operators of the server API do.
type Flags struct {
	// Volatile packets are dropped for recipients whose transport is not writable right now.
	Volatile bool
	// NoCompress disables per-message compression of this packet (Node's compress(false)).
	NoCompress bool
	// Local restricts the operation to this node.
	Local bool
	// Timeout bounds a broadcast with acknowledgements. Zero means none.
	Timeout time.Duration
}

// Target selects sockets: those in any of Rooms (every socket of the namespace when Rooms is
// empty), minus those in any of Except.
type Target struct {
	Rooms  []string
	Except []string
	Flags  Flags
}

// Handshake describes the request that opened a socket's connection. It travels with
// fetchSockets results across the cluster, so it holds plain values only.
type Handshake struct {
	// Headers of the first HTTP request of the session, Host included (net/http keeps it
	// apart, in Request.Host; it is put back here, as Node has it). Their order is not kept:
	// net/http does not record it. Cluster codecs write host first, then the others in
	// alphabetical order, with Node's rules for repeated fields. On the socket's own node the
	// map is the session request's (engineio.Conn.Request): it must not be modified.
	Headers http.Header
	// Query parameters of the first HTTP request. Cluster codecs write them in the order of
	// their first appearance in URL, as Node's querystring does.
	Query url.Values
	// Auth is the payload the client sent with its CONNECT packet (nil when none).
	Auth map[string]any
	// Time is the creation date as JavaScript's Date.prototype.toString writes it in Node,
	// e.g. "Sun Dec 06 2026 16:45:44 GMT+0000 (Coordinated Universal Time)": the zone's long
	// name when it is a well-known one, else "GMT+03:00" as Node writes unnamed zones.
	Time string
	// Issued is the creation date in Unix milliseconds.
	Issued int64
	// URL is the request URI of the first HTTP request.
	URL string
	// Address is the client's IP address.
	Address string
	// XDomain tells whether the request carried an Origin header (a cross-domain connection).
	XDomain bool
	// Secure tells whether the connection used TLS.
	Secure bool
}

// SocketInfo describes one socket, wherever in the cluster it lives.
type SocketInfo struct {
	ID        string
	Handshake Handshake
	// Rooms the socket is in, its own id included.
	Rooms []string
	// Data is the socket's Data value: the Go value itself for a socket of this node, the
	// decoded generic value (maps, slices, strings, numbers) for a remote one.
	Data any
	// Node is the id of the node that owns the socket; empty for a socket of this node.
	Node string
}

// Adapter carries one namespace's operations to every node, this one included.
//
// Methods that wait on peers take a ctx and return by its deadline with what they have plus an
// error. Implementations must be safe for concurrent use.
type Adapter interface {
	// Broadcast delivers p to the sockets selected by t.
	Broadcast(ctx context.Context, p *parser.Packet, t Target) error
	// BroadcastWithAck delivers p (which carries an ack id) to the sockets selected by t. It calls
	// onCount once per node that took part, with the number of sockets that node reached, and
	// onAck once per answer. Both may be called from any goroutine until t.Flags.Timeout (or ctx)
	// ends; the caller decides when it has heard enough.
	BroadcastWithAck(ctx context.Context, p *parser.Packet, t Target, onCount func(int), onAck func(*parser.Packet)) error
	// FetchSockets describes the sockets selected by t.
	FetchSockets(ctx context.Context, t Target) ([]SocketInfo, error)
	// AddSockets makes the sockets selected by t join rooms.
	AddSockets(ctx context.Context, t Target, rooms []string) error
	// DelSockets makes the sockets selected by t leave rooms.
	DelSockets(ctx context.Context, t Target, rooms []string) error
	// DisconnectSockets disconnects the sockets selected by t; close also closes their
	// underlying connections.
	DisconnectSockets(ctx context.Context, t Target, close bool) error
	// ServerSideEmit sends args (the event name first) to the other nodes' namespace. With
	// wantAck it waits for one answer from each other node and returns them; on a timeout it
	// returns those it has with an error wrapping ErrTimeout.
	ServerSideEmit(ctx context.Context, args []any, wantAck bool) ([]any, error)
	// ServerCount is the number of nodes serving this namespace, this one included.
	ServerCount(ctx context.Context) (int, error)
	// AllRooms lists the rooms of the namespace across the cluster.
	AllRooms(ctx context.Context) ([]string, error)
	// Close releases what the adapter holds. It does not close the Local it was given.
	Close(ctx context.Context) error
}

// ErrTimeout is wrapped by errors of operations whose peers did not all answer in time.
var ErrTimeout = errors.New("adapter: operation has timed out")

// Factory builds the Adapter of one namespace around that namespace's room index.
type Factory func(l *Local) (Adapter, error)

// Namespace is what Local needs from the server's namespace. Package socketio implements it.
type Namespace interface {
	// Name is the namespace's name, "/" for the main one.
	Name() string
	// Deliver sends p to the sockets of this node whose ids are given, encoding it once, without
	// blocking. When onAck is non-nil, each recipient's answer to p's ack id is passed to it.
	// It returns how many sockets p was handed to.
	Deliver(p *parser.Packet, ids []string, f Flags, onAck func(*parser.Packet)) int
	// DisconnectSocket disconnects a socket of this node; close also closes its connection.
	DisconnectSocket(id string, close bool)
	// SocketInfo describes a socket of this node (Rooms may be left empty: Local fills them).
	SocketInfo(id string) (SocketInfo, bool)
	// OnServerSideEmit hands an event sent by another node (args: name first) to the
	// namespace's listeners. ack is nil when the sender expects no answer; otherwise it must be
	// called at most once.
	OnServerSideEmit(args []any, ack func(any))
}

// RecoveryAware is an optional capability of a Namespace, found by type assertion: whether the
// server enables connection-state recovery. An adapter whose offsets come from its transport
// (the Redis Streams adapter) appends them to the events it delivers only then, as Node's
// ClusterAdapter does; the namespaces of socketio implement it.
type RecoveryAware interface {
	RecoveryEnabled() bool
}

// Readier is an optional capability of an Adapter, found by type assertion: whether the
// adapter receives the other nodes' messages, for readiness probes. Ready returns nil when it
// does; it may wait for that until ctx ends (the Redis adapters wait for Redis to confirm their
// subscriptions), and returns an error while it does not (the connection to the other nodes is
// lost, the adapter is closed). An adapter without this method, such as Memory, is always
// ready. socketio's Server.Ready asks every namespace's adapter.
type Readier interface {
	Ready(ctx context.Context) error
}

// SessionStore is an optional capability of an Adapter, found by type assertion: it keeps the
// state of disconnected sockets for connection-state recovery (Node's connectionStateRecovery,
// the persistSession / restoreSession of Node's adapter API). Server options that enable
// recovery require it of the main namespace's adapter.
//
// An adapter that implements it also assigns offsets, as Node's SessionAwareAdapter does in
// broadcast: Broadcast of an event packet (parser.Event or parser.BinaryEvent) without an ack id
// (HasID false) and not Flags.Volatile appends its offset, a JSON string, as the last element of
// the packet's Data array (use AppendOffset), keeps the packet with its Target for recovery, and
// delivers the packet carrying the offset. The client sends back the offset of the last event it
// received. Offsets are the adapter's own (a Redis Streams adapter uses its entry ids); the
// server never reads them.
type SessionStore interface {
	// PersistSession keeps s until s.Expires, or until RestoreSession takes it.
	PersistSession(ctx context.Context, s Session) error
	// RestoreSession takes back (removes) the session of private id pid. When there is one,
	// unexpired, and every packet broadcast after offset is still kept, it fills Missed with
	// those addressed to the session (Target rooms and except against the session's Rooms), in
	// order, calls attach with the session and reports true. attach joins the socket to its
	// rooms on this node: the adapter calls it at a point where no packet it delivers on this
	// node afterwards is in Missed and none it delivered before is missing from Missed (the
	// in-memory adapter holds the lock its Broadcast takes). Anything else reports false, and
	// the client gets a new session: an unknown, expired or already restored pid, an offset
	// this adapter never gave, or packets after it dropped.
	RestoreSession(ctx context.Context, pid, offset string, attach func(*Session)) (bool, error)
}

// Session is the state of a socket kept for connection-state recovery.
type Session struct {
	// SID is the socket's id, given back to the recovered socket.
	SID string
	// PID is the private session id: sent only in the socket's own CONNECT answer, never
	// broadcast, and the only key a session is found by.
	PID string
	// Rooms the socket was in, its own id included.
	Rooms []string
	// Data is the socket's Data value.
	Data any
	// Missed are the event packets broadcast to the socket after the client's offset, each
	// carrying its own offset (filled by RestoreSession).
	Missed []*parser.Packet
	// Expires is when the session stops being restorable: the disconnection time plus the
	// server's MaxDisconnectionDuration.
	Expires time.Time
}

// AppendOffset returns a copy of data, a JSON array, with offset appended as a last string
// element: how an offset travels at the end of an event's arguments.
func AppendOffset(data []byte, offset string) []byte {
	end := len(data)
	for end > 0 && data[end-1] != ']' {
		end--
	}
	if end == 0 {
		return data
	}
	q, _ := json.Marshal(offset)
	out := make([]byte, 0, end+len(q)+1)
	out = append(out, data[:end-1]...)
	if !isEmptyArray(data[:end]) {
		out = append(out, ',')
	}
	out = append(out, q...)
	return append(out, ']')
}

func isEmptyArray(b []byte) bool {
	n := 0
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n == 2
}
