// Package emitter sends Socket.IO events and room operations to a cluster of servers through
// Redis alone, for programs that hold no client connections: cron jobs, queue workers, the
// HTTP handlers of other services. It speaks the wire format of Node's
// @socket.io/redis-emitter 5.x, so its messages reach every server of the cluster that uses
// the classic Redis adapter under the same key prefix, whether the server is written in Go
// (package redisadapter) or in Node (@socket.io/redis-adapter createAdapter). See README.md
// for a tour and the gosockio emit command.
//
//	e := emitter.New(rdb, emitter.Options{})          // key prefix "socket.io", namespace "/"
//	err := e.To("room1").Except("room2").Emit(ctx, "news", map[string]any{"id": 7})
//	err = e.Of("/admin").In("ops").SocketsJoin(ctx, "alerts")
//	err = e.ServerSideEmit(ctx, "reload", "config.yaml")
//
// # What travels where
//
// Emit publishes one MessagePack message ["emitter", {type, data, nsp}, {rooms, flags,
// except}] on <key>#<nsp># (or <key>#<nsp>#<room># when exactly one room is targeted); every
// server delivers it to its matching local clients. SocketsJoin, SocketsLeave,
// DisconnectSockets and ServerSideEmit publish one JSON request on <key>-request#<nsp>#,
// which every server applies to its own sockets, or hands to its server-side listeners.
// Publishing is fire and forget: a nil error means Redis accepted the message (or, while
// Redis is unreachable, the outage queue did), not that any client received it (Redis pub/sub
// delivers at most once, to the servers subscribed at that moment). To know whether any
// server was listening, use the …Result variants (EmitResult, SocketsJoinResult,
// ServerSideEmitResult, …): their Result.Receivers is what PUBLISH answered, the number of
// subscriptions that received the message, and 0 means no server did (none runs, or they use
// another Key or another Redis). The gosockio emit command warns then.
//
// # Streams mode
//
// With Options.Streams the Emitter reaches servers on the Redis Streams adapter instead
// (redisadapter.NewStreams, or Node's @socket.io/redis-streams-adapter 0.3.1; Node has no
// emitter for it). Emit, SocketsJoin, SocketsLeave and DisconnectSockets then append one entry
// to the namespace's stream, as the adapter itself does (XADD <stream> MAXLEN ~ <MaxLen> * uid
// emitter nsp <nsp> type <3, 4, 5 or 6> data <JSON, or base64 MessagePack with binary>), and
// ServerSideEmit publishes the adapter's SERVER_SIDE_EMIT message in MessagePack on
// <Key>#<nsp># (a []byte argument stays binary). Every server reads the entry from the stream,
// in order with the cluster's own broadcasts, even one that was reconnecting to Redis when it
// was appended; with connection-state recovery its clients receive the entry id as offset, and
// a client that was disconnected meanwhile gets the event when its session is recovered.
// Result.Channel is then the stream and Result.Receivers 0 (a stream has no subscribers).
//
//	e := emitter.New(rdb, emitter.Options{Streams: &emitter.StreamsOptions{}}) // stream "socket.io"
//	err := e.To("room1").Emit(ctx, "news", 1)
//
// # Redis outages
//
// While Redis is unreachable, an Emitter keeps the messages it cannot publish in a bounded
// outage queue, shared by the Emitters of one New (Of shares it), and publishes them in order
// once Redis answers again, as Node's emitter does through node-redis' offline queue:
//
//   - A message goes to the queue when its PUBLISH fails because Redis could not be reached
//     (a refused or broken connection), and every later message goes behind it until the
//     queue is empty, so nothing new overtakes what waits. The operation returns nil and its
//     Result has Queued set. Other errors (Redis answered with an error, a timeout, the
//     context ended) are returned as before.
//   - Bounds: Options.MaxQueued messages (default 10,000), MaxQueuedBytes of payload (16 MiB)
//     and MaxQueueAge (10 s). What the queue cannot take fails with an error wrapping
//     ErrUnavailable; what waits longer than MaxQueueAge is dropped. Both are counted
//     (Emitter.Dropped; Emitter.Queued tells what waits) and logged (Warn, at most every 5 s).
//     A negative MaxQueued turns the queue off.
//   - Once Redis answers, the queue waits until the namespace's servers (the subscribers of
//     its request channel) are as many as received the last message before the outage, at
//     most 2 s, then publishes what it holds, in order, in pipelines.
//   - A goroutine runs while messages are queued. Flush waits until the queue is empty; Close
//     publishes what it can while Redis answers, then drops the rest and ends the goroutine:
//     call it before the program exits, or queued messages are lost with the process.
//
// # Arguments
//
// Event arguments are converted the way the adapters convert them: nil, bool, integers,
// floats, strings, slices, maps with string keys, json.Number and json.RawMessage map to the
// obvious JavaScript values; a struct value becomes an object named by its json tags; a
// []byte reaches clients as binary (a Buffer in Node, an ArrayBuffer in browsers), carried
// inline as a MessagePack bin item exactly as Node's emitter does; a time.Time becomes a
// Date. ServerSideEmit requests are JSON, as in Node, so a []byte argument arrives at the
// servers as {"type":"Buffer","data":[…]} (not in streams mode, where they are MessagePack). The messages on Redis are described in
// docs/redis-wire.md, at the root of the module's repository.
//
// # What an emitter cannot do
//
// An emitter is not a member of the cluster: it never subscribes, so it cannot receive
// acknowledgements or answers. EmitWithAck, ServerSideEmitWithAck and any func passed as the
// last argument fail with ErrAckNotSupported. Event names that Socket.IO reserves fail with
// ErrReservedEvent. It reaches servers that use the classic (PUBLISH) Redis adapter, or in
// streams mode the Redis Streams adapter, not the sharded (SPUBLISH) one, like Node's emitter. It has no FetchSockets, no server
// count and no Local.
//
// # Concurrency
//
// An Emitter and its BroadcastOperators are immutable values (but for the queue they share):
// every modifier returns a copy, and all of them are safe for concurrent use. The Emitters of
// one New publish through one ordered queue with at most one round trip to Redis in flight:
// an operation while nothing is in flight publishes at once; those of other goroutines made
// meanwhile wait, and go out together in one pipeline (one round trip) when it is back, each
// getting its own Result. So a burst of concurrent operations costs a few round trips, and
// the messages of one goroutine are published in the order it made them. The Redis client
// belongs to the caller, who closes it (after Emitter.Close).
package emitter
