// Drives the C++ server with the official socket.io-client 4.8 (Socket.IO protocol v5).
// Usage: node client_v4.js --port <port> --mode polling|websocket|upgrade [--parser default|msgpack]
"use strict";
const { io } = require("socket.io-client");
const { assert, parseArgs, connectors, once, ask, waitFor, check, finish, watchdog } = require("./common");

const { port, mode, parser } = parseArgs();
const { connect, connected, closeAll } = connectors(io, `http://127.0.0.1:${port}`, mode, parser);
watchdog();

(async () => {
  let main;
  await check("connect", async () => {
    main = await connected("/");
    assert.strictEqual(typeof main.id, "string");
    assert.strictEqual(main.id.length, 20);
    assert.notStrictEqual(main.id, main.io.engine.id);  // v5: not the Engine.IO id
    const [me] = await ask(main, "whoami");
    assert.strictEqual(me.id, main.id);
    assert.strictEqual(me.nsp, "/");
    if (mode === "upgrade") {
      await waitFor(() => main.io.engine.transport.name === "websocket", "the upgrade to websocket");
    } else {
      assert.strictEqual(main.io.engine.transport.name, mode);
    }
  });

  await check("events-and-acks", async () => {
    const echoed = once(main, "echo");
    const reply = await ask(main, "echo", 1, "two", { three: [3] }, null, true);
    assert.deepStrictEqual(reply, [1, "two", { three: [3] }, null, true]);
    assert.deepStrictEqual(await echoed, [1, "two", { three: [3] }, null, true]);
    assert.deepStrictEqual(await main.emitWithAck("echo", "x"), "x");
  });

  await check("server-to-client-ack", async () => {
    main.on("double", (x, cb) => cb(x * 2, "extra"));
    const [err, reply] = await ask(main, "ask", "double", 2000, 21);
    assert.strictEqual(err, null);
    assert.deepStrictEqual(reply, [42, "extra"]);
  });

  await check("server-to-client-ack-timeout", async () => {
    main.on("never-answered", () => {});
    const t0 = Date.now();
    const [err, reply] = await ask(main, "ask", "never-answered", 200, "x");
    assert.strictEqual(err, "operation has timed out");
    assert.deepStrictEqual(reply, []);
    assert.ok(Date.now() - t0 >= 150, "timed out too early");
  });

  await check("client-to-server-ack-timeout", async () => {
    await assert.rejects(main.timeout(200).emitWithAck("no-such-handler", 1), /operation has timed out/);
  });

  await check("binary-both-ways", async () => {
    const buf = Buffer.from([1, 2, 3, 255, 0]);
    const reply = await ask(main, "echo", buf, { nested: [Buffer.from("hi")] }, "text");
    assert.ok(Buffer.isBuffer(reply[0]), "reply[0] is a Buffer");
    assert.ok(buf.equals(reply[0]));
    assert.ok(Buffer.from("hi").equals(reply[1].nested[0]));
    assert.strictEqual(reply[2], "text");
    const bin = once(main, "bin");
    const [acked] = await ask(main, "get-binary");
    assert.ok(Buffer.from([6, 7, 8]).equals(acked));
    const [b1, b2] = await bin;
    assert.ok(Buffer.from([1, 2, 3]).equals(b1));
    assert.ok(Buffer.from([4, 5]).equals(b2.nested));
  });

  await check("catch-all", async () => {
    const seen = [];
    main.onAny((ev, ...args) => seen.push([ev, args]));
    main.emit("any-1", 1);
    main.emit("any-2", "b");
    const [events] = await ask(main, "get-any");
    assert.ok(events.includes("any-1") && events.includes("any-2"), JSON.stringify(events));
    await ask(main, "echo", "for-any");
    await waitFor(() => seen.some(([ev, args]) => ev === "echo" && args[0] === "for-any"), "onAny echo");
    main.offAny();
  });

  await check("emit-from-another-thread", async () => {
    const later = once(main, "later");
    await ask(main, "emit-from-thread");
    assert.deepStrictEqual(await later, ["from-thread", 7]);
  });

  await check("static-namespace", async () => {
    const chat = await connected("/chat");
    const [me] = await ask(chat, "whoami");
    assert.strictEqual(me.nsp, "/chat");
    assert.strictEqual(me.id, chat.id);
    assert.strictEqual(chat.io.engine.id !== undefined, true);
    chat.disconnect();
  });

  await check("invalid-namespace", async () => {
    const s = connect("/nope");
    const [err] = await once(s, "connect_error");
    assert.strictEqual(err.message, "Invalid namespace");
    s.close();
  });

  await check("dynamic-namespace", async () => {
    const a = await connected("/dyn-1");
    const b = await connected("/dyn-22");
    assert.strictEqual((await ask(a, "whoami"))[0].nsp, "/dyn-1");
    assert.strictEqual((await ask(b, "whoami"))[0].nsp, "/dyn-22");
    // children are isolated: a namespace-wide emit on /dyn-1 does not reach /dyn-22
    const got = [];
    b.on("marker", () => got.push("b"));
    await Promise.all([once(a, "marker"), ask(a, "marker")]);
    await ask(b, "echo", "sync");
    assert.deepStrictEqual(got, []);
    const bad = connect("/dyn-x");
    const [err] = await once(bad, "connect_error");
    assert.strictEqual(err.message, "Invalid namespace");
    a.disconnect();
    b.disconnect();
    bad.close();
  });

  await check("middleware-refusal", async () => {
    const s = connect("/secure", { auth: { token: "wrong" } });
    const [err] = await once(s, "connect_error");
    assert.strictEqual(err.message, "forbidden");
    assert.deepStrictEqual(err.data, { code: 403, hint: "token" });
    s.close();
  });

  await check("auth", async () => {
    const s = await connected("/secure", { auth: { token: "t0ken", user: "ann" } });
    const [me] = await ask(s, "whoami");
    assert.deepStrictEqual(me.auth, { token: "t0ken", user: "ann" });
    assert.strictEqual(me.user, "ann");  // set by the middleware in socket.data
    s.disconnect();
  });

  await check("handshake-in-middleware", async () => {
    const s = await connected("/secure", {
      auth: { token: "t0ken", user: "hs" },
      query: { q: "a b", n: "1" },
      extraHeaders: { "X-Interop": "yes" },
    });
    const [me] = await ask(s, "whoami");
    assert.strictEqual(me.seen.address, "127.0.0.1");
    assert.strictEqual(me.seen["x-interop"], "yes");
    assert.strictEqual(me.seen.query.q, "a b");
    assert.strictEqual(me.seen.query.n, "1");
    assert.strictEqual(me.seen.query.EIO, "4");
    assert.strictEqual(me.seen.query.transport, mode === "websocket" ? "websocket" : "polling");
    assert.ok(me.seen.url.startsWith("/socket.io/?"), me.seen.url);
    s.disconnect();
  });

  await check("reserved-event-names", async () => {
    const seen = [];
    main.onAny((ev) => seen.push(ev));
    const [results] = await ask(main, "emit-reserved");
    assert.strictEqual(results.length, 24);
    assert.ok(results.every((r) => r === false), JSON.stringify(results));
    await ask(main, "echo", "sync");
    await waitFor(() => seen.includes("echo"), "the echo after the refused emits");
    assert.deepStrictEqual(seen, ["echo"]);
    main.offAny();
    // The official client refuses to send them, as the server refuses to.
    assert.throws(() => main.emit("disconnecting"), /reserved event name/);
  });

  await check("server-side-socket-ops", async () => {
    const a = await connected("/rooms");
    const b = await connected("/rooms");
    const c = await connected("/rooms");
    const ids = (list) => list.map((x) => x.id).sort();
    await ask(a, "join", "g1");
    await ask(b, "join", "g1");
    // socketsJoin: everyone in g1 joins g2
    await ask(c, "server-op", "sockets-join", "g1", "g2");
    let [fetched] = await ask(c, "server-op", "fetch-sockets", "g2");
    assert.deepStrictEqual(ids(fetched), [a.id, b.id].sort());
    assert.deepStrictEqual(fetched.find((x) => x.id === a.id).rooms.sort(), [a.id, "g1", "g2"].sort());
    // socketsLeave: everyone in g1 leaves g2
    await ask(c, "server-op", "sockets-leave", "g1", "g2");
    [fetched] = await ask(c, "server-op", "fetch-sockets", "g2");
    assert.deepStrictEqual(fetched, []);
    // the whole namespace
    [fetched] = await ask(c, "server-op", "fetch-sockets", "");
    for (const s of [a, b, c]) assert.ok(ids(fetched).includes(s.id), s.id);
    // disconnectSockets: g1 members are disconnected, c stays
    const da = once(a, "disconnect");
    const db = once(b, "disconnect");
    await ask(c, "server-op", "disconnect-sockets", "g1", false);
    assert.deepStrictEqual((await da)[0], "io server disconnect");
    assert.deepStrictEqual((await db)[0], "io server disconnect");
    [fetched] = await ask(c, "server-op", "fetch-sockets", "g1");
    assert.deepStrictEqual(fetched, []);
    assert.strictEqual(c.connected, true);
    c.disconnect();
  });

  await check("rooms-broadcast-except", async () => {
    const a = await connected("/rooms");
    const b = await connected("/rooms");
    const c = await connected("/rooms");
    const got = { a: [], b: [], c: [] };
    for (const [k, s] of Object.entries({ a, b, c })) {
      s.onAny((ev, ...args) => got[k].push([ev, ...args]));
    }
    await ask(a, "join", "r1");
    await ask(b, "join", "r1");
    await ask(b, "join", "x");
    const [me] = await ask(b, "whoami");
    assert.deepStrictEqual(me.rooms.sort(), [b.id, "r1", "x"].sort());
    await ask(c, "to-room", "r1", "room-msg", 5);
    await ask(a, "emit-except", "r1", "x", "except-msg");
    await ask(a, "broadcast", "bc", "hello");
    await Promise.all([once(a, "marker"), once(b, "marker"), once(c, "marker"), ask(a, "marker")]);
    const names = (k) => got[k].map((e) => e[0]);
    assert.deepStrictEqual(names("a"), ["room-msg", "except-msg", "marker"]);
    assert.deepStrictEqual(names("b"), ["room-msg", "bc", "marker"]);
    assert.deepStrictEqual(names("c"), ["bc", "marker"]);
    assert.deepStrictEqual(got.a[0], ["room-msg", 5]);
    assert.deepStrictEqual(got.b[1], ["bc", "hello"]);
    [a, b, c].forEach((s) => s.disconnect());
  });

  await check("broadcast-with-acks", async () => {
    const a = await connected("/bq");
    const b = await connected("/bq");
    a.on("bq", (x, cb) => cb("A" + x));
    b.on("bq", (x, cb) => cb("B" + x));
    const [err, responses] = await ask(a, "broadcast-ack", "bq", 2000, 1);
    assert.strictEqual(err, null);
    assert.deepStrictEqual(responses.sort(), ["A1", "B1"]);
    const c = await connected("/bq");
    c.on("bq", () => {});  // never answers
    const [err2, responses2] = await ask(a, "broadcast-ack", "bq", 300, 2);
    assert.strictEqual(err2, "operation has timed out");
    assert.deepStrictEqual(responses2.sort(), ["A2", "B2"]);
    [a, b, c].forEach((s) => s.disconnect());
  });

  await check("disconnect-reasons", async () => {
    const observer = await connected("/");
    const reasonOf = async (id) => {
      let r = null;
      await waitFor(async () => (r = (await ask(observer, "reason-of", id))[0]) !== null, `reason of ${id}`);
      return r;
    };
    // client leaves the namespace
    const s1 = await connected("/");
    const id1 = s1.id;
    s1.disconnect();
    assert.strictEqual(await reasonOf(id1), "client namespace disconnect");
    // server disconnects the socket
    const s2 = await connected("/");
    const id2 = s2.id;
    const d2 = once(s2, "disconnect");
    s2.emit("disconnect-me", false);
    assert.deepStrictEqual((await d2)[0], "io server disconnect");
    assert.strictEqual(await reasonOf(id2), "server namespace disconnect");
    // server closes the whole session
    const s3 = await connected("/");
    const id3 = s3.id;
    const d3 = once(s3, "disconnect");
    s3.emit("disconnect-me", true);
    const r3 = (await d3)[0];
    if (mode === "websocket") {
      assert.strictEqual(r3, "io server disconnect");
    } else {
      // Over polling the DISCONNECT and the Engine.IO close packet can share one payload with our
      // engine (Node's waits for the drain and sends "1" in the next response); socket.io-client
      // then sees the close first. Known engine deviation, reported; the server side is exact.
      assert.ok(["io server disconnect", "transport close"].includes(r3), r3);
    }
    assert.strictEqual(await reasonOf(id3), "server namespace disconnect");
    // client closes the Engine.IO session
    const s4 = await connected("/");
    const id4 = s4.id;
    s4.io.engine.close();
    assert.strictEqual(await reasonOf(id4), "transport close");
    observer.disconnect();
  });

  closeAll();
  finish();
})();
