// A Node.js Socket.IO server (socket.io 4.8.4) instrumented by @socket.io/admin-ui 0.5.1, the
// reference the Admin UI tests compare the Go instrumentation with (test/adminui_test.go).
//
//   node admin-ui-server.js <port> <mode> <serverId> <username> <bcrypt hash> [<redis URL> <key> <store prefix>]
//
// mode is development or production; an empty username means auth: false. With a Redis URL the
// server joins a cluster through @socket.io/redis-adapter (channels under <key>) and keeps the
// admin sessions in a RedisStore (keys under <store prefix>). The main namespace runs the
// tests' small app: "join" (room) joins the room, sets socket.data.user and answers "joined";
// "leave" (room) leaves it. Prints "listening <port>" once ready; runs until killed.
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");
const { instrument, RedisStore } = require("@socket.io/admin-ui");

const [, , port, mode, serverId, username, hash, redisURL, key, storePrefix] = process.argv;
if (!port || !mode || !serverId) {
  console.error("usage: node admin-ui-server.js <port> <mode> <serverId> <username> <bcrypt hash> [<redis URL> <key> <store prefix>]");
  process.exit(2);
}

async function main() {
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  const closers = [];
  let store;
  if (redisURL) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-adapter");
    const pub = createClient({ url: redisURL });
    const sub = pub.duplicate();
    // RedisStore 0.5.1 calls exists(key, callback) and multi().set().expire().exec():
    // node-redis 4 offers that API in legacy mode.
    const legacy = createClient({ url: redisURL, legacyMode: true });
    for (const c of [pub, sub, legacy]) c.on("error", (e) => console.error("redis:", e.message));
    await Promise.all([pub.connect(), sub.connect(), legacy.connect()]);
    closers.push(() => Promise.allSettled([pub.quit(), sub.quit(), legacy.quit()]));
    io.adapter(createAdapter(pub, sub, { key }));
    store = new RedisStore(legacy, { prefix: storePrefix });
  }
  io.on("connection", (socket) => {
    socket.on("join", (room) => {
      socket.join(room);
      socket.data.user = "alice";
      socket.emit("joined", room);
    });
    socket.on("leave", (room) => socket.leave(room));
  });
  instrument(io, {
    auth: username ? { type: "basic", username, password: hash } : false,
    mode,
    serverId,
    ...(store ? { store } : {}),
  });
  httpServer.listen(Number(port), "127.0.0.1", () => {
    console.log("listening " + httpServer.address().port);
  });
  process.on("SIGTERM", async () => {
    io.close();
    for (const c of closers) await c();
    process.exit(0);
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
