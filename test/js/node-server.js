// A Node.js Socket.IO server (socket.io 4.8.4, @socket.io/redis-adapter 8.3.0 on node-redis
// 4.7.1) for the mixed-cluster test (test/cluster_test.go, TestMixedCluster). It speaks the
// control protocol of the Go cluster servers: a client emits "do" with an operation, the server
// runs it (across the cluster) and acknowledges {ok, result, error}. See cluster-clients.js.
// Usage: node node-server.js <redis URL> <key> <server name> <requestsTimeout ms> [sharded:<mode>]
// With "sharded:<mode>" the server uses createShardedAdapter (SPUBLISH/SSUBSCRIBE) with
// channelPrefix <key> and subscriptionMode <mode> (static, dynamic or dynamic-private)
// instead of createAdapter (test/sharded_cluster_test.go, TestMixedClusterSharded). A
// <redis URL> of the form cluster:<host:port>,<host:port>… names the nodes of a Redis Cluster
// (node-redis createCluster).
// With "streams" (or "streams:<streamCount>") it uses @socket.io/redis-streams-adapter 0.3.1
// with streamName, channelPrefix and sessionKeyPrefix named after <key>
// (test/streams_cluster_test.go).
// It prints "listening <port>" once ready, and runs until it is killed (SIGTERM closes it).
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");
const { createClient, createCluster } = require("redis");
const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
const streamsAdapter = require("@socket.io/redis-streams-adapter");

const [, , redisURL, key, NAME, requestsTimeout, adapterKind] = process.argv;
if (!redisURL || !key || !NAME) {
  console.error("usage: node node-server.js <redis URL> <key> <server name> [requestsTimeout ms]");
  process.exit(2);
}

function sorted(a) {
  return [...a].sort();
}

async function main() {
  const pub = redisURL.startsWith("cluster:")
    ? createCluster({ rootNodes: redisURL.slice("cluster:".length).split(",").map((a) => ({ url: "redis://" + a })) })
    : createClient({ url: redisURL });
  const sub = pub.duplicate();
  pub.on("error", (e) => console.error("redis pub:", e.message));
  sub.on("error", (e) => console.error("redis sub:", e.message));
  await Promise.all([pub.connect(), sub.connect()]);

  const httpServer = http.createServer();
  const sharded = (adapterKind || "").match(/^sharded:(.+)$/);
  // The sharded adapter subscribes room channels without waiting for Redis; "ready" waits
  // for those subscriptions, as the Go servers' Ready does.
  const pending = new Set();
  const sSubscribe = sub.sSubscribe.bind(sub);
  sub.sSubscribe = (...args) => {
    const p = sSubscribe(...args);
    pending.add(p);
    p.finally(() => pending.delete(p)).catch((e) => console.error("sSubscribe", args[0], "failed:", e.message));
    return p;
  };
  const streams = (adapterKind || "").match(/^streams(?::(\d+))?$/);
  const io = new Server(httpServer, {
    adapter: streams
      ? streamsAdapter.createAdapter(pub, {
          streamName: key,
          streamCount: Number(streams[1] || 1),
          channelPrefix: key,
          sessionKeyPrefix: key + ":session:",
        })
      : sharded
        ? createShardedAdapter(pub, sub, { channelPrefix: key, subscriptionMode: sharded[1] })
        : createAdapter(pub, sub, { key, requestsTimeout: Number(requestsTimeout || 5000) }),
  });

  io.on("srv-ping", (...args) => {
    io.local.emit("sse-got", { server: NAME, event: "srv-ping", args });
  });
  io.on("srv-ask", (...args) => {
    const cb = args.pop();
    cb({ server: NAME, args });
  });
  io.on("srv-ask-nobody", () => {});

  const select = (op) => {
    let sel = io.to(op.to || []);
    if (op.except && op.except.length) sel = sel.except(op.except);
    return sel;
  };

  async function run(socket, op) {
    switch (op.op) {
      case "emit": {
        let sel = select(op);
        if (op.volatile) sel = sel.volatile;
        if (op.compress === false || op.compress === true) sel = sel.compress(op.compress);
        if (op.local) sel = sel.local;
        sel.emit(op.event, ...(op.args || []));
        return null;
      }
      case "emitWithAck":
        return new Promise((resolve, reject) => {
          select(op)
            .timeout(op.timeout)
            .emit(op.event, ...(op.args || []), (err, acks) => {
              if (err) {
                const e = new Error(err.message);
                e.result = { acks };
                reject(e);
              } else resolve({ acks });
            });
        });
      case "fetch": {
        const socks = await select(op).fetchSockets();
        return socks
          .map((s) => ({
            id: s.id,
            rooms: sorted(s.rooms),
            data: s.data,
            name: s.handshake.query.name,
            auth: s.handshake.auth,
            host: s.handshake.headers.host,
            time: s.handshake.time,
          }))
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      }
      case "remote": {
        const socks = await io.in(op.id).fetchSockets();
        if (socks.length !== 1) throw new Error(`fetched ${socks.length} sockets with id ${op.id}`);
        const s = socks[0];
        switch (op.action) {
          case "emit":
            s.emit(op.event, ...(op.args || []));
            return null;
          case "join":
            s.join(op.rooms);
            return null;
          case "leave":
            for (const r of op.rooms) s.leave(r);
            return null;
          case "disconnect":
            s.disconnect(op.close);
            return null;
        }
        throw new Error(`unknown remote action ${op.action}`);
      }
      case "socketsJoin":
        select(op).socketsJoin(op.rooms);
        return null;
      case "socketsLeave":
        select(op).socketsLeave(op.rooms);
        return null;
      case "disconnectSockets":
        select(op).disconnectSockets(op.close);
        return null;
      case "sse":
        io.serverSideEmit(op.event, ...(op.args || []));
        return null;
      case "sseAck":
        return new Promise((resolve, reject) => {
          io.serverSideEmit(op.event, ...(op.args || []), (err, answers) => {
            if (err) {
              const e = new Error(err.message);
              e.result = { answers };
              reject(e);
            } else resolve({ answers });
          });
        });
      case "serverCount":
        return io.of("/").adapter.serverCount();
      case "allRooms":
        return sorted(await io.of("/").adapter.allRooms());
      case "selfJoin":
        socket.join(op.rooms);
        return null;
      case "setData":
        socket.data = op.data;
        return null;
      case "myRooms":
        return sorted(socket.rooms);
      case "serverName":
        return NAME;
      case "ready":
        await Promise.all([...pending]);
        return null;
    }
    throw new Error(`unknown op ${op.op}`);
  }

  io.of("/other").on("connection", (socket) => socket.on("ping", (cb) => cb("pong")));

  io.on("connection", (socket) => {
    socket.on("do", async (op, cb) => {
      try {
        const result = await run(socket, op);
        cb({ ok: true, result });
      } catch (e) {
        cb({ ok: false, error: e.message, result: e.result });
      }
    });
  });

  await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  console.log(`listening ${httpServer.address().port}`);

  const stop = async () => {
    io.close();
    await Promise.allSettled([pub.quit(), sub.quit()]);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
