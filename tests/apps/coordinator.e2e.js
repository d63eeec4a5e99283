// End to end: sio-coordinator (testserver/apps/coordinator) driven by socket.io-client 4.8 with
// the bearer token in the handshake's Authorization header (polling first, as the browser UI, and
// WebSocket only, as a node), tokens signed here with HS256, and the HTTP endpoint.
"use strict";
const { io } = require("socket.io-client");
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const h = require("./harness");

h.watchdog();
const exe = h.serverArg();
const SECRET = "coordinator-test-secret";
const API_KEY = "api-key-for-tests";

function jwt(claims, secret = SECRET) {
  const b = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${b({ alg: "HS256", typ: "JWT" })}.${b(claims)}`;
  return `${input}.${crypto.createHmac("sha256", secret).update(input).digest("base64url")}`;
}
const now = () => Math.floor(Date.now() / 1000);
const token = (sub, client_type, exp = now() + 600) => jwt({ sub, client_type, exp, type: "access" });

const EVENTS = ["new_task", "new_task_update", "delete_dataframe", "kill_containers", "status_update", "sync", "message", "node-online", "node-offline",
  "algorithm_status_change", "algorithm_log", "invalid_token", "expired_token"];

async function main() {
  const dir = h.tempDir({
    "coordinator.json": {
      host: "127.0.0.1",
      port: 0,
      jwt_secret: SECRET,
      api_key: API_KEY,
      server: { cors: { origin: "http://ui.test", credentials: true } },
      nodes: {
        "1": { name: "node-c1-o10", collaboration: 1, organization: 10 },
        "2": { name: "node-c1-o11", collaboration: 1, organization: 11 },
        "3": { name: "node-c2-o10", collaboration: 2, organization: 10 },
      },
      users: {
        alice: { organization: 10, rules: [{ collaboration: 1, scope: "collaboration" }] },
        bob: { organization: 10, rules: [{ collaboration: 2, scope: "collaboration" }] },
        carol: { organization: 11, rules: [{ collaboration: 1, scope: "organization" }] },
      },
    },
  });
  const app = await h.startApp(exe, ["--config", path.join(dir, "coordinator.json")]);
  const url = `http://127.0.0.1:${app.port}/tasks`;
  const clients = [];
  const connect = async (tok, transports = ["polling", "websocket"]) => {
    const s = io(url, {
      forceNew: true, reconnection: false, transports,
      extraHeaders: tok ? { Authorization: `Bearer ${tok}` } : {},
    });
    clients.push(s);
    s.seen = [];
    for (const ev of EVENTS) s.on(ev, (...a) => s.seen.push({ ev, d: a[0], n: a.length }));
    await h.once(s, "connect");
    return s;
  };
  const pong = (s) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no pong")), 5000);
      s.emit("ping", (r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
  // Anything sent to s before now has arrived once its ping is acked (same connection, in order).
  const settle = (sockets) => Promise.all(sockets.map(pong));
  const got = (s, ev) => s.seen.filter((e) => e.ev === ev).map((e) => e.d);
  const emit = async (body, key = API_KEY) => {
    const res = await fetch(`http://127.0.0.1:${app.port}/api/emit`, {
      method: "POST",
      headers: key ? { Authorization: `Bearer ${key}` } : {},
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };

  let alice, bob, carol, n1, n2, n3, bad, expired, none;

  await h.check("example-placeholders-refused", async () => {
    // The example configuration as shipped: its jwt_secret and api_key are "change-me" texts.
    const example = path.join(__dirname, "../../testserver/apps/coordinator/coordinator.example.json");
    const r = await h.runFailing(exe, ["--config", example]);
    if (r.code !== 2 || !/jwt_secret.*placeholder/.test(r.output)) throw new Error(`${r.code} ${r.output}`);
    const cfg = JSON.parse(fs.readFileSync(example, "utf8"));
    const d = h.tempDir({ "c.json": { ...cfg, port: 0, jwt_secret: "a-real-secret" } });
    const r2 = await h.runFailing(exe, ["--config", path.join(d, "c.json")]);
    if (r2.code !== 2 || !/api_key.*placeholder/.test(r2.output)) throw new Error(`${r2.code} ${r2.output}`);
    fs.rmSync(d, { recursive: true });
  });

  await h.check("sync-and-room-notices-on-connect", async () => {
    // vantage6: sync (no argument) to a node as it connects; every join is told to the room as
    // "message" (the joiner included), never to all_nodes.
    const n = await connect(token("1", "node"), ["websocket"]);
    await h.waitFor(() => got(n, "sync").length === 1 && got(n, "message").length === 2, "sync and notices");
    if (n.seen.find((e) => e.ev === "sync").n !== 0) throw new Error("sync with an argument");
    const notes = got(n, "message");
    if (notes[0] !== "Node <node-c1-o10> joined room <collaboration_1>" ||
        notes[1] !== "Node <node-c1-o10> joined room <collaboration_1_organization_10>") {
      throw new Error(JSON.stringify(notes));
    }
    n.close();
  });

  await h.check("bad-tokens-stay-connected-without-rooms", async () => {
    bad = await connect(token("1", "node", now() + 600).replace(/.$/, "x") + "y");
    expired = await connect(token("1", "node", now() - 10));
    none = await connect(null, ["websocket"]);
    const forged = await connect(jwt({ sub: "1", client_type: "node", exp: now() + 600 }, "wrong secret"));
    const unknown = await connect(token("99", "node"));
    const forever = await connect(jwt({ sub: "1", client_type: "node", type: "access" }));  // no exp
    await h.waitFor(() => got(bad, "invalid_token").length === 1, "invalid_token (bad signature)");
    await h.waitFor(() => got(expired, "expired_token").length === 1, "expired_token");
    await h.waitFor(() => got(none, "invalid_token").length === 1, "invalid_token (no token)");
    await h.waitFor(() => got(forged, "invalid_token").length === 1, "invalid_token (forged)");
    await h.waitFor(() => got(unknown, "invalid_token").length === 1, "invalid_token (unknown node)");
    await h.waitFor(() => got(forever, "invalid_token").length === 1, "invalid_token (no exp)");
    // As vantage6: no argument (its node's handlers take none); the reason is in the app's log.
    const tokenEvents = [bad, expired, none, forged, unknown, forever].flatMap((s) =>
      s.seen.filter((e) => e.ev === "invalid_token" || e.ev === "expired_token"));
    if (tokenEvents.some((e) => e.n !== 0)) throw new Error(`arguments: ${JSON.stringify(tokenEvents)}`);
    if (!/invalid token on .*exp/.test(app.log())) throw new Error(`log: ${app.log()}`);
    await settle([bad, expired, none, forged, unknown, forever]);  // still connected
    forged.close();
    unknown.close();
    forever.close();
  });

  await h.check("users-and-node-online", async () => {
    alice = await connect(token("alice", "user"));
    bob = await connect(token("bob", "user"));
    carol = await connect(token("carol", "user"), ["websocket"]);
    n1 = await connect(token("1", "node"), ["websocket"]);
    await h.waitFor(() => got(alice, "node-online").length === 1, "node-online at alice");
    const [on] = got(alice, "node-online");
    if (on.id !== 1 || on.name !== "node-c1-o10" || on.org_id !== 10 || on.collaboration_id !== 1) {
      throw new Error(JSON.stringify(on));
    }
    n2 = await connect(token(2, "node"));
    n3 = await connect(token("3", "node"), ["websocket"]);
    await h.waitFor(() => got(alice, "node-online").length === 2, "second node-online at alice");
    // Every room of the node, all_nodes included (as vantage6): n1 sees n2 and n3, each once.
    await h.waitFor(() => got(n1, "node-online").length === 2, "n2 and n3 online at n1");
    await h.waitFor(() => got(bob, "node-online").length === 1, "n3 online at bob");
    await settle([alice, bob, carol, n1, n2, n3]);
    if (got(bob, "node-online")[0].id !== 3) throw new Error("bob saw a node of another collaboration");
    if (JSON.stringify(got(n1, "node-online").map((n) => n.id)) !== "[2,3]") throw new Error("n1's node-online");
    // The organization-scoped user sees her own organization's node only.
    const atCarol = got(carol, "node-online").map((n) => n.id);
    if (JSON.stringify(atCarol) !== "[2]") throw new Error(`carol (organization scope) saw ${atCarol}`);
  });

  const all = () => [alice, bob, carol, n1, n2, n3, bad, expired, none];
  const reset = () => all().forEach((s) => (s.seen.length = 0));
  const receivers = (ev) => all().filter((s) => got(s, ev).length > 0);
  const same = (a, b) => a.length === b.length && a.every((x) => b.includes(x));

  await h.check("http-new-task-to-collaboration", async () => {
    reset();
    const r = await emit({ event: "new_task", collaboration_id: 1, data: { id: 42 } });
    if (r.status !== 200 || r.body.room !== "collaboration_1") throw new Error(JSON.stringify(r));
    await settle(all());
    if (!same(receivers("new_task"), [alice, n1, n2])) throw new Error(`receivers ${receivers("new_task").length}`);
    if (got(n1, "new_task")[0].id !== 42) throw new Error("payload");
  });

  await h.check("http-kill-containers-to-organization", async () => {
    reset();
    const r = await emit({ event: "kill_containers", collaboration_id: 1, organization_id: 11, data: { ids: [1] } });
    if (r.status !== 200 || r.body.room !== "collaboration_1_organization_11") throw new Error(JSON.stringify(r));
    await settle(all());
    if (!same(receivers("kill_containers"), [n2, carol])) throw new Error("wrong receivers");
  });

  await h.check("http-sync-to-all-nodes", async () => {
    reset();
    const r = await emit({ event: "sync", room: "all_nodes" });
    if (r.status !== 200) throw new Error(JSON.stringify(r));
    await settle(all());
    if (!same(receivers("sync"), [n1, n2, n3])) throw new Error("wrong receivers");
  });

  await h.check("algorithm-status-rebroadcast-in-collaboration", async () => {
    reset();
    n3.emit("algorithm_status_change", { run_id: 7, status: "active", collaboration_id: 1, node_id: "1" });
    n1.emit("algorithm_log", { run_id: 8, log: "hello" });
    alice.emit("algorithm_status_change", { run_id: 9 });  // a user's event leads to no action
    // The senders are in their collaboration rooms: once they have their own events back, the
    // server has fanned them out; the pings after that order every later check.
    await h.waitFor(() => got(n3, "algorithm_status_change").length === 1, "status back at n3");
    await h.waitFor(() => got(n1, "algorithm_log").length === 1, "log back at n1");
    await settle(all());
    const st = receivers("algorithm_status_change");
    if (!same(st, [bob, n3])) throw new Error(`status receivers ${st.length}`);
    const d = got(bob, "algorithm_status_change")[0];
    if (d.collaboration_id !== 2 || d.node_id !== 3 || d.run_id !== 7) throw new Error(JSON.stringify(d));
    if (!same(receivers("algorithm_log"), [alice, n1, n2])) throw new Error("log receivers");
  });

  await h.check("node-offline", async () => {
    reset();
    n2.close();
    await h.waitFor(() => got(alice, "node-offline").length === 1, "node-offline at alice");
    if (got(alice, "node-offline")[0].id !== 2) throw new Error("wrong node");
    await settle([alice, bob, carol, n1, n3, bad, expired, none]);
    if (got(bob, "node-offline").length) throw new Error("leaked to collaboration 2's user");
    if (got(carol, "node-offline").length !== 1) throw new Error("carol did not see her node go");
    if (!got(alice, "message").includes("node-c1-o11 left room collaboration_1")) throw new Error("no leave notice");
  });

  await h.check("http-events-without-argument-and-newer-events", async () => {
    reset();
    if ((await emit({ event: "sync", collaboration_id: 1 })).status !== 200) throw new Error("sync");
    const upd = await emit({ event: "new_task_update", collaboration_id: 1, data: { id: 5, parent_id: null } });
    const del = await emit({ event: "delete_dataframe", collaboration_id: 1, data: { df_name: "d", session_id: 3 } });
    if (upd.status !== 200 || del.status !== 200) throw new Error(JSON.stringify([upd, del]));
    await settle(all().filter((s) => s !== n2));  // n2 left in "node-offline"
    if (!same(receivers("sync"), [alice, n1])) throw new Error("sync receivers");
    if (n1.seen.find((e) => e.ev === "sync").n !== 0) throw new Error("sync carried an argument");
    if (got(n1, "new_task_update")[0].id !== 5 || got(n1, "delete_dataframe")[0].df_name !== "d") {
      throw new Error(JSON.stringify(n1.seen));
    }
    if (got(bob, "new_task_update").length || got(bob, "delete_dataframe").length) throw new Error("leaked to collaboration 2");
  });

  await h.check("http-errors", async () => {
    if ((await emit({ event: "new_task", collaboration_id: 1 }, null)).status !== 401) throw new Error("no key");
    if ((await emit({ event: "new_task", collaboration_id: 1 }, "wrong")).status !== 401) throw new Error("bad key");
    if ((await emit({ event: "connect", collaboration_id: 1 })).status !== 400) throw new Error("reserved event");
    if ((await emit({ event: "new_task" })).status !== 400) throw new Error("no target");
    if ((await emit({ event: "new_task", room: "collaboration_1" })).status !== 400) throw new Error("free room");
    if ((await emit("{nope")).status !== 400) throw new Error("bad json");
    const res = await fetch(`http://127.0.0.1:${app.port}/api/emit`);
    if (res.status !== 405) throw new Error(`GET ${res.status}`);
  });

  await h.check("deep-json-body-refused-and-alive", async () => {
    // 20,000 levels once crashed the app (stack overflow copying the parsed body).
    const deep = `{"event":"new_task","collaboration_id":1,"data":${"[".repeat(20000)}${"]".repeat(20000)}}`;
    const r = await emit(deep);
    if (r.status !== 400 || !/deeper/.test(r.body.error)) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
    if (app.proc.exitCode !== null || app.proc.signalCode !== null) throw new Error("the app died");
    const ok = await emit({ event: "sync", collaboration_id: 1 });
    if (ok.status !== 200) throw new Error(`after: ${ok.status}`);
    await settle([alice]);
  });

  await h.check("cors-with-credentials-for-the-ui", async () => {
    const res = await fetch(`http://127.0.0.1:${app.port}/socket.io/?EIO=4&transport=polling`, {
      headers: { Origin: "http://ui.test", Authorization: `Bearer ${token("alice", "user")}` },
    });
    if (res.headers.get("access-control-allow-origin") !== "http://ui.test" ||
        res.headers.get("access-control-allow-credentials") !== "true") {
      throw new Error("missing CORS headers");
    }
  });

  await h.check("socket.io-client-reconnects-after-sigterm-and-restart", async () => {
    // The server's shutdown sends no Engine.IO close packet (a WebSocket close frame, as Node);
    // socket.io-client 4.8 reconnects on every transport (python-socketio: coordinator_node.py).
    const config = JSON.parse(fs.readFileSync(path.join(dir, "coordinator.json"), "utf8"));
    const d = h.tempDir({ "c.json": config });
    let other = await h.startApp(exe, ["--config", path.join(d, "c.json")]);
    const port = other.port;
    const socks = [["polling"], ["websocket"], ["polling", "websocket"]].map((transports) => {
      const s = io(`http://127.0.0.1:${port}/tasks`, {
        forceNew: true, transports, reconnectionDelay: 200, reconnectionDelayMax: 1000,
        extraHeaders: { Authorization: `Bearer ${token("1", "node")}` },
      });
      s.connects = 0;
      s.on("connect", () => s.connects++);
      return s;
    });
    try {
      await h.waitFor(() => socks.every((s) => s.connects === 1), "connected", 60000);
      const exited = new Promise((resolve) => other.proc.once("exit", resolve));
      other.proc.kill("SIGTERM");
      if ((await exited) !== 0) throw new Error("exit status on SIGTERM");
      await h.waitFor(() => socks.every((s) => !s.connected), "disconnected", 60000);
      fs.writeFileSync(path.join(d, "c.json"), JSON.stringify({ ...config, port }));
      other = await h.startApp(exe, ["--config", path.join(d, "c.json")]);
      await h.waitFor(() => socks.every((s) => s.connects === 2), "reconnected", 60000);
    } finally {
      socks.forEach((s) => s.close());
      fs.rmSync(d, { recursive: true });
    }
  });

  for (const s of clients) s.close();
  fs.rmSync(dir, { recursive: true });
  await h.finish();
}

main().catch((e) => {
  console.log(`FAIL main: ${e.stack || e}`);
  h.stopAll();
  process.exit(1);
});
