// The one launcher of the test and benchmark scripts' servers: start a program that prints
// "listening on http://HOST:PORT/" when it is ready (sio-testserver, the apps, node_server.js),
// and stop it again. Used by tests/browser/*.js, tests/apps/harness.js and bench/browser_common.js.
"use strict";
const { spawn } = require("child_process");

const kListening = /listening on http:\/\/([^:/]+):(\d+)\//;

// Spawns `cmd args` (env: variables added to this process's) and resolves
// { proc, host, port, out(), err() } once its stdout or stderr printed the listening line;
// rejects if it exits first or says nothing of the kind within `ms`.
function startListening(cmd, args, { env = {}, ms = 60000, what = "server" } = {}) {
  const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${ms} ms: ${out} ${err}`)), ms);
    const check = () => {
      const m = kListening.exec(out) || kListening.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, host: m[1], port: Number(m[2]), out: () => out, err: () => err });
      }
    };
    proc.stdout.on("data", (d) => {
      out += d;
      check();
    });
    proc.stderr.on("data", (d) => {
      err += d;
      check();
    });
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}): ${out} ${err}`));
    });
  });
  return { proc, started };
}

// SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited (nothing left behind).
function stopProcess(proc, graceMs = 5000) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    proc.on("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}

module.exports = { startListening, stopProcess };
