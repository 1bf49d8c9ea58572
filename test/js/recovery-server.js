// Node's socket.io 4.8.4 with connectionStateRecovery, serving what recovery.js expects (the
// reference newRecoveryServer in ../recovery_test.go mirrors): TestJSRecovery/node runs the
// client script against it, so that its expectations are Node's.
// Usage: node recovery-server.js [<redis URL> <key>]; it prints "listening <port>" and runs until
// killed. With a Redis URL it is a node of a cluster on @socket.io/redis-streams-adapter 0.3.1,
// whose stream, channels and session keys are named after <key>.
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");
const { createClient } = require("redis");
const { createAdapter } = require("@socket.io/redis-streams-adapter");

const [, , redisURL, key] = process.argv;

const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval: 200,
  pingTimeout: 200,
  connectionStateRecovery: { maxDisconnectionDuration: 2500 },
});
const missedSent = new Set();

// A server-side event (the Go emitter's streams mode, ../emitter_streams_test.go) is handed to
// this node's clients as "sse-got".
io.on("srv-ping", (...args) => io.local.emit("sse-got", ...args));

io.on("connection", (socket) => {
  socket.on("setup", (cb) => {
    socket.join("room");
    socket.data = { name: "alice" };
    io.emit("e", 1);
    io.to("room").emit("e", 2);
    socket.emit("e", 3);
    cb();
  });
  socket.on("cut", () => socket.conn.close());
  socket.on("check", (cb) => {
    cb({ recovered: socket.recovered, id: socket.id, rooms: [...socket.rooms], data: socket.data });
    socket.emit("e", 8);
  });
  socket.on("disconnect", (reason) => {
    console.log(`server: ${socket.id} disconnected: ${reason}`);
    const first = !missedSent.has(socket.id) && socket.data && socket.data.name;
    missedSent.add(socket.id);
    if (!first) return;
    io.emit("e", 4);
    io.to("room").emit("e", 5);
    io.to(socket.id).emit("e", 6);
    io.to("other").emit("bad");
    io.except("room").emit("bad");
    io.volatile.emit("v");
  });
});

async function main() {
  if (redisURL) {
    const client = createClient({ url: redisURL });
    client.on("error", () => {});
    await client.connect();
    io.adapter(createAdapter(client, { streamName: key, channelPrefix: key, sessionKeyPrefix: key + ":session:" }));
  }
  httpServer.listen(0, "127.0.0.1", () => console.log(`listening ${httpServer.address().port}`));
}
main();
