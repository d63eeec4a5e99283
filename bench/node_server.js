// bench/node_server.js - the official socket.io 4.8 server with the benchmark events of
// bench/server.cpp (keep the two in step). Listens on 127.0.0.1, port argv[2] or 0 (any);
// prints "port <P> pid <PID>" once listening. NODE_PATH must include tests/node_modules.
"use strict";
const http = require("http");
const { Server } = require("socket.io");

// Node's http server sets TCP_NODELAY on every connection (noDelay: true, the default);
// BENCH_NODE_NODELAY=0 turns that off (Nagle on, as our server) for the experiment in
// docs/performance.md.
const httpServer = http.createServer({ noDelay: process.env.BENCH_NODE_NODELAY !== "0" });
const io = new Server(httpServer); // defaults, as our server

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack(...args);
  });
  socket.on("join", (room, ack) => {
    if (typeof room !== "string") return;
    socket.join(room);
    if (typeof ack === "function") ack();
  });
  socket.on("fanout", (room, count, payload, ack) => {
    if (typeof room !== "string" || !Number.isInteger(count)) return;
    for (let i = 0; i < count; i++) io.to(room).emit("msg", payload);
    if (typeof ack === "function") ack(count);
  });
});

httpServer.listen(Number(process.argv[2] || 0), "127.0.0.1", () => {
  console.log(`port ${httpServer.address().port} pid ${process.pid}`);
});

const stop = () => {
  io.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
