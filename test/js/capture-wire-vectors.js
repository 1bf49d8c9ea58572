// Captures what Node's Socket.IO Redis packages put on Redis, byte for byte, and writes the
// test vectors the Go wire tests read (internal/wire/testdata/redis-wire-vectors.json).
//
// Usage (from test/js, after npm ci):
//
//	npm run capture-wire-vectors                 # Redis at $REDIS_URL, else redis://127.0.0.1:6379
//	node capture-wire-vectors.js [output file]   # default ../../internal/wire/testdata/redis-wire-vectors.json
//
// It needs a Redis ≥ 7 (sharded pub/sub) and leaves it as it found it: every channel and key it
// uses starts with a prefix of its own (gosockio-capture-<pid>-<random>), the only keys it
// writes are the Redis Streams adapter's stream and sessions, which it deletes at the end, and it
// never flushes anything. In the file, channel, stream and key names are rewritten to the
// defaults ("socket.io", "sio:session:").
//
// How: for each wire family it starts two real Socket.IO servers on loopback (A asks, B
// answers) with real socket.io-client clients on B, or a real @socket.io/redis-emitter, and
// a recorder connection subscribed to the family's channels (PSUBSCRIBE for PUBLISH,
// SSUBSCRIBE for SPUBLISH) that keeps every message as Redis delivered it. Each step runs one
// operation and names the messages it expects; the first message that matches each
// expectation becomes a vector. Ids (node uids, request ids, socket ids), the handshake's
// time, port and WebSocket key are random per run; everything else is the same on every run
// of the same package versions. The recorder's SSUBSCRIBE to a sharded namespace channel
// counts as one more server there (PUBSUB SHARDNUMSUB), so the sharded fetchSockets and
// acknowledged operations of A wait for an answer that never comes and time out; B's answers,
// which are what is recorded, are not affected.
//
// The Redis Streams adapter (@socket.io/redis-streams-adapter) keeps some messages as stream
// entries: those are read back with XRANGE on the run's stream after each step (command XADD,
// with the entry's fields and id); the others are recorded on PSUBSCRIBE like the classic ones;
// and a session kept for connection-state recovery is read with GET (command SET).
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const crypto = require("node:crypto");
const { Server } = require("socket.io");
const { io: connect } = require("socket.io-client");
const { createClient } = require("redis");
const { createAdapter, createShardedAdapter } = require("@socket.io/redis-adapter");
const { Emitter } = require("@socket.io/redis-emitter");
const { ClusterAdapterWithHeartbeat } = require("socket.io-adapter");
const { createAdapter: createStreamsAdapter } = require("@socket.io/redis-streams-adapter");
const notepack = require("notepack.io");
const msgpack = require("@msgpack/msgpack");

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const OUT = process.argv[2] || path.join(__dirname, "..", "..", "internal", "wire", "testdata", "redis-wire-vectors.json");
const RUN = `gosockio-capture-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
const WAIT_MS = 10000; // for the messages of one step

const vectors = [];
const pending = []; // operations of A left to time out (see the header)
const closers = [];

function log(...args) {
  console.error("capture:", ...args);
}

function version(pkg) {
  return require(path.join(__dirname, "node_modules", pkg, "package.json")).version;
}

// view is the JSON form of a decoded value in the file: bytes as {"$bin": hex}, dates as
// {"$date": ISO 8601}.
function view(v) {
  if (Buffer.isBuffer(v)) return { $bin: v.toString("hex") };
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString("hex") };
  if (ArrayBuffer.isView(v)) return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex") };
  if (v instanceof Date) return { $date: v.toISOString() };
  if (Array.isArray(v)) return v.map(view);
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = view(x);
    return o;
  }
  return v;
}

// decode reads a payload as a Node receiver does: classic broadcasts are always MessagePack;
// everything else is JSON when it starts with "{".
function decode(payload, msgpackOnly, codec = notepack) {
  if (!msgpackOnly && payload[0] === 0x7b) return { encoding: "json", value: JSON.parse(payload.toString("utf8")) };
  return { encoding: "msgpack", value: codec.decode(payload) };
}

// msgpackCodec is @msgpack/msgpack (what the Redis Streams adapter uses) with notepack's
// interface.
const msgpackCodec = {
  decode: (b) => msgpack.decode(b),
  encode: (v) => Buffer.from(msgpack.encode(v)),
};

// Recorder keeps every message published on a family's channels, in arrival order. With
// command PUBLISH, messages on <prefix>#… are classic broadcasts (always MessagePack) unless
// anySniffed is set. codec is the MessagePack implementation of the family (notepack.io, or
// msgpackCodec).
class Recorder {
  constructor(client, prefix, publicPrefix, command, anySniffed = false, codec = notepack) {
    this.client = client;
    this.prefix = prefix;
    this.publicPrefix = publicPrefix;
    this.command = command;
    this.codec = codec;
    this.messages = [];
    this.listener = (message, channel) => {
      const ch = channel.toString();
      const classicBroadcast = command === "PUBLISH" && !anySniffed && ch.startsWith(prefix + "#");
      let decoded;
      try {
        decoded = decode(message, classicBroadcast, codec);
      } catch (e) {
        log(`undecodable message on ${ch}: ${e.message}`);
        return;
      }
      this.messages.push({ channel: ch, payload: Buffer.from(message), ...decoded, used: false });
    };
  }

  // publicChannel is a channel with the run's prefix replaced by the default one.
  publicChannel(ch) {
    return this.publicPrefix + ch.slice(this.prefix.length);
  }

  clear() {
    this.messages = [];
  }

  // expect waits for one message per expectation (in order of the list, each the first unused
  // message that matches), and records them as vectors.
  async expect(mode, list) {
    const found = await findAll(this, list, async () => {},
      (m) => `${m.channel} ${JSON.stringify(view(m.value)).slice(0, 160)}`);
    list.forEach((e, i) => addVector(mode, this, e, found[i]));
  }
}

// findAll waits until rec.messages (refreshed by poll) holds one message per expectation of
// list (in order of the list, each the first unused message that matches) and returns them.
async function findAll(rec, list, poll, describe) {
  const deadline = Date.now() + WAIT_MS;
  const found = new Array(list.length).fill(null);
  for (;;) {
    await poll();
    for (let i = 0; i < list.length; i++) {
      if (found[i]) continue;
      const m = rec.messages.find((m) => !m.used && list[i].match(m, rec));
      if (m) {
        m.used = true;
        found[i] = m;
      }
    }
    if (found.every(Boolean)) return found;
    if (Date.now() > deadline) {
      const missing = list.filter((_, i) => !found[i]).map((e) => e.name);
      throw new Error(`no message for ${missing.join(", ")}; seen:\n  ${rec.messages.map(describe).join("\n  ")}`);
    }
    await sleep(10);
  }
}

function addVector(mode, rec, e, m) {
  const again = m.encoding === "json" ? Buffer.from(JSON.stringify(m.value), "utf8") : rec.codec.encode(m.value);
  vectors.push({
    name: e.name,
    mode,
    command: rec.command,
    channel: rec.publicChannel(m.channel),
    encoding: m.encoding,
    publisher: e.publisher,
    hex: m.payload.toString("hex"),
    decoded: view(m.value),
    notes: e.notes,
    reencodesIdentically: Buffer.compare(again, m.payload) === 0,
  });
  log(`${e.name}: ${m.payload.length} bytes on ${rec.publicChannel(m.channel)}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function redisClient() {
  const c = createClient({ url: REDIS_URL });
  c.on("error", (e) => log("redis:", e.message));
  await c.connect();
  closers.push(() => c.quit().catch(() => {}));
  return c;
}

// waitSubscribers waits until a channel has n subscribers (kind NUMSUB or SHARDNUMSUB).
async function waitSubscribers(client, kind, channel, n) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const reply = await client.sendCommand(["PUBSUB", kind, channel]);
    if (Number(reply[1]) >= n) return;
    if (Date.now() > deadline) throw new Error(`${channel}: ${reply[1]} subscribers, want ${n}`);
    await sleep(20);
  }
}

// startNode starts a Socket.IO server on loopback with the adapter made by makeAdapter(pub,
// sub) and the namespaces "/" and "/admin". Its sockets join the rooms of their "rooms" query
// parameter and get the data {user, n, tags}; they are kept by name in node.sockets.
async function startNode(name, makeAdapter, serverOpts = {}) {
  const pub = await redisClient();
  const sub = pub.duplicate();
  sub.on("error", (e) => log("redis:", e.message));
  await sub.connect();
  closers.push(() => sub.quit().catch(() => {}));
  const httpServer = http.createServer();
  const io = new Server(httpServer, { ...serverOpts, adapter: makeAdapter(pub, sub) });
  const node = { name, io, pub, sockets: {}, url: "" };
  io.on("connection", (socket) => {
    const { name: user, rooms } = socket.handshake.query;
    socket.data = { user, n: 1, tags: ["x"] };
    for (const r of String(rooms || "").split(",").filter(Boolean)) socket.join(r);
    node.sockets[user] = socket;
  });
  // Server-side events: answer {from: <node>}, or the byte 9 when the argument is binary.
  io.on("srv-ev", (...args) => {
    const cb = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (cb) cb(Buffer.isBuffer(args[0]) ? Buffer.from([9]) : { from: name });
  });
  io.of("/admin");
  await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  node.url = `http://127.0.0.1:${httpServer.address().port}`;
  closers.unshift(() => new Promise((resolve) => io.close(() => resolve())));
  return node;
}

// connectClient connects a socket.io-client over WebSocket with ?name=…&rooms=…; it answers
// "ack-ev" with {ackFrom: name} and "ack-ev2" with the bytes 7 8.
async function connectClient(node, name, rooms) {
  const s = connect(node.url, { forceNew: true, reconnection: false, transports: ["websocket"], query: { name, rooms } });
  s.on("ack-ev", (_x, cb) => cb({ ackFrom: name }));
  s.on("ack-ev2", (_x, cb) => cb(Buffer.from([7, 8])));
  s.on("ack-none", (_x, cb) => cb(name));
  closers.unshift(() => s.disconnect());
  await new Promise((resolve, reject) => {
    s.once("connect", resolve);
    s.once("connect_error", reject);
  });
  for (let i = 0; !node.sockets[name] && i < 100; i++) await sleep(10);
  return s;
}

// background starts an operation of A whose end does not matter (see the header).
function background(p) {
  pending.push(Promise.resolve(p).catch(() => {}));
}

// recorder opens a connection of the recorder's own (and, for what it publishes itself, a
// plain client) and subscribes it with subscribe(sub, listener).
async function recorder(prefix, publicPrefix, command, subscribe, anySniffed = false, codec = notepack) {
  const client = await redisClient();
  const sub = client.duplicate();
  sub.on("error", (e) => log("redis:", e.message));
  await sub.connect();
  closers.push(() => sub.quit().catch(() => {}));
  const rec = new Recorder(sub, prefix, publicPrefix, command, anySniffed, codec);
  await subscribe(sub, rec.listener);
  return { client, sub, rec };
}

// classicRecorder records the classic channels of key. Patterns do not count in PUBSUB
// NUMSUB, so the recorder is not taken for a server.
function classicRecorder(key) {
  return recorder(key, "socket.io", "PUBLISH", (sub, listener) =>
    sub.pSubscribe([`${key}#*`, `${key}-request#*`, `${key}-response#*`], listener, true));
}

// runSteps runs each [operation, expected messages] in turn; a step's third element, when
// set, is the recorder of its messages instead of rec.
async function runSteps(rec, mode, steps) {
  for (const [run, expected, stepRec] of steps) {
    const r = stepRec || rec;
    r.clear();
    await run();
    await r.expect(mode, expected);
  }
}

// Matchers.
const isArray3 = (m) => Array.isArray(m.value) && m.value.length === 3;
const on = (suffix) => (m, rec) => m.channel === rec.prefix + suffix;
function classicBroadcast(suffix, event) {
  return (m, rec) => on(suffix)(m, rec) && isArray3(m) && m.value[1].data[0] === event;
}
function classicMessage(suffix, test) {
  return (m, rec) => on(suffix)(m, rec) && !Array.isArray(m.value) && test(m.value);
}
function cluster(test) {
  return (m) => !Array.isArray(m.value) && test(m.value);
}

// The classic adapter (createAdapter, PUBLISH/PSUBSCRIBE): nodes A and B, clients c3 (room1)
// and c4 on B.
async function captureClassic() {
  const key = `${RUN}-classic`;
  const { client: recClient, rec } = await classicRecorder(key);

  const A = await startNode("A", (pub, sub) => createAdapter(pub, sub, { key }));
  const B = await startNode("B", (pub, sub) => createAdapter(pub, sub, { key }));
  await waitSubscribers(recClient, "NUMSUB", `${key}-request#/#`, 2);
  await waitSubscribers(recClient, "NUMSUB", `${key}-request#/admin#`, 2);
  await connectClient(A, "c1", "");
  await connectClient(B, "c3", "room1");
  await connectClient(B, "c4", "");
  const c3 = B.sockets.c3.id;
  const c4 = B.sockets.c4.id;
  const io = A.io;
  const [rs3] = await io.in(c3).fetchSockets();
  const [rs4] = await io.in(c4).fetchSockets();
  await sleep(100);
  rec.clear();

  const mode = "classic";
  const A_ = "A-pub";
  const B_ = "B-pub";
  const steps = [
    [() => io.emit("hello", "world", 1, 2.5, -3, { a: true, b: null }, [1, "two"]),
      [{ name: "classic-broadcast-all", publisher: A_, match: classicBroadcast("#/#", "hello"),
        notes: 'io.emit("hello","world",1,2.5,-3,{a:true,b:null},[1,"two"]) on node A' }]],
    [() => io.to("room1").emit("to-room", "r1"),
      [{ name: "classic-broadcast-room", publisher: A_, match: classicBroadcast("#/#room1#", "to-room"),
        notes: 'io.to("room1").emit(...): one room, so the room\'s own channel' }]],
    [() => io.to(["room1", "room2"]).emit("to-rooms", "r12"),
      [{ name: "classic-broadcast-two-rooms", publisher: A_, match: classicBroadcast("#/#", "to-rooms"),
        notes: 'io.to(["room1","room2"]).emit(...): several rooms, so the namespace channel' }]],
    [() => io.except("room1").emit("except", "x"),
      [{ name: "classic-broadcast-except", publisher: A_, match: classicBroadcast("#/#", "except"), notes: 'io.except("room1").emit(...)' }]],
    [() => io.to("room1").except("room2").emit("mixed", 1),
      [{ name: "classic-broadcast-room-except", publisher: A_, match: classicBroadcast("#/#room1#", "mixed"),
        notes: 'io.to("room1").except("room2").emit(...): except does not change the channel' }]],
    [() => io.volatile.emit("vol", 1),
      [{ name: "classic-broadcast-volatile", publisher: A_, match: classicBroadcast("#/#", "vol"), notes: "io.volatile.emit(...)" }]],
    [() => io.compress(false).emit("nocomp", 1),
      [{ name: "classic-broadcast-compress-false", publisher: A_, match: classicBroadcast("#/#", "nocomp"), notes: "io.compress(false).emit(...)" }]],
    [() => io.emit("bin", Buffer.from([1, 2, 3]), { nested: new Uint8Array([255, 0]) }, "txt"),
      [{ name: "classic-broadcast-binary", publisher: A_, match: classicBroadcast("#/#", "bin"),
        notes: 'io.emit("bin", Buffer[1,2,3], {nested: Uint8Array[255,0]}, "txt"): bytes inline as MessagePack bin, packet type still 2' }]],
    [() => A.sockets.c1.broadcast.emit("from-c1", "hi"),
      [{ name: "classic-socket-broadcast", publisher: A_, match: classicBroadcast("#/#", "from-c1"),
        notes: "socket.broadcast.emit(...): the sender's own id in except, no flag" }]],
    [() => io.to(c3).emit("direct", "to-c3"),
      [{ name: "classic-broadcast-to-socket-id", publisher: A_, match: classicBroadcast(`#/#${c3}#`, "direct"),
        notes: "io.to(<socket id of B>).emit(...): a socket id is a room like any other" }]],
    [() => io.of("/admin").emit("admin-ev", 1),
      [{ name: "classic-broadcast-admin-namespace", publisher: A_, match: classicBroadcast("#/admin#", "admin-ev"),
        notes: 'io.of("/admin").emit(...): each namespace adapter has a uid of its own' }]],
    [() => io.emit("misc", "héllo ✓", 300, 70000, 5000000000, -200, 1.5e300, true, false),
      [{ name: "classic-broadcast-number-encodings", publisher: A_, match: classicBroadcast("#/#", "misc"),
        notes: 'args "héllo ✓",300,70000,5000000000,-200,1.5e300,true,false: notepack writes 1.5e300 as the uint64 0 (a notepack bug)' }]],
    [() => io.to(123).emit("num-room", 1),
      [{ name: "classic-broadcast-numeric-room", publisher: A_, match: classicBroadcast("#/#123#", "num-room"),
        notes: "io.to(123).emit(...): a number as room, a MessagePack integer in rooms" }]],
    [() => rs3.emit("remote-hello", 1),
      [{ name: "classic-remote-socket-emit", publisher: A_, match: classicBroadcast(`#/#${c3}#`, "remote-hello"),
        notes: "RemoteSocket.emit(): a broadcast to the socket id, with flags.expectSingleResponse" }]],
    [() => background(io.timeout(1500).emit("ack-ev", "please", () => {})), [
      { name: "classic-req-broadcast-with-ack", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 7 && v.packet.data[0] === "ack-ev"),
        notes: 'io.timeout(1500).emit("ack-ev","please",cb): request type 7, MessagePack' },
      { name: "classic-resp-broadcast-client-count", publisher: B_, match: classicMessage("-response#/#", (v) => v.type === 8 && v.clientCount === 2),
        notes: "B: BROADCAST_CLIENT_COUNT (8), JSON" },
      { name: "classic-resp-broadcast-ack", publisher: B_, match: classicMessage("-response#/#", (v) => v.type === 9 && v.packet.ackFrom === "c3"),
        notes: "B: BROADCAST_ACK (9), MessagePack whatever the value" }]],
    [() => background(io.to(c3).timeout(1500).emit("ack-ev2", 1, () => {})), [
      { name: "classic-req-broadcast-with-ack-to-sid", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 7 && v.packet.data[0] === "ack-ev2"),
        notes: "io.to(sid).timeout(1500).emit(...)" },
      { name: "classic-resp-broadcast-ack-binary", publisher: B_, match: classicMessage("-response#/#", (v) => v.type === 9 && Buffer.isBuffer(v.packet)),
        notes: "the client acknowledged with Buffer [7,8]: a bin item in packet" }]],
    [() => background(io.to("nobody").timeout(1500).emit("ack-none", 1, () => {})), [
      { name: "classic-resp-broadcast-client-count-zero", publisher: B_, match: classicMessage("-response#/#", (v) => v.type === 8 && v.clientCount === 0),
        notes: "no matching client on B: it still answers, clientCount 0" }]],
    [() => background(io.fetchSockets()), [
      { name: "classic-req-remote-fetch", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 5 && v.opts.rooms.length === 0),
        notes: "io.fetchSockets(): REMOTE_FETCH (5), JSON" },
      { name: "classic-resp-remote-fetch", publisher: B_, match: classicMessage("-response#/#", (v) => Array.isArray(v.sockets) && v.sockets.length === 2),
        notes: "B's answer: its 2 sockets with handshake, rooms and data" }]],
    [() => background(io.in("room1").fetchSockets()), [
      { name: "classic-req-remote-fetch-room", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 5 && v.opts.rooms[0] === "room1"),
        notes: 'io.in("room1").fetchSockets()' }]],
    [async () => {
      B.sockets.c3.data = { bin: Buffer.from([1, 2]), when: new Date("2024-01-02T03:04:05.000Z"), big: 1099511627776, f: 0.5, neg: -1, nil: null, undef: undefined };
      B.sockets.c3.join(123);
      background(io.in(123).fetchSockets());
    }, [
      { name: "classic-resp-remote-fetch-binary-data", publisher: B_, match: classicMessage("-response#/#", (v) => Array.isArray(v.sockets) && v.sockets.length === 1 && v.sockets[0].data.bin),
        notes: 'socket.data {bin: Buffer[1,2], when: Date, big, f, neg, nil, undef: undefined}: JSON.stringify makes the Buffer {type:"Buffer",data:[…]}, the Date an ISO string, and drops undef' }]],
    [() => {
      B.sockets.c3.data = { user: "c3", n: 1, tags: ["x"] };
      B.sockets.c3.leave(123);
      return io.in("room1").socketsJoin(["room3", "room4"]);
    }, [
      { name: "classic-req-remote-join", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 2 && v.rooms[0] === "room3"),
        notes: 'io.in("room1").socketsJoin(["room3","room4"]): REMOTE_JOIN (2), never answered' }]],
    [() => io.in("room1").socketsLeave("room3"), [
      { name: "classic-req-remote-leave", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 3),
        notes: 'io.in("room1").socketsLeave("room3"): REMOTE_LEAVE (3)' }]],
    [() => background(io.of("/").adapter.allRooms()), [
      { name: "classic-req-all-rooms", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 1),
        notes: "adapter.allRooms(): ALL_ROOMS (1)" },
      { name: "classic-resp-all-rooms", publisher: B_, match: classicMessage("-response#/#", (v) => Array.isArray(v.rooms)),
        notes: "B's answer: all its rooms, socket ids included" }]],
    [() => rs3.join("joined-remotely"), [
      { name: "classic-req-remote-socket-join", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 2 && v.rooms[0] === "joined-remotely"),
        notes: 'RemoteSocket.join("joined-remotely"): socketsJoin aimed at the socket id' }]],
    [() => io.in("room1").except("room4").disconnectSockets(true), [
      { name: "classic-req-remote-disconnect", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 4 && v.close === true),
        notes: 'io.in("room1").except("room4").disconnectSockets(true): REMOTE_DISCONNECT (4)' }]],
    [() => io.serverSideEmit("srv-ev", "hi", 1), [
      { name: "classic-req-server-side-emit", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 6 && v.data[1] === "hi"),
        notes: 'io.serverSideEmit("srv-ev","hi",1): SERVER_SIDE_EMIT (6), no requestId' }]],
    [() => io.serverSideEmit("srv-ev", "q", () => {}), [
      { name: "classic-req-server-side-emit-ack", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 6 && v.data[1] === "q"),
        notes: 'io.serverSideEmit("srv-ev","q",cb)' },
      { name: "classic-resp-server-side-emit", publisher: B_, match: classicMessage("-response#/#", (v) => v.type === 6),
        notes: "B's answer {type:6,requestId,data}, on the shared response channel" }]],
    [() => io.serverSideEmit("srv-ev", Buffer.from([5, 6]), () => {}), [
      { name: "classic-req-server-side-emit-binary", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 6 && typeof v.data[1] === "object"),
        notes: 'a Buffer argument of serverSideEmit: JSON turns it into {type:"Buffer",data:[5,6]}, so it is no longer binary' }]],
    [() => recClient.publish(`${key}-request#/#`, JSON.stringify({ uid: "legacy", requestId: "LEG002", type: 0, rooms: ["room1"] })), [
      { name: "classic-legacy-req-sockets", publisher: "marker", match: classicMessage("-request#/#", (v) => v.requestId === "LEG002"),
        notes: "a legacy SOCKETS (0) request written by hand (v8 no longer sends it, but answers it)" },
      { name: "classic-legacy-resp-sockets", publisher: B_, match: classicMessage("-response#/#", (v) => v.requestId === "LEG002" && v.sockets.includes(c3)),
        notes: "B's answer (A answers too, with no socket)" }]],
    [() => recClient.publish(`${key}-request#/#`, JSON.stringify({ uid: "legacy", requestId: "LEG001", type: 2, sid: c3, room: "legacy-room" })), [
      { name: "classic-legacy-req-remote-join-sid", publisher: "marker", match: classicMessage("-request#/#", (v) => v.requestId === "LEG001"),
        notes: "a legacy REMOTE_JOIN with sid and room (no opts), written by hand" },
      { name: "classic-legacy-resp-remote-join-sid", publisher: B_, match: classicMessage("-response#/#", (v) => v.requestId === "LEG001"),
        notes: "the answer of the node that has the socket" }]],
    [() => rs4.disconnect(), [
      { name: "classic-req-remote-socket-disconnect", publisher: A_, match: classicMessage("-request#/#", (v) => v.type === 4 && v.close === false),
        notes: "RemoteSocket.disconnect()" }]],
  ];
  await runSteps(rec, mode, steps);
}

// The classic adapter with publishOnSpecificResponseChannel.
async function captureClassicSpecific() {
  const key = `${RUN}-specific`;
  const { client: recClient, rec } = await classicRecorder(key);
  const opts = { key, publishOnSpecificResponseChannel: true };
  const A = await startNode("A", (pub, sub) => createAdapter(pub, sub, opts));
  const B = await startNode("B", (pub, sub) => createAdapter(pub, sub, opts));
  await waitSubscribers(recClient, "NUMSUB", `${key}-request#/#`, 2);
  await connectClient(B, "c3", "room1");
  await connectClient(B, "c4", "");
  const io = A.io;
  const own = `-response#/#${io.of("/").adapter.uid}#`;
  const mode = "classic+publishOnSpecificResponseChannel";
  const steps = [
    [() => background(io.timeout(1500).emit("ack-ev", "please", () => {})), [
      { name: "classic-specific-resp-client-count", publisher: "B-pub", match: classicMessage(own, (v) => v.type === 8),
        notes: "the answer goes to <key>-response#<nsp>#<uid of the requester>#" }]],
    [() => background(io.in("room1").fetchSockets()), [
      { name: "classic-specific-resp-remote-fetch-room", publisher: "B-pub", match: classicMessage(own, (v) => Array.isArray(v.sockets)),
        notes: 'the answer to io.in("room1").fetchSockets() on the specific channel' }]],
    [() => io.serverSideEmit("srv-ev", "q", () => {}), [
      { name: "classic-specific-resp-server-side-emit", publisher: "B-pub", match: classicMessage("-response#/#", (v) => v.type === 6),
        notes: "serverSideEmit answers do not follow the option: shared response channel" }]],
  ];
  await runSteps(rec, mode, steps);
}

// Node's emitter (@socket.io/redis-emitter), on the classic channels.
async function captureEmitter() {
  const key = `${RUN}-emitter`;
  const { client: recClient, rec } = await classicRecorder(key);
  const emitter = new Emitter(recClient, { key });
  const E = "emitter";
  const steps = [
    [() => emitter.emit("em", "x", 1), [{ name: "emitter-emit-all", publisher: E, match: classicBroadcast("#/#", "em"),
      notes: 'emitter.emit("em","x",1): uid "emitter", opts keys in the order rooms, flags, except' }]],
    [() => emitter.to("room1").emit("em-room", 1), [{ name: "emitter-emit-room", publisher: E, match: classicBroadcast("#/#room1#", "em-room"),
      notes: 'emitter.to("room1").emit(...)' }]],
    [() => emitter.to(["room1", "room2"]).except("room4").emit("em-rooms", 1), [{ name: "emitter-emit-rooms-except", publisher: E,
      match: classicBroadcast("#/#", "em-rooms"), notes: 'emitter.to(["room1","room2"]).except("room4").emit(...)' }]],
    [() => emitter.volatile.compress(false).emit("em-flags", 1), [{ name: "emitter-emit-volatile-compress", publisher: E,
      match: classicBroadcast("#/#", "em-flags"), notes: "emitter.volatile.compress(false).emit(...)" }]],
    [() => emitter.emit("em-bin", Buffer.from([0xde, 0xad])), [{ name: "emitter-emit-binary", publisher: E,
      match: classicBroadcast("#/#", "em-bin"), notes: 'emitter.emit("em-bin", Buffer[0xde,0xad])' }]],
    [() => emitter.of("admin").emit("em-admin", 1), [{ name: "emitter-emit-namespace", publisher: E,
      match: classicBroadcast("#/admin#", "em-admin"), notes: 'emitter.of("admin").emit(...): "admin" means "/admin"' }]],
    [() => emitter.in("room2").socketsJoin("room5"), [{ name: "emitter-sockets-join", publisher: E,
      match: classicMessage("-request#/#", (v) => v.type === 2), notes: 'emitter.in("room2").socketsJoin("room5"): no uid' }]],
    [() => emitter.in("room2").socketsLeave(["room5"]), [{ name: "emitter-sockets-leave", publisher: E,
      match: classicMessage("-request#/#", (v) => v.type === 3), notes: 'emitter.in("room2").socketsLeave(["room5"])' }]],
    [() => emitter.in("room2").disconnectSockets(), [{ name: "emitter-disconnect-sockets", publisher: E,
      match: classicMessage("-request#/#", (v) => v.type === 4), notes: 'emitter.in("room2").disconnectSockets()' }]],
    [() => emitter.serverSideEmit("srv-ev", "from-emitter"), [{ name: "emitter-server-side-emit", publisher: E,
      match: classicMessage("-request#/#", (v) => v.type === 6), notes: 'emitter.serverSideEmit("srv-ev","from-emitter"): every node\'s listeners get it' }]],
  ];
  await runSteps(rec, "emitter", steps);
}

// shardedPair starts A and B on the sharded adapter in the given subscription mode, a
// recorder on their namespace and response channels, and the clients c3 (room1) and c4 on B.
async function shardedPair(name, subscriptionMode, extraChannels) {
  const prefix = `${RUN}-${name}`;
  // Subscribed below, once the nodes are up (see the header about the namespace channel).
  const { client: recClient, sub: recSub, rec } = await recorder(prefix, "socket.io", "SPUBLISH", async () => {});
  const opts = { channelPrefix: prefix, subscriptionMode };
  const A = await startNode("A", (pub, sub) => createShardedAdapter(pub, sub, opts));
  const B = await startNode("B", (pub, sub) => createShardedAdapter(pub, sub, opts));
  await waitSubscribers(recClient, "SHARDNUMSUB", `${prefix}#/#`, 2);
  await connectClient(B, "c3", "room1");
  await connectClient(B, "c4", "");
  // Before the recorder subscribes to the namespace channel, while fetchSockets can complete.
  const [rs3] = await A.io.in(B.sockets.c3.id).fetchSockets();
  const channels = [`${prefix}#/#`, `${prefix}#/admin#`, `${prefix}#/#${A.io.of("/").adapter.uid}#`, `${prefix}#/#${B.io.of("/").adapter.uid}#`];
  for (const ch of [...channels, ...extraChannels(B).map((s) => `${prefix}#/#${s}#`)]) {
    await recSub.sSubscribe(ch, rec.listener, true);
  }
  return { A, B, rec, rs3, c3: B.sockets.c3.id, c4: B.sockets.c4.id };
}

const T = { BROADCAST: 3, SOCKETS_JOIN: 4, SOCKETS_LEAVE: 5, DISCONNECT_SOCKETS: 6, FETCH_SOCKETS: 7, FETCH_SOCKETS_RESPONSE: 8,
  SERVER_SIDE_EMIT: 9, SERVER_SIDE_EMIT_RESPONSE: 10, BROADCAST_CLIENT_COUNT: 11, BROADCAST_ACK: 12 };

// The sharded adapter (createShardedAdapter, SPUBLISH/SSUBSCRIBE).
async function captureSharded() {
  const { A, B, rec, rs3, c3 } = await shardedPair("sharded", "dynamic", () => ["room1", "123"]);
  const io = A.io;
  const aUID = io.of("/").adapter.uid;
  const toA = (m, r) => m.channel === `${r.prefix}#/#${aUID}#`;
  const nsp = (m, r) => m.channel === `${r.prefix}#/#`;
  const bc = (ch, event) => (m, r) => ch(m, r) && m.value.type === T.BROADCAST && m.value.data.packet.data[0] === event;
  const room = (name) => (m, r) => m.channel === `${r.prefix}#/#${name}#`;
  const of = (ch, type, test = () => true) => (m, r) => ch(m, r) && m.value.type === type && test(m.value.data);
  const mode = "sharded(dynamic)";
  const A_ = "A-pub";
  const B_ = "B-pub";
  const steps = [
    [() => io.emit("hello", "world", 1, 2.5, -3, { a: true, b: null }, [1, "two"]),
      [{ name: "sharded-broadcast-all", publisher: A_, match: bc(nsp, "hello"), notes: "BROADCAST (3), JSON; the packet has no nsp (the envelope has it)" }]],
    [() => io.to("room1").emit("to-room", "r1"),
      [{ name: "sharded-broadcast-room-dynamic", publisher: A_, match: bc(room("room1"), "to-room"), notes: "one room that is not a socket id: the room's own channel" }]],
    [() => io.except("room1").emit("except", "x"),
      [{ name: "sharded-broadcast-except", publisher: A_, match: bc(nsp, "except"), notes: 'io.except("room1").emit(...)' }]],
    [() => io.volatile.emit("vol", 1),
      [{ name: "sharded-broadcast-volatile", publisher: A_, match: bc(nsp, "vol"), notes: "io.volatile.emit(...)" }]],
    [() => io.emit("bin", Buffer.from([1, 2, 3]), { nested: new Uint8Array([255, 0]) }, "txt"),
      [{ name: "sharded-broadcast-binary", publisher: A_, match: bc(nsp, "bin"), notes: "binary data: the whole envelope is MessagePack, keys type, data, uid, nsp" }]],
    [() => io.to(c3).emit("direct", "to-c3"),
      [{ name: "sharded-broadcast-socket-id-dynamic", publisher: A_, match: bc(nsp, "direct"), notes: "one room of 20 characters is taken for a socket id: namespace channel in dynamic mode" }]],
    [() => io.to(123).emit("num-room", 1),
      [{ name: "sharded-broadcast-numeric-room", publisher: A_, match: bc(room("123"), "num-room"), notes: "io.to(123).emit(...): a number as room" }]],
    [() => background(io.timeout(1500).emit("ack-ev", "please", () => {})), [
      { name: "sharded-broadcast-with-ack", publisher: A_, match: bc(nsp, "ack-ev"), notes: "BROADCAST (3) with data.requestId: always the namespace channel" },
      { name: "sharded-resp-broadcast-client-count", publisher: B_, match: of(toA, T.BROADCAST_CLIENT_COUNT), notes: "BROADCAST_CLIENT_COUNT (11) on <prefix>#<nsp>#<uid of the requester>#" },
      { name: "sharded-resp-broadcast-ack", publisher: B_, match: of(toA, T.BROADCAST_ACK, (d) => d.packet.ackFrom === "c3"), notes: "BROADCAST_ACK (12)" }]],
    [() => background(io.to(c3).timeout(1500).emit("ack-ev2", 1, () => {})), [
      { name: "sharded-resp-broadcast-ack-binary", publisher: B_, match: of(toA, T.BROADCAST_ACK, (d) => Buffer.isBuffer(d.packet)), notes: "BROADCAST_ACK (12) of the bytes 7 8: MessagePack" }]],
    [() => background(io.fetchSockets()), [
      { name: "sharded-fetch-sockets", publisher: A_, match: of(nsp, T.FETCH_SOCKETS, (d) => d.opts.rooms.length === 0), notes: "io.fetchSockets(): FETCH_SOCKETS (7)" },
      { name: "sharded-resp-fetch-sockets", publisher: B_, match: of(toA, T.FETCH_SOCKETS_RESPONSE, (d) => d.sockets.length === 2), notes: "FETCH_SOCKETS_RESPONSE (8), JSON" }]],
    [() => {
      B.sockets.c3.data = { bin: Buffer.from([1, 2]), when: new Date("2024-01-02T03:04:05.000Z"), big: 1099511627776, f: 0.5, neg: -1, nil: null, undef: undefined };
      B.sockets.c3.join(123);
      background(io.in(123).fetchSockets());
    }, [
      { name: "sharded-resp-fetch-sockets-binary-data", publisher: B_, match: of(toA, T.FETCH_SOCKETS_RESPONSE, (d) => d.sockets.length === 1),
        notes: "socket.data holds a Buffer: the answer is MessagePack, the Date a timestamp extension (-1), undef left out" }]],
    [() => {
      B.sockets.c3.data = { user: "c3", n: 1, tags: ["x"] };
      B.sockets.c3.leave(123);
      io.serverSideEmit("srv-ev", "hi", 1);
    }, [
      { name: "sharded-server-side-emit", publisher: A_, match: of(nsp, T.SERVER_SIDE_EMIT, (d) => d.packet[1] === "hi"), notes: "SERVER_SIDE_EMIT (9), no requestId" }]],
    [() => io.serverSideEmit("srv-ev", "q", () => {}), [
      { name: "sharded-server-side-emit-ack", publisher: A_, match: of(nsp, T.SERVER_SIDE_EMIT, (d) => d.packet[1] === "q"), notes: "SERVER_SIDE_EMIT (9) with requestId" },
      { name: "sharded-resp-server-side-emit", publisher: B_, match: of(toA, T.SERVER_SIDE_EMIT_RESPONSE, (d) => !Buffer.isBuffer(d.packet)), notes: "SERVER_SIDE_EMIT_RESPONSE (10)" }]],
    [() => io.serverSideEmit("srv-ev", Buffer.from([5, 6]), () => {}), [
      { name: "sharded-server-side-emit-binary", publisher: A_, match: of(nsp, T.SERVER_SIDE_EMIT, (d) => Buffer.isBuffer(d.packet[1])), notes: "a binary argument: MessagePack" },
      { name: "sharded-resp-server-side-emit-binary", publisher: B_, match: of(toA, T.SERVER_SIDE_EMIT_RESPONSE, (d) => Buffer.isBuffer(d.packet)), notes: "B answered with the byte 9: MessagePack" }]],
    [() => io.in("room1").socketsJoin(["room3", "room4"]), [
      { name: "sharded-sockets-join", publisher: A_, match: of(nsp, T.SOCKETS_JOIN, (d) => d.rooms[0] === "room3"), notes: 'io.in("room1").socketsJoin(["room3","room4"]): SOCKETS_JOIN (4)' }]],
    [() => io.in("room1").socketsLeave("room3"), [
      { name: "sharded-sockets-leave", publisher: A_, match: of(nsp, T.SOCKETS_LEAVE), notes: 'io.in("room1").socketsLeave("room3"): SOCKETS_LEAVE (5)' }]],
    [() => rs3.join("joined-remotely"), [
      { name: "sharded-remote-socket-join", publisher: A_, match: of(nsp, T.SOCKETS_JOIN, (d) => d.rooms[0] === "joined-remotely"),
        notes: "RemoteSocket.join(): opts.flags carries expectSingleResponse" }]],
    [() => io.in("room1").except("room4").disconnectSockets(true), [
      { name: "sharded-disconnect-sockets", publisher: A_, match: of(nsp, T.DISCONNECT_SOCKETS), notes: 'io.in("room1").except("room4").disconnectSockets(true): DISCONNECT_SOCKETS (6)' }]],
  ];
  await runSteps(rec, mode, steps);

  // Static mode: a one-room broadcast stays on the namespace channel.
  const st = await shardedPair("static", "static", () => ["room1"]);
  st.rec.clear();
  st.A.io.to("room1").emit("to-room", "r1");
  await st.rec.expect("sharded(static)", [{ name: "sharded-broadcast-room-static", publisher: A_,
    match: (m, r) => m.channel === `${r.prefix}#/#` && m.value.type === T.BROADCAST, notes: "static mode: always the namespace channel" }]);

  // Dynamic-private mode: a socket id has its own channel too.
  const pr = await shardedPair("private", "dynamic-private", (b) => [b.sockets.c3.id]);
  pr.rec.clear();
  pr.A.io.to(pr.c3).emit("direct", "to-c3");
  await pr.rec.expect("sharded(dynamic-private)", [{ name: "sharded-broadcast-socket-id-dynamic-private", publisher: A_,
    match: (m, r) => m.channel === `${r.prefix}#/#${pr.c3}#` && m.value.type === T.BROADCAST, notes: "dynamic-private: the socket id's own channel" }]);
}

// The heartbeat messages of ClusterAdapterWithHeartbeat, which no Redis adapter of these
// versions sends: a minimal adapter that publishes the envelope as JSON on a channel of its
// own (the channel is made up; only the message shape matters).
async function captureHeartbeat() {
  const prefix = `${RUN}-heartbeat`;
  const channel = `${prefix}#/#`;
  const { rec } = await recorder(prefix, "demo-hb", "PUBLISH", (sub, listener) => sub.subscribe(channel, listener, true), true);

  class DemoAdapter extends ClusterAdapterWithHeartbeat {
    constructor(nsp, pub, sub) {
      super(nsp, { heartbeatInterval: 60000, heartbeatTimeout: 120000 });
      this.pub = pub;
      this.ready = sub.subscribe(channel, (msg) => this.onMessage(JSON.parse(msg)));
    }
    doPublish(message) {
      return this.pub.publish(channel, JSON.stringify(message)).then(() => "");
    }
    doPublishResponse(_uid, response) {
      return this.pub.publish(channel, JSON.stringify(response)).then(() => {});
    }
  }
  const pub = await redisClient();
  const subB = pub.duplicate();
  const subA = pub.duplicate();
  await Promise.all([subB.connect(), subA.connect()]);
  closers.push(() => subA.quit().catch(() => {}), () => subB.quit().catch(() => {}));
  const hb = (m) => m.value.type;
  const mode = "cluster-with-heartbeat(demo JSON over PUBLISH)";

  // B first, so that A's INITIAL_HEARTBEAT is answered by B's HEARTBEAT.
  // Socket.IO calls the adapter option with new: a plain function returning the adapter.
  const ioB = new Server({ adapter: function (nsp) { return new DemoAdapter(nsp, pub, subB); } });
  closers.unshift(() => ioB.close());
  await ioB.of("/").adapter.ready;
  await sleep(50);
  rec.clear();
  const ioA = new Server({ adapter: function (nsp) { return new DemoAdapter(nsp, pub, subA); } });
  closers.unshift(() => ioA.close());
  const aUID = ioA.of("/").adapter.uid;
  const bUID = ioB.of("/").adapter.uid;
  await rec.expect(mode, [
    { name: "cluster-heartbeat-initial", publisher: "A-pub", match: (m) => hb(m) === 1 && m.value.uid === aUID, notes: "INITIAL_HEARTBEAT (1), published by a new node: type, uid and nsp only" },
    { name: "cluster-heartbeat", publisher: "B-pub", match: (m) => hb(m) === 2 && m.value.uid === bUID, notes: "HEARTBEAT (2), the other node's answer (also sent after heartbeatInterval without publishing)" }]);
  rec.clear();
  ioB.of("/").adapter.close();
  await rec.expect(mode, [
    { name: "cluster-adapter-close", publisher: "B-pub", match: (m) => hb(m) === 13 && m.value.uid === bUID, notes: "ADAPTER_CLOSE (13), published when a node closes" }]);
}

// StreamRecorder keeps the entries appended to one stream, read back with XRANGE (from the
// last entry it has seen), with Recorder's interface: m.value is the entry as the Redis
// Streams adapter decodes it ({uid, nsp, type, data}), m.fields its field/value pairs.
class StreamRecorder {
  constructor(client, stream, publicStream) {
    this.client = client;
    this.stream = stream;
    this.publicStream = publicStream;
    this.command = "XADD";
    this.last = "-";
    this.messages = [];
  }

  async poll() {
    const start = this.last === "-" ? "-" : `(${this.last}`;
    const entries = await this.client.sendCommand(["XRANGE", this.stream, start, "+"]);
    for (const [id, fields] of entries) {
      this.last = id;
      const raw = {};
      for (let i = 0; i < fields.length; i += 2) raw[fields[i]] = fields[i + 1];
      // As RedisStreamsAdapter.decode: data starting with "{" is JSON, else base64 MessagePack.
      const value = { uid: raw.uid, nsp: raw.nsp, type: parseInt(raw.type, 10) };
      let payload = null;
      let encoding = "json";
      if (raw.data) {
        if (raw.data.startsWith("{")) {
          payload = Buffer.from(raw.data, "utf8");
          value.data = JSON.parse(raw.data);
        } else {
          encoding = "msgpack";
          payload = Buffer.from(raw.data, "base64");
          value.data = msgpack.decode(payload);
        }
      }
      this.messages.push({ channel: this.stream, id, fields, raw, payload, encoding, value, used: false });
    }
  }

  clear() {
    this.messages = [];
  }

  async expect(mode, list) {
    const found = await findAll(this, list, () => this.poll(), (m) => `${m.id} ${JSON.stringify(m.fields).slice(0, 160)}`);
    list.forEach((e, i) => {
      const m = found[i];
      const data = m.raw.data;
      const again = data === undefined ? undefined
        : m.encoding === "json" ? JSON.stringify(m.value.data) : Buffer.from(msgpack.encode(m.value.data)).toString("base64");
      vectors.push({
        name: e.name,
        mode,
        command: "XADD",
        channel: this.publicStream,
        encoding: m.encoding,
        publisher: e.publisher,
        hex: m.payload ? m.payload.toString("hex") : "",
        decoded: view(m.value),
        fields: m.fields,
        entryId: m.id,
        notes: e.notes,
        reencodesIdentically: again === data,
      });
      e.onFound?.(m);
      log(`${e.name}: entry ${m.id} of ${m.fields.length / 2} fields on stream ${this.publicStream}`);
    });
  }
}

// The Redis Streams adapter (@socket.io/redis-streams-adapter createAdapter), with
// connection-state recovery on both nodes: A asks, B answers and has the clients c3 (room1)
// and c4; c5 (room2) is the client whose session is kept.
async function captureStreams() {
  const prefix = `${RUN}-streams`;
  const sessionKeyPrefix = `${prefix}:session:`;
  const opts = { streamName: prefix, channelPrefix: prefix, sessionKeyPrefix };
  const { client: recClient, rec } = await recorder(prefix, "socket.io", "PUBLISH",
    (sub, listener) => sub.pSubscribe(`${prefix}#*`, listener, true), false, msgpackCodec);
  // The stream and the sessions: the servers keep one for every socket they cut (here c3, and
  // those still connected when they close), so this runs again once they are closed.
  const cleanup = async () => {
    try {
      const keys = [prefix];
      for await (const k of recClient.scanIterator({ MATCH: `${sessionKeyPrefix}*`, COUNT: 100 })) keys.push(k);
      await recClient.del(keys);
    } catch {
      // best effort
    }
  };
  closers.unshift(async () => {
    await sleep(100); // for the servers' last SET
    await cleanup();
  });
  const srec = new StreamRecorder(recClient, prefix, "socket.io");

  const recovery = { connectionStateRecovery: { maxDisconnectionDuration: 120000 } };
  const A = await startNode("A", (pub) => createStreamsAdapter(pub, opts), recovery);
  const B = await startNode("B", (pub) => createStreamsAdapter(pub, opts), recovery);
  await waitSubscribers(recClient, "NUMSUB", `${prefix}#/#`, 2);
  await sleep(200); // for the stream readers' first XREAD
  const c3client = await connectClient(B, "c3", "room1");
  const c4client = await connectClient(B, "c4", "");
  const c3 = B.sockets.c3.id;
  const io = A.io;
  const [rs3] = await io.in(c3).fetchSockets();
  // What c4 receives of io.emit("hello", …): the arguments and, as B has recovery, the offset.
  const hello = new Promise((resolve) => c4client.once("hello", (...args) => resolve(args)));
  let helloEntry = "";
  await sleep(100);

  const aUID = io.of("/").adapter.uid;
  const toA = (m, r) => m.channel === `${r.prefix}#/#${aUID}#`;
  const nsp = (m, r) => m.channel === `${r.prefix}#/#`;
  const entry = (type, test = () => true) => (m) => m.value.type === type && m.value.nsp === "/" && test(m.value.data);
  const bc = (event) => entry(T.BROADCAST, (d) => d.packet.data[0] === event);
  const of = (ch, type, test = () => true) => (m, r) => ch(m, r) && m.value.type === type && test(m.value.data);
  const mode = "streams";
  const A_ = "A-pub";
  const B_ = "B-pub";
  const steps = [
    [() => io.emit("hello", "world", 1, 2.5, -3, { a: true, b: null }, [1, "two"]),
      [{ name: "streams-broadcast-all", publisher: A_, match: bc("hello"), onFound: (m) => { helloEntry = m.id; },
        notes: 'io.emit("hello","world",1,2.5,-3,{a:true,b:null},[1,"two"]): BROADCAST (3) without requestId, data JSON; ' +
          "with connectionStateRecovery the clients receive the entry id as one more, last argument" }], srec],
    [() => io.to("room1").emit("to-room", "r1"),
      [{ name: "streams-broadcast-room", publisher: A_, match: bc("to-room"), notes: 'io.to("room1").emit(...): one stream for every target' }], srec],
    [() => io.except("room1").emit("except", "x"),
      [{ name: "streams-broadcast-except", publisher: A_, match: bc("except"), notes: 'io.except("room1").emit(...)' }], srec],
    [() => io.volatile.emit("vol", 1),
      [{ name: "streams-broadcast-volatile", publisher: A_, match: bc("vol"), notes: "io.volatile.emit(...): in the stream too, but never given an offset" }], srec],
    [() => io.compress(false).emit("nocomp", 1),
      [{ name: "streams-broadcast-compress-false", publisher: A_, match: bc("nocomp"), notes: "io.compress(false).emit(...)" }], srec],
    [() => io.emit("bin", Buffer.from([1, 2, 3]), { nested: new Uint8Array([255, 0]) }, "txt"),
      [{ name: "streams-broadcast-binary", publisher: A_, match: bc("bin"),
        notes: 'io.emit("bin", Buffer[1,2,3], {nested: Uint8Array[255,0]}, "txt"): data is the base64 of the MessagePack of {packet, opts}' }], srec],
    [() => io.of("/admin").emit("admin-ev", 1),
      [{ name: "streams-broadcast-admin-namespace", publisher: A_, match: (m) => m.value.nsp === "/admin" && m.value.type === T.BROADCAST,
        notes: 'io.of("/admin").emit(...): the same stream (streamCount 1), nsp /admin' }], srec],
    [() => io.in("room1").socketsJoin(["room3", "room4"]),
      [{ name: "streams-sockets-join", publisher: A_, match: entry(T.SOCKETS_JOIN, (d) => d.rooms[0] === "room3"),
        notes: 'io.in("room1").socketsJoin(["room3","room4"]): SOCKETS_JOIN (4)' }], srec],
    [() => io.in("room1").socketsLeave("room3"),
      [{ name: "streams-sockets-leave", publisher: A_, match: entry(T.SOCKETS_LEAVE), notes: 'io.in("room1").socketsLeave("room3"): SOCKETS_LEAVE (5)' }], srec],
    [() => rs3.join("joined-remotely"),
      [{ name: "streams-remote-socket-join", publisher: A_, match: entry(T.SOCKETS_JOIN, (d) => d.rooms[0] === "joined-remotely"),
        notes: "RemoteSocket.join(): opts.flags carries expectSingleResponse" }], srec],
    [() => background(io.timeout(1500).emit("ack-ev", "please", () => {})), [
      { name: "streams-broadcast-with-ack", publisher: A_, match: of(nsp, T.BROADCAST, (d) => d.packet.data[0] === "ack-ev"),
        notes: "BROADCAST (3) with requestId: not in the stream, the envelope in MessagePack on <prefix>#<nsp>#" },
      { name: "streams-resp-broadcast-client-count", publisher: B_, match: of(toA, T.BROADCAST_CLIENT_COUNT),
        notes: "BROADCAST_CLIENT_COUNT (11) on <prefix>#<nsp>#<uid of the requester>#" },
      { name: "streams-resp-broadcast-ack", publisher: B_, match: of(toA, T.BROADCAST_ACK, (d) => d.packet.ackFrom === "c3"), notes: "BROADCAST_ACK (12)" }]],
    [() => background(io.to(c3).timeout(1500).emit("ack-ev2", 1, () => {})), [
      { name: "streams-resp-broadcast-ack-binary", publisher: B_, match: of(toA, T.BROADCAST_ACK, (d) => d.packet instanceof Uint8Array),
        notes: "BROADCAST_ACK (12) of the bytes 7 8" }]],
    [() => background(io.fetchSockets()), [
      { name: "streams-fetch-sockets", publisher: A_, match: of(nsp, T.FETCH_SOCKETS, (d) => d.opts.rooms.length === 0), notes: "io.fetchSockets(): FETCH_SOCKETS (7)" },
      { name: "streams-resp-fetch-sockets", publisher: B_, match: of(toA, T.FETCH_SOCKETS_RESPONSE, (d) => d.sockets.length === 2),
        notes: "FETCH_SOCKETS_RESPONSE (8)" }]],
    [() => io.serverSideEmit("srv-ev", "hi", 1), [
      { name: "streams-server-side-emit", publisher: A_, match: of(nsp, T.SERVER_SIDE_EMIT, (d) => d.packet[1] === "hi"), notes: "SERVER_SIDE_EMIT (9), no requestId" }]],
    [() => io.serverSideEmit("srv-ev", "q", () => {}), [
      { name: "streams-server-side-emit-ack", publisher: A_, match: of(nsp, T.SERVER_SIDE_EMIT, (d) => d.packet[1] === "q"), notes: "SERVER_SIDE_EMIT (9) with requestId" },
      { name: "streams-resp-server-side-emit", publisher: B_, match: of(toA, T.SERVER_SIDE_EMIT_RESPONSE), notes: "SERVER_SIDE_EMIT_RESPONSE (10)" }]],
    [() => io.serverSideEmit("srv-ev", Buffer.from([5, 6]), () => {}), [
      { name: "streams-server-side-emit-binary", publisher: A_, match: of(nsp, T.SERVER_SIDE_EMIT, (d) => d.packet[1] instanceof Uint8Array),
        notes: "a binary argument stays binary (MessagePack)" },
      { name: "streams-resp-server-side-emit-binary", publisher: B_, match: of(toA, T.SERVER_SIDE_EMIT_RESPONSE, (d) => d.packet instanceof Uint8Array),
        notes: "B answered with the byte 9" }]],
    [() => io.in("room1").except("room4").disconnectSockets(true),
      [{ name: "streams-disconnect-sockets", publisher: A_, match: entry(T.DISCONNECT_SOCKETS),
        notes: 'io.in("room1").except("room4").disconnectSockets(true): DISCONNECT_SOCKETS (6)' }], srec],
  ];
  await runSteps(rec, mode, steps);

  // The offset: c4 received the entry id as the last argument.
  const args = await Promise.race([hello, sleep(WAIT_MS).then(() => null)]);
  if (!args || args[args.length - 1] !== helloEntry) throw new Error(`c4 got ${JSON.stringify(args)}, want the offset ${helloEntry} last`);
  log(`c4 received the offset ${helloEntry}`);
  c3client.disconnect();

  // A session: c5 (room2) with data, cut by the server (forced close: recoverable).
  await connectClient(B, "c5", "room2");
  const s5 = B.sockets.c5;
  s5.data = { user: "c5", n: 1, tags: ["x"], bin: Buffer.from([1, 2]), f: 0.5, nil: null };
  const key = sessionKeyPrefix + s5.pid;
  s5.conn.close();
  let stored = null;
  for (let deadline = Date.now() + WAIT_MS; !stored && Date.now() < deadline; ) {
    stored = await recClient.get(key);
    if (!stored) await sleep(20);
  }
  if (!stored) throw new Error(`no session at ${key}`);
  const payload = Buffer.from(stored, "base64");
  const session = msgpack.decode(payload);
  vectors.push({
    name: "streams-session",
    mode,
    command: "SET",
    channel: "sio:session:" + s5.pid,
    encoding: "msgpack",
    publisher: B_,
    hex: payload.toString("hex"),
    decoded: view(session),
    value: stored,
    expiryMs: recovery.connectionStateRecovery.maxDisconnectionDuration,
    notes: "the session of c5 (room2, data {user, n, tags, bin: Buffer[1,2], f: 0.5, nil: null}) after the server closed " +
      "its connection (forced close): SET <sessionKeyPrefix><pid> <base64 MessagePack {sid, pid, rooms, data}> PX maxDisconnectionDuration",
    reencodesIdentically: Buffer.from(msgpack.encode(session)).toString("base64") === stored,
  });
  log(`streams-session: ${payload.length} bytes at ${key}`);
  await cleanup();
}

async function main() {
  const probe = await redisClient();
  const info = await probe.info("server");
  const redisVersion = (/redis_version:(\S+)/.exec(info) || [])[1] || "unknown";
  if (Number(redisVersion.split(".")[0]) < 7) throw new Error(`Redis ${redisVersion}: sharded pub/sub needs Redis 7 or later`);
  log(`Redis ${redisVersion} at ${REDIS_URL}, channel prefix ${RUN}`);

  await captureClassic();
  await captureClassicSpecific();
  await captureEmitter();
  await captureSharded();
  await captureHeartbeat();
  await captureStreams();

  const order = ["classic", "emitter", "sharded", "cluster", "streams"];
  vectors.sort((a, b) => order.indexOf(a.name.split("-")[0]) - order.indexOf(b.name.split("-")[0]));
  const file = {
    format: "socket.io redis wire test vectors",
    generator: "test/js/capture-wire-vectors.js (npm run capture-wire-vectors)",
    versions: {
      "@socket.io/redis-adapter": version("@socket.io/redis-adapter"),
      "socket.io-adapter": version("socket.io-adapter"),
      "@socket.io/redis-emitter": version("@socket.io/redis-emitter"),
      "@socket.io/redis-streams-adapter": version("@socket.io/redis-streams-adapter"),
      "@msgpack/msgpack": version("@msgpack/msgpack"),
      "socket.io": version("socket.io"),
      "socket.io-client": version("socket.io-client"),
      "notepack.io": version("notepack.io"),
      redis: `${redisVersion} server, node-redis ${version("redis")} client`,
    },
    capture: "the payloads of PUBLISH/SPUBLISH as a subscriber received them: two socket.io servers on one Redis " +
      "(A asks, B answers, B has the clients), Node's emitter, and a minimal ClusterAdapterWithHeartbeat for the heartbeat " +
      "messages; for the Redis Streams adapter also its stream entries (XRANGE) and a session (GET); channel, stream " +
      "and key names rewritten to the defaults socket.io and sio:session:; documented in docs/redis-wire.md",
    conventions: {
      hex: "the payload's bytes",
      decoded: 'the payload as Node decodes it, in JSON: MessagePack bin as {"$bin": "<hex>"}, the MessagePack timestamp extension (-1) as {"$date": "<ISO 8601>"}',
      encoding: 'json when the payload starts with "{" (0x7b), else msgpack',
      streams: "mode streams: command XADD is a stream entry (XADD <stream> MAXLEN ~ 10000 * <fields>): fields its " +
        "field/value pairs in order, entryId its id, hex the bytes of its data field as decoded (the JSON text, or the " +
        "MessagePack under the base64), decoded the message as the adapter decodes the entry ({uid, nsp, type, data}); " +
        "command SET is a session (SET <key> <value> PX <expiryMs>): value the stored base64 text, hex its MessagePack; " +
        "command PUBLISH is the ClusterAdapter envelope in MessagePack (@msgpack/msgpack)",
      publisher: "A-pub: node A (the one asking); B-pub: node B (the one answering); emitter: Node's emitter; marker: written by the capture script",
      reencodesIdentically: "whether notepack.encode (msgpack; @msgpack/msgpack's encode in mode streams) or JSON.stringify (json) " +
        "of the decoded value (of its data for XADD) gives the same bytes (for XADD: the same data field)",
    },
    vectors,
  };
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(file, null, 2) + "\n");
  log(`${vectors.length} vectors written to ${path.relative(process.cwd(), OUT)}`);
}

async function shutdown() {
  await Promise.race([Promise.allSettled(pending), sleep(WAIT_MS)]);
  for (const close of closers) {
    try {
      await close();
    } catch {
      // closing anyway
    }
  }
}

main()
  .then(shutdown)
  .then(() => process.exit(0))
  .catch(async (e) => {
    console.error(e);
    await shutdown();
    process.exit(1);
  });
