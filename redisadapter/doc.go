// Package redisadapter connects the namespaces of Socket.IO servers through Redis pub/sub, in
// the wire format of Node's @socket.io/redis-adapter 8.x (createAdapter, the "classic"
// adapter): Go and Node.js servers, and Node's or this module's emitter, can share one Redis
// and behave as one server.
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
// # Faults
//
// When Redis goes away, publishing returns an error: Emit and the other operations return it
// to the caller (a node's answers to other nodes' requests are logged instead), and delivery
// to the node's own sockets goes on. Once the subscription connection has noticed the loss,
// these errors wrap ErrUnavailable and come at once, without waiting for Redis. Operations that wait for other nodes fail at once when
// the server count cannot be read, and those already waiting end with an error wrapping
// adapter.ErrTimeout. The subscription connection is re-established by go-redis, which
// resubscribes every channel; the adapter logs the loss (Warn) and the recovery (Info).
// Messages published while a node was disconnected are lost for it, as with Node (pub/sub
// delivers at most once). A message that cannot be decoded, or that belongs to another
// namespace, is logged and dropped.
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
// # Values between Go and Node
//
// Event arguments cross the cluster as MessagePack (broadcasts and acknowledgements) or JSON
// (server-side events and their answers, fetchSockets answers), exactly as Node's adapter
// sends them. What a Node node sees of Go values:
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
