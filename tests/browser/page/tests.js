// Browser tests of the WebAssembly client (tests/browser/run.js loads this page in headless
// Chromium). Query: ?mode=polling|websocket|upgrade. Every test uses its own Manager (forceNew)
// against the page's origin, which runs either sio-testserver (DemoApp) or node_server.js.
// Results: window.__results ("PASS name" / "FAIL name: why"), window.__done when finished.
"use strict";

const params = new URLSearchParams(location.search);
const mode = params.get("mode") || "upgrade";
const transports = mode === "polling" ? ["polling"] : mode === "websocket" ? ["websocket"] : ["polling", "websocket"];
const base = location.origin;
// run.js --parser msgpack adds socket.io-msgpack-parser (npm, bundled by esbuild) as the global
// msgpackParser: every socket of the page then passes it, as socket.io-client users do.
const parser = window.msgpackParser;
const results = (window.__results = []);
window.__done = false;

const logEl = document.getElementById("log");
function log(line) {
  logEl.textContent += line + "\n";
}

function norm(v) {
  if (v instanceof ArrayBuffer) return { bytes: Array.from(new Uint8Array(v)) };
  if (ArrayBuffer.isView(v)) return { view: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
  if (Array.isArray(v)) return v.map(norm);
  if (v && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = norm(v[k]);
    return o;
  }
  return v;
}
function eq(got, want, what) {
  const a = JSON.stringify(norm(got));
  const b = JSON.stringify(norm(want));
  if (a !== b) throw new Error(`${what}: got ${a}, want ${b}`);
}
// The arguments of a received event: servers with connection state recovery append the packet's
// offset (a string) to every event, and socket.io-client hands it to the listeners as is.
function first(args, n) {
  check(args.length === n || (args.length === n + 1 && typeof args[n] === "string"),
        `expected ${n} arguments (+ an offset), got ${JSON.stringify(norm(args))}`);
  return args.slice(0, n);
}
function check(cond, what) {
  if (!cond) throw new Error(what);
}
// Tests wait for events, never for a speed: every wait below is bounded generously (a test must
// pass on a busy machine), and a test fails on a stall (no awaited event for kStallMs), not on
// its total duration.
const kWaitMs = 30000;
const kStallMs = 60000;
let lastProgress = performance.now();
function progress() {
  lastProgress = performance.now();
}
// Resolves with the arguments of the next `event` on `emitter`; rejects after ms.
function next(emitter, event, ms = kWaitMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no "${event}" within ${ms} ms`));
    }, ms);
    const on = (...args) => {
      clearTimeout(timer);
      emitter.off(event, on);
      progress();
      resolve(args);
    };
    emitter.on(event, on);
  });
}
function open(nsp = "", opts = {}) {
  return io(base + nsp, Object.assign({ forceNew: true, transports, parser }, opts));
}
async function connected(socket) {
  if (!socket.connected) await next(socket, "connect");
  return socket;
}
const sockets = [];
function track(s) {
  sockets.push(s);
  return s;
}

const tests = [];
function test(name, fn) {
  tests.push({ name, fn });
}

// ---------------------------------------------------------------------------------------------

test("global io with the socket.io-client shape", async () => {
  check(typeof io === "function" && typeof io.Manager === "function" && io.protocol === 5, "io shape");
  const s = track(open());
  for (const m of ["on", "off", "once", "emit", "timeout", "emitWithAck", "onAny", "offAny", "connect", "disconnect"]) {
    check(typeof s[m] === "function", "socket." + m);
  }
  check(s.io instanceof io.Manager, "socket.io is a Manager");
  await connected(s);
});

test("connect: id, connected, transport", async () => {
  const s = track(open());
  check(s.connected === false && s.id === undefined, "not connected before the connect event");
  await next(s, "connect");
  check(s.connected === true && s.disconnected === false && s.active === true, "connected flags");
  check(typeof s.id === "string" && s.id.length > 0, "id");
  if (mode === "upgrade") {
    if (s.io.engine.transport.name !== "websocket") await next(s.io.engine, "upgrade");
    eq(s.io.engine.transport.name, "websocket", "upgraded transport");
  } else {
    eq(s.io.engine.transport.name, mode, "transport");
  }
  const who = await s.emitWithAck("whoami");
  eq(who.id, s.id, "server-side id");
});

test("emit and on: arguments of several types", async () => {
  const s = track(await connected(open()));
  const got = next(s, "echo");
  s.emit("echo", 1, "two", { three: [3, true, null] }, 4.5, "é✓😀");
  eq(first(await got, 5), [1, "two", { three: [3, true, null] }, 4.5, "é✓😀"], "echo");
});

test("long text arguments both ways (beyond 64 K UTF-16 code units, non-ASCII included)", async () => {
  const s = track(await connected(open()));
  // 3 code units per repeat: 2 for the emoji (one code point, 4 bytes of UTF-8), 1 for "é"
  const long = "😀é".repeat(30000) + "end";
  const short = "é✓😀".repeat(10);
  const got = next(s, "echo");
  s.emit("echo", long, short);
  const args = first(await got, 2);
  check(args[0] === long, "long text came back unchanged (" + String(args[0]).length + " code units)");
  eq(args[1], short, "short text");
});

test("emit with an ack callback", async () => {
  const s = track(await connected(open()));
  const args = await new Promise((resolve) => s.emit("echo", "x", 2, (...a) => resolve(a)));
  eq(args, ["x", 2], "ack args");
});

test("emitWithAck resolves with the first ack argument", async () => {
  const s = track(await connected(open()));
  eq(await s.emitWithAck("echo", { v: 42 }, "ignored"), { v: 42 }, "emitWithAck");
});

test("timeout(ms).emit: an ack that comes in time, and one that never comes", async () => {
  const s = track(await connected(open()));
  const ok = await new Promise((resolve) => s.timeout(5000).emit("echo", 7, (err, v) => resolve([err, v])));
  eq(ok, [null, 7], "(null, value)");
  const t0 = performance.now();
  const err = await new Promise((resolve) => s.timeout(300).emit("nobody-answers", (e) => resolve(e)));
  check(err instanceof Error && err.message === "operation has timed out", "timeout error: " + err);
  check(performance.now() - t0 >= 250, "timed out too early");
  let rejected = null;
  try {
    await s.timeout(200).emitWithAck("nobody-answers");
  } catch (e) {
    rejected = e;
  }
  check(rejected && rejected.message === "operation has timed out", "emitWithAck rejects on timeout");
});

test("ackTimeout option: callbacks get (err, ...args)", async () => {
  // A short ackTimeout for the ack that never comes; a long one for the ack that comes, so that a
  // slow machine cannot turn it into a timeout.
  const quick = track(await connected(open("", { ackTimeout: 300 })));
  const err = await new Promise((resolve) => quick.emit("nobody-answers", (e) => resolve(e)));
  check(err && err.message === "operation has timed out", "ackTimeout error");
  const patient = track(await connected(open("", { ackTimeout: 20000 })));
  eq(await new Promise((resolve) => patient.emit("echo", "a", (e, v) => resolve([e, v]))), [null, "a"],
     "ok with ackTimeout");
});

test("binary: ArrayBuffer and typed arrays both ways", async () => {
  const s = track(await connected(open()));
  const got = next(s, "echo");
  const u8 = new Uint8Array([1, 2, 255]);
  const view = new Uint8Array([9, 9, 10, 11, 9]).subarray(2, 4);
  const ab = new Uint8Array([0, 128]).buffer;
  s.emit("echo", u8, { deep: [ab, "text"] }, view, new Uint8Array(0));
  const args = first(await got, 4);
  eq(args, [new Uint8Array([1, 2, 255]).buffer, { deep: [ab, "text"] }, new Uint8Array([10, 11]).buffer,
            new ArrayBuffer(0)], "binary echo (as ArrayBuffers)");
  const bin = next(s, "bin");
  const ack = await s.emitWithAck("get-binary");
  eq(ack, new Uint8Array([6, 7, 8]).buffer, "binary ack");
  eq(first(await bin, 2), [new Uint8Array([1, 2, 3]).buffer, { nested: new Uint8Array([4, 5]).buffer }], "server binary");
});

test("Blob arguments are sent as binary, in order with the emits around them", async () => {
  const s = track(await connected(open()));
  const echoes = [];
  s.on("echo", (...args) => echoes.push(args));
  s.emit("echo", new Blob([new Uint8Array([1, 2, 3])]), { nested: new Blob(["hé"]) });
  s.emit("echo", "after");  // no Blob, but made after the one above: arrives after it
  eq(await s.emitWithAck("echo", new Blob([new Uint8Array([9])])), new Uint8Array([9]).buffer, "ack of a Blob");
  check(echoes.length >= 2, `echoes: ${echoes.length}`);
  eq(first(echoes[0], 2), [new Uint8Array([1, 2, 3]).buffer, { nested: new TextEncoder().encode("hé").buffer }],
     "Blobs as ArrayBuffers");
  eq(first(echoes[1], 1), ["after"], "order kept");
});

test("auth function answering asynchronously", async () => {
  const s = track(open("/secure", { auth: (cb) => setTimeout(() => cb({ token: "t0ken", user: "later" }), 50) }));
  await connected(s);
  eq((await s.emitWithAck("whoami")).user, "later", "auth given later");
});

test("once, off and onAny / offAny / onAnyOutgoing", async () => {
  const s = track(await connected(open()));
  let onceCalls = 0;
  let onCalls = 0;
  const any = [];
  const out = [];
  const counter = () => onCalls++;
  s.once("echo", () => onceCalls++);
  s.on("echo", counter);
  s.onAny((ev, ...args) => any.push([ev, ...first(args, 1)]));
  s.onAnyOutgoing((ev, ...args) => out.push([ev, ...args]));
  await s.emitWithAck("echo", 1);
  await s.emitWithAck("echo", 2);
  s.off("echo", counter);
  s.offAny();
  await s.emitWithAck("echo", 3);
  eq(onceCalls, 1, "once");
  eq(onCalls, 2, "on until off");
  eq(any.filter((a) => a[0] === "echo"), [["echo", 1], ["echo", 2]], "onAny until offAny");
  eq(out.map((a) => a.slice(0, 2)), [["echo", 1], ["echo", 2], ["echo", 3]], "onAnyOutgoing");
  eq(s.listenersAny().length, 0, "listenersAny after offAny");
  // The C++ socket reports what it emits only while there are such listeners: none after
  // offAnyOutgoing(), again once one is prepended, still after a disconnect and a new connection
  // (the Manager is made anew and its sockets created with the listener already there), none
  // after offAnyOutgoing(fn).
  const again = [];
  const fn = (ev, ...args) => again.push([ev, ...args]);
  s.offAnyOutgoing();
  await s.emitWithAck("echo", 4);
  s.prependAnyOutgoing(fn);
  await s.emitWithAck("echo", 5);
  s.disconnect();
  s.connect();
  await connected(s);
  await s.emitWithAck("echo", 6);
  s.offAnyOutgoing(fn);
  await s.emitWithAck("echo", 7);
  eq(out.length, 3, "no onAnyOutgoing call after offAnyOutgoing()");
  eq(again.map((a) => a.slice(0, 2)), [["echo", 5], ["echo", 6]], "prependAnyOutgoing, across a new connection, until offAnyOutgoing(fn)");
  eq(s.listenersAnyOutgoing().length, 0, "listenersAnyOutgoing after offAnyOutgoing(fn)");
});

test("server asks with an ack; the listener's ack function answers", async () => {
  const s = track(await connected(open()));
  s.on("question", (a, b, ack) => {
    check(typeof ack === "function", "ack function");
    ack(a + b, "sum");
  });
  const reply = await new Promise((resolve) => s.emit("ask", "question", 5000, 2, 3, (e, r) => resolve([e, r])));
  eq(reply, [null, [5, "sum"]], "reply seen by the server");
});

test("namespaces multiplexed on one Manager", async () => {
  const root = track(open());
  const chat = track(io(base + "/chat", { transports, parser }));
  const chat2 = track(io(base + "/chat", { transports, parser }));
  await connected(root);
  await connected(chat);
  check(chat2 !== chat && chat2.io !== chat.io, "same namespace again: a new Manager");
  const who = await chat.emitWithAck("whoami");
  eq(who.nsp, "/chat", "nsp");
  const dyn = track(chat.io.socket("/dyn-42"));
  await connected(dyn);
  check(dyn.io === chat.io, "socket() on the Manager shares it");
  eq((await dyn.emitWithAck("whoami")).nsp, "/dyn-42", "dynamic nsp");
  const unknown = track(chat.io.socket("/no-such-namespace"));
  const [err] = await next(unknown, "connect_error");
  eq(err.message, "Invalid namespace", "unknown namespace");
});

test("auth: object, function, and a refused CONNECT with data", async () => {
  const ok = track(open("/secure", { auth: { token: "t0ken", user: "ann" } }));
  await connected(ok);
  const who = await ok.emitWithAck("whoami");
  eq([who.user, who.auth.token], ["ann", "t0ken"], "auth seen by the server");
  const fn = track(open("/secure", { auth: (cb) => cb({ token: "t0ken", user: "fn" }) }));
  await connected(fn);
  eq((await fn.emitWithAck("whoami")).user, "fn", "auth function");
  const bad = track(open("/secure", { auth: { token: "nope" } }));
  const [err] = await next(bad, "connect_error");
  check(err instanceof Error, "connect_error is an Error");
  eq([err.message, err.data], ["forbidden", { code: 403, hint: "token" }], "refusal");
  check(!bad.connected, "not connected");
});

test("rooms: join and to-room between two clients", async () => {
  const a = track(await connected(open("/rooms")));
  const b = track(await connected(open("/rooms")));
  await b.emitWithAck("join", "lobby");
  const got = next(b, "hello");
  await a.emitWithAck("to-room", "lobby", "hello", "from a", 1);
  eq(first(await got, 2), ["from a", 1], "room message");
});

test("manager events: open, ping, close, reconnect_attempt, reconnect", async () => {
  const s = track(open("", { reconnectionDelay: 100, reconnectionDelayMax: 200 }));
  const opened = next(s.io, "open");
  await connected(s);
  await opened;
  await next(s.io, "ping", 10000);
  const closed = next(s.io, "close");
  const attempt = next(s.io, "reconnect_attempt");
  const reconnected = next(s.io, "reconnect");
  const disconnected = next(s, "disconnect");
  s.io.engine.close();
  eq((await closed)[0], "forced close", "manager close reason");
  eq((await disconnected)[0], "forced close", "socket disconnect reason");
  eq(await attempt, [1], "reconnect_attempt");
  eq(await reconnected, [1], "reconnect");
  await connected(s);
  eq(await s.emitWithAck("echo", "again"), "again", "works after reconnecting");
});

test("reconnection gives up: reconnect_error, reconnect_failed", async () => {
  // A port that refuses connections: this page's port + nothing listening is not knowable, so use
  // port 1 (privileged, closed).
  const s = track(io("http://127.0.0.1:1", { forceNew: true, transports, parser, reconnectionAttempts: 2,
                                              reconnectionDelay: 50, reconnectionDelayMax: 50 }));
  const [err] = await next(s, "connect_error");
  check(err instanceof Error, "connect_error");
  const [rerr] = await next(s.io, "reconnect_error");
  check(rerr instanceof Error, "reconnect_error");
  await next(s.io, "reconnect_failed");
  check(!s.connected, "never connected");
});

test("offline buffering: emits while disconnected are sent after reconnecting; volatile ones dropped", async () => {
  const s = track(await connected(open("", { reconnectionDelay: 100, reconnectionDelayMax: 200 })));
  const echoes = [];
  s.on("echo", (...args) => echoes.push(first(args, 1)[0]));
  const down = next(s, "disconnect");
  s.io.engine.close();
  await down;
  check(!s.connected, "disconnected");
  s.emit("echo", "buffered-1");
  s.volatile.emit("echo", "volatile");
  const acked = s.emitWithAck("echo", "buffered-2");
  await next(s, "connect");
  eq(await acked, "buffered-2", "buffered emitWithAck");
  await s.emitWithAck("echo", "marker");
  eq(echoes, ["buffered-1", "buffered-2", "marker"], "buffered emits in order, volatile dropped");
});

test("disconnect() and connect() again; server-side disconnect", async () => {
  const s = track(await connected(open()));
  const down = next(s, "disconnect");
  s.disconnect();
  eq((await down)[0], "io client disconnect", "client disconnect reason");
  check(!s.connected && !s.active, "inactive after disconnect()");
  s.connect();
  await next(s, "connect");
  const server = next(s, "disconnect");
  s.emit("disconnect-me");
  eq((await server)[0], "io server disconnect", "server disconnect reason");
  check(!s.active, "not reconnecting after a server disconnect");
});

test("connection state recovery", async () => {
  const s = track(await connected(open("", { reconnectionDelay: 100, reconnectionDelayMax: 200 })));
  check(s.recovered === false, "not recovered at first");
  const id = s.id;
  await s.emitWithAck("echo", "before");
  const down = next(s, "disconnect");
  const up = next(s, "connect", 15000);
  s.io.engine.close();  // the disconnect event fires inside close(), as with engine.io-client
  await down;
  await up;
  check(s.recovered === true, "recovered");
  eq(s.id, id, "same id after recovery");
});

test("autoConnect: false, then open()", async () => {
  const s = track(open("", { autoConnect: false }));
  const early = await new Promise((resolve) => setTimeout(() => resolve(s.active), 300));
  check(!early, "not connecting before connect()");
  s.connect();
  await next(s, "connect");
});

// Lifetime: a Manager closed because its last socket disconnected (socket.io-client's
// Manager._destroy -> _close) is freed, C++ side and JS registrations, on a later tick.
// io.__debug is internal (counters for this test), not socket.io-client API.
async function until(cond, what, ms = kWaitMs) {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  progress();
}
// n forceNew clients, 10 at a time: connect, one ack each, then disconnect (every other one from
// inside a listener, i.e. while the C++ loop is dispatching). Resolves when all are freed.
async function churn(n) {
  const managers = [];
  for (let i = 0; i < n; i += 10) {
    const batch = [];
    for (let j = 0; j < 10; j++) batch.push(open());
    await Promise.all(batch.map(connected));
    await Promise.all(batch.map((s, j) => {
      managers.push(s.io);
      const down = next(s, "disconnect");
      if (j % 2) {
        s.once("echo", () => s.disconnect());
        s.emit("echo", "bye");
      } else {
        s.timeout(5000).emit("echo", "ack", () => s.disconnect());
      }
      return down;
    }));
  }
  await until(() => managers.every((m) => m._id === 0), `all ${n} managers freed`);
}

test("lifetime: disconnected forceNew Managers are freed, memory does not grow", async () => {
  const dbg = io.__debug;
  check(dbg && typeof dbg.liveManagers === "function" && typeof dbg.heapUsed === "function", "io.__debug");
  // Managers of earlier tests may still be waiting for their free: counts can only go down.
  const live0 = dbg.liveManagers();
  const js0 = dbg.jsRegistrations();
  await churn(20);  // warm-up: allocator pools, caches
  const heap1 = dbg.heapUsed();
  const mem1 = dbg.memorySize();
  await churn(200);
  const live = dbg.liveManagers();
  const heap2 = dbg.heapUsed();
  const numbers = `live managers ${live0} -> ${live}, heap used ${heap1} -> ${heap2}, memory ${mem1} -> ${dbg.memorySize()}`;
  log("  " + numbers);
  check(live <= live0, `live managers back to ${live0}, got ${live} (${numbers})`);
  check(dbg.jsRegistrations() <= js0, `JS registrations back to ${js0}, got ${dbg.jsRegistrations()}`);
  // 200 leaked managers would be hundreds of KB; allow some slack for the allocator. Frees can
  // trail the last disconnect on a loaded machine (a request or a timer of a freed Manager still
  // completing), so the heap has to come back within the bound, not be there at the first look.
  await until(() => dbg.heapUsed() - heap1 < 32 * 1024,
              `heap back within 32 KiB of ${heap1} bytes after 200 clients (${heap2 - heap1} more at first)`)
    .catch((e) => check(false, `${e.message}; now ${dbg.heapUsed() - heap1} more`));
  check(dbg.memorySize() === mem1, `wasm memory grew from ${mem1} to ${dbg.memorySize()}`);
});

test("a freed Manager is made again when used: connect(), emit, setters", async () => {
  const s = track(await connected(open()));
  const m = s.io;
  const listener = () => {};
  m.on("open", listener);
  s.disconnect();
  await until(() => m._id === 0, "freed after disconnect()");
  check(!s.connected && !s.active && s.id === undefined && m._readyState === "closed", "state while freed");
  m.reconnectionDelay(100).reconnectionDelayMax(200);
  const opened = next(m, "open");
  s.connect();
  await opened;  // listeners on the JS Manager are kept
  await connected(s);
  eq(await s.emitWithAck("echo", "again"), "again", "works after being made again");
  eq([m.reconnectionDelay(), m.reconnectionDelayMax()], [100, 200], "settings kept");
  check(m.listeners("open").includes(listener), "listener kept");
});

test("a Manager closed while its socket is active is freed; open() brings the socket back", async () => {
  const s = track(await connected(open()));
  const m = s.io;
  const down = next(s, "disconnect");
  m.close();
  eq((await down)[0], "forced close", "disconnect reason");
  await until(() => m._id === 0, "freed after close()");
  check(s.active && !s.connected, "the socket stays active (subscribed), not connected");
  const up = next(s, "connect");
  m.open();
  await up;
  eq(await s.emitWithAck("echo", "back"), "back", "works after reopening");
});

test("Manager setters work at any time (socket.io-client's getters/setters)", async () => {
  // A 60 s reconnection delay at creation, changed to 50 ms once connected.
  const s = track(await connected(open("", { reconnectionDelay: 60000, reconnectionDelayMax: 60000 })));
  const m = s.io;
  eq([m.reconnectionDelay(), m.reconnectionDelayMax(), m.randomizationFactor(), m.timeout(),
      m.reconnectionAttempts()], [60000, 60000, 0.5, 20000, Infinity], "getters (defaults and options)");
  check(m.reconnectionDelay(50) === m, "setters chain");
  m.reconnectionDelayMax(50).randomizationFactor(0).timeout(10000);
  eq([m.reconnectionDelay(), m.reconnectionDelayMax(), m.randomizationFactor(), m.timeout()], [50, 50, 0, 10000],
     "getters after setting");
  const attempt = next(m, "reconnect_attempt", 10000);  // with the 60 s delay it would not come
  m.engine.close();
  eq(await attempt, [1], "reconnect_attempt after the new delay");
  await next(m, "reconnect");
  await connected(s);

  // reconnectionAttempts(1) set after the first failure: exactly one attempt, then reconnect_failed.
  const f = track(io("http://127.0.0.1:1", { forceNew: true, transports, parser, reconnectionDelay: 50,
                                              reconnectionDelayMax: 50 }));
  const attempts = [];
  f.io.on("reconnect_attempt", (n) => attempts.push(n));
  await next(f, "connect_error");
  f.io.reconnectionAttempts(1);
  await next(f.io, "reconnect_failed", 10000);
  eq(attempts, [1], "attempts before giving up");
  eq(f.io.reconnectionAttempts(), 1, "getter");
});

// ---------------------------------------------------------------------------------------------

(async () => {
  for (const t of tests) {
    const started = performance.now();
    progress();
    let watchdog;
    try {
      // A stall guard, not a deadline: fails only when nothing awaited happened for kStallMs.
      const stalled = new Promise((_, reject) => {
        watchdog = setInterval(() => {
          if (performance.now() - lastProgress > kStallMs) {
            reject(new Error(`stalled: no awaited event for ${kStallMs / 1000} s`));
          }
        }, 1000);
      });
      await Promise.race([t.fn(), stalled]);
      results.push(`PASS ${t.name}`);
    } catch (e) {
      results.push(`FAIL ${t.name}: ${(e && e.message) || e}`);
    } finally {
      clearInterval(watchdog);
    }
    log(`${results[results.length - 1]} (${Math.round(performance.now() - started)} ms)`);
    while (sockets.length) sockets.pop().disconnect();
  }
  window.__done = true;
})();
