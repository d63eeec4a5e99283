// `sio-testserver --redis redis://127.0.0.1:<port>` (docs/scaling.md): two processes of the demo
// server on one Redis (redis_cluster_test.cpp starts it on --redis-port) form a cluster: a
// socket.io-client 4.8 client of each joins the demo's /chat namespace, and a chat message sent to
// one process reaches the client of the other (the demo app broadcasts it namespace-wide).
"use strict";
const { io } = require("socket.io-client");
const { assert, once, waitFor, check, finish, watchdog } = require("../interop/common");
const { startApp, stopAll } = require("../../apps/harness");

async function main() {
  watchdog(100000);
  const argv = process.argv.slice(2);
  const arg = (name) => argv[argv.indexOf(name) + 1];
  const redis = `redis://127.0.0.1:${arg("--redis-port")}`;
  const server = arg("--server");
  const apps = [];
  const clients = [];
  await check("testserver-redis-chat-crosses-processes", async () => {
    for (let i = 0; i < 2; i++) apps.push(await startApp(server, ["--host", "127.0.0.1", "--port", "0", "--redis", redis]));
    for (const app of apps) {
      const s = io(`http://127.0.0.1:${app.port}/chat`, { forceNew: true, reconnection: false, transports: ["websocket"] });
      s.got = [];
      s.on("chat message", (...a) => s.got.push(a));
      clients.push(s);
    }
    await Promise.all(clients.map((s) => once(s, "connect", 15000)));
    // A process's Redis subscriptions are made as it starts, asynchronously: the message is sent
    // again until the other process's client has it (each send is one more chance, not a sleep).
    const [a, b] = clients;
    let polls = 0;
    await waitFor(() => {
      if (polls++ % 10 === 0) a.emit("chat message", { text: `from A ${polls}` });  // every 200 ms
      return b.got.length > 0;
    }, "a chat message through process A reaches the client of process B", 20000);
    assert(JSON.stringify(b.got[0]).includes("from A"), `B got ${JSON.stringify(b.got)}`);
    const before = a.got.length;
    b.emit("chat message", { text: "from B" });
    await waitFor(() => a.got.slice(before).some((m) => JSON.stringify(m).includes("from B")),
      "a chat message through process B reaches the client of process A", 15000);
  });
  for (const s of clients) s.disconnect();
  stopAll();
  finish();
}

main();
