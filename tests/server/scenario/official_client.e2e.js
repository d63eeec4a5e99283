// The scenario file chat.json run by sio-testserver --scenario, driven by the official
// socket.io-client 4.8: a client that does what the scenario expects (the run passes, exit 0,
// every expectation MET in the text and JSON reports) and one that forgets an emit (exit 1, the
// report names the unmet expectation). Also: a bad token is refused with the scenario's message.
//   node official_client.e2e.js --server <sio-testserver>
"use strict";
const fs = require("fs");
const path = require("path");
const { io } = require("socket.io-client");
const { serverArg, tempDir, startApp, check, finish, watchdog } = require("../../apps/harness");
const { assert, once, ask } = require("../interop/common");

const exe = serverArg();
const scenario = path.join(__dirname, "chat.json");
watchdog();

// Starts the scenario; resolves {port, exited: Promise<{code, out, report}>}.
async function runScenario() {
  const dir = tempDir({});
  const reportFile = path.join(dir, "report.json");
  const app = await startApp(exe, ["--port", "0", "--scenario", scenario, "--report", reportFile]);
  const exited = new Promise((resolve) => {
    const done = (code) => resolve({ code, out: app.out(), report: JSON.parse(fs.readFileSync(reportFile, "utf8")) });
    if (app.proc.exitCode !== null) done(app.proc.exitCode);
    else app.proc.once("exit", done);
  });
  return { port: app.port, exited };
}

async function client(port, transports, { forgetHello = false } = {}) {
  const s = io(`http://127.0.0.1:${port}`, { transports, auth: { token: "s3cret" }, reconnection: false, forceNew: true });
  const welcome = once(s, "welcome");
  const ticks = [];
  const twoTicks = new Promise((resolve) => s.on("tick", (...a) => { ticks.push(a); if (ticks.length === 2) resolve(); }));
  await once(s, "connect");
  assert.deepStrictEqual(await welcome, [s.id]);
  assert.deepStrictEqual(await ask(s, "echo", 1, { a: "b" }), [1, { a: "b" }]);
  assert.deepStrictEqual(await ask(s, "join", "room-1"), ["joined", "room-1"]);
  const said = once(s, "said");
  s.emit("say", "room-1", "hi all");
  assert.deepStrictEqual(await said, ["hi all"]);
  if (!forgetHello) {
    const back = once(s, "hello-back");
    s.emit("hello", "world");
    assert.deepStrictEqual(await back, ["world", 42]);
  }
  await twoTicks;
  assert.deepStrictEqual(ticks, [["tock"], ["tock"]]);
  s.emit("ticked", ticks.length);
  return s;
}

(async () => {
  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
    await check(`scenario-passes-${transports.join("+")}`, async () => {
      const run = await runScenario();
      const s = await client(run.port, transports);
      const { code, out, report } = await run.exited;
      s.close();
      assert.strictEqual(code, 0, out);
      assert.match(out, /MET greets the server/);
      assert.match(out, /3\/3 expectations met, PASSED/);
      assert.strictEqual(report.passed, true);
      assert.deepStrictEqual(report.expectations.map((e) => e.met), [true, true, true]);
    });
  }
  await check("scenario-fails-naming-the-unmet-expectation", async () => {
    const run = await runScenario();
    const s = await client(run.port, ["websocket"], { forgetHello: true });
    const { code, out, report } = await run.exited;
    s.close();
    assert.strictEqual(code, 1, out);
    assert.match(out, /UNMET greets the server: client must emit "hello" with \["world"\]/);
    assert.match(out, /2\/3 expectations met, FAILED/);
    assert.strictEqual(report.passed, false);
    const unmet = report.expectations.filter((e) => !e.met).map((e) => e.name);
    assert.deepStrictEqual(unmet, ["greets the server"]);
  });
  await check("scenario-auth-rule", async () => {
    const run = await runScenario();
    const s = io(`http://127.0.0.1:${run.port}`, { auth: { token: "wrong" }, reconnection: false, forceNew: true });
    const [err] = await once(s, "connect_error");
    assert.strictEqual(err.message, "bad token");
    s.close();
    const good = await client(run.port, ["websocket"]);
    const { code } = await run.exited;
    good.close();
    assert.strictEqual(code, 0);
  });
  await finish();
})();
