// Socket.IO client scenarios run by the Go interop tests (test/scenarios_test.go, TestJSClient)
// against two servers with the same server-side behaviour: the Go one (test/interop_test.go,
// newScenarioServer) and Node's socket.io 4.8.4 (scenario-server.js). Every expectation here is
// what Node's server does: a scenario passes against Node first, then the Go server must match.
// Usage: node client-scenarios.js <scenario> <base URL>   (or: node client-scenarios.js --list)
// Each scenario drives real socket.io-client instances, asserts what a user would see, prints
// "ok <scenario>" and exits 0; any failure exits 1 with a message.
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

// rawMessages collects the Socket.IO packets the client receives, as text ("2[...]", "30[...]").
function rawMessages(s) {
  const raw = [];
  s.io.engine.on("packet", (p) => {
    if (p.type === "message" && typeof p.data === "string") raw.push(p.data);
  });
  return raw;
}

// disconnected resolves with the reason of the next "disconnect", or null within ms.
function disconnected(s, ms) {
  return once(s, "disconnect", ms).then(([reason]) => reason, () => null);
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
    assert.equal(err.data, undefined);
    assert.equal(bad.active, false);
    // Namespaces share the connection: leaving one leaves the others connected.
    const main = await connected(connect("/"));
    const sub = await connected(main.io.socket("/admin"));
    sub.disconnect();
    assert.deepEqual(await main.timeout(3000).emitWithAck("echo", "still here"), ["still here"]);
    assert.equal(main.io.engine.readyState, "open");
    main.disconnect();
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
    const watcher = await connected(connect("/"));
    const reasonOf = (id) => watcher.timeout(4000).emitWithAck("reason-of", id);

    const s1 = await connected(connect("/"));
    const id1 = s1.id;
    s1.emit("kick", false);
    const [r1] = await once(s1, "disconnect");
    assert.equal(r1, "io server disconnect");
    assert.equal(s1.active, false);
    assert.equal(await reasonOf(id1), "server namespace disconnect");

    const s2 = await connected(connect("/"));
    const id2 = s2.id;
    s2.emit("kick", true);
    const [r2] = await once(s2, "disconnect");
    assert.equal(r2, "io server disconnect");
    assert.equal(await reasonOf(id2), "server namespace disconnect");

    const s3 = await connected(connect("/"));
    const id3 = s3.id;
    s3.disconnect();
    assert.equal(await reasonOf(id3), "client namespace disconnect");

    // The client closes its Engine.IO connection (not the namespace): the server sees the
    // transport close, on either transport.
    for (const transports of [["polling"], ["websocket"]]) {
      const s4 = await connected(connect("/", { transports }));
      const id4 = s4.id;
      const r4 = disconnected(s4, 3000);
      s4.io.engine.close();
      assert.equal(await r4, "forced close");
      assert.equal(await reasonOf(id4), "transport close", transports[0]);
    }
    watcher.disconnect();
  },

  // The Engine.IO handshake as the client sees it (Node's defaults), ids shaped as Node's, and
  // the CONNECT on the wire before the first event the connection handler sends.
  async handshake() {
    for (const transports of [["polling"], ["websocket"]]) {
      const s = connect("/", { transports });
      const handshake = once(s.io.engine, "handshake");
      const raw = rawMessages(s);
      const welcome = once(s, "welcome-back");
      const [data] = await handshake;
      await connected(s);
      await welcome;
      assert.deepEqual(Object.keys(data).sort(), ["maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"]);
      assert.deepEqual(data.upgrades, transports[0] === "polling" ? ["websocket"] : []);
      assert.equal(data.pingInterval, 25000);
      assert.equal(data.pingTimeout, 20000);
      assert.equal(data.maxPayload, 1000000);
      assert.match(data.sid, /^[\w-]{20}$/);
      assert.match(s.id, /^[\w-]{20}$/);
      assert.notEqual(s.id, data.sid);
      assert.equal(raw[0], `0{"sid":"${s.id}"}`, transports[0]);
      assert.equal(raw[1], `2["welcome-back","${s.id}"]`, transports[0]);
      s.disconnect();
    }
  },

  // JSON as JavaScript writes it: what an event carries comes back in the server's ack as
  // JSON.parse(JSON.stringify(…)) makes it (numbers, strings, nesting), and the ack's text on the
  // wire is exactly what JSON.stringify writes.
  async json() {
    await echoCases({
      literals: [null, true, false],
      numbers: [0, -0, 1, -1, 0.1, -2.5, 1e-6, 1e-7, -1.5e-10, 1.23e-18, 5e-324, 123456789.125, 2 ** 31, 2 ** 53,
        2 ** 53 + 2, 1e20, 1e21, 2 ** 63, -(2 ** 63), 2 ** 64, 1e300, 1.7976931348623157e308],
      strings: ["", "plain", "é", "日本", "😀", '"\\/', "\b\f\n\r\t", "\u0000\u0001\u001f\u007f\u0080", "\u2028\u2029",
        "<script>&amp;</script>", "\ufeff\uffff"],
      nesting: [{ a: { b: [1, { c: null }], d: true } }, [], {}, [[[]]], [{}, [{}]]],
      none: [],
    });
  },

  // The keys of an object the server reads from an event keep their order (JavaScript's: integer
  // keys ascending, then the others as written) when the server sends the object back.
  async "json-key-order"() {
    await echoCases({
      objects: [{ b: 1, a: 2, 10: "x", 2: "y", "-1": "z", "01": "w" }, { nested: { z: [1, { y: null }], a: true } }],
    });
  },

  // Strings are UTF-16 in JavaScript: lone surrogates survive a round trip through the server.
  async "lone-surrogates"() {
    const s = await connected(connect("/", { transports: ["websocket"] }));
    const args = ["\ud800", "x\udc00y", "\udbff\udfff", "\udfff\ud800"];
    const reply = await s.timeout(3000).emitWithAck("echo", ...args);
    assert.deepEqual(reply, args);
    s.disconnect();
  },

  // Packets socket.io-client never sends, written on the Engine.IO connection directly: the server
  // closes the connection on a malformed one (the client sees "transport close") and ignores the
  // harmless ones.
  async "invalid-packets"() {
    const closes = ["2[", '2"str"', "2{}", "9", "2[]", "2[null]", '2["echo"', '2/unknown,["x"]', '0/admin,"str"',
      "0/admin,[1]", "1/admin,", '4{"message":"x"}', '5["x"]', '2["disconnect"]', '2["connect"]',
      '2["newListener"]'];
    const ignored = ["2[1]", "3[]", '399["x"]', '2["error"]', '2["echo",1]'];
    for (const transports of [["websocket"], ["polling"]]) {
      for (const packet of closes) {
        const s = await connected(connect("/", { transports }));
        const reason = disconnected(s, 3000);
        s.io.engine.write(packet);
        assert.equal(await reason, "transport close", `${transports[0]} ${packet}`);
      }
      for (const packet of ignored) {
        const s = await connected(connect("/", { transports }));
        s.io.engine.write(packet);
        assert.deepEqual(await s.timeout(3000).emitWithAck("echo", packet), [packet], `${transports[0]} ${packet}`);
        s.disconnect();
      }
    }
  },

  // The server's disconnect reason for a socket whose connection sent a malformed packet.
  async "invalid-packet-reason"() {
    const watcher = await connected(connect("/"));
    for (const packet of ["2[", '2["disconnect"]']) {
      const s = await connected(connect("/", { transports: ["websocket"] }));
      const id = s.id;
      const reason = disconnected(s, 3000);
      s.io.engine.write(packet);
      await reason;
      assert.equal(await watcher.timeout(4000).emitWithAck("reason-of", id), "forced close", packet);
    }
    watcher.disconnect();
  },

  // Messages up to the default maxHttpBufferSize (1e6 bytes) pass; a bigger one ends the session.
  async "payload-limit-websocket"() {
    await payloadLimit("websocket", "transport close", "transport error");
  },
  async "payload-limit-polling"() {
    await payloadLimit("polling", "transport error", "transport close");
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

// echoCases sends each case's arguments to "echo" and checks that the ack brings them back as
// Node's server does: the same values, keys in the same order, the same text on the wire. Every
// case is checked, then all failures are reported.
async function echoCases(cases) {
  const s = await connected(connect("/", { transports: ["websocket"] }));
  const raw = rawMessages(s);
  const failures = [];
  for (const [name, args] of Object.entries(cases)) {
    raw.length = 0;
    const reply = await s.timeout(3000).emitWithAck("echo", ...args);
    const want = JSON.parse(JSON.stringify(args)); // the arguments as Node's server reads them
    const ack = raw.find((d) => /^3\d/.test(d)).replace(/^3\d+/, "");
    for (const check of [
      () => assert.deepEqual(reply, want, name),
      () => assert.equal(JSON.stringify(reply), JSON.stringify(want), `${name}: key order`),
      () => assert.equal(ack, JSON.stringify([want]), `${name}: the ack on the wire`),
    ]) {
      try {
        check();
      } catch (e) {
        failures.push(e.message);
      }
    }
  }
  s.disconnect();
  if (failures.length > 0) throw new Error(failures.join("\n\n"));
}

// payloadLimit sends an event just under the limit (echoed) and one over it: the client and the
// server then see the session end with the given reasons.
async function payloadLimit(transport, clientReason, serverReason) {
  const watcher = await connected(connect("/"));
  const s = await connected(connect("/", { transports: [transport] }));
  const id = s.id;
  const under = "x".repeat(999000);
  const [back] = await s.timeout(10000).emitWithAck("echo", under);
  assert.equal(back, under);
  const reason = disconnected(s, 10000);
  await assert.rejects(s.timeout(10000).emitWithAck("echo", "x".repeat(1000001)), /socket has been disconnected/);
  assert.equal(await reason, clientReason, "client");
  assert.equal(await watcher.timeout(4000).emitWithAck("reason-of", id), serverReason, "server");
  watcher.disconnect();
}

if (scenario === "--list") {
  console.log(Object.keys(scenarios).join("\n"));
  process.exit(0);
}

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
