// Drives the C++ server (allow_eio3) with the official socket.io-client 2.5 (Socket.IO protocol
// v4 on Engine.IO v3). Usage: node client_v2.js --port <port> --mode polling|websocket|upgrade
"use strict";
const io = require("socket.io-client-v2");
const { assert, parseArgs, connectors, once, ask, waitFor, check, finish, watchdog } = require("./common");

const { port, mode } = parseArgs();
const { connect, connected, closeAll } = connectors(io, `http://127.0.0.1:${port}`, mode);
watchdog();

(async () => {
  let main;
  await check("connect", async () => {
    main = await connected("/");
    assert.strictEqual(main.id, main.io.engine.id);  // v4: the Engine.IO id on "/"
    const [me] = await ask(main, "whoami");
    assert.strictEqual(me.id, main.id);
    if (mode === "upgrade") {
      await waitFor(() => main.io.engine.transport.name === "websocket", "the upgrade to websocket");
    } else {
      assert.strictEqual(main.io.engine.transport.name, mode);
    }
  });

  await check("events-and-acks", async () => {
    const echoed = once(main, "echo");
    const reply = await ask(main, "echo", 1, "two", { three: [3] });
    assert.deepStrictEqual(reply, [1, "two", { three: [3] }]);
    assert.deepStrictEqual(await echoed, [1, "two", { three: [3] }]);
  });

  await check("server-to-client-ack", async () => {
    main.on("double", (x, cb) => cb(x * 2));
    const [err, reply] = await ask(main, "ask", "double", 2000, 21);
    assert.strictEqual(err, null);
    assert.deepStrictEqual(reply, [42]);
  });

  await check("binary-both-ways", async () => {
    const buf = Buffer.from([1, 2, 3, 255, 0]);
    const reply = await ask(main, "echo", buf, "t");
    assert.ok(Buffer.isBuffer(reply[0]), "reply[0] is a Buffer");
    assert.ok(buf.equals(reply[0]));
    const bin = once(main, "bin");
    const [acked] = await ask(main, "get-binary");
    assert.ok(Buffer.from([6, 7, 8]).equals(acked));
    const [b1, b2] = await bin;
    assert.ok(Buffer.from([1, 2, 3]).equals(b1));
    assert.ok(Buffer.from([4, 5]).equals(b2.nested));
  });

  await check("namespace-with-query-auth", async () => {
    const s = await connected("/secure", { query: { token: "t0ken", user: "bob" } });
    assert.strictEqual(s.id, "/secure#" + s.io.engine.id);
    const [me] = await ask(s, "whoami");
    assert.strictEqual(me.id, s.id);
    assert.strictEqual(me.nsp, "/secure");
    assert.strictEqual(me.auth.token, "t0ken");
    assert.strictEqual(me.user, "bob");
    s.close();
  });

  await check("middleware-refusal", async () => {
    const s = connect("/secure", { query: { token: "wrong" } });
    const [err] = await once(s, "error");
    assert.deepStrictEqual(err, { code: 403, hint: "token" });  // v4 ERROR: err.data || err.message
    s.close();
  });

  await check("dynamic-namespace", async () => {
    const s = await connected("/dyn-7");
    assert.strictEqual((await ask(s, "whoami"))[0].nsp, "/dyn-7");
    s.close();
  });

  await check("rooms-broadcast", async () => {
    const a = await connected("/rooms");
    const b = await connected("/rooms");
    await ask(a, "join", "r2");
    const got = once(a, "room-msg");
    await ask(b, "to-room", "r2", "room-msg", "hi");
    assert.deepStrictEqual(await got, ["hi"]);
    a.close();
    b.close();
  });

  await check("disconnect-reasons", async () => {
    const observer = await connected("/rooms");
    const reasonOf = async (id) => {
      let r = null;
      await waitFor(async () => (r = (await ask(observer, "reason-of", id))[0]) !== null, `reason of ${id}`);
      return r;
    };
    const s1 = await connected("/chat");
    const id1 = s1.id;
    s1.disconnect();
    assert.strictEqual(await reasonOf(id1), "client namespace disconnect");
    const s2 = await connected("/chat");
    const id2 = s2.id;
    const d2 = once(s2, "disconnect");
    s2.emit("disconnect-me", false);
    assert.strictEqual((await d2)[0], "io server disconnect");
    assert.strictEqual(await reasonOf(id2), "server namespace disconnect");
    observer.close();
  });

  closeAll();
  finish();
})();
