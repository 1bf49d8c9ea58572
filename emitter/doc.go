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
// Publishing is fire and forget: a nil error means Redis accepted the message, not that any
// server or client received it (Redis pub/sub delivers at most once, to the servers
// subscribed at that moment).
//
// # Arguments
//
// Event arguments are converted the way the adapters convert them (see internal/wire): nil,
// bool, integers, floats, strings, slices, maps with string keys, json.Number and
// json.RawMessage map to the obvious JavaScript values; a struct value becomes an object
// named by its json tags; a []byte reaches clients as binary (a Buffer in Node, an
// ArrayBuffer in browsers), carried inline as a MessagePack bin item exactly as Node's
// emitter does; a time.Time becomes a Date. ServerSideEmit requests are JSON, as in Node, so
// a []byte argument arrives at the servers as {"type":"Buffer","data":[…]}.
//
// # What an emitter cannot do
//
// An emitter is not a member of the cluster: it never subscribes, so it cannot receive
// acknowledgements or answers. EmitWithAck, ServerSideEmitWithAck and any func passed as the
// last argument fail with ErrAckNotSupported. Event names that Socket.IO reserves fail with
// ErrReservedEvent. It reaches servers that use the classic (PUBLISH) Redis adapter only, not
// the sharded (SPUBLISH) one, exactly like Node's emitter. It has no FetchSockets, no server
// count and no Local.
//
// # Concurrency
//
// An Emitter and its BroadcastOperators are immutable values: every modifier returns a copy,
// and all of them are safe for concurrent use. The Redis client belongs to the caller, who
// closes it.
package emitter
