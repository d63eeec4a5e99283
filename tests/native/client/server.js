// Socket.IO 4.8 server for the native client interop tests (tests/native/client_test.cpp).
//
// usage: node server.js [--port N] [--recovery] [--path P] [--parser msgpack]
// Prints "port <N>" once listening; then one line per notable server-side happening
// ("connect <nsp> <id> <transport>", "disconnect <nsp> <reason>", "count <n>", ...), which the test
// reads from stdout.
"use strict";
const { createServer } = require("http");
const { Server } = require("socket.io");

const args = process.argv.slice(2);
const portArg = args.indexOf("--port");
const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
const recovery = args.includes("--recovery");
const pathArg = args.indexOf("--path");
const path = pathArg >= 0 ? args[pathArg + 1] : "/socket.io";
const parserArg = args.indexOf("--parser");
const msgpack = parserArg >= 0 && args[parserArg + 1] === "msgpack";

const httpServer = createServer();
const io = new Server(httpServer, {
  path,
  // a session cookie (like a sticky load balancer's): the client must send it back on every request
  cookie: { name: "sticky", path: "/", httpOnly: true },
  pingInterval: 2000,
  pingTimeout: 2000,
  maxHttpBufferSize: 1e7,
  ...(msgpack ? { parser: require("socket.io-msgpack-parser") } : {}),
  connectionStateRecovery: recovery
    ? { maxDisconnectionDuration: 60000, skipMiddlewares: true }
    : undefined,
});

const say = (line) => process.stdout.write(line + "\n");

// "<METHOD> <transport> <Cookie header>" of every request of a session after its handshake
const seen = {};
function record(req) {
  const u = new URL(req.url, "http://localhost");
  const sid = u.searchParams.get("sid");
  if (!u.pathname.startsWith(path) || !sid) return;
  (seen[sid] = seen[sid] || []).push(`${req.method} ${u.searchParams.get("transport")} ${req.headers.cookie || ""}`);
}
httpServer.prependListener("request", record);
httpServer.prependListener("upgrade", record);
const counts = [];
const tries = {};

function common(socket) {
  const nsp = socket.nsp.name;
  say(`connect ${nsp} ${socket.id} ${socket.conn.transport.name} recovered=${socket.recovered}`);
  socket.conn.on("upgrade", (transport) => {
    say(`upgrade ${nsp} ${transport.name}`);
    socket.emit("upgraded", transport.name);
  });
  socket.on("disconnect", (reason) => say(`disconnect ${nsp} ${reason}`));

  // echo: acks with the same arguments
  socket.on("echo", (...a) => {
    const ack = typeof a[a.length - 1] === "function" ? a.pop() : null;
    if (ack) ack(...a);
  });
  // emit-back: the server emits "back" with the same arguments
  socket.on("emit-back", (...a) => socket.emit("back", ...a));
  // no-ack: never acknowledges
  socket.on("no-ack", () => {});
  // ask-me: the server emits "question" with an ack, and reports the answer as "answer-was"
  socket.on("ask-me", (q) => {
    socket.timeout(5000).emit("question", q, (err, ...answer) => {
      if (err) socket.emit("answer-was", "timeout");
      else socket.emit("answer-was", ...answer);
    });
  });
  // binary: answers with the bytes reversed (a Buffer) plus the original in an object
  socket.on("bin", (buf, ack) => {
    const reversed = Buffer.from(buf).reverse();
    socket.emit("bin-back", reversed, { original: buf, list: [Buffer.from([1, 2]), "x"] });
    if (typeof ack === "function") ack(Buffer.from([9, 8, 7]));
  });
  socket.on("transport", (ack) => ack(socket.conn.transport.name));
  socket.on("auth", (ack) => ack(socket.handshake.auth, socket.handshake.query, socket.handshake.headers["x-test"] || null));
  socket.on("disconnect-me", () => socket.disconnect());
  socket.on("close-transport", () => socket.conn.close());
  socket.on("count", (n) => {
    counts.push(n);
    say(`count ${n}`);
  });
  socket.on("get-counts", (ack) => ack(counts));
  // flaky: acknowledges only the second delivery of each value (for the retries option)
  socket.on("flaky", (n, ack) => {
    tries[n] = (tries[n] || 0) + 1;
    say(`flaky ${n} try ${tries[n]}`);
    if (tries[n] >= 2) ack("ok", tries[n]);
  });
  socket.on("broadcast", (ev, value, ack) => {
    io.of(nsp).emit(ev, value);
    if (typeof ack === "function") ack("done");
  });
  socket.on("cookies", (ack) => ack(socket.conn.id, seen[socket.conn.id] || []));
  socket.on("chat message", (msg, ack) => {
    if (typeof ack === "function") ack("received", msg);
  });
  socket.onAny((ev, ...a) => {
    if (ev === "any-probe") say(`any-probe ${JSON.stringify(a)}`);
  });
}

io.on("connection", (socket) => {
  common(socket);
  socket.emit("welcome", socket.id);
});
io.of("/admin").on("connection", (socket) => {
  common(socket);
  socket.emit("welcome-admin", socket.id);
});
const secure = io.of("/secure");
secure.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === "secret") return next();
  const err = new Error("not authorized");
  err.data = { code: 401, got: socket.handshake.auth || null };
  next(err);
});
secure.on("connection", (socket) => common(socket));

httpServer.listen(port, "127.0.0.1", () => {
  say(`port ${httpServer.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
