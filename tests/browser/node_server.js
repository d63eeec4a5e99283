// The official Socket.IO 4.8 server for the WebAssembly client's browser tests: the events of the
// C++ reference server's DemoApp that tests/browser/page/tests.js uses (docs/server.md "Demo
// application"), with connection state recovery and a 1 s ping interval, plus plain HTTP for
// the test page (--static DIR) and our bundle at /socket.io.js (--bundle FILE; its .wasm, from the
// same directory, at /socket.io.wasm or, for socket.io.msgpack.js, /socket.io.msgpack.wasm).
//
// usage: node node_server.js --bundle FILE --static DIR [--parser msgpack]
// (--parser msgpack: the server speaks socket.io-msgpack-parser, npm.)
// Prints "listening on http://127.0.0.1:<port>/" once bound (on a free port).
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const { Server } = require("socket.io");

const argv = process.argv.slice(2);
const arg = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const bundle = arg("--bundle");
// The .wasm of the bundle: socket.io.wasm for socket.io.js, socket.io.msgpack.wasm for socket.io.msgpack.js.
const bundleWasm = path.basename(bundle || "socket.io.js").replace(/\.js$/, ".wasm");
const staticDir = arg("--static");
const parserName = arg("--parser") || "default";
if (parserName !== "default" && parserName !== "msgpack") {
  console.error(`node_server.js: unknown parser ${parserName} (default or msgpack)`);
  process.exit(2);
}

const types = { ".html": "text/html; charset=utf-8", ".js": "application/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".wasm": "application/wasm" };

const httpServer = http.createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  let file = null;
  if (url.pathname === "/socket.io.js") {
    file = bundle;
  } else if (url.pathname === "/" + bundleWasm) {
    file = path.join(path.dirname(bundle), bundleWasm);  // our bundle loads it from beside itself
  } else if (staticDir) {
    const rel = path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, "");
    file = path.join(staticDir, rel === "/" ? "index.html" : rel);
    if (!file.startsWith(path.resolve(staticDir))) file = null;
  }
  fs.readFile(file || "/nonexistent", (err, data) => {
    if (err) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("Not Found");
      return;
    }
    res.writeHead(200, { "Content-Type": types[path.extname(file)] || "application/octet-stream",
                         "Cache-Control": "no-cache" });
    res.end(data);
  });
});

const io = new Server(httpServer, {
  serveClient: false,
  pingInterval: 1000,
  pingTimeout: 2000,
  connectionStateRecovery: { maxDisconnectionDuration: 60000, skipMiddlewares: true },
  ...(parserName === "msgpack" ? { parser: require("socket.io-msgpack-parser") } : {}),
});

function install(socket) {
  const nsp = socket.nsp;
  const received = [];
  socket.onAny((ev) => received.push(ev));
  const ackOf = (args) => (typeof args[args.length - 1] === "function" ? args.pop() : null);
  socket.on("echo", (...args) => {
    const ack = ackOf(args);
    socket.emit("echo", ...args);
    if (ack) ack(...args);
  });
  socket.on("chat message", (...args) => {
    const ack = ackOf(args);
    nsp.emit("chat message", ...args);
    if (ack) ack(true);
  });
  socket.on("whoami", (ack) => {
    if (typeof ack !== "function") return;
    ack({ id: socket.id, nsp: nsp.name, auth: socket.handshake.auth, rooms: [...socket.rooms],
          user: socket.data.user || "" });
  });
  socket.on("ask", (event, timeoutMs, ...args) => {
    const ack = ackOf(args);
    if (!ack) return;
    socket.timeout(timeoutMs).emit(event, ...args, (err, ...reply) => ack(err ? err.message : null, reply));
  });
  socket.on("join", (room, ack) => {
    socket.join(room);
    if (typeof ack === "function") ack();
  });
  socket.on("to-room", (room, event, ...args) => {
    const ack = ackOf(args);
    socket.to(room).emit(event, ...args);
    if (ack) ack();
  });
  socket.on("broadcast", (event, ...args) => {
    const ack = ackOf(args);
    socket.broadcast.emit(event, ...args);
    if (ack) ack();
  });
  socket.on("get-binary", (ack) => {
    socket.emit("bin", Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]) });
    if (typeof ack === "function") ack(Buffer.from([6, 7, 8]));
  });
  socket.on("get-any", (ack) => ack(received.slice()));
  socket.on("disconnect-me", (close) => socket.disconnect(close === true));
}

io.on("connection", install);
for (const name of ["/chat", "/rooms", "/bq"]) io.of(name).on("connection", install);
const secure = io.of("/secure");
secure.use((socket, next) => {
  const auth = socket.handshake.auth || {};
  if (auth.token !== "t0ken") {
    const err = new Error("forbidden");
    err.data = { code: 403, hint: "token" };
    return next(err);
  }
  socket.data.user = auth.user || "";
  next();
});
secure.on("connection", install);
io.of(/^\/dyn-\d+$/).on("connection", install);

httpServer.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${httpServer.address().port}/\n`);
});
process.on("SIGTERM", () => process.exit(0));
