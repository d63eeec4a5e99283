// Drives the OFFICIAL engine.io-client against the C++ Engine.IO server.
// Usage: node client.js '<json>' with
//   {port, path?, protocol: 4|3, transports: [...], upgrade: bool, scenario, large?, sizes?, pings?, forceBase64?}
// The server echoes every message and closes the session on the message "close-me".
// Prints one JSON object per line ({"event": ...}); exits 0 when the scenario's expectations held,
// 1 otherwise (with an {"event":"fail"} line saying why).
"use strict";

const args = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const fail = (why) => {
  if (finished) return;
  out({ event: "fail", why });
  process.exit(1);
};
setTimeout(() => fail("timeout"), args.timeoutMs || 15000).unref();

const eio = args.protocol === 3
  ? require("socket.io-client-v2/node_modules/engine.io-client")
  : require("engine.io-client");
const Socket = eio.Socket;

// Success: let node exit on its own once the close packet / WebSocket close frame went out
// (process.exit right away would cut the connection and the server would see an error).
let finished = false;
const done = () => {
  finished = true;
  process.exitCode = 0;
};

const opts = {
  path: args.path || "/socket.io/",
  transports: args.transports || ["polling", "websocket"],
  upgrade: args.upgrade !== false,
  forceBase64: !!args.forceBase64,
};
const socket = new Socket(`http://127.0.0.1:${args.port}`, opts);
let upgraded = false;
socket.on("upgrade", (t) => {
  upgraded = true;
  out({ event: "upgrade", transport: t.name });
});
socket.on("error", (e) => out({ event: "error", message: String(e && e.message ? e.message : e) }));

const asBuffer = (d) => (typeof d === "string" ? null : Buffer.from(d instanceof ArrayBuffer ? new Uint8Array(d) : d));

function same(sent, got) {
  if (typeof sent === "string") return got === sent;
  const b = asBuffer(got);
  return b !== null && Buffer.compare(b, Buffer.from(sent)) === 0;
}

// Sends `messages` and resolves once each came back (in order).
function echo(messages) {
  return new Promise((resolve) => {
    let i = 0;
    const onMessage = (data) => {
      if (!same(messages[i], data)) fail(`echo ${i} differs (got ${typeof data === "string" ? JSON.stringify(data.slice(0, 40)) : "binary"})`);
      i += 1;
      if (i === messages.length) {
        socket.off("message", onMessage);
        resolve();
      }
    };
    socket.on("message", onMessage);
    for (const m of messages) socket.send(m);
  });
}

socket.on("open", async () => {
  out({ event: "open", transport: socket.transport.name, id: socket.id });
  const scenario = args.scenario;
  if (scenario === "echo") {
    const large = args.large || 0;
    const bin = Buffer.from([1, 2, 3, 4, 0, 255]);
    const msgs = ["hello", bin, "héllo € 🙂"];
    if (large) {
      msgs.push("x".repeat(large));
      msgs.push(Buffer.alloc(Math.floor(large / 2), 7));
    }
    // sizes: [n, ...] (n >= 1): for each n, an ASCII text, a text of 2-byte characters (n / 2 of
    // them, so that read boundaries fall inside a character) and a binary message of n bytes,
    // then a small message (what follows a large one must still arrive whole). (An empty text
    // message reaches engine.io-client's listeners as undefined, from any server.)
    for (const n of args.sizes || []) {
      msgs.push("a".repeat(n), "\u00e9".repeat(Math.max(1, Math.floor(n / 2))), Buffer.alloc(n, n % 251), `after ${n}`);
    }
    await echo(msgs);
    out({ event: "echoed", count: msgs.length, transport: socket.transport.name });
    if (args.expectUpgrade && !upgraded) {
      await new Promise((r) => socket.once("upgrade", r));
    }
    if (args.expectUpgrade) {
      await echo(["after upgrade", Buffer.from([9, 8, 7])]);
      out({ event: "echoed-after-upgrade", transport: socket.transport.name });
    }
    socket.on("close", (reason) => {
      out({ event: "close", reason });
      done();
    });
    socket.close();
  } else if (scenario === "heartbeat") {
    // v4: the server pings; v3: the client pings and the server pongs.
    const wanted = args.pings || 4;
    let n = 0;
    const ev = args.protocol === 3 ? "pong" : "ping";
    socket.on(ev, async () => {
      n += 1;
      if (n === wanted) {
        await echo(["still here"]);
        out({ event: "heartbeats", count: n, transport: socket.transport.name });
        socket.on("close", () => done());
        socket.close();
      }
    });
    socket.on("close", (reason) => {
      if (n < wanted) fail(`closed after ${n} heartbeats: ${reason}`);
    });
  } else if (scenario === "server-close") {
    if (args.expectUpgrade && !upgraded) await new Promise((r) => socket.once("upgrade", r));
    await echo(["before close"]);
    socket.on("close", (reason) => {
      out({ event: "close", reason });
      done();
    });
    socket.send("close-me");
  } else if (scenario === "wait-close") {
    // Stays connected until the server ends the session.
    socket.on("close", (reason) => {
      out({ event: "close", reason });
      done();
    });
  } else {
    fail(`unknown scenario ${scenario}`);
  }
});
