// bench/node_emits.js - emits per second of Node's socket.io-client 4.8; the same run as
// bench/native_emits.cpp (keep the two in step).
//   node node_emits.js PORT [COUNT] [WINDOW] [PAYLOAD]
// Prints "RESULT mode=emits client=node count=N window=W seconds=S emits_per_sec=E".
"use strict";
const { io } = require("socket.io-client");

const [port, count = 100000, windowSize = 100, payloadSize = 16] = process.argv.slice(2).map(Number);
if (!port) {
  console.error("usage: node node_emits.js PORT [COUNT] [WINDOW] [PAYLOAD]");
  process.exit(2);
}
const fail = (what) => {
  console.error(`node_emits: FAIL: ${what}`);
  process.exit(1);
};
const payload = "x".repeat(payloadSize);
const timer = setTimeout(() => fail("timeout"), 120000);

const socket = io(`http://127.0.0.1:${port}/`, { transports: ["websocket"], reconnection: false, forceNew: true });
let sent = 0;
let acked = 0;
let t0 = 0;
let started = false;

const emitOne = () => {
  sent++;
  socket.emit("echo", payload, (...args) => {
    if (args.length !== 1 || args[0] !== payload) fail(`wrong ack: ${JSON.stringify(args)}`);
    if (++acked === count) {
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(`RESULT mode=emits client=node count=${count} window=${windowSize} seconds=${secs} emits_per_sec=${count / secs}`);
      clearTimeout(timer);
      socket.off("disconnect");
      socket.close();
      process.exit(0);
    }
    if (sent < count) emitOne();
  });
};

socket.on("connect", () => {
  if (started) fail("reconnected during the run");
  started = true;
  t0 = process.hrtime.bigint();
  for (let i = 0; i < windowSize && sent < count; i++) emitOne();
});
socket.on("connect_error", (e) => fail(`connect_error: ${e.message}`));
socket.on("disconnect", (reason) => fail(`disconnected: ${reason}`));
