// Package engineio is a server for the Engine.IO protocol, revision 4: the transport layer of
// Socket.IO v3 and v4, with HTTP long-polling, WebSocket, and the upgrade from one to the other.
// It behaves as the Node.js engine.io server does, so that the official JavaScript clients (and
// the official protocol test suite) work unchanged.
//
// # Model
//
// A Server is an http.Handler serving Options.Path. Each accepted handshake creates a session,
// a *Conn, which the Server reports to its Handler: Handler.Open returns the ConnHandler that
// receives the session's messages and, exactly once, its close. Messages go out with Conn.Send
// as *Message values.
//
// Concurrency. No goroutine waits for an idle session. On Linux, one goroutine per Server waits
// in epoll for every idle WebSocket; when one becomes readable, a reader goroutine (taken from a
// pool of reused goroutines) reads every message that has come, hands each to the ConnHandler,
// and gives the connection back to the poller. (A WebSocket that is not a plain socket, such as
// TLS, or one on another system, is read by a goroutine of its own for its whole life.) What is
// queued on a WebSocket is written by the Server's flushers: a connection with something to write
// waits its turn on a list, and at most GOMAXPROCS flusher goroutines (none while the list is
// empty) each take every packet queued on it at that moment and write them with one
// non-blocking system call; what a client's socket cannot take at once is left to a writer
// goroutine of that connection, which waits for it. So frames queued together (a burst of
// broadcasts) cost one write per connection, and a lone frame still goes out at once. A polling
// session has no goroutine of its own: a GET request drains the session's queue (waiting if it
// is empty), a POST request decodes and delivers the packets it carries, and the heartbeat and
// the timeouts are time.AfterFunc timers. The ConnHandler is called on a reading goroutine
// (WebSocket) or on the POST's goroutine, never for two messages of one session at once.
// Listeners registered with the On* methods of Conn are called outside every lock; drain
// listeners and OnFlushed callbacks run on the goroutine that wrote, which may be a flusher
// shared by every session, so they must not block.
//
// Encode once. A *Message is immutable once sent and may be shared by any number of sessions:
// its polling encoding is computed lazily, at most once, and its WebSocket frame is built from
// its Data straight into the writer's buffer, so a broadcast to 10,000 sessions encodes its
// payload once. With permessage-deflate, a Message to be compressed goes through its cached
// *websocket.PreparedMessage, compressed once for all.
//
// # Outgoing queue and overflow
//
// Each session has one outgoing queue, bounded by Options.MaxQueuedPackets (default 4096) and
// Options.MaxQueuedBytes (default 16 MiB; a packet counts for its payload length plus one),
// except for what Conn.SendBacklog queues (a recovered session's missed packets, bounded by
// the adapter that kept them) until the transport has taken it. The queue is drained by the polling GET or the WebSocket writer, which coalesces: every packet
// queued when it runs goes out in one polling response, or in one write of back-to-back frames.
// Nothing is preallocated: an idle WebSocket session holds its connection, a 288-byte read
// buffer and its state (about 4 KB in all, with no goroutine and no goroutine stack).
//
// Send never blocks. When the packets given to one Send do not fit, none of them is queued, the
// session is closed with ReasonTransportError (its queued packets are dropped), and the error
// returned (and passed to OnClose) wraps ErrQueueFull: a client that does not read cannot make
// the server buffer without bound, and the layer above learns it lost packets. SendVolatile
// never overflows: it queues only when the transport can write at once and the packets fit,
// and otherwise drops them and returns false. The open packet is exempt from the limits.
//
// # Heartbeat and closing
//
// The server sends a ping every Options.PingInterval and closes the session with
// ReasonPingTimeout when no pong arrives within Options.PingTimeout. A session closes with one
// of the Reason* constants (Node's exact strings). Conn.Close flushes the queued packets first
// (a polling session hands them, followed by a close packet, to the pending or the next GET),
// bounded by min(30s, PingInterval+PingTimeout); the heartbeat goes on meanwhile (without
// pings), so a client that is gone is let go by its ping timeout, as in Node. Server.Close closes every session with
// ReasonServerShutdown, flushing until its context ends, and returns once every goroutine it
// started has ended.
//
// # Refused requests
//
// Requests that fail the protocol checks are answered with HTTP 400 (403 for CodeForbidden)
// and the JSON body {"code":N,"message":"..."}, with Node's codes (CodeTransportUnknown ...
// CodeUnsupportedProtocolVersion), and reported to Options.OnConnectionError. A polling body
// over Options.MaxHTTPBufferSize is answered 413; a larger WebSocket message closes the
// WebSocket (status 1009). A packet that cannot be decoded closes its session with
// ReasonParseError.
//
// # Differences from the Node.js server
//
// Not supported: JSONP polling (the "j" query parameter), protocol revision 3 (allowEIO3; EIO=3
// is refused with code 5), WebTransport, the initialPacket option, Connect-style middlewares
// (wrap the Server in http middleware instead) and alternative WebSocket engines. CORS covers
// the options of the "cors" package that Socket.IO users rely on (CORSOptions).
//
// Deliberate differences, each harmless to the official clients:
//   - a polling body over the size limit, like an oversized WebSocket message, also closes the
//     session (ReasonTransportError), so that the layer above learns that data was lost;
//   - a "1" (close) packet received on a WebSocket closes the session (Node ignores it);
//   - refused WebSocket upgrades get the same JSON error as polling requests (Node writes a
//     plain-text 400), and the protocol version is checked before the upgrade, not after;
//   - a request with a session id and a method other than GET or POST gets 400 code 3 (Node:
//     500) and leaves the session open;
//   - a POST whose session was closed while its body was read gets 400 code 1 (Node destroys the
//     request);
//   - handshakes during Server.Close get 503 with code 3;
//   - Go's scheduler runs requests in parallel where Node's event loop serialises them, so two
//     races that the official test suite exercises are resolved explicitly: a polling GET that
//     arrives while an upgrade is being probed is held for up to 100ms (Node's check interval)
//     and, if the upgrade completes meanwhile, answered 400 like any polling request after the
//     upgrade; and a GET that raced the client's own close packet is answered with a noop, once,
//     within a second of the close, instead of 400.
//
// The WebSocket origin is not checked (as in Node): use AllowRequest to check it.
//
// # Serving
//
// A polling GET stays open until there is something to send, at most about PingInterval (the
// next ping): an http.Server serving the Server needs a WriteTimeout (if any) longer than that.
// WebSocket connections are hijacked, so they are not bound by the http.Server's timeouts, and
// need HTTP/1.1 (polling also works over HTTP/2).
package engineio
