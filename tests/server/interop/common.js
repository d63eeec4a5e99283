// Shared helpers of the interop scripts: argument parsing, checks, waiting with timeouts.
"use strict";
const assert = require("assert");

function parseArgs() {
  const out = { port: 0, mode: "polling", parser: "default" };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--port") out.port = Number(argv[++i]);
    else if (argv[i] === "--mode") out.mode = argv[++i];
    else if (argv[i] === "--parser") out.parser = argv[++i];
  }
  if (!out.port) {
    console.log("FAIL args: --port is required");
    process.exit(2);
  }
  return out;
}

function transportsFor(mode) {
  if (mode === "polling") return ["polling"];
  if (mode === "websocket") return ["websocket"];
  return ["polling", "websocket"];
}

// Resolves with the event's arguments (array) or rejects after ms.
function once(emitter, event, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for "${event}"`)), ms);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

// Emits with an acknowledgement; resolves with the ack's arguments (array).
function ask(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for "${event}"`)), 5000);
    socket.emit(event, ...args, (...reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
  });
}

async function waitFor(pred, what, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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

function finish() {
  console.log(failures ? `DONE ${failures} failed` : "DONE ok");
  process.exit(failures ? 1 : 0);
}

// The whole script must finish in time.
function watchdog(ms = 60000) {
  setTimeout(() => {
    console.log("FAIL watchdog: script did not finish in time");
    process.exit(3);
  }, ms).unref();
}

// The client option for `--parser`: socket.io-msgpack-parser for "msgpack", else the default.
function parserOption(name) {
  return name === "msgpack" ? { parser: require("socket.io-msgpack-parser") } : {};
}

// connect(nsp, extra) / connected(nsp, extra) for a client library's io(): a new Manager per
// socket, the mode's transports, the parser named by `parser` ("default" or "msgpack"), no
// reconnection; connected() waits for "connect"; closeAll() closes every socket made.
function connectors(io, base, mode, parser = "default") {
  const sockets = [];
  const connect = (nsp = "/", extra = {}) => {
    const s = io(base + nsp, {
      transports: transportsFor(mode), forceNew: true, reconnection: false, ...parserOption(parser), ...extra,
    });
    sockets.push(s);
    return s;
  };
  const connected = async (nsp = "/", extra = {}) => {
    const s = connect(nsp, extra);
    await once(s, "connect");
    return s;
  };
  const closeAll = () => sockets.forEach((s) => s.close());
  return { connect, connected, closeAll };
}

module.exports = { assert, parseArgs, parserOption, transportsFor, once, ask, waitFor, check, finish, watchdog, connectors };
