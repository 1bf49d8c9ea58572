// Node's @socket.io/redis-emitter driven step by step by the Go tests
// (test/emitter_cluster_test.go, TestNodeEmitterToGoCluster).
// Usage: node emitter-node-emitter.js <redis URL> <key>
//
// The script listens on the Redis channel <key>-control for {"step": name, "ids": {client:
// socket id}}, runs the step of that name (the same operations as the Go emitter in
// test/emitter_steps_test.go), and prints "done <name>" once Redis has answered all its
// PUBLISH commands. {"step":"quit"} ends it (exit 0); an unknown step or an error exits 1.
"use strict";
const { createClient } = require("redis");
const { Emitter } = require("@socket.io/redis-emitter");

const [, , redisURL, key] = process.argv;
if (!redisURL || !key) {
  console.error("usage: node emitter-node-emitter.js <redis URL> <key>");
  process.exit(2);
}

const steps = {
  "emit-all": (e) => e.emit("all", "x", 1, null, { k: [true, 2.5] }),
  "emit-room": (e) => e.to("r1").emit("room", "r1"),
  "emit-rooms-except": (e) => e.to(["r1", "r3"]).except("r2").emit("rooms-except"),
  "emit-except-only": (e) => e.except("r1").emit("except-only", 7),
  "emit-socket-id": (e, ids) => e.to(ids.c).emit("private", "to c"),
  "emit-binary": (e) => e.to("r2").emit("bin", Buffer.from([0xde, 0xad]), { nested: Buffer.from([1, 2, 3]) }, "txt"),
  "emit-objects": (e) =>
    e.to("r3").emit("objects", { x: 3, data: Buffer.from([0xff]) }, { x: 4, tag: "t", data: null },
      new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))),
  "emit-volatile": (e) => e.to("r1").volatile.emit("vol", 1),
  "emit-compress": (e) => e.to("r3").compress(false).emit("nocomp"),
  "emit-namespace": (e) => e.of("admin").to("ops").emit("admin-ev", "hi"),
  "sockets-join": (e) => e.in("r3").socketsJoin(["r4", "r5"]),
  "after-join": (e) => {
    e.to("r4").emit("after-join", 4);
    e.to("r5").emit("after-join", 5);
  },
  "sockets-leave": (e) => e.in("r1").except("r2").socketsLeave("r1"),
  "after-leave": (e) => e.to("r1").emit("after-leave"),
  "server-side-emit": (e) => {
    e.serverSideEmit("srv-ev", "from-emitter", { n: 1 });
    e.serverSideEmit("srv-bin", Buffer.from([5, 6]));
    e.of("admin").serverSideEmit("srv-ev", "to-admin");
  },
  "disconnect-sockets": (e) => e.in("r2").disconnectSockets(),
  "after-disconnect": (e) => e.emit("after-disconnect"),
  "disconnect-sockets-close": (e, ids) => e.in(ids.d).disconnectSockets(true),
  "after-close": (e) => e.emit("after-close"),
};

async function main() {
  const pub = createClient({ url: redisURL });
  const sub = pub.duplicate();
  pub.on("error", (e) => console.error("redis pub:", e.message));
  sub.on("error", (e) => console.error("redis sub:", e.message));
  await Promise.all([pub.connect(), sub.connect()]);
  const emitter = new Emitter(pub, { key });

  const timer = setTimeout(() => {
    console.error("no quit step within 90 s");
    process.exit(1);
  }, 90000);

  // Steps run one at a time, in the order they arrive.
  let chain = Promise.resolve();
  await sub.subscribe(key + "-control", (msg) => {
    chain = chain.then(async () => {
      const { step, ids } = JSON.parse(msg);
      if (step === "quit") {
        clearTimeout(timer);
        await Promise.allSettled([pub.quit(), sub.quit()]);
        process.exit(0);
      }
      const run = steps[step];
      if (!run) throw new Error(`unknown step ${step}`);
      run(emitter, ids || {});
      await pub.ping(); // answered after every PUBLISH sent before it on this connection
      console.log(`done ${step}`);
    }).catch((e) => {
      console.error(e);
      process.exit(1);
    });
  });
  console.log("ready");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
