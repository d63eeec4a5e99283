// The control endpoint of sio-testserver --control (loopback-only HTTP, docs/testing.md) driving
// the official socket.io-client 4.8 into the behaviour each fault must cause: a dropped transport
// and a restart on the same port -> reconnection; a stopped heartbeat -> "ping timeout"; delayed
// and reordered packets; a refused WebSocket -> polling only; refused handshakes and CONNECTs ->
// connect_error; with --recovery a drop -> recovered session, a forced miss -> a fresh one.
//   node control_faults.e2e.js --server <sio-testserver>
"use strict";
const http = require("http");
const { io } = require("socket.io-client");
const { serverArg, startApp, check, finish, watchdog } = require("../../apps/harness");
const { assert, once, ask, waitFor } = require("../interop/common");

const exe = serverArg();
watchdog(200000);

function control(port, action, params = {}) {
  const query = new URLSearchParams(params).toString();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: `/sio-control/${action}?${query}` }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        const json = JSON.parse(body);
        if (res.statusCode !== 200 || !json.ok) reject(new Error(`${action}: ${res.statusCode} ${body}`));
        else resolve(json);
      });
    });
    req.on("error", reject);
    req.end();
  });
}

function client(port, transports, extra = {}) {
  return io(`http://127.0.0.1:${port}`, {
    transports, forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 300, randomizationFactor: 0, ...extra,
  });
}

async function faults(port, transports) {
  const tag = transports.join("+");
  await check(`drop-reconnects-${tag}`, async () => {
    const s = client(port, transports);
    await once(s, "connect");
    const first = s.id;
    const gone = once(s, "disconnect", 20000);
    await control(port, "drop", { socket: s.id });
    const [reason] = await gone;
    assert.ok(reason === "transport close" || reason === "transport error", reason);
    await once(s, "connect", 20000);
    assert.notStrictEqual(s.id, first);
    assert.deepStrictEqual(await ask(s, "echo", "again"), ["again"]);
    s.close();
  });
  await check(`stop-heartbeat-ping-timeout-${tag}`, async () => {
    const s = client(port, transports);
    await once(s, "connect");
    const gone = once(s, "disconnect", 20000);
    await control(port, "stop-heartbeat", { socket: s.id });
    const [reason] = await gone;
    assert.strictEqual(reason, "ping timeout");
    await once(s, "connect", 20000);
    s.close();
  });
  await check(`delay-${tag}`, async () => {
    const s = client(port, transports);
    await once(s, "connect");
    await control(port, "delay", { socket: s.id, ms: 600 });
    const t0 = Date.now();
    assert.deepStrictEqual(await ask(s, "echo", "late"), ["late"]);
    assert.ok(Date.now() - t0 >= 600, `answered after ${Date.now() - t0} ms`);
    s.close();
  });
  await check(`reorder-${tag}`, async () => {
    // "echo" makes the server send two packets: the echo event, then the acknowledgement.
    const s = client(port, transports);
    await once(s, "connect");
    const order = [];
    s.on("echo", () => order.push("event"));
    await new Promise((resolve) => s.emit("echo", 1, () => { order.push("ack"); resolve(); }));
    await waitFor(() => order.length === 2, "the echo event");
    assert.deepStrictEqual(order, ["event", "ack"]);
    order.length = 0;
    await control(port, "reorder", { socket: s.id, count: 2 });
    await new Promise((resolve) => s.emit("echo", 2, () => { order.push("ack"); resolve(); }));
    await waitFor(() => order.length === 2, "the echo event");
    assert.deepStrictEqual(order, ["ack", "event"]);
    s.close();
  });
  await check(`refuse-handshakes-${tag}`, async () => {
    await control(port, "refuse-handshakes", { message: "not now" });
    const s = client(port, transports);
    await once(s, "connect_error", 20000);
    await control(port, "refuse-handshakes");
    await once(s, "connect", 20000);
    s.close();
  });
  await check(`refuse-connects-${tag}`, async () => {
    await control(port, "refuse-connects", { message: "closed for today" });
    const s = client(port, transports);
    const [err] = await once(s, "connect_error", 20000);
    assert.strictEqual(err.message, "closed for today");
    await control(port, "refuse-connects");
    s.close();
  });
}

(async () => {
  const app = await startApp(exe, ["--port", "0", "--control", "--ping-interval", "1000", "--ping-timeout", "1000"]);
  await faults(app.port, ["polling"]);
  await faults(app.port, ["websocket"]);
  await check("refuse-websocket", async () => {
    await control(app.port, "refuse-websocket", { on: 1 });
    const ws = client(app.port, ["websocket"], { reconnection: false });
    await once(ws, "connect_error", 20000);
    ws.close();
    const both = client(app.port, ["polling", "websocket"]);
    await once(both, "connect");
    // the upgrade is refused: after a round trip the client still polls
    assert.deepStrictEqual(await ask(both, "echo", 1), [1]);
    assert.strictEqual(both.io.engine.transport.name, "polling");
    both.close();
    await control(app.port, "refuse-websocket", { on: 0 });
  });
  await check("restart-keeps-the-port", async () => {
    const s = client(app.port, ["websocket"]);
    await once(s, "connect");
    const gone = once(s, "disconnect", 20000);
    await control(app.port, "restart");
    await gone;
    await once(s, "connect", 20000);
    assert.deepStrictEqual(await ask(s, "echo", "back"), ["back"]);
    s.close();
  });
  const rec = await startApp(exe, ["--port", "0", "--control", "--recovery"]);
  for (const transports of [["polling"], ["websocket"]]) {
    await check(`recovery-after-drop-${transports}`, async () => {
      const s = client(rec.port, transports);
      await once(s, "connect");
      assert.strictEqual(s.recovered, false);
      await ask(s, "marker");  // nsp.emit("marker"): the client gets an offset
      await waitFor(() => s._lastOffset !== undefined, "an offset");
      const id = s.id;
      await control(rec.port, "drop", { socket: s.id });
      await once(s, "connect", 20000);
      assert.strictEqual(s.recovered, true);
      assert.strictEqual(s.id, id);
      s.close();
    });
    await check(`recovery-miss-${transports}`, async () => {
      const s = client(rec.port, transports);
      await once(s, "connect");
      await ask(s, "marker");
      await waitFor(() => s._lastOffset !== undefined, "an offset");
      const id = s.id;
      await control(rec.port, "miss-recovery", { count: 1 });
      await control(rec.port, "drop", { socket: s.id });
      await once(s, "connect", 20000);
      assert.strictEqual(s.recovered, false);
      assert.notStrictEqual(s.id, id);
      s.close();
    });
  }
  await finish();
})();
