// The Node member of the mixed cluster: socket.io 4.8 with @socket.io/redis-adapter 8.x and the
// same control events as the C++ servers of tests/server/redis_cluster_test.cpp (installed by
// installHandlers, used by cluster.js). Every server's "name" is in socket.data and in replies.
"use strict";
const http = require("http");
const { Server } = require("socket.io");
const { createClient } = require("redis");
const { createAdapter } = require("@socket.io/redis-adapter");

function installHandlers(io, name) {
  const nsp = io.of("/");
  nsp.on("hello", (arg) => nsp.local.emit("got-hello", name, arg));
  nsp.on("hello-ack", (arg, cb) => cb(`${name}:${arg}`));
  nsp.on("connection", (socket) => {
    socket.data = { server: name, client: socket.handshake.auth.name };
    const op = (o) => {
      let target = nsp;
      for (const r of o.to || []) target = target.to(r);
      for (const r of o.except || []) target = target.except(r);
      return target;
    };
    socket.on("whoami", (cb) => cb(name));
    socket.on("join", (room, cb) => { socket.join(room); cb(); });
    socket.on("leave", (room, cb) => { socket.leave(room); cb(); });
    socket.on("emit", (o, cb) => { op(o).emit(o.event, ...o.args); cb(); });
    socket.on("emit-ack", (o, cb) => {
      op(o).timeout(o.timeout).emit(o.event, ...o.args, (err, responses) => cb({ err: !!err, responses }));
    });
    socket.on("sockets-join", (o, cb) => { op(o).socketsJoin(o.room); cb(); });
    socket.on("sockets-leave", (o, cb) => { op(o).socketsLeave(o.room); cb(); });
    socket.on("disconnect-sockets", (o, cb) => { op(o).disconnectSockets(); cb(); });
    socket.on("fetch", async (o, cb) => {
      const sockets = await op(o).fetchSockets();
      cb(sockets.map((s) => ({ id: s.id, data: s.data, rooms: [...s.rooms] })));
    });
    socket.on("all-rooms", async (cb) => cb([...(await nsp.adapter.allRooms())]));
    socket.on("server-count", async (cb) => cb(await nsp.adapter.serverCount()));
    socket.on("server-side-emit", (o, cb) => { nsp.serverSideEmit(o.event, ...o.args); cb(); });
    socket.on("server-side-emit-ack", (o, cb) => {
      nsp.serverSideEmit(o.event, ...o.args, (err, responses) => cb({ err: !!err, responses }));
    });
  });
}

async function startNodeServer(redisPort, name) {
  const pub = createClient({ url: `redis://127.0.0.1:${redisPort}` });
  const sub = pub.duplicate();
  pub.on("error", () => {});
  sub.on("error", () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter: createAdapter(pub, sub) });
  installHandlers(io, name);
  await new Promise((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  return {
    io,
    port: httpServer.address().port,
    close: async () => {
      io.close();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

module.exports = { installHandlers, startNodeServer };
