// Mixed cluster: two C++ servers (ports from --ours A,B, run by redis_cluster_test.cpp) and one
// Node socket.io 4.8 server with @socket.io/redis-adapter (started here), all on the Redis server
// at --redis-port. Official socket.io-client 4.8 clients on every server drive each server in
// turn (control events of node_server.js) and check what every client receives: every direction.
// Prints PASS/FAIL lines and DONE like the interop scripts.
"use strict";
const { assert, once, ask, waitFor, check, finish, watchdog } = require("../interop/common");
const { startCluster } = require("./cluster_setup");

async function main() {
  watchdog(150000);
  const { names, c, e, connect, clients, got, barrier, reset, close } = await startCluster();

  await check("server-count", async () => {
    for (const x of names) {
      let n = 0;
      await waitFor(async () => (n = (await ask(c[x], "server-count"))[0]) === 3, `3 servers seen from ${x}`, 10000);
    }
  });

  await check("room-broadcast-every-direction", async () => {
    for (const x of names) await ask(c[x], "join", "r1");
    for (const from of names) {
      reset();
      await ask(c[from], "emit", { to: ["r1"], event: "room", args: [from] });
      await barrier(from);
      for (const x of names) {
        assert(got(c[x], "room", (a) => a[0] === from), `c${x} missed the room message from ${from}`);
        assert(!got(e[x], "room"), `e${x} (not in r1) got the room message from ${from}`);
      }
    }
  });

  await check("except-every-direction", async () => {
    await ask(c.B, "join", "r2");
    for (const from of names) {
      reset();
      await ask(c[from], "emit", { to: ["r1"], except: ["r2"], event: "exc", args: [from] });
      await barrier(from);
      assert(got(c.A, "exc") && got(c.N, "exc"), `members outside r2 missed it (from ${from})`);
      assert(!got(c.B, "exc"), `the excepted client got it (from ${from})`);
    }
  });

  await check("namespace-wide-and-multi-room", async () => {
    for (const from of names) {
      reset();
      await ask(c[from], "emit", { event: "all", args: [from, { nested: [1, 2.5, "x", null, true] }] });
      await ask(c[from], "emit", { to: ["r1", "r2"], event: "multi", args: [from] });
      await barrier(from);
      for (const s of clients()) {
        assert(got(s, "all", (a) => a[0] === from && a[1].nested[1] === 2.5), `a client missed "all" from ${from}`);
      }
      for (const x of names) assert(got(c[x], "multi", (a) => a[0] === from), `c${x} missed "multi" from ${from}`);
    }
  });

  await check("binary-every-direction", async () => {
    for (const from of names) {
      reset();
      const bytes = Buffer.from([0, 1, 2, 255, from.charCodeAt(0)]);
      await ask(c[from], "emit", { event: "bin", args: [from, bytes, { inner: bytes }] });
      await barrier(from);
      for (const s of clients()) {
        assert(got(s, "bin", (a) => a[0] === from && Buffer.from(a[1]).equals(bytes) && Buffer.from(a[2].inner).equals(bytes)),
          `a client missed the binary message from ${from}`);
      }
    }
  });

  await check("sockets-join-leave-every-direction", async () => {
    for (const from of names) {
      const room = `j${from}`;
      await ask(c[from], "sockets-join", { to: ["r1"], room });
      // Applied by every server; a broadcast from each other server to the new room reaches all.
      for (const via of names) {
        reset();
        await waitFor(async () => {
          const fetched = (await ask(c[via], "fetch", { to: [room] }))[0];
          return fetched.length === 3;
        }, `3 sockets in ${room} seen from ${via}`, 10000);
        await ask(c[via], "emit", { to: [room], event: "joined", args: [from] });
        await barrier(via);
        for (const x of names) assert(got(c[x], "joined"), `c${x} not in ${room} (from ${from}, via ${via})`);
        for (const x of names) assert(!got(e[x], "joined"), `e${x} wrongly in ${room}`);
      }
      await ask(c[from], "sockets-leave", { to: [room], room });
      for (const via of names) {
        await waitFor(async () => (await ask(c[via], "fetch", { to: [room] }))[0].length === 0,
          `${room} empty seen from ${via}`, 10000);
      }
    }
  });

  await check("fetch-sockets-every-direction", async () => {
    for (const from of names) {
      const fetched = (await ask(c[from], "fetch", {}))[0];
      const seen = fetched.map((s) => s.data.client).sort();
      assert.deepStrictEqual(seen, ["cA", "cB", "cN", "eA", "eB", "eN"], `fetch from ${from}`);
      for (const s of fetched) {
        assert.strictEqual(s.data.server, s.data.client.slice(1), `data of ${s.data.client}`);
        assert(s.rooms.includes(s.id), `rooms of ${s.data.client} lack its id`);
      }
      const inR2 = (await ask(c[from], "fetch", { to: ["r1"], except: ["r2"] }))[0].map((s) => s.data.client).sort();
      assert.deepStrictEqual(inR2, ["cA", "cN"], `fetch r1 except r2 from ${from}`);
    }
  });

  await check("all-rooms", async () => {
    const rooms = (await ask(c.N, "all-rooms"))[0];
    for (const r of ["r1", "r2", c.A.id, c.B.id, c.N.id]) assert(rooms.includes(r), `allRooms lacks ${r}`);
  });

  await check("server-side-emit-every-direction", async () => {
    for (const from of names) {
      reset();
      await ask(c[from], "server-side-emit", { event: "hello", args: [from] });
      const others = names.filter((x) => x !== from);
      await waitFor(() => others.every((x) => got(c[x], "got-hello", (a) => a[0] === x && a[1] === from)),
        `got-hello from ${from}`, 10000);
      await barrier(from);
      assert(!got(c[from], "got-hello"), `${from} got its own serverSideEmit`);
    }
  });

  await check("server-side-emit-with-ack-every-direction", async () => {
    for (const from of names) {
      const reply = (await ask(c[from], "server-side-emit-ack", { event: "hello-ack", args: [from] }))[0];
      assert(!reply.err, `serverSideEmit ack from ${from} failed: ${JSON.stringify(reply)}`);
      const expected = names.filter((x) => x !== from).map((x) => `${x}:${from}`).sort();
      assert.deepStrictEqual(reply.responses.slice().sort(), expected);
    }
  });

  await check("broadcast-with-acks-every-direction", async () => {
    for (const from of names) {
      const reply = (await ask(c[from], "emit-ack", { timeout: 8000, event: "ask", args: [from] }))[0];
      assert(!reply.err, `broadcast acks from ${from} timed out: ${JSON.stringify(reply)}`);
      const expected = names.flatMap((x) => [`c${x}:${from}`, `e${x}:${from}`]).sort();
      assert.deepStrictEqual(reply.responses.slice().sort(), expected);
      const inR1 = (await ask(c[from], "emit-ack", { to: ["r1"], timeout: 8000, event: "ask", args: [from] }))[0];
      assert(!inR1.err);
      assert.deepStrictEqual(inR1.responses.slice().sort(), names.map((x) => `c${x}:${from}`).sort());
    }
  });

  await check("disconnect-sockets-every-direction", async () => {
    for (const from of names) {
      const room = `d${from}`;
      const victims = names.map((x) => e[x]).filter((s) => s.connected);
      for (const x of names) if (e[x].connected) await ask(e[x], "join", room);
      const gone = victims.map((s) => once(s, "disconnect", 10000));
      await ask(c[from], "disconnect-sockets", { to: [room] });
      const reasons = (await Promise.all(gone)).map((a) => a[0]);
      assert(reasons.every((r) => r === "io server disconnect"), reasons.join());
      for (const x of names) e[x] = await connect(x, "e" + x);
    }
  });

  await close();
  finish();
}

main().catch((err) => {
  console.log(`FAIL script: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
