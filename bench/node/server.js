// The Node.js reference server of the side-by-side benchmark (bench/run.sh): socket.io 4.8.1,
// and with --redis, @socket.io/redis-adapter 8.3.0 on node-redis 4.7.1. bench/goserver is its
// Go twin; both answer the same events on the main namespace "/":
//
//   fanout {count, size}, with ack: io.emit("msg", s) count times in a loop, where s is a string
//     of size "x"; acks {us} (the loop's duration in microseconds);
//   echo <any>, with ack: acks with the same argument;
//   cross {s, p}: io.emit("msg", {s, p}) (through the adapter, so to every node).
//
// Usage: node server.js [--port 0] [--redis redis://127.0.0.1:6379 --key bench-xyz [--adapter streams]]
// --adapter streams: @socket.io/redis-streams-adapter 0.3.1 (stream and channels named <key>).
// It listens on 127.0.0.1 (port 0: any free port) and prints "ready pid=<pid> port=<port>"
// once it accepts connections (with --redis: once both Redis connections are up). SIGTERM
// and SIGINT close it.
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");

function parseArgs(argv) {
  const opts = { port: 0, redis: "", key: "socket.io", adapter: "classic" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--port") opts.port = Number(next());
    else if (a === "--redis") opts.redis = next();
    else if (a === "--adapter") opts.adapter = next();
    else if (a === "--key") opts.key = next();
    else throw new Error(`unknown argument ${a}`);
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  let redisClients = [];
  if (opts.redis) {
    const { createClient } = require("redis");
    const pub = createClient({ url: opts.redis });
    const sub = pub.duplicate();
    pub.on("error", (e) => console.error("redis pub:", e.message));
    sub.on("error", (e) => console.error("redis sub:", e.message));
    await Promise.all([pub.connect(), sub.connect()]);
    redisClients = [pub, sub];
    if (opts.adapter === "streams") {
      const { createAdapter } = require("@socket.io/redis-streams-adapter");
      io.adapter(createAdapter(pub, { streamName: opts.key, channelPrefix: opts.key }));
    } else {
      const { createAdapter } = require("@socket.io/redis-adapter");
      io.adapter(createAdapter(pub, sub, { key: opts.key }));
    }
  }

  io.on("connection", (socket) => {
    socket.on("fanout", (req, ack) => {
      const count = Math.max(0, Math.min(Number(req && req.count) || 0, 1e6));
      const payload = "x".repeat(Math.max(0, Math.min(Number(req && req.size) || 0, 1 << 20)));
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < count; i++) io.emit("msg", payload);
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      if (typeof ack === "function") ack({ us });
    });
    socket.on("echo", (data, ack) => {
      if (typeof ack === "function") ack(data);
    });
    socket.on("cross", (data) => {
      io.emit("msg", { s: data && data.s, p: data && data.p });
    });
  });

  await new Promise((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(opts.port, "127.0.0.1", resolve);
  });
  console.log(`ready pid=${process.pid} port=${httpServer.address().port}`);

  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    io.close();
    for (const c of redisClients) c.disconnect().catch(() => {});
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
