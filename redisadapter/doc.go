// Package redisadapter connects the namespaces of Socket.IO servers through Redis pub/sub, in
// the wire formats of Node's @socket.io/redis-adapter 8.x: New speaks createAdapter's (the
// "classic" adapter, PUBLISH), NewSharded speaks createShardedAdapter's (sharded pub/sub,
// SPUBLISH; see "Sharded mode" below); NewStreams speaks @socket.io/redis-streams-adapter
// 0.3.1's (a Redis stream, which loses nothing while a node or Redis is away, and keeps the
// sessions of connection-state recovery for the whole cluster; see NewStreams). Go and Node.js
// servers of the same mode, and in classic mode Node's or this module's emitter, can share one
// Redis and behave as one server.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	srv, err := socketio.NewServer(socketio.Options{Adapter: redisadapter.New(rdb, redisadapter.Options{})})
//
// Every operation of the server API then reaches every node: broadcasts (to all, to rooms,
// except rooms; Volatile, Compress and Local flags), broadcasts with acknowledgements
// (Timeout(d).EmitWithAck gathers the answers of every client of every node), FetchSockets
// (remote sockets carry their id, handshake, rooms and data, and their Emit, Join, Leave and
// Disconnect act on the node that has them), SocketsJoin, SocketsLeave, DisconnectSockets,
// ServerSideEmit with and without acknowledgements (Namespace.On listeners of the other nodes
// receive it), the server count and the rooms of the whole cluster (Adapter().ServerCount,
// Adapter().AllRooms).
//
// # Redis
//
// The client is a redis.UniversalClient: a *redis.Client (standalone, or Sentinel with
// redis.NewFailoverClient) or a *redis.ClusterClient (PUBLISH reaches every node of a Redis
// Cluster; the server count is summed over its nodes). The adapter publishes through it and
// opens one subscription connection per Factory, shared by all the namespaces of a server,
// with per namespace: PSUBSCRIBE <key>#<nsp>#* (broadcasts, and single-room broadcasts on
// <key>#<nsp>#<room>#), SUBSCRIBE <key>-request#<nsp>#, <key>-response#<nsp># and
// <key>-response#<nsp>#<uid>#. The server count is PUBSUB NUMSUB of the request channel, so a
// Factory must serve exactly one server: build one per server.
//
// The library never closes the client. Closing the server closes the adapters, which
// unsubscribe; the last one closes the subscription connection and waits for its goroutine.
//
// # Publishing
//
// Each Factory publishes through one ordered queue, shared by the namespaces of its server,
// with at most one round trip to Redis in flight: a message published while nothing is in
// flight goes out at once, and the messages published meanwhile (by any goroutine of the
// server) go out together as soon as it is back, in one go-redis pipeline, in the order in
// which they were published; so a server's messages are never reordered, and a burst costs
// one round trip instead of one per message. Broadcasts and a node's answers to other nodes'
// requests are handed to the queue without waiting for Redis (as Node's adapter does not wait
// for its PUBLISH): Emit returns once the broadcast is queued and delivered locally, and an
// error only when the message cannot be queued (see Faults); a broadcast that Redis refuses
// later is counted (Stats.Dropped) and logged. When 1,024 messages (at most MaxQueued) already
// wait, a broadcast waits for its round trip. Requests (FetchSockets, ServerSideEmit with and
// without acknowledgements, SocketsJoin, SocketsLeave, DisconnectSockets, AllRooms, broadcasts
// with acknowledgements) wait for their PUBLISH, at once or in the next pipeline, and return
// its error. With a Redis Cluster, classic mode publishes every channel of a namespace
// through the master of its request channel (so a pipeline goes to one node), and sharded
// mode sends each channel's share of a pipeline to the master of its slot.
//
// # Faults
//
// While Redis is unreachable, a server keeps publishing into a bounded outage queue, one per
// Factory, shared by the namespaces of the server, and publishes its content, in order, once
// Redis is back: as Node's adapter does through node-redis' offline queue, but bounded.
//
//   - What goes to the queue: every message published while this server's subscription
//     connection is lost (it notices a dead Redis within milliseconds, or by the next health
//     check ping after 15 s of silence), every message published while the queue holds
//     messages (so nothing new overtakes what waits: a server's messages keep their order),
//     and a message whose PUBLISH failed because Redis could not be reached (a refused or
//     broken connection; go-redis itself sends a command again after such a failure, so in
//     rare cases a message Redis ran just before dying arrives twice). Broadcasts, room
//     operations (SocketsJoin, SocketsLeave, DisconnectSockets), ServerSideEmit without
//     acknowledgements and a node's answers to other nodes' requests return nil once queued.
//   - Bounds: MaxQueued messages (default 10,000), MaxQueuedBytes of payload (default 16 MiB)
//     and MaxQueueAge (default 10 s). A message the queue cannot take fails at once with an
//     error wrapping ErrUnavailable; one that waited longer than MaxQueueAge is dropped. Both
//     are counted (Options.Stats: Dropped, Queued, QueuedBytes) and logged (Warn, at most
//     every 5 s). A negative MaxQueued turns the queue off: publishing then fails at once
//     with ErrUnavailable while the subscription connection is lost (and a broadcast handed
//     over just before, whose PUBLISH finds Redis unreachable, is dropped and counted).
//   - Flush: once Redis answers, the queue waits until the namespace has as many subscribers
//     as the receivers of its last broadcast before the outage (this server's subscriptions
//     and the other nodes', which reconnect on their own schedule), for at most 2 s, then
//     publishes its content in order, in pipelines, while new messages queue behind.
//   - Requests that expect answers fail fast: FetchSockets, ServerSideEmit with
//     acknowledgements, AllRooms and ServerCount return an error wrapping ErrUnavailable
//     while the subscription connection is lost (they need the server count, and answers
//     could not arrive), and those already waiting end with an error wrapping
//     adapter.ErrTimeout. A broadcast with acknowledgements is queued like a broadcast, but
//     only the acknowledgements that arrive before its timeout count.
//   - A request whose PUBLISH fails for another reason (Redis answered with an error, a
//     timeout: Redis may have run it) returns that error. A broadcast or an answer that Redis
//     refuses is dropped, counted and logged; one that times out stays queued and is tried
//     again (it may then arrive twice).
//   - Close: closing the last adapter of a Factory publishes what is still queued if Redis
//     answers, for at most RequestsTimeout, and drops the rest (counted, logged); it never
//     waits for a Redis that is away, and leaves no goroutine behind.
//
// With New and NewSharded, delivery to the node's own sockets goes on throughout. With
// NewStreams it waits for Redis too: a node delivers its own broadcasts when it reads them back
// from the stream, so they reach its sockets once Redis has them, in the cluster's order (see
// NewStreams). The subscription connection is
// re-established by go-redis, which resubscribes every channel; the adapter logs the loss
// (Warn), the queueing and its end (Info), and the recovery (Info). Pub/sub delivers at most
// once, to the subscribers of the moment: what reaches Redis while a node's own subscription
// connection is down (Redis stayed up, or other publishers had no queue) is lost for that
// node. A message that cannot be decoded, or that belongs to another namespace, is logged
// and dropped.
//
// # Readiness
//
// A server whose Redis is unreachable at start still starts (its subscriptions are made when
// Redis answers). For a readiness probe, the namespace's adapter (a *cluster.Adapter) has a
// Ready method: it waits until Redis has confirmed the namespace's subscriptions or its
// context ends, and then fails with ErrUnavailable while the subscription connection is lost:
//
//	r := srv.Namespace().Adapter().(interface{ Ready(context.Context) error })
//	err := r.Ready(ctx) // nil: this node receives the other nodes' messages
//
// # Sharded mode
//
// NewSharded uses sharded pub/sub (Redis 7 or later): in a Redis Cluster a message reaches
// only the shard that owns its channel instead of every node of the cluster, so traffic scales
// with the shards. It is wire-compatible with Node's createShardedAdapter, and classic and
// sharded nodes do not see each other (nor does the emitter, which is classic only).
//
//	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs}) // or redis.NewClient
//	f := redisadapter.NewSharded(rdb, redisadapter.ShardedOptions{SubscriptionMode: redisadapter.SubscriptionDynamic})
//	srv, err := socketio.NewServer(socketio.Options{Adapter: f})
//
// Per namespace, a node subscribes (SSUBSCRIBE) to <prefix>#<nsp>#, which carries every
// request and the broadcasts not sent to a room channel and whose PUBSUB SHARDNUMSUB is the
// server count, and to its own response channel <prefix>#<nsp>#<uid>#. In the dynamic modes it
// also subscribes to <prefix>#<nsp>#<room># while it has the room (SubscriptionMode says
// which rooms), and a broadcast without acknowledgement to exactly one room goes there, so
// nodes without the room never see it. With a *redis.ClusterClient each channel is
// subscribed on the master that owns its hash slot (one connection per such master, opened
// with its first channel and closed with its last), and the server count is summed over the
// masters; with any other client there is one subscription connection. Messages are the
// ClusterAdapter envelope {type, data, uid, nsp}, JSON unless the data holds binary (then
// MessagePack, so []byte in socket data and server-side events stays binary, unlike classic
// mode).
//
// Differences from classic mode, as in Node: a node applies its own broadcasts, joins,
// leaves and disconnections at once and ignores its copy; FetchSockets waits its Timeout
// (srv.Timeout(d).FetchSockets) when one is set, else RequestsTimeout; there is no allRooms
// request, so Adapter().AllRooms returns this node's rooms with an error wrapping
// cluster.ErrUnsupported (and errors.ErrUnsupported). In dynamic mode a Go node also
// subscribes to a socket-id room whose id is not 20 characters long (Node's rule would lose
// broadcasts to it, since senders only send 20-character rooms to the namespace channel).
//
// Room channels are subscribed and unsubscribed in the background, so a socket's Join never
// waits for Redis: a broadcast another node sends to a room in the instant after a socket
// joined it here can be missed, as with Node. The adapter's Ready method (see Readiness)
// also waits until Redis has confirmed the current room channels. In a Redis Cluster, a
// room's channel and the namespace channel may live on different shards, and messages on
// different channels keep no order between them (a broadcast to one room may arrive after a
// later broadcast to everyone), with Node as with Go.
//
// A node whose process dies stops being counted as soon as Redis drops its connection
// (SHARDNUMSUB no longer counts it), so the next requests wait for the living nodes only; a
// request already waiting when a node dies still waits its timeout. Faults and readiness are
// handled as in classic mode, per subscription connection.
//
// # Values between Go and Node
//
// Event arguments cross the cluster as MessagePack (broadcasts and acknowledgements) or JSON
// (server-side events and their answers, fetchSockets answers), exactly as Node's classic
// adapter sends them (in sharded mode, a message with binary anywhere is MessagePack as a
// whole, otherwise JSON). What a Node node sees of Go values in classic mode:
//
//	Go                               broadcast, ack (MessagePack)   socket data, server-side event (JSON)
//	string, bool, nil                string, boolean, null          same
//	int…, uint…, whole float64       number                         number (Node rounds beyond ±2^53)
//	other float64                    number                         number
//	NaN, ±Inf                        refused (encoding/json)        null
//	[]byte                           Buffer (clients get binary)    {"type":"Buffer","data":[…]}
//	time.Time                        its RFC 3339 string            ISO 8601 string with milliseconds
//	struct (json tags), map, slice   object, array                  object, array (map keys sorted)
//
// Broadcast and acknowledgement values are first encoded as the server encodes any event
// (encoding/json rules, []byte as binary attachments), and keep their key order. socket.data
// and server-side event arguments are encoded as package internal/wire documents: json tags
// name struct fields, and a type's MarshalJSON is used.
//
// And what Go code sees of values a Node node sends: in RemoteSocket.Data and the values of
// server-side answers, objects are map[string]any, arrays []any, whole numbers int64, other
// numbers float64; a Node Buffer in socket.data or a server-side event arrives as the object
// {"type":"Buffer","data":[…]} (JSON has no binary; Node's own nodes see the same), a Date as
// its ISO string. In broadcasts and acknowledgements a Buffer stays binary ([]byte) and a
// Date becomes its ISO string for the clients. RemoteSocket.DecodeData decodes data into a
// value of your type through JSON, so a time.Time field comes back, but a []byte field of
// socket data does not (it is the Buffer object by then): keep binary out of socket data, or
// give it a type that decodes {"type":"Buffer","data":[…]}.
package redisadapter
