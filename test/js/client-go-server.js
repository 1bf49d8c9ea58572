// A Node.js Socket.IO server (socket.io 4.8.4, see package.json) for the Go client's tests
// (../client_node_test.go) that need more than scenario-server.js: it records the events "n" a
// client sends (with the transport each came by), reads the WebSocket frames it receives to tell
// compressed ones (permessage-deflate's RSV1 bit), and offers the extension (threshold 0); it
// takes 100 ms to answer the upgrade request of a polling session.
// Usage: node client-go-server.js [port]
// It listens on 127.0.0.1 (port 0 or none: any free port), prints "listening <port>" once ready,
// and runs until it is killed.
"use strict";
const http = require("node:http");
const zlib = require("node:zlib");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 0);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const httpServer = http.createServer();

// The frames each WebSocket connection sent, by its TCP socket: {rsv1, opcode, text} where text
// is the start of the (inflated) payload of a text frame.
const frames = new WeakMap();
function recordFrames(req, socket) {
  const list = [];
  frames.set(socket, list);
  let buf = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const rsv1 = (buf[0] & 0x40) !== 0;
      const opcode = buf[0] & 0x0f;
      const masked = (buf[1] & 0x80) !== 0;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      const key = masked ? buf.subarray(off, off + 4) : null;
      if (masked) off += 4;
      if (buf.length < off + len) return;
      let payload = Buffer.from(buf.subarray(off, off + len));
      if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i % 4];
      buf = buf.subarray(off + len);
      let text = null;
      if (opcode === 1) {
        try {
          if (rsv1) {
            payload = zlib.inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), {
              finishFlush: zlib.constants.Z_SYNC_FLUSH,
            });
          }
          text = payload.toString("utf8", 0, Math.min(payload.length, 40));
        } catch (e) {
          text = `inflate error: ${e.message}`;
        }
      }
      list.push({ rsv1, opcode, text });
    }
  });
}
recordFrames.recordsFrames = true;
httpServer.on("upgrade", recordFrames);

const io = new Server(httpServer, { perMessageDeflate: { threshold: 0 } });

// Upgrade requests of a polling session (with a sid) are handled 100 ms late, so that a session
// spends a while on polling before its upgrade, with events in flight: engine.io's listener is
// called after the delay.
const engineUpgrade = httpServer.listeners("upgrade").filter((l) => !l.recordsFrames);
for (const l of engineUpgrade) httpServer.removeListener("upgrade", l);
httpServer.on("upgrade", (req, socket, head) => {
  const late = new URL(req.url, "http://x").searchParams.has("sid") ? 100 : 0;
  setTimeout(() => engineUpgrade.forEach((l) => l.call(httpServer, req, socket, head)), late);
});

io.on("connection", (socket) => {
  const received = [];
  socket.on("n", (i) => received.push({ i, transport: socket.conn.transport.name }));
  socket.on("received", (cb) => cb(received));
  socket.on("big", (s, cb) => cb(s.length));
  socket.on("frames", (cb) => {
    const ws = socket.conn.transport.socket; // engine.io's WebSocket transport: the ws socket
    cb((ws && ws._socket && frames.get(ws._socket)) || null);
  });
  socket.on("kick", () => socket.disconnect());
  const n = parseInt(socket.handshake.query.seq, 10);
  if (!Number.isNaN(n)) {
    (async () => { // paced, so that the sequence spans the transport upgrade
      for (let i = 0; i < n; i++) {
        socket.emit("seq", i);
        if (i % 10 === 0) await sleep(1);
      }
    })();
  }
});
io.of("/admin").on("connection", (socket) => {
  socket.on("whoami", (cb) => cb(socket.nsp.name));
});

httpServer.on("listening", () => console.log(`listening ${httpServer.address().port}`));
httpServer.listen(port, "127.0.0.1");
