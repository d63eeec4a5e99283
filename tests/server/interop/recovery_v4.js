// Connection state recovery with the official socket.io-client 4.8 against the C++ server
// started with connection_state_recovery. Usage: node recovery_v4.js --port <port> --mode <mode>
"use strict";
const { io } = require("socket.io-client");
const { assert, parseArgs, transportsFor, once, ask, waitFor, check, finish, watchdog } = require("./common");

const { port, mode } = parseArgs();
const base = `http://127.0.0.1:${port}`;
watchdog();

function connect(nsp) {
  return io(base + nsp, { transports: transportsFor(mode), forceNew: true, reconnection: false });
}

(async () => {
  const a = connect("/rooms");
  const b = connect("/rooms");
  await check("recovery", async () => {
    await Promise.all([once(a, "connect"), once(b, "connect")]);
    assert.strictEqual(a.recovered, false);
    await ask(a, "join", "r");
    const m1 = once(a, "m1");
    await ask(b, "to-room", "r", "m1", 1);
    const got1 = await m1;
    assert.strictEqual(got1[0], 1);
    assert.strictEqual(typeof got1[1], "string");  // the offset, appended by the server
    const id = a.id;
    // Abnormal disconnection: the transport goes away.
    const gone = once(a, "disconnect");
    a.io.engine.close();
    await gone;
    let reason = null;
    await waitFor(async () => (reason = (await ask(b, "reason-of", id))[0]) !== null, "the server-side disconnect");
    assert.strictEqual(reason, "transport close");
    await ask(b, "to-room", "r", "missed", 2);
    await ask(b, "to-room", "elsewhere", "not-for-a", 3);
    const missed = once(a, "missed");
    a.connect();
    await once(a, "connect");
    assert.strictEqual(a.recovered, true);
    assert.strictEqual(a.id, id);
    assert.strictEqual((await missed)[0], 2);
    // still in its room
    const after = once(a, "after");
    await ask(b, "to-room", "r", "after", 4);
    assert.strictEqual((await after)[0], 4);
    const [me] = await ask(a, "whoami");
    assert.ok(me.rooms.includes("r"));
  });
  await check("no-recovery-after-client-disconnect", async () => {
    const id = a.id;
    a.disconnect();  // deliberate: not recoverable
    a.connect();
    await once(a, "connect");
    assert.strictEqual(a.recovered, false);
    assert.notStrictEqual(a.id, id);
  });
  a.close();
  b.close();
  finish();
})();
