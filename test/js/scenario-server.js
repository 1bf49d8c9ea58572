// A Node.js Socket.IO server (socket.io 4.8.4, see package.json) with the server-side behaviour
// the client scenarios (client-scenarios.js) need: the reference the Go scenario server
// (../interop_test.go, newScenarioServer) mirrors, so that every expectation of the scenarios is
// checked against Node's server as well as ours (../interop_test.go, TestJSClient).
// Usage: node scenario-server.js [port]
// It listens on 127.0.0.1 (port 0 or none: any free port), prints "listening <port>" once ready,
// and runs until it is killed; SIGTERM closes the server first (io.close(): every client sees its
// transport close), as the Go test's stop does for the Go server.
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 0);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const httpServer = http.createServer();
const io = new Server(httpServer);
const reasons = new Map(); // socket id -> disconnect reason

// The acknowledgement callback of an event: the last argument when the client asked for one.
function split(args) {
  const cb = typeof args[args.length - 1] === "function" ? args.pop() : () => {};
  return [args, cb];
}

io.on("connection", (socket) => {
  socket.on("disconnect", (reason) => reasons.set(socket.id, reason));
  socket.emit("welcome-back", socket.id);
  const n = parseInt(socket.handshake.query.seq, 10);
  if (!Number.isNaN(n)) {
    (async () => { // paced, so that the sequence spans the transport upgrade
      for (let i = 0; i < n; i++) {
        socket.emit("seq", i);
        if (i % 10 === 0) await sleep(1);
      }
      socket.emit("seq-done");
    })();
  }
  socket.on("echo", (...all) => {
    const [args, cb] = split(all);
    cb(args); // one argument: the client's emitWithAck resolves with it
  });
  socket.on("transport", (cb) => cb(socket.conn.transport.name));
  socket.on("sum", (a, b, cb) => cb(a + b));
  socket.on("ignore", () => {});
  socket.on("ask-me", async (cb) => {
    const answer = await socket.timeout(3000).emitWithAck("question", "why?");
    let timeout = false;
    try {
      await socket.timeout(300).emitWithAck("silent");
    } catch (e) {
      timeout = e instanceof Error && e.message === "operation has timed out";
    }
    cb({ answer, timeout });
  });
  socket.on("binary-echo", (v, cb) => cb(v));
  socket.on("binary-sizes", (v, cb) => cb([v.parts[0].length, v.parts[1].deep.length]));
  socket.on("send-binary", () => {
    socket.emit("binary", { data: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }, "meta");
  });
  socket.on("join", (room, cb) => {
    socket.join(room);
    cb();
  });
  socket.on("server-broadcast", (t, cb) => {
    io.to(t.to).except(t.except).emit("news", t.msg);
    cb();
  });
  socket.on("socket-broadcast", (t, cb) => {
    (t.to.length > 0 ? socket.to(t.to) : socket.broadcast).emit("news", t.msg);
    cb();
  });
  socket.on("barrier", (cb) => cb());
  socket.on("my-rooms", (cb) => cb([...socket.rooms]));
  socket.on("send-volatile", async () => {
    // Volatile packets are dropped while the transport is busy: wait until it is idle.
    const deadline = Date.now() + 3000;
    while (!socket.conn.transport.writable && Date.now() < deadline) await sleep(1);
    socket.volatile.emit("vol", "v");
  });
  socket.on("kick", (close) => socket.disconnect(close));
  socket.on("reason-of", async (id, cb) => {
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      if (reasons.has(id)) return cb(reasons.get(id));
      await sleep(10);
    }
    cb("unknown");
  });
});

const whoami = (socket) => socket.on("whoami", (cb) => cb(socket.nsp.name));
io.of("/admin").on("connection", whoami);
io.of(/^\/dyn-\d+$/).on("connection", whoami);

const secure = io.of("/secure");
secure.use((socket, next) => {
  if (socket.handshake.auth.token !== "good") {
    const err = new Error("not authorized");
    err.data = { reason: "bad token", code: 401 };
    return next(err);
  }
  next();
});
secure.on("connection", (socket) => {
  socket.on("auth", (cb) => cb(socket.handshake.auth));
});

process.on("SIGTERM", () => {
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref(); // in case a connection lingers
});

// The port of a just-stopped server (the reconnect scenario restarts on the same one) may take a
// moment to free, as in the Go test's serve.
let tries = 0;
httpServer.on("error", (err) => {
  if (err.code === "EADDRINUSE" && ++tries < 50) return setTimeout(() => httpServer.listen(port, "127.0.0.1"), 50);
  console.error("listen:", err.message);
  process.exit(1);
});
httpServer.on("listening", () => console.log(`listening ${httpServer.address().port}`));
httpServer.listen(port, "127.0.0.1");
