// Drives the admin namespace of one server as the Admin UI does, with socket.io-client 4.8.4,
// and prints what it saw as one JSON line "result {…}": the facts the protocol fixes (the
// connect_error of bad credentials, the session id's form, the features, what the actions did,
// the rooms and events reported) and the shape of every event (argument types and object
// keys, merged over every occurrence). test/adminui_test.go runs it against a Go server and a
// Node server instrumented by @socket.io/admin-ui and compares the two.
//
//   node admin-ui-protocol.js <server URL> <mode> <username> <password>
//
// The server runs the app of admin-ui-server.js ("join" / "leave" on the main namespace).
"use strict";
const { io } = require("socket.io-client");

const [url, mode, username, password] = process.argv.slice(2);
if (!url || !mode || !username || !password) {
  console.error("usage: node admin-ui-protocol.js <server URL> <mode> <username> <password>");
  process.exit(2);
}
const TIMEOUT = 10000;

function once(emitter, event) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for "${event}"`)), TIMEOUT);
    emitter.once(event, (...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// shape describes a value by its types and keys, not its contents.
function shape(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) {
    const elems = [...new Set(v.map(shape))].sort();
    return "[" + elems.join("|") + "]";
  }
  if (typeof v === "object") {
    return "{" + Object.keys(v).sort().map((k) => `${k}:${opaque.has(k) ? "object" : shape(v[k])}`).join(",") + "}";
  }
  return typeof v;
}
// Objects whose keys depend on the request or the user's data, not on the protocol.
const opaque = new Set(["headers", "query", "data"]);

const seen = []; // [name, args]
const shapes = {};

async function main() {
  const facts = {};

  // Bad credentials.
  const bad = io(url + "/admin", { auth: { username, password: "wrong" }, reconnection: false, forceNew: true });
  const [err] = await once(bad, "connect_error");
  facts.badCredentials = { message: err.message, data: err.data === undefined ? "undefined" : err.data };
  bad.close();

  // Login.
  const admin = io(url + "/admin", { auth: { username, password }, reconnection: false, forceNew: true });
  admin.onAny((name, ...args) => {
    seen.push([name, args]);
    (shapes[name] = shapes[name] || new Set()).add(args.map(shape).join(", "));
  });
  const waitFor = async (name, pred = () => true) => {
    const deadline = Date.now() + TIMEOUT;
    for (;;) {
      const hit = seen.find(([n, a]) => n === name && pred(a));
      if (hit) return hit[1];
      if (Date.now() > deadline) throw new Error(`no "${name}" event`);
      await sleep(20);
    }
  };
  await once(admin, "connect");
  const [session] = await waitFor("session");
  facts.session = /^[0-9a-f]{16}$/.test(session) ? "16 hex digits" : session;
  const [config] = await waitFor("config");
  facts.features = config.supportedFeatures;
  if (mode === "development") {
    const [all] = await waitFor("all_sockets");
    facts.allSockets = all.map((s) => s.nsp).sort();
  }

  // A user: polling, then WebSocket.
  const user = io(url, { reconnection: false, forceNew: true });
  await once(user, "connect");
  const uid = user.id; // (the client forgets it on disconnection)
  if (user.io.engine.transport.name !== "websocket") await once(user.io.engine, "upgrade");
  user.emit("join", "blue");
  await once(user, "joined");

  // The UI's actions on it.
  admin.emit("join", "/", "red", uid);
  await sleep(300);
  admin.emit("emit", "/", "red", "news", "for red", 1);
  facts.news = await once(user, "news");
  admin.emit("leave", "/", "blue", uid);
  await sleep(300);
  admin.emit("_disconnect", "/", false, uid);
  [facts.disconnectReason] = await once(user, "disconnect");

  // A new login with the session id, without the password.
  const again = io(url + "/admin", { auth: { sessionId: session }, reconnection: false, forceNew: true });
  await once(again, "connect");
  facts.sessionLogin = "ok";
  again.close();

  // Two more statistics, with the counts of all that.
  const stats = () => seen.filter(([n]) => n === "server_stats").length;
  const n = stats();
  const deadline = Date.now() + TIMEOUT;
  while (stats() < n + 3 && Date.now() < deadline) await sleep(50);
  admin.close();

  const events = [...new Set(seen.map(([n]) => n))].sort();
  const agg = new Set();
  let namespaces = new Set();
  for (const [name, [s]] of seen) {
    if (name !== "server_stats") continue;
    for (const e of s.aggregatedEvents) agg.add(e.type + (e.subType ? ":" + e.subType : ""));
    for (const ns of s.namespaces) namespaces.add(ns.name);
  }
  facts.aggregated = [...agg].sort();
  facts.statsNamespaces = [...namespaces].sort();
  const pick = (name, f) => seen.filter(([n, a]) => n === name && a[0] === "/").map(([, a]) => f(a));
  const anon = (s) => (s === uid ? "<user>" : s);
  if (mode === "development") {
    facts.roomsJoined = pick("room_joined", (a) => anon(a[1]) + " " + anon(a[2]));
    facts.roomsLeft = pick("room_left", (a) => anon(a[1]) + " " + anon(a[2])).sort();
    facts.received = pick("event_received", (a) => a[2]);
    facts.sent = pick("event_sent", (a) => a[2]);
    facts.updated = seen.filter(([n, a]) => n === "socket_updated" && a[0].nsp === "/").map(([, a]) => Object.keys(a[0]).sort().join(","));
    facts.disconnected = pick("socket_disconnected", (a) => anon(a[1]) + " " + a[2]);
  }
  const out = { events, facts, shapes: {} };
  for (const k of Object.keys(shapes).sort()) out.shapes[k] = [...shapes[k]].sort();
  console.log("result " + JSON.stringify(out));
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
