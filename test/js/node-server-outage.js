// node-server.js for the Redis restart test (test/redis_restart_test.go): the same server, but
// a publish that node-redis rejects while Redis is down (the commands written before the
// client noticed the drop) is counted and logged instead of ending the process:
// @socket.io/redis-adapter does not handle the promise of its PUBLISH. The commands sent while
// the client is disconnected wait in node-redis' offline queue and are sent once it is back.
// Usage: as node-server.js.
"use strict";
let rejected = 0;
process.on("unhandledRejection", (e) => {
  rejected++;
  if (rejected === 1 || rejected % 100 === 0) {
    console.error(`unhandled rejection #${rejected}: ${e && e.message}`);
  }
});
require("./node-server.js");
