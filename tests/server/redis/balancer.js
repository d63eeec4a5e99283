// Two C++ servers (A, B) of one Redis cluster behind nginx (redis_cluster_test.cpp starts it on
// --lb-port): polling-only socket.io-client 4.8 clients connect through the balancer (every
// request of a session must reach the same server, else the session is unknown), talk to their
// server, and get broadcasts from both servers.
"use strict";
const { io } = require("socket.io-client");
const { assert, once, ask, waitFor, check, finish, watchdog } = require("../interop/common");

async function main() {
  watchdog(100000);
  const argv = process.argv.slice(2);
  const lbPort = Number(argv[argv.indexOf("--lb-port") + 1]);
  const spread = argv.includes("--spread");  // the balancer hashes x-client-id: both servers used
  const clients = [];
  await check("polling-through-balancer", async () => {
    for (let i = 0; i < 20; i++) {
      const s = io(`http://127.0.0.1:${lbPort}`, {
        transports: ["polling"], forceNew: true, reconnection: false,
        extraHeaders: { "x-client-id": `client-${i}` }, auth: { name: `l${i}` },
      });
      s.log = [];
      s.onAny((event, ...a) => s.log.push([event, ...a]));
      clients.push(s);
    }
    await Promise.all(clients.map((s) => once(s, "connect", 15000)));
    // Several request/response rounds each (every one a new HTTP request through nginx).
    for (let round = 0; round < 5; round++) {
      await Promise.all(clients.map((s) => ask(s, "whoami")));
    }
  });

  await check("broadcasts-through-balancer", async () => {
    const servers = await Promise.all(clients.map(async (s) => (await ask(s, "whoami"))[0]));
    if (spread) assert(servers.includes("A") && servers.includes("B"), `all on one server: ${servers}`);
    for (const name of new Set(servers)) {
      const from = clients[servers.indexOf(name)];
      await ask(from, "emit", { event: "lb", args: [name] });
      await waitFor(() => clients.every((s) => s.log.some((m) => m[0] === "lb" && m[1] === name)),
        `broadcast from ${name} to every client`, 15000);
    }
    assert(clients.every((s) => s.connected && s.io.engine.transport.name === "polling"));
  });

  clients.forEach((s) => s.close());
  finish();
}

main().catch((err) => {
  console.log(`FAIL script: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
