// A Node Socket.IO server on the classic Redis adapter, with real socket.io-client clients in
// rooms, for the Go emitter tests (test/emitter_node_test.go).
// Usage: node emitter-node-server.js <redis URL> <key>
//
// Every line on stdout is one JSON object:
//   {"who":"ready","ids":{"a":"<sid>",…}}                   all clients connected
//   {"who":"a","ev":"<event>","args":[…]}                     a client received an event
//   {"who":"a","disconnect":"<reason>"}                       a client was disconnected
//   {"who":"server","nsp":"/","srv":"<event>","args":[…]}     a server-side event (serverSideEmit)
//   {"who":"adapter","nsp":"/","ev":"<event>","flags":{…}}    a broadcast from Redis with flags
// Binary values are written as {"$bin":"<hex>"}. The script ends (exit 0) when it receives the
// server-side event "quit", and fails (exit 1) after 60 s.
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");
const { io: connect } = require("socket.io-client");
const { createClient } = require("redis");
const { createAdapter } = require("@socket.io/redis-adapter");

const [, , redisURL, key] = process.argv;
if (!redisURL || !key) {
  console.error("usage: node emitter-node-server.js <redis URL> <key>");
  process.exit(2);
}

// The clients: name -> namespace and rooms joined at connection. A client with "share" is a
// second namespace on the connection (Manager) of another client: b2 and d2 show whether
// disconnectSockets closed the whole connection or left only the namespace.
const CLIENTS = {
  a: { nsp: "/", rooms: ["r1"] },
  b: { nsp: "/", rooms: ["r1", "r2"] },
  c: { nsp: "/", rooms: ["r3"] },
  d: { nsp: "/", rooms: [] },
  e: { nsp: "/admin", rooms: ["ops"] },
  b2: { nsp: "/admin", rooms: [], share: "b" },
  d2: { nsp: "/admin", rooms: [], share: "d" },
};

// plain turns received values into JSON-friendly ones, binary as {"$bin": hex}.
function plain(v) {
  if (Buffer.isBuffer(v)) return { $bin: v.toString("hex") };
  if (v instanceof ArrayBuffer) return { $bin: Buffer.from(v).toString("hex") };
  if (ArrayBuffer.isView(v)) return { $bin: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex") };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  return v;
}

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

async function main() {
  const pub = createClient({ url: redisURL });
  const sub = pub.duplicate();
  pub.on("error", (e) => console.error("redis pub:", e.message));
  sub.on("error", (e) => console.error("redis sub:", e.message));
  await Promise.all([pub.connect(), sub.connect()]);

  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter: createAdapter(pub, sub, { key }) });

  const sockets = [];
  for (const name of ["/", "/admin"]) {
    const nsp = io.of(name);
    // Flags are not visible to clients: report them as the adapter receives them.
    const adapter = nsp.adapter;
    const onmessage = adapter.onmessage.bind(adapter);
    adapter.onmessage = (pattern, channel, msg) => {
      try {
        const [, packet, opts] = adapter.parser.decode(msg);
        if (opts && opts.flags && Object.keys(opts.flags).length > 0) {
          out({ who: "adapter", nsp: name, ev: packet.data[0], flags: opts.flags });
        }
      } catch (e) {
        console.error("undecodable broadcast:", e.message);
      }
      return onmessage(pattern, channel, msg);
    };
    nsp.on("connection", (socket) => {
      socket.join(socket.handshake.auth.rooms || []);
      sockets.push(socket);
    });
  }
  for (const ev of ["srv-ev", "srv-bin", "barrier"]) {
    io.on(ev, (...args) => out({ who: "server", nsp: "/", srv: ev, args: plain(args) }));
  }
  io.of("/admin").on("srv-ev", (...args) => out({ who: "server", nsp: "/admin", srv: "srv-ev", args: plain(args) }));

  await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${httpServer.address().port}`;

  const clients = {};
  const open = (name, c) => new Promise((resolve, reject) => {
    const s = c.share
      ? clients[c.share].io.socket(c.nsp, { auth: { rooms: c.rooms } })
      : connect(base + c.nsp, { forceNew: true, reconnection: false, transports: ["websocket"], auth: { rooms: c.rooms } });
    s.onAny((ev, ...args) => out({ who: name, ev, args: plain(args) }));
    s.on("disconnect", (reason) => out({ who: name, disconnect: reason }));
    s.once("connect", () => resolve());
    s.once("connect_error", reject);
    clients[name] = s;
  });
  const entries = Object.entries(CLIENTS);
  await Promise.all(entries.filter(([, c]) => !c.share).map(([name, c]) => open(name, c)));
  await Promise.all(entries.filter(([, c]) => c.share).map(([name, c]) => open(name, c)));
  const ids = {};
  for (const [name, s] of Object.entries(clients)) ids[name] = s.id;

  const timer = setTimeout(() => {
    console.error("no quit event within 60 s");
    process.exit(1);
  }, 60000);
  io.on("quit", async () => {
    clearTimeout(timer);
    for (const s of Object.values(clients)) s.disconnect();
    io.close();
    await Promise.allSettled([pub.quit(), sub.quit()]);
    out({ who: "bye" });
    process.exit(0);
  });
  out({ who: "ready", ids });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
