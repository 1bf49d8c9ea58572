// Socket.IO client scenarios run by the Go interop tests (test/interop_test.go).
// Usage: node client-scenarios.js <scenario> <base URL>
// Each scenario drives real socket.io-client instances against the Go server, asserts what a user
// would see, prints "ok <scenario>" and exits 0; any failure exits 1 with a message.
"use strict";
const { io } = require("socket.io-client");
const assert = require("node:assert/strict");

const [, , scenario, base] = process.argv;

function once(emitter, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for "${event}"`)), ms);
    emitter.once(event, (...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

function connect(path = "/", opts = {}) {
  const s = io(base + path, { forceNew: true, reconnection: false, ...opts });
  return s;
}

async function connected(s) {
  if (!s.connected) {
    const res = await Promise.race([once(s, "connect"), once(s, "connect_error").then(([e]) => { throw e; })]);
    void res;
  }
  return s;
}

const scenarios = {
  // Long-polling only: connect, event with ack both ways.
  async polling() {
    const s = connect("/", { transports: ["polling"] });
    const welcome = once(s, "welcome-back");
    await connected(s);
    assert.equal(s.io.engine.transport.name, "polling");
    const reply = await s.timeout(3000).emitWithAck("echo", "hello", 42, { a: [1, 2] });
    assert.deepEqual(reply, ["hello", 42, { a: [1, 2] }]);
    const [msg] = await welcome;
    assert.equal(msg, s.id);
    s.disconnect();
  },

  // WebSocket only.
  async websocket() {
    const s = await connected(connect("/", { transports: ["websocket"] }));
    assert.equal(s.io.engine.transport.name, "websocket");
    const reply = await s.timeout(3000).emitWithAck("echo", "ws");
    assert.deepEqual(reply, ["ws"]);
    s.disconnect();
  },

  // Polling first, then the upgrade; events flow before, during and after it, in order.
  async upgrade() {
    // The server starts sending as soon as the socket connects (query seq=300), so packets are
    // queued before, during and after the upgrade.
    const s = connect("/", { query: { seq: "300" } });
    const got = [];
    s.on("seq", (n) => got.push(n));
    const seqDone = once(s, "seq-done", 10000);
    let initial;
    const upgraded = new Promise((resolve) => {
      s.io.once("open", () => {
        initial = s.io.engine.transport.name;
        s.io.engine.once("upgrade", resolve);
      });
    });
    await connected(s);
    await upgraded;
    assert.equal(initial, "polling");
    assert.equal(s.io.engine.transport.name, "websocket");
    const serverTransport = await s.timeout(3000).emitWithAck("transport");
    assert.equal(serverTransport, "websocket");
    await seqDone;
    assert.equal(got.length, 300, `got ${got.length} of 300`);
    for (let i = 0; i < 300; i++) assert.equal(got[i], i);
    s.disconnect();
  },

  // A custom namespace and a dynamic one, multiplexed on one connection.
  async namespaces() {
    const admin = await connected(connect("/admin"));
    const name = await admin.timeout(3000).emitWithAck("whoami");
    assert.equal(name, "/admin");
    const dyn = io(base + "/dyn-42", { reconnection: false }); // shares the manager of admin? no: forceNew off
    await connected(dyn);
    const dname = await dyn.timeout(3000).emitWithAck("whoami");
    assert.equal(dname, "/dyn-42");
    const bad = connect("/nope");
    const [err] = await once(bad, "connect_error");
    assert.equal(err.message, "Invalid namespace");
    admin.disconnect();
    dyn.disconnect();
    bad.disconnect();
  },

  // Auth payload reaches the server; middleware rejects with data.
  async auth() {
    const ok = await connected(connect("/secure", { auth: { token: "good" } }));
    const seen = await ok.timeout(3000).emitWithAck("auth");
    assert.deepEqual(seen, { token: "good" });
    ok.disconnect();
    const denied = connect("/secure", { auth: { token: "bad" } });
    const [err] = await once(denied, "connect_error");
    assert.equal(err.message, "not authorized");
    assert.deepEqual(err.data, { reason: "bad token", code: 401 });
    assert.equal(denied.active, false);
    denied.disconnect();
  },

  // Acks both ways, including timeouts.
  async acks() {
    const s = await connected(connect("/"));
    // client -> server, server answers
    const sum = await s.timeout(3000).emitWithAck("sum", 2, 3);
    assert.equal(sum, 5);
    // client -> server, server never answers: the client times out
    await assert.rejects(s.timeout(200).emitWithAck("ignore"), /operation has timed out/);
    // server -> client, client answers
    s.on("question", (q, cb) => cb(q + "!"));
    // server -> client without an answer: the server reports its timeout
    s.on("silent", () => {});
    const report = await s.timeout(5000).emitWithAck("ask-me");
    assert.deepEqual(report, { answer: "why?!", timeout: true });
    s.disconnect();
  },

  // Binary: Buffers nested in objects, both ways.
  async binary() {
    const s = await connected(connect("/"));
    const payload = { name: "file", parts: [Buffer.from([1, 2, 3]), { deep: Buffer.from("héllo") }], n: 7 };
    const back = await s.timeout(3000).emitWithAck("binary-echo", payload);
    assert.equal(back.name, "file");
    assert.equal(back.n, 7);
    assert.deepEqual(Buffer.from(back.parts[0]), Buffer.from([1, 2, 3]));
    assert.equal(Buffer.from(back.parts[1].deep).toString(), "héllo");
    const sizes = await s.timeout(3000).emitWithAck("binary-sizes", payload);
    assert.deepEqual(sizes, [3, 6]);
    s.emit("send-binary");
    const [bin, meta] = await once(s, "binary");
    assert.deepEqual(Buffer.from(bin.data), Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    assert.equal(meta, "meta");
    s.disconnect();
  },

  // Rooms and except, broadcast from the server and from a socket.
  async rooms() {
    const a = await connected(connect("/"));
    const b = await connected(connect("/"));
    const c = await connected(connect("/"));
    await a.timeout(3000).emitWithAck("join", "red");
    await b.timeout(3000).emitWithAck("join", "red");
    await b.timeout(3000).emitWithAck("join", "blue");
    await c.timeout(3000).emitWithAck("join", "blue");
    const got = { a: [], b: [], c: [] };
    a.on("news", (m) => got.a.push(m));
    b.on("news", (m) => got.b.push(m));
    c.on("news", (m) => got.c.push(m));
    // server: to red except blue -> only a
    await a.timeout(3000).emitWithAck("server-broadcast", { to: ["red"], except: ["blue"], msg: "m1" });
    // server: to red and blue -> a, b (once), c
    await a.timeout(3000).emitWithAck("server-broadcast", { to: ["red", "blue"], except: [], msg: "m2" });
    // socket b: to blue -> c only (the sender is excluded)
    await b.timeout(3000).emitWithAck("socket-broadcast", { to: ["blue"], msg: "m3" });
    // socket a: broadcast -> b and c
    await a.timeout(3000).emitWithAck("socket-broadcast", { to: [], msg: "m4" });
    await a.timeout(3000).emitWithAck("barrier");
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(got.a, ["m1", "m2"]);
    assert.deepEqual(got.b, ["m2", "m4"]);
    assert.deepEqual(got.c, ["m2", "m3", "m4"]);
    const rooms = await b.timeout(3000).emitWithAck("my-rooms");
    assert.deepEqual(rooms.sort(), [b.id, "blue", "red"].sort());
    a.disconnect(); b.disconnect(); c.disconnect();
  },

  // Volatile events reach a client whose transport is ready.
  async volatile() {
    const s = await connected(connect("/", { transports: ["websocket"] }));
    s.emit("send-volatile");
    const [m] = await once(s, "vol");
    assert.equal(m, "v");
    s.disconnect();
  },

  // Server-side disconnects as the client sees them, and the client's as the server sees them.
  async disconnects() {
    const s1 = await connected(connect("/"));
    s1.emit("kick", false);
    const [r1] = await once(s1, "disconnect");
    assert.equal(r1, "io server disconnect");
    assert.equal(s1.active, false);

    const s2 = await connected(connect("/"));
    s2.emit("kick", true);
    const [r2] = await once(s2, "disconnect");
    assert.equal(r2, "io server disconnect");

    const s3 = await connected(connect("/"));
    const id3 = s3.id;
    s3.disconnect();
    const watcher = await connected(connect("/"));
    const reason = await watcher.timeout(3000).emitWithAck("reason-of", id3);
    assert.equal(reason, "client namespace disconnect");
    watcher.disconnect();
  },

  // The server restarts on the same address; the client reconnects by itself.
  async reconnect() {
    const s = io(base, { forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200 });
    await connected(s);
    if (s.io.engine.transport.name !== "websocket") await once(s.io.engine, "upgrade");
    const first = s.id;
    console.log("ready-for-restart");
    const [reason] = await once(s, "disconnect", 10000);
    assert.equal(reason, "transport close");
    assert.equal(s.active, true);
    await once(s, "connect", 15000);
    assert.notEqual(s.id, first);
    const reply = await s.timeout(3000).emitWithAck("echo", "again");
    assert.deepEqual(reply, ["again"]);
    s.disconnect();
  },
};

(async () => {
  const f = scenarios[scenario];
  if (!f) throw new Error(`unknown scenario ${scenario}`);
  await f();
  console.log(`ok ${scenario}`);
  process.exit(0);
})().catch((e) => {
  console.error(`FAIL ${scenario}: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
