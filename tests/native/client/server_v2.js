// Socket.IO 2.5 server (Engine.IO v3) for the native client's EIO3 mode tests.
// usage: node server_v2.js [--websocket-only] — prints "port <N>", then "connect <nsp> <id>" / "disconnect <nsp> <reason>".
"use strict";
const http = require("http");
const server = http.createServer();
const wsOnly = process.argv.includes("--websocket-only");
const io = require("socket.io-v2")(server, {
  pingInterval: 2000,
  pingTimeout: 2000,
  transports: wsOnly ? ["websocket"] : ["polling", "websocket"],
});
const say = (line) => process.stdout.write(line + "\n");

function common(socket) {
  const nsp = socket.nsp.name;
  say(`connect ${nsp} ${socket.id} ${socket.conn.transport.name}`);
  socket.conn.on("upgrade", (transport) => {
    say(`upgrade ${nsp} ${transport.name}`);
    socket.emit("upgraded", transport.name);
  });
  socket.on("transport", (ack) => ack(socket.conn.transport.name));
  socket.on("disconnect", (reason) => say(`disconnect ${nsp} ${reason}`));
  socket.on("echo", (...a) => {
    const ack = typeof a[a.length - 1] === "function" ? a.pop() : null;
    if (ack) ack(...a);
  });
  socket.on("emit-back", (...a) => socket.emit("back", ...a));
  socket.on("bin", (buf, ack) => {
    socket.emit("bin-back", Buffer.from(buf).reverse());
    if (typeof ack === "function") ack(Buffer.from([9, 8, 7]));
  });
  socket.on("ask-me", (q) => socket.emit("question", q, (...answer) => socket.emit("answer-was", ...answer)));
  socket.on("query", (ack) => ack(socket.handshake.query));
  socket.on("disconnect-me", () => socket.disconnect());
}

io.on("connection", (socket) => {
  common(socket);
  socket.emit("welcome", socket.id);
});
io.of("/admin").on("connection", common);
const secure = io.of("/secure");
secure.use((socket, next) => {
  if (socket.handshake.query.token === "secret") return next();
  next(new Error("not authorized"));
});
secure.on("connection", common);

server.listen(0, "127.0.0.1", () => say(`port ${server.address().port}`));
process.on("SIGTERM", () => process.exit(0));
