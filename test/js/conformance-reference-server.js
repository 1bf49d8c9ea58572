// The reference servers of the official protocol test suites (socketio/engine.io-protocol and
// socketio/socket.io-protocol, test-suite/), configured as their READMEs say, on the Node
// packages pinned in package.json (socket.io 4.8.4 and the engine.io it depends on). They are the
// baseline the Go conformance server (../conformance) is compared with: a suite test that fails
// here as well is the suite's, not ours. See ../conformance/main.go (Running the suites).
// Usage: node conformance-reference-server.js <engine.io|socket.io> <port>
// It prints "listening <port>" once ready and runs until it is killed.
"use strict";

const [, , suite, port] = process.argv;

const http = require("node:http");
const httpServer = http.createServer();
const listen = () => httpServer.listen(Number(port), "127.0.0.1", () => console.log(`listening ${port}`));

if (suite === "engine.io") {
  const { attach } = require("engine.io");
  const server = attach(httpServer, {
    pingInterval: 300,
    pingTimeout: 200,
    maxPayload: 1e6,
    cors: { origin: "*" },
  });
  server.on("connection", (socket) => {
    socket.on("data", (...args) => {
      socket.send(...args);
    });
  });
  listen();
} else if (suite === "socket.io") {
  const { Server } = require("socket.io");
  const io = new Server(httpServer, {
    pingInterval: 300,
    pingTimeout: 200,
    maxPayload: 1000000,
    connectTimeout: 1000,
    cors: { origin: "*" },
  });
  io.on("connection", (socket) => {
    socket.emit("auth", socket.handshake.auth);
    socket.on("message", (...args) => {
      socket.emit.apply(socket, ["message-back", ...args]);
    });
    socket.on("message-with-ack", (...args) => {
      const ack = args.pop();
      ack(...args);
    });
  });
  io.of("/custom").on("connection", (socket) => {
    socket.emit("auth", socket.handshake.auth);
  });
  listen();
} else {
  console.error("usage: node conformance-reference-server.js <engine.io|socket.io> <port>");
  process.exit(2);
}
