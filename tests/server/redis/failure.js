// Failure cases of the Redis adapter, on two C++ servers (A, B) driven by redis_cluster_test.cpp:
// Redis restarting (the adapters reconnect and resubscribe), a dead peer (a subscriber of the
// request channel that never answers: requests time out cleanly; once it is gone the server count
// drops), and malformed or foreign messages on every channel (ignored, servers keep working).
"use strict";
const { assert, ask, waitFor, check, finish, watchdog } = require("../interop/common");
const { startCluster } = require("./cluster_setup");

async function main() {
  watchdog(120000);
  const { names, c, clients, got, barrier, reset, close } = await startCluster({ withNode: false });
  const count = async (x) => (await ask(c[x], "server-count"))[0];
  const crossBroadcast = async () => {
    for (const from of names) {
      reset();
      await ask(c[from], "emit", { event: "x", args: [from] });
      await waitFor(() => clients().every((s) => got(s, "x", (a) => a[0] === from)), `broadcast from ${from}`, 10000);
    }
  };

  await check("cluster-works", async () => {
    for (const x of names) await waitFor(async () => (await count(x)) === 2, `2 servers seen from ${x}`, 10000);
    await crossBroadcast();
  });

  await check("malformed-messages-ignored", async () => {
    await ask(c.A, "publish-garbage");
    await crossBroadcast();
    await barrier("B");
  });

  await check("redis-restart", async () => {
    await c.A.timeout(30000).emitWithAck("redis-restart");
    for (const x of names) await waitFor(async () => (await count(x)) === 2, `2 servers again from ${x}`, 20000);
    await crossBroadcast();
    const fetched = (await ask(c.B, "fetch", {}))[0];
    assert.strictEqual(fetched.length, 4, "fetch after the restart");
  });

  await check("dead-peer", async () => {
    await ask(c.A, "fake-peer", "start");
    for (const x of names) await waitFor(async () => (await count(x)) === 3, `3 servers (one dead) from ${x}`, 10000);
    const started = Date.now();
    const [sockets, error] = await ask(c.A, "fetch", {});
    assert(error, "fetchSockets with a dead peer did not time out");
    assert(Date.now() - started >= 900, "timed out too early");
    assert.strictEqual(sockets.length, 4, "what the live servers answered is kept");
    const sse = (await ask(c.B, "server-side-emit-ack", { event: "hello-ack", args: ["B"] }))[0];
    assert(sse.err && sse.responses.length === 1 && sse.responses[0] === "A:B", JSON.stringify(sse));
    await ask(c.A, "fake-peer", "stop");
    for (const x of names) await waitFor(async () => (await count(x)) === 2, `2 servers after the peer died from ${x}`, 10000);
    const [again, error2] = await ask(c.A, "fetch", {});
    assert(!error2 && again.length === 4, "fetch after the dead peer is gone");
    await crossBroadcast();
  });

  await close();
  finish();
}

main().catch((err) => {
  console.log(`FAIL script: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
