// Package adminui makes a gosockio server appear in the official Socket.IO Admin UI
// (@socket.io/admin-ui 0.5.1, hosted at https://admin.socket.io or served from the npm
// package's ui/dist directory): its dashboard of servers, clients, sockets, rooms and events,
// and its actions to emit, join, leave and disconnect.
//
// Instrument does for a *socketio.Server what Node's instrument(io, options) does for a Node
// server, speaking the same protocol on the same admin namespace ("/admin"), so that one UI
// watches a cluster mixing Go nodes and Node nodes instrumented by @socket.io/admin-ui: every
// node broadcasts its events to the admin namespace through the cluster adapter, so the UI,
// connected to any one node, hears them all, and its actions reach every node the same way.
//
// # The protocol
//
// An admin client connects to the admin namespace. With basic authentication its CONNECT auth
// carries {username, password} (the password is checked against a bcrypt hash) or {sessionId}
// (a session saved in the Store at a previous login); bad credentials are refused with the
// connect_error "invalid credentials". A successful login is sent "session" with a new session
// id. Then every admin client is sent:
//
//   - "config" {supportedFeatures}: EMIT, JOIN, LEAVE, DISCONNECT, MJOIN, MLEAVE, MDISCONNECT
//     (none of these when read-only), AGGREGATED_EVENTS, and ALL_EVENTS in development mode;
//   - "server_stats" every 2 seconds, from every node: {serverId, hostname, pid, uptime,
//     clientsCount, pollingClientsCount, aggregatedEvents, namespaces}, where
//     aggregatedEvents counts, per second, rawConnection, rawDisconnection (by reason),
//     packetsIn, packetsOut, bytesIn and bytesOut, and namespaces gives each namespace's
//     number of sockets on that node.
//
// In development mode only (Mode Development), it is also sent "all_sockets" (every socket of
// every namespace across the cluster) when it connects, and, as they happen on any node,
// "socket_connected", "socket_updated" (transport upgrade, Socket.SetData),
// "socket_disconnected", "room_joined", "room_left", "event_received" and "event_sent".
// Production mode sends none of these and costs the server's hot paths only a nil check and
// two atomic additions per broadcast.
//
// The UI's actions, refused when ReadOnly is set: "emit" (nsp, filter, event, ...args),
// "join" (nsp, room, filter), "leave" (nsp, room, filter) and "_disconnect" (nsp, close,
// filter), where filter, when set, is a room or socket id the operation is restricted to.
// They run across the cluster through the namespace's adapter.
//
// # Sessions in a cluster
//
// The UI logs in once, then reconnects with its session id. Behind a load balancer that may
// send it to another node, give every node a RedisStore on the same Redis (the keys and values
// of Node's RedisStore: "socket.io-admin#<id>" = "true", expiring after 24 hours), so that a
// session saved by one node, Go or Node, is known to all.
package adminui
