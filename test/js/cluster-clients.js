// Cluster scenario run by the Go tests (test/cluster_test.go): real socket.io-client instances
// spread over several Socket.IO servers that share one Redis (Go servers, and in the mixed test a
// Node.js server, js/node-server.js). Every server speaks the same control protocol: a client
// emits "do" with an operation ({op: "emit" | "emitWithAck" | "fetch" | "remote" | "socketsJoin"
// | "socketsLeave" | "disconnectSockets" | "sse" | "sseAck" | "serverCount" | "allRooms" |
// "selfJoin" | "setData" | "myRooms" | "serverName" | "ready", …}) and its server runs it across the
// cluster and acknowledges {ok, result, error}.
//
// From each server in turn, the script runs every cluster operation and checks, on every client
// of every server, what a user would see. It prints "ok cluster" and exits 0, or exits 1 with the
// first failed assertion.
// Usage: node cluster-clients.js [--sharded] <server URL>...
// --sharded: the servers use the sharded adapter, which has no allRooms (it must fail).
"use strict";
const { io } = require("socket.io-client");
const assert = require("node:assert/strict");

const SHARDED = process.argv[2] === "--sharded";
const urls = process.argv.slice(SHARDED ? 3 : 2);
const N = urls.length;
const WAIT = 10000;
const SILENT = "s0b"; // the client that never answers "ask-some"

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond, what, ms = WAIT) {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await sleep(20);
  }
}

function withTimeout(p, what, ms = WAIT) {
  let t;
  return Promise.race([p, new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`timeout: ${what}`)), ms)))]).finally(() =>
    clearTimeout(t),
  );
}

const sorted = (a) => [...a].sort();

class Client {
  constructor(server, name, rooms, data) {
    this.server = server;
    this.name = name;
    this.rooms = rooms;
    this.data = data;
    this.log = [];
    this.mark = 0;
  }

  async connect() {
    const s = io(urls[this.server], {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      query: { name: this.name },
      auth: { token: "tok-" + this.name },
    });
    this.sock = s;
    s.onAny((event, ...args) => this.log.push({ event, args: args.filter((a) => typeof a !== "function") }));
    s.on("ask", (...args) => args.pop()({ from: this.name }));
    s.on("ask-some", (...args) => {
      const cb = args.pop();
      if (this.name !== SILENT) cb({ from: this.name });
    });
    this.disconnected = new Promise((resolve) => s.on("disconnect", resolve));
    await withTimeout(
      new Promise((resolve, reject) => {
        s.once("connect", resolve);
        s.once("connect_error", reject);
      }),
      `${this.name} connect`,
    );
    this.id = s.id;
    if (this.rooms.length) await this.do({ op: "selfJoin", rooms: this.rooms });
    if (this.data !== undefined) await this.do({ op: "setData", data: this.data });
  }

  async do(op) {
    const r = await this.sock.timeout(20000).emitWithAck("do", op);
    if (!r.ok && !op.mayFail) throw new Error(`${this.name} on server ${this.server}: ${op.op} failed: ${r.error}`);
    return r;
  }

  async myRooms() {
    return (await this.do({ op: "myRooms" })).result;
  }
}

const clients = [];
const byName = (n) => clients.find((c) => c.name === n);
const names = (cs) => sorted(cs.map((c) => c.name));

// expected lists the persistent clients a selection reaches: in any of `to` (all when empty),
// in none of `except`.
function expected(to = [], except = [], onlyServer = -1) {
  const inAny = (c, rooms) => rooms.some((r) => r === c.id || c.rooms.includes(r));
  return names(
    clients.filter((c) => (onlyServer < 0 || c.server === onlyServer) && (to.length === 0 || inAny(c, to)) && !inAny(c, except)),
  );
}

// settle waits until every server has the Redis subscriptions of its current rooms (the
// sharded adapter subscribes room channels in the background, so a broadcast sent right after
// a join could otherwise miss the new member, with Node as with Go).
async function settle() {
  if (!SHARDED) return;
  for (let i = 0; i < N; i++) await byName(`s${i}a`).do({ op: "ready" });
}

let barrierSeq = 0;

// barrier broadcasts a marker from ctl's server to every client and returns, per client name,
// the events it got since the previous barrier (messages from one server on one channel arrive
// in order). With the sharded adapter a broadcast to one room may travel on the room's own
// channel, which in a Redis Cluster lives on another shard than the namespace channel, with no
// order between the two: after such a broadcast (`to` a single room, whose members are
// `members`, by default the clients that expected() selects), a second marker goes to that
// room, and its members wait for both.
async function barrier(ctl, to = [], members = expected(to)) {
  const id = `barrier-${++barrierSeq}`;
  const roomMark = SHARDED && to.length === 1;
  if (roomMark) await ctl.do({ op: "emit", to, event: "barrier", args: [id, "room"] });
  await ctl.do({ op: "emit", event: "barrier", args: [id] });
  const mark = (c, room) =>
    c.log.findIndex((e) => e.event === "barrier" && e.args[0] === id && (e.args[1] === "room") === room);
  const waits = (c) => roomMark && members.includes(c.name);
  const at = (c) => (waits(c) && mark(c, true) < 0 ? -1 : Math.max(mark(c, false), waits(c) ? mark(c, true) : -1));
  await waitUntil(() => clients.every((c) => mark(c, false) >= 0 && at(c) >= 0), id);
  const got = new Map();
  for (const c of clients) {
    const i = at(c);
    got.set(
      c.name,
      c.log.slice(c.mark, i).filter((e) => e.event !== "barrier"),
    );
    c.mark = i + 1;
  }
  return got;
}

function receivers(got, event) {
  const out = [];
  for (const [name, evs] of got) {
    const n = evs.filter((e) => e.event === event).length;
    assert.ok(n <= 1, `${name} received ${event} ${n} times`);
    if (n) out.push(name);
  }
  return sorted(out);
}

function eventOf(got, name, event) {
  return got.get(name).find((e) => e.event === event);
}

async function broadcasts(i, ctl) {
  const other = (i + 1) % N;
  const cases = [
    { name: "all" },
    { name: "room A", to: ["A"] },
    { name: "room even", to: ["even"] },
    { name: "A except even", to: ["A"], except: ["even"] },
    { name: "two rooms", to: ["even", "B"] },
    { name: "except B", except: ["B"] },
    { name: "a socket id of another server", to: [byName(`s${other}b`).id] },
    { name: "a room nobody is in", to: ["nobody"] },
  ];
  for (const [k, c] of cases.entries()) {
    const ev = `bc-${i}-${k}`;
    const args = ["x", k, { nested: [1, "two", { deep: true }] }];
    await ctl.do({ op: "emit", to: c.to, except: c.except, event: ev, args });
    const got = await barrier(ctl, c.to || [], expected(c.to, c.except));
    const want = expected(c.to, c.except);
    assert.deepEqual(receivers(got, ev), want, `server ${i}: broadcast to ${c.name}`);
    for (const n of want) assert.deepEqual(eventOf(got, n, ev).args, args, `server ${i}: ${c.name}: args at ${n}`);
  }
  for (const [flag, op] of [
    ["volatile", { volatile: true }],
    ["compress(false)", { compress: false }],
    ["compress(true)", { compress: true }],
  ]) {
    const ev = `flag-${i}-${flag}`;
    await ctl.do({ op: "emit", event: ev, args: [flag], ...op });
    assert.deepEqual(receivers(await barrier(ctl), ev), expected(), `server ${i}: ${flag} broadcast`);
  }
  const local = `local-${i}`;
  await ctl.do({ op: "emit", event: local, local: true, to: ["A", "B"] });
  assert.deepEqual(receivers(await barrier(ctl), local), expected([], [], i), `server ${i}: local broadcast`);

  const bin = `bin-${i}`;
  await ctl.do({ op: "emit", event: bin, args: [Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]) }, "txt"] });
  const got = await barrier(ctl);
  assert.deepEqual(receivers(got, bin), expected(), `server ${i}: binary broadcast`);
  for (const n of expected()) {
    const [a, b, t] = eventOf(got, n, bin).args;
    assert.ok(Buffer.isBuffer(a) && a.equals(Buffer.from([1, 2, 3])), `server ${i}: binary at ${n}: ${a}`);
    assert.ok(Buffer.isBuffer(b.nested) && b.nested.equals(Buffer.from([4, 5])), `server ${i}: nested binary at ${n}`);
    assert.equal(t, "txt");
  }
}

async function acks(i, ctl) {
  let r = await ctl.do({ op: "emitWithAck", event: "ask", args: [i], timeout: 5000 });
  assert.deepEqual(sorted(r.result.acks.map((a) => a.from)), expected(), `server ${i}: acks from all`);
  r = await ctl.do({ op: "emitWithAck", to: ["B"], event: "ask", args: [i], timeout: 5000 });
  assert.deepEqual(sorted(r.result.acks.map((a) => a.from)), expected(["B"]), `server ${i}: acks from room B`);
  const start = Date.now();
  r = await ctl.do({ op: "emitWithAck", event: "ask-some", timeout: 1500, mayFail: true });
  assert.equal(r.ok, false, `server ${i}: a missing ack must be an error`);
  assert.ok(Date.now() - start >= 1400, `server ${i}: ack timeout after ${Date.now() - start} ms`);
  assert.deepEqual(
    sorted(r.result.acks.map((a) => a.from)),
    expected().filter((n) => n !== SILENT),
    `server ${i}: partial acks`,
  );
  await barrier(ctl);
}

async function fetches(i, ctl) {
  for (const sel of [{}, { to: ["B"] }, { to: ["A"], except: ["even"] }, { except: ["A"] }]) {
    const r = await ctl.do({ op: "fetch", ...sel });
    const want = expected(sel.to, sel.except);
    assert.deepEqual(sorted(r.result.map((s) => s.name)), want, `server ${i}: fetch ${JSON.stringify(sel)}`);
    for (const s of r.result) {
      const c = clients.find((x) => x.id === s.id);
      assert.ok(c, `server ${i}: fetched unknown socket ${s.id}`);
      assert.equal(s.name, c.name, `server ${i}: handshake query of ${c.name}`);
      assert.deepEqual(s.auth, { token: "tok-" + c.name }, `server ${i}: handshake auth of ${c.name}`);
      assert.match(String(s.host), /^[\w.\[\]:-]+:\d+$/, `server ${i}: handshake.headers.host of ${c.name}`);
      // handshake.time as Date#toString writes it here, zone name included.
      assert.match(String(s.time), /^\w{3} \w{3} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4} \(.+\)$/, `server ${i}: handshake.time of ${c.name}`);
      assert.equal(s.time.replace(/^.* GMT/, ""), String(new Date(Date.parse(s.time))).replace(/^.* GMT/, ""), `server ${i}: zone of handshake.time of ${c.name}`);
      assert.deepEqual(s.rooms, sorted([c.id, ...c.rooms]), `server ${i}: rooms of ${c.name}`);
      assert.deepEqual(s.data, c.data, `server ${i}: data of ${c.name}`);
    }
  }
  // Data set on one server is read on another.
  const t = byName(`s${(i + 1) % N}b`);
  t.data = { updatedBy: i, list: [1, "two", 3.5, null, true], obj: { k: "v" } };
  await t.do({ op: "setData", data: t.data });
  const r = await ctl.do({ op: "fetch", to: [t.id] });
  assert.equal(r.result.length, 1);
  assert.deepEqual(r.result[0].data, t.data, `server ${i}: data updated on server ${t.server}`);
}

async function remoteSockets(i, ctl) {
  const t = byName(`s${(i + 1) % N}a`);
  const ev = `direct-${i}`;
  await ctl.do({ op: "remote", id: t.id, action: "emit", event: ev, args: ["hi", i] });
  let got = await barrier(ctl, [t.id]);
  assert.deepEqual(receivers(got, ev), [t.name], `server ${i}: RemoteSocket.emit`);
  assert.deepEqual(eventOf(got, t.name, ev).args, ["hi", i]);

  const room = `rj-${i}`;
  await ctl.do({ op: "remote", id: t.id, action: "join", rooms: [room] });
  await waitUntil(async () => (await t.myRooms()).includes(room), `${t.name} joining ${room}`);
  await settle();
  await ctl.do({ op: "emit", to: [room], event: `to-${room}` });
  assert.deepEqual(receivers(await barrier(ctl, [room], [t.name]), `to-${room}`), [t.name], `server ${i}: broadcast after RemoteSocket.join`);
  await ctl.do({ op: "remote", id: t.id, action: "leave", rooms: [room] });
  await waitUntil(async () => !(await t.myRooms()).includes(room), `${t.name} leaving ${room}`);
  await ctl.do({ op: "emit", to: [room], event: `to-${room}-2` });
  assert.deepEqual(receivers(await barrier(ctl, [room], []), `to-${room}-2`), [], `server ${i}: broadcast after RemoteSocket.leave`);
}

async function roomOps(i, ctl) {
  const room = `sj-${i}`;
  await ctl.do({ op: "socketsJoin", to: ["B"], rooms: [room, room + "-bis"] });
  const bs = clients.filter((c) => c.rooms.includes("B"));
  await waitUntil(async () => {
    for (const c of bs) if (!(await c.myRooms()).includes(room + "-bis")) return false;
    return true;
  }, `socketsJoin ${room}`);
  await settle();
  for (const c of clients) {
    assert.equal((await c.myRooms()).includes(room), bs.includes(c), `server ${i}: ${c.name} in ${room}`);
  }
  await ctl.do({ op: "emit", to: [room], event: `to-${room}` });
  assert.deepEqual(receivers(await barrier(ctl, [room], names(bs)), `to-${room}`), names(bs), `server ${i}: broadcast to joined room`);
  await ctl.do({ op: "socketsLeave", rooms: [room] });
  await waitUntil(async () => {
    for (const c of bs) if ((await c.myRooms()).includes(room)) return false;
    return true;
  }, `socketsLeave ${room}`);
  for (const c of bs) assert.ok((await c.myRooms()).includes(room + "-bis"), `server ${i}: ${c.name} left the other room too`);
  await ctl.do({ op: "socketsLeave", rooms: [room + "-bis"] });
}

// checkClosed checks what a disconnection did to a throwaway client: its "/" socket gets
// "io server disconnect" either way (as from Node), and its second namespace on the same
// connection survives unless close was set.
async function checkClosed(i, x, close, what) {
  const reason = await withTimeout(x.disconnected, `${x.name} disconnect`);
  assert.equal(reason, "io server disconnect", `server ${i}: ${what} of ${x.name}`);
  if (close) {
    await withTimeout(x.otherDisconnected, `${x.name}: the connection closed by ${what}`);
  } else {
    assert.equal(await x.other.timeout(5000).emitWithAck("ping"), "pong", `server ${i}: ${what} closed the connection of ${x.name}`);
    x.sock.io.engine.close();
  }
}

async function throwaway(server, name, rooms) {
  const x = new Client(server, name, rooms);
  await x.connect();
  x.other = x.sock.io.socket("/other"); // connects by itself (autoConnect)
  x.otherDisconnected = new Promise((resolve) => x.other.on("disconnect", resolve));
  await withTimeout(new Promise((resolve) => x.other.once("connect", resolve)), `${name} /other`);
  return x;
}

async function disconnects(i, ctl) {
  for (const close of [false, true]) {
    const xs = [];
    for (let j = 0; j < N; j++) xs.push(await throwaway(j, `x${i}-${j}-${close}`, ["X"]));
    await ctl.do({ op: "disconnectSockets", to: ["X"], close });
    for (const x of xs) await checkClosed(i, x, close, `disconnectSockets(${close})`);
    // RemoteSocket.disconnect on another server's socket.
    const y = await throwaway((i + 1) % N, `y${i}-${close}`, []);
    await ctl.do({ op: "remote", id: y.id, action: "disconnect", close });
    await checkClosed(i, y, close, `RemoteSocket.disconnect(${close})`);
  }
  for (const c of clients) assert.ok(c.sock.connected, `server ${i}: ${c.name} was disconnected too`);
  await barrier(ctl);
}

async function serverSide(i, ctl, serverNames) {
  await ctl.do({ op: "sse", event: "srv-ping", args: [i, "hello", { k: [1] }] });
  const others = clients.filter((c) => c.server !== i);
  const got = (c) => c.log.find((e) => e.event === "sse-got" && e.args[0].args[0] === i);
  await waitUntil(() => others.every(got), `serverSideEmit from server ${i}`);
  for (const c of others) {
    assert.deepEqual(got(c).args[0], { server: serverNames[c.server], event: "srv-ping", args: [i, "hello", { k: [1] }] });
  }
  await barrier(ctl);
  for (const c of clients.filter((c) => c.server === i)) assert.ok(!got(c), `server ${i} got its own serverSideEmit`);

  let r = await ctl.do({ op: "sseAck", event: "srv-ask", args: [i] });
  const want = sorted(serverNames.filter((_, j) => j !== i));
  assert.deepEqual(sorted(r.result.answers.map((a) => a.server)), want, `server ${i}: serverSideEmit answers`);
  for (const a of r.result.answers) assert.deepEqual(a.args, [i]);

  const start = Date.now();
  r = await ctl.do({ op: "sseAck", event: "srv-ask-nobody", timeout: 1500, mayFail: true });
  assert.equal(r.ok, false, `server ${i}: serverSideEmit without answers must fail`);
  assert.match(r.error, /timeout/, `server ${i}: serverSideEmit error`);
  assert.ok(Date.now() - start >= 1000, `server ${i}: serverSideEmit failed after ${Date.now() - start} ms`);
  assert.equal((r.result && r.result.answers ? r.result.answers : []).length, 0);
}

async function counts(i, ctl) {
  const r = await ctl.do({ op: "serverCount" });
  assert.equal(r.result, N, `server ${i}: serverCount`);
  if (SHARDED) {
    const a = await ctl.do({ op: "allRooms", mayFail: true });
    assert.equal(a.ok, false, `server ${i}: allRooms must fail with the sharded adapter`);
    return;
  }
  const rooms = (await ctl.do({ op: "allRooms" })).result;
  for (const c of clients) {
    assert.ok(rooms.includes(c.id), `server ${i}: allRooms lacks ${c.name}'s id`);
    for (const room of c.rooms) assert.ok(rooms.includes(room), `server ${i}: allRooms lacks ${room}`);
  }
}

async function main() {
  assert.ok(N >= 2, "usage: node cluster-clients.js <server URL> <server URL>...");
  for (let i = 0; i < N; i++) {
    const data = (name) => ({ name, server: i, n: i + 0.5, nested: { list: [1, "two", { deep: true }] } });
    clients.push(new Client(i, `s${i}a`, i % 2 === 0 ? ["A", "even"] : ["A"], data(`s${i}a`)));
    clients.push(new Client(i, `s${i}b`, ["B"], data(`s${i}b`)));
  }
  for (const c of clients) await c.connect();
  const serverNames = [];
  for (let i = 0; i < N; i++) {
    const ctl = byName(`s${i}a`);
    serverNames.push((await ctl.do({ op: "serverName" })).result);
    await waitUntil(async () => (await ctl.do({ op: "serverCount" })).result === N, `server ${i} counting ${N} servers`);
  }
  await settle();
  for (let i = 0; i < N; i++) {
    const ctl = byName(`s${i}a`);
    for (const [name, step] of Object.entries({ broadcasts, acks, fetches, remoteSockets, roomOps, disconnects, serverSide, counts })) {
      const t0 = Date.now();
      await step(i, ctl, serverNames);
      console.log(`server ${i} (${serverNames[i]}): ${name} ok (${Date.now() - t0} ms)`);
    }
  }
  for (const c of clients) c.sock.disconnect();
  console.log("ok cluster");
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
