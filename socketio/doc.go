// Package socketio is a Socket.IO v4 server (protocol v5 over Engine.IO v4) that any official
// Socket.IO client can talk to: JavaScript, Swift, Java, Python, C++.
//
// # Server and namespaces
//
// A Server is an http.Handler; mount it at its path (default "/socket.io/"):
//
//	srv, _ := socketio.NewServer(socketio.Options{})
//	srv.OnConnection(func(s *socketio.Socket) {
//		s.On("chat message", socketio.Handle(func(ev *socketio.Event, msg string) error {
//			return srv.Emit("chat message", msg)
//		}))
//	})
//	http.Handle("/socket.io/", srv)
//
// The Server's methods act on the main namespace "/". Server.Of returns other namespaces, and
// Server.OfFunc / Server.OfRegexp declare dynamic ones, created when a client first asks for a
// matching name; their middleware and handlers are registered on the returned ParentNamespace.
// A client asking for any other namespace receives a connect_error "Invalid namespace".
//
// # The browser client
//
// As Node's server does by default (serveClient), the Server answers GET <path>socket.io.js,
// socket.io.min.js, socket.io.esm.min.js, socket.io.msgpack.min.js and their .map files, so a
// page can load <script src="/socket.io/socket.io.js">. It serves them from Options.ClientDir,
// the dist/ directory of the socket.io-client npm package, with an ETag (304 Not Modified on a
// matching If-None-Match) and gzip; without ClientDir it redirects (302) to the official CDN
// build of ClientVersion, https://cdn.socket.io/4.8.4/. Options.DisableServeClient turns this
// off (404).
//
// Namespace.Use adds connection middleware: a returned error refuses the connection, and a
// *ConnectError carries data to the client's connect_error listener.
//
// # Events
//
// Socket.On registers a handler func(*Event) error. The raw form reads arguments with
// Event.Values (generic JSON values, []byte for binary) or Event.Bind (into Go values, as
// json.Unmarshal does). The typed form wraps a function of your argument types:
//
//	s.On("move", socketio.Handle2(func(ev *socketio.Event, x, y int) error { … }))
//
// A client that asked for an acknowledgement gets it from Event.Ack. A socket's handlers run in
// order, one at a time, on a goroutine of their own that exists only while events are waiting:
// a handler may block (even on EmitWithAck to its own client) without stopping the connection's
// reader, which keeps handling acknowledgements, or the client's sockets of other namespaces (a
// handler blocked in "/admin" does not hold up "/" on the same connection, as in Node). A
// namespace's CONNECT, middleware and connection handlers run on that goroutine too, before
// the socket's first event. Up to Options.MaxPendingEvents events may wait for a socket's
// handlers; beyond that, reading from the connection pauses, for every namespace of it, until
// they catch up. Packet middleware (Socket.Use) and catch-all handlers (OnAny, OnAnyOutgoing)
// behave as in Node. A panicking handler is logged and its socket disconnected; the server goes
// on.
//
// # Errors in handlers
//
// An error returned by an event handler, a catch-all handler or a packet middleware goes to the
// socket's OnError listeners (a middleware's error also stops the event). When the socket has
// none, it is logged at Warn level, which the default slog level shows, with the keys "nsp",
// "sid", "event" and "err", and "ack_pending" when the client asked for an acknowledgement
// that was not sent. A client can send failing events as fast as it likes, so these lines are
// rate-limited: at most 10 a second per Server, then one line with the number left out
// ("suppressed").
//
// The typed handlers (Handle, Handle2) do not call their function when an argument does not
// decode into its type (a client emitting ("login", "str") to a handler of a struct): the
// error, which wraps ErrInvalidArgument, takes the same path. Missing arguments leave zero
// values.
//
// The client is told nothing: no packet is sent, and an acknowledgement the handler did not
// send never comes, as in Node (where an exception thrown by a listener escapes the server
// and a middleware's error goes to the socket's "error" listeners). A client that asks for an
// acknowledgement should bound its wait (socket.timeout(ms).emit(…) or emitWithAck), and a
// handler that wants the client to know answers it, e.g. ev.Ack(map[string]any{"error": …}),
// and returns nil.
//
// # Emitting
//
// Emit takes any JSON-able Go values; []byte values at any depth (top level, in maps, slices,
// or struct fields) travel as binary attachments. EmitWithAck waits for the answer until its
// context ends; Timeout(d) sets a deadline. The names connect, connect_error, disconnect,
// disconnecting, newListener and removeListener are reserved and refused with ErrReservedEvent.
//
// # Rooms and broadcasting
//
// Socket.Join and Socket.Leave manage rooms; every socket is in the room of its own id. The
// broadcast operators To / In / Except / Local / Volatile / Compress / Timeout return a
// BroadcastOperator value (each modifier returns a copy), whose Emit, EmitWithAck,
// FetchSockets, SocketsJoin, SocketsLeave and DisconnectSockets go through the namespace's
// adapter and so reach every node of a cluster. Socket.To, Socket.Except and Socket.Broadcast
// exclude the sending socket, as in Node.
//
// A broadcast is encoded once: one Socket.IO packet becomes one set of Engine.IO messages whose
// WebSocket frame and polling bytes are built once and shared by every recipient.
//
// # Disconnection
//
// Socket.OnDisconnecting listeners run while Rooms still lists the socket's rooms;
// OnDisconnect listeners run after, with one of the Reason… constants (Node's strings).
// Server.Close disconnects every socket with "server shutting down", closes the connections
// (clients see "transport close" and reconnect elsewhere) and returns once every goroutine the
// server started has ended.
//
// # Connection-state recovery
//
// With Options.ConnectionStateRecovery set (off by default), a client that lost its connection
// gets its socket back when it reconnects in time, as with Node's connectionStateRecovery:
//
//   - The CONNECT answer carries a private session id, pid, next to sid. It is sent to that
//     client only, never broadcast, and it is the only key a session is found by.
//   - Every event packet sent without an acknowledgement and not volatile, by a broadcast or by
//     Socket.Emit, goes through the adapter, which appends an offset (a string) as its last
//     argument; socket.io-client keeps the last one it received.
//   - When a socket disconnects for a reason Node recovers from (transport close, transport
//     error, ping timeout, forced close, forced server close, server shutting down: not a
//     DISCONNECT from either side, nor a parse error), its id, rooms, data and pid are kept for
//     MaxDisconnectionDuration (2 minutes).
//   - A CONNECT whose auth holds that pid and an offset (socket.io-client sends them when it
//     reconnects) gets the same socket id, rooms and data back, Socket.Recovered reports true,
//     and the events broadcast to it since the offset are sent again, in order, before anything
//     new (as in Node, they are written before the CONNECT answer). Middlewares are skipped
//     unless RunMiddlewares is set; OnConnection handlers run as for any socket.
//   - Anything else (no pid or offset, unknown or expired or already restored pid, an offset
//     the server never gave, or packets after it dropped for lack of room) gives a new socket,
//     Recovered false.
//
// The adapter keeps sessions and packets (adapter.SessionStore). With Options.Adapter nil it is
// adapter.MemoryWithRecovery, which keeps per namespace at most MaxPackets packets (10,000) of
// at most MaxBytes (32 MiB) in all, and MaxSessions sessions (100,000), each for
// MaxDisconnectionDuration; past a bound the oldest go first. Across a cluster,
// redisadapter.NewStreams keeps them in Redis (compatible with Node's
// @socket.io/redis-streams-adapter): a client may come back on any node. The classic and
// sharded Redis adapters keep none, so NewServer refuses recovery with them.
//
// # Cluster
//
// Options.Adapter selects how namespaces reach other nodes: nil is a single node
// (adapter.Memory); redisadapter.New joins a Redis-backed cluster compatible with Node's
// @socket.io/redis-adapter.
//
// Server.Ready tells a readiness probe whether the node takes part in its cluster: it asks the
// adapter of every namespace that implements adapter.Readier (the Redis adapters: their
// subscriptions are confirmed and the connection is up); the in-memory adapter is always ready.
package socketio
