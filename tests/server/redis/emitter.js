// The C++ emitter (sio::redis::Emitter, run by redis_cluster_test.cpp on "use-emitter" from a
// client of server A; it has its own Redis connection and no server) reaching clients on the C++
// servers and on the Node server of the mixed cluster (cluster_setup.js).
"use strict";
const { assert, once, ask, waitFor, check, finish, watchdog } = require("../interop/common");
const { startCluster } = require("./cluster_setup");

async function main() {
  watchdog(100000);
  const { names, c, e, clients, got, barrier, reset, close } = await startCluster();
  const use = (o) => ask(c.A, "use-emitter", o);

  await check("emitter-namespace-wide", async () => {
    await use({ op: "emit", event: "news", args: ["E", { n: 1.5 }] });
    await waitFor(() => clients().every((s) => got(s, "news", (a) => a[0] === "E" && a[1].n === 1.5)), "news everywhere", 10000);
  });

  await check("emitter-room-except", async () => {
    for (const x of names) await ask(c[x], "join", "r1");
    await ask(c.B, "join", "r2");
    reset();
    await use({ op: "emit", to: ["r1"], except: ["r2"], event: "room", args: ["E"] });
    await use({ op: "emit", to: ["r1"], event: "one-room", args: ["E"] });
    await waitFor(() => names.every((x) => got(c[x], "one-room")), "one-room", 10000);
    await barrier("A");
    assert(got(c.A, "room") && got(c.N, "room"), "r1 members outside r2 missed it");
    assert(!got(c.B, "room"), "the excepted client got it");
    for (const x of names) assert(!got(e[x], "room") && !got(e[x], "one-room"), `e${x} got a room message`);
  });

  await check("emitter-binary", async () => {
    // The binary payload comes from the test client (a Buffer), through server A to the emitter.
    const bytes = Buffer.from([9, 8, 7, 0, 255]);
    reset();
    await use({ op: "emit", event: "bin", args: [bytes] });
    await waitFor(() => clients().every((s) => got(s, "bin", (a) => Buffer.from(a[0]).equals(bytes))), "binary everywhere", 10000);
  });

  await check("emitter-sockets-join-leave", async () => {
    await use({ op: "join", to: ["r1"], room: "ej" });
    for (const via of names) {
      await waitFor(async () => (await ask(c[via], "fetch", { to: ["ej"] }))[0].length === 3, `3 in ej seen from ${via}`, 10000);
    }
    await use({ op: "leave", to: ["ej"], room: "ej" });
    for (const via of names) {
      await waitFor(async () => (await ask(c[via], "fetch", { to: ["ej"] }))[0].length === 0, `ej empty seen from ${via}`, 10000);
    }
  });

  await check("emitter-server-side-emit", async () => {
    reset();
    await use({ op: "server-side-emit", event: "hello", args: ["E"] });
    await waitFor(() => names.every((x) => got(c[x], "got-hello", (a) => a[0] === x && a[1] === "E")), "got-hello on every server", 10000);
  });

  await check("emitter-disconnect-sockets", async () => {
    for (const x of names) await ask(e[x], "join", "dE");
    const gone = names.map((x) => once(e[x], "disconnect", 10000));
    await use({ op: "disconnect", to: ["dE"] });
    const reasons = (await Promise.all(gone)).map((a) => a[0]);
    // close=true: the whole connection is closed by the server.
    assert(reasons.every((r) => r === "io server disconnect" || r === "transport close"), reasons.join());
    for (const x of names) assert(c[x].connected, `c${x} was disconnected too`);
  });

  await close();
  finish();
}

main().catch((err) => {
  console.log(`FAIL script: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
