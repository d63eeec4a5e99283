// Helpers of the apps' end-to-end scripts: start an app executable with configuration files in a
// temporary directory, named checks, waiting with deadlines (never sleeping as synchronisation).
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { startListening } = require("../support/listening_process");
// once(emitter, event, ms) and waitFor(pred, what, ms): the server interop scripts' helpers.
const { once, waitFor } = require("../server/interop/common");

function serverArg() {
  const i = process.argv.indexOf("--server");
  if (i < 0 || !process.argv[i + 1]) {
    console.log("FAIL args: --server <executable> is required");
    process.exit(2);
  }
  return process.argv[i + 1];
}

// A new temporary directory holding `files` (name -> text, or a value written as JSON); removed
// when the script exits.
const tempDirs = [];
function tempDir(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sio-app-"));
  tempDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

// Starts `exe args` and resolves {port, host, proc, log(), out()} once it printed
// "listening on http://h:p/" (log(): its stderr so far, out(): its stdout).
const started = [];
function startApp(exe, args, { env = {}, ms = 15000 } = {}) {
  const launch = startListening(exe, args, { env, ms, what: "app" });
  started.push(launch.proc);
  return launch.started.then((s) => ({ port: s.port, host: s.host, proc: s.proc, log: s.err, out: s.out }));
}

// Runs the app expecting it to fail at start; resolves {code, output}.
function runFailing(exe, args, ms = 15000) {
  return new Promise((resolve, reject) => {
    const proc = spawn(exe, args, { stdio: ["ignore", "pipe", "pipe"] });
    started.push(proc);
    let output = "";
    proc.stdout.on("data", (d) => (output += d));
    proc.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => reject(new Error("app did not exit")), ms);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function stopAll() {
  for (const p of started) {
    if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
  }
}

// Collects every event a socket receives: [{event, args}].
function record(socket) {
  const seen = [];
  socket.onAny((event, ...args) => seen.push({ event, args }));
  return seen;
}

let failures = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`PASS ${name}`);
  } catch (e) {
    failures++;
    const text = e && e.message ? e.message : String(e);
    const where = e && e.stack ? (e.stack.split("\n").find((l) => l.includes(".js:")) || "") : "";
    console.log(`FAIL ${name}: ${text.replace(/\n/g, " | ")} ${where.trim()}`);
  }
}

// Stops the apps (SIGTERM; SIGKILL after 5 s), waits for them to exit, then exits.
async function finish() {
  const alive = started.filter((p) => p.exitCode === null && p.signalCode === null);
  const exited = alive.map((p) => new Promise((resolve) => p.once("exit", resolve)));
  stopAll();
  const killer = setTimeout(() => alive.forEach((p) => p.kill("SIGKILL")), 5000);
  await Promise.all(exited);
  clearTimeout(killer);
  for (const p of alive) {
    if (p.exitCode !== 0) {
      failures++;
      console.log(`FAIL clean-exit: ${p.spawnfile} exited with ${p.exitCode ?? p.signalCode} on SIGTERM`);
    }
  }
  console.log(failures ? `DONE ${failures} failed` : "DONE ok");
  process.exit(failures ? 1 : 0);
}

function watchdog(ms = 150000) {
  setTimeout(() => {
    console.log("FAIL watchdog: script did not finish in time");
    stopAll();
    process.exit(3);
  }, ms).unref();
}

process.on("exit", () => {
  stopAll();
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

module.exports = { serverArg, tempDir, startApp, runFailing, stopAll, once, waitFor, record, check, finish, watchdog };
