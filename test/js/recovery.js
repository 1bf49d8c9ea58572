// Connection-state recovery with socket.io-client 4.8 (test/recovery_test.go, TestJSRecovery),
// run against the Go server and Node's socket.io 4.8.4 (recovery-server.js) alike,
// servers with connectionStateRecovery (maxDisconnectionDuration 2.5 s) that:
//   - on "setup" (ack): joins the socket to "room", sets its data to {name: "alice"}, emits
//     "e" 1 to everyone, 2 to "room", 3 to the socket itself (socket.emit), then acknowledges;
//   - on "cut": closes the socket's connection from the server side;
//   - when a socket that was set up disconnects for a recoverable reason the first time: emits
//     "e" 4 to everyone, 5 to "room", 6 to the socket's id, "bad" to "other" and to everyone
//     except "room", and "v" volatile;
//   - on "check" (ack): answers {recovered, id, rooms, data} of the socket, then emits "e" 8.
// Usage: node recovery.js <websocket|polling> <base URL> [<other node's base URL>]
// With a second URL (a cluster on the streams adapter), the client reconnects to that other
// node after each cut.
// websocket: the server closes the WebSocket ("cut"). polling: the client stops answering
// (its transport closes without telling the server) and the server finds it gone by ping
// timeout. Either way the client reconnects with socket.recovered === true, the same id, rooms
// and data, and has received e 1..6 then 8, once each, in order; then, cut again and
// reconnecting after maxDisconnectionDuration, it gets a new session.
"use strict";
const { io } = require("socket.io-client");
const assert = require("node:assert/strict");

const [, , mode, base, other] = process.argv;

function once(emitter, event, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for "${event}"`)), ms);
    emitter.once(event, (...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

// cut loses the connection: the server closes it (websocket), or the client goes silent
// (polling: its transport is closed without the close packet, its pending request left
// unanswered, and the server notices by ping timeout).
function cut(socket) {
  if (mode === "websocket") {
    socket.emit("cut");
    return;
  }
  const transport = socket.io.engine.transport;
  transport.doClose = () => {};
  socket.io.engine.close();
}

async function main() {
  const socket = io(base, {
    transports: [mode],
    reconnectionDelay: mode === "polling" ? 1200 : 500,
    reconnectionDelayMax: 10000,
    randomizationFactor: 0,
  });
  const got = [];
  const offsets = new Set();
  socket.on("e", (v, offset) => {
    got.push(v);
    assert.equal(typeof offset, "string", `event ${v} carries its offset`);
    assert.ok(!offsets.has(offset), `offset ${offset} seen twice`);
    offsets.add(offset);
  });
  socket.on("bad", () => got.push("bad"));
  socket.on("v", () => got.push("v"));

  await once(socket, "connect");
  assert.equal(socket.recovered, false);
  const id = socket.id;
  await socket.emitWithAck("setup");
  while (got.length < 3) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(got, [1, 2, 3]);

  let gone = once(socket, "disconnect"); // (a silent client sees it at once)
  if (other) socket.io.uri = other; // the Manager's next connection goes to the other node
  cut(socket);
  await gone;
  await once(socket, "connect");
  assert.equal(socket.recovered, true, "recovered after the cut");
  assert.equal(socket.id, id);
  const info = await socket.emitWithAck("check");
  assert.equal(info.recovered, true);
  assert.equal(info.id, id);
  assert.ok(info.rooms.includes("room") && info.rooms.includes(id), `rooms ${info.rooms}`);
  assert.deepEqual(info.data, { name: "alice" });
  // The streams adapter restores volatile events too (Node's @socket.io/redis-streams-adapter
  // 0.3.1 does); the in-memory one does not.
  const want = other ? [1, 2, 3, 4, 5, 6, "v", 8] : [1, 2, 3, 4, 5, 6, 8];
  while (got.length < want.length) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200)); // anything else would come now
  assert.deepEqual(got, want, "every missed event once, in order, before new ones");
  console.log("recovered", mode);

  // Cut again, and come back only after maxDisconnectionDuration.
  socket.io.reconnectionDelay(4000);
  socket.io.reconnectionDelayMax(4000);
  gone = once(socket, "disconnect");
  cut(socket);
  await gone;
  await once(socket, "connect");
  assert.equal(socket.recovered, false, "a new session after maxDisconnectionDuration");
  assert.notEqual(socket.id, id);
  socket.close();
  console.log("ok", mode);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exit(1);
  },
);
