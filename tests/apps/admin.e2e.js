// End to end: the admin UI protocol of sio-forwarder (@socket.io/admin-ui 0.5's server side, in
// testserver/apps/admin) driven by socket.io-client 4.8 the way the admin UI drives it: basic auth
// on /admin against the bcrypt hash of .env, config / all_sockets / server_stats, socket and room
// events, the emit / join / leave / _disconnect commands, session ids; and the UI's files at /admin.
// Every expectation waits on events with a deadline (never a sleep).
"use strict";
const { io } = require("socket.io-client");
const { NodeXHR, NodeWebSocket } = require("engine.io-client");
const bcrypt = require("bcryptjs");
const WebSocket = require("ws");
const fs = require("fs");
const path = require("path");
const h = require("./harness");

h.watchdog();
const exe = h.serverArg();
const UI_DIST = path.join(path.dirname(require.resolve("@socket.io/admin-ui/package.json")), "ui", "dist");

function assert(cond, what) {
  if (!cond) throw new Error(what);
}

// A WebSocket transport whose connection (the client's upgrade probe) waits for open(): the test
// decides whether the upgrade happens before or after the Socket.IO connection (with an
// asynchronous middleware, such as the do- namespaces' bcrypt check, either can come first).
function gatedWebSocket() {
  let open;
  const gate = new Promise((resolve) => (open = resolve));
  class GatedWebSocket extends NodeWebSocket {
    doOpen() {
      gate.then(() => {
        if (this.readyState === "opening") super.doOpen();
      });
    }
  }
  return { transport: GatedWebSocket, open };
}

async function main() {
  const files = (env) => ({
    "config.json": {},
    "credentials.json": [{ username: "user", password: "user-secret" }],
    ".env": "HOST=127.0.0.1\nPORT=0\nUSERNAME=admin\nPASSWORD=" + bcrypt.hashSync("admin-secret", 4) + "\n" + env,
  });
  const app = await h.startApp(exe, ["--dir", h.tempDir(files(""))]);
  const url = `http://127.0.0.1:${app.port}`;
  const opened = [];
  const connect = (nsp, opts = {}) => {
    const s = io(url + nsp, { forceNew: true, reconnection: false, ...opts });
    opened.push(s);
    return s;
  };
  const connected = async (nsp, opts) => {
    const s = connect(nsp, opts);
    await h.once(s, "connect");
    return s;
  };
  const user = { username: "user", password: "user-secret" };
  // Events an admin socket got: [{event, args}], filled from before its connection.
  const admin = (auth) => {
    const s = connect("/admin", { auth });
    s.seen = h.record(s);
    return s;
  };
  const find = (s, event, pred = () => true) => s.seen.find((e) => e.event === event && pred(e.args));
  const waitEvent = async (s, event, pred, what, ms = 8000) => {
    await h.waitFor(() => find(s, event, pred), what || event, ms);
    return find(s, event, pred).args;
  };

  await h.check("refused-wrong-password", async () => {
    const s = admin({ username: "admin", password: "wrong" });
    const [err] = await h.once(s, "connect_error");
    s.close();
    assert(err.message === "invalid credentials", `got ${err.message}`);
  });
  await h.check("refused-wrong-user-and-no-auth", async () => {
    for (const auth of [{ username: "user", password: "admin-secret" }, {}, { username: "admin", password: 5 }]) {
      const s = admin(auth);
      const [err] = await h.once(s, "connect_error");
      s.close();
      assert(err.message === "invalid credentials", `${JSON.stringify(auth)}: got ${err.message}`);
    }
  });
  await h.check("refused-unknown-session", async () => {
    const s = admin({ sessionId: "0123456789abcdef" });
    const [err] = await h.once(s, "connect_error");
    s.close();
    assert(err.message === "invalid credentials", `got ${err.message}`);
  });

  // A client of the forwarder, connected before the admin.
  const c1 = await connected("/sharedsocket");
  await h.waitFor(() => c1.io.engine.transport.name === "websocket", "c1 upgraded");
  // The client switches right after sending the upgrade packet; an event echoed back over the
  // WebSocket (the forwarder re-broadcasts to the sender too) proves the server has switched too.
  const echoed = h.once(c1, "after-upgrade");
  c1.emit("after-upgrade");
  await echoed;
  const a = admin({ username: "admin", password: "admin-secret" });
  await h.once(a, "connect", 10000);

  await h.check("session-and-config", async () => {
    const [sid] = await waitEvent(a, "session");
    assert(/^[0-9a-f]{16}$/.test(sid), `session id ${sid}`);
    const [config] = await waitEvent(a, "config");
    const want = ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"];
    assert(JSON.stringify(config.supportedFeatures) === JSON.stringify(want), JSON.stringify(config));
    // the UI reconnects with its session id instead of the password
    const again = admin({ sessionId: sid });
    await h.once(again, "connect");
    await waitEvent(again, "config");
    assert(!find(again, "session"), "no new session for a session login");
    again.disconnect();
  });

  await h.check("all-sockets-lists-client", async () => {
    const [sockets] = await waitEvent(a, "all_sockets");
    const s = sockets.find((x) => x.id === c1.id);
    assert(s, `c1 ${c1.id} not in ${JSON.stringify(sockets.map((x) => x.id))}`);
    assert(s.nsp === "/sharedsocket", `nsp ${s.nsp}`);
    assert(s.clientId === c1.io.engine.id.substring(0, 12), `clientId ${s.clientId} vs ${c1.io.engine.id}`);
    assert(s.transport === "websocket", `transport ${s.transport}`);
    assert(JSON.stringify(s.rooms) === JSON.stringify([c1.id]), `rooms ${JSON.stringify(s.rooms)}`);
    assert(s.handshake.address && s.handshake.headers.host === `127.0.0.1:${app.port}`, JSON.stringify(s.handshake));
    assert(s.handshake.query.EIO === "4" && s.handshake.query.transport === "polling", JSON.stringify(s.handshake.query));
    assert(typeof s.handshake.issued === "number" && typeof s.handshake.time === "string", "issued/time");
    assert(s.handshake.url.startsWith("/socket.io/?"), `url ${s.handshake.url}`);
    assert(s.handshake.auth === undefined, "auth must not be sent");
    assert(JSON.stringify(s.data) === "{}", `data ${JSON.stringify(s.data)}`);
    assert(sockets.some((x) => x.id === a.id && x.nsp === "/admin"), "the admin socket itself is listed");
  });

  await h.check("server-stats", async () => {
    const [stats] = await waitEvent(a, "server_stats", undefined, "server_stats", 6000);
    assert(typeof stats.serverId === "string" && stats.serverId === stats.hostname, JSON.stringify(stats));
    assert(Number.isInteger(stats.pid) && stats.pid === app.proc.pid, `pid ${stats.pid} vs ${app.proc.pid}`);
    assert(typeof stats.uptime === "number" && stats.uptime > 0, `uptime ${stats.uptime}`);
    assert(stats.clientsCount >= 2, `clientsCount ${stats.clientsCount}`);
    assert(Number.isInteger(stats.pollingClientsCount), `pollingClientsCount ${stats.pollingClientsCount}`);
    const shared = stats.namespaces.find((n) => n.name === "/sharedsocket");
    assert(shared && shared.socketsCount === 1, JSON.stringify(stats.namespaces));
    assert(stats.namespaces.some((n) => n.name === "/admin" && n.socketsCount >= 1), JSON.stringify(stats.namespaces));
    assert(Array.isArray(stats.aggregatedEvents), "aggregatedEvents");
    // the following stats carry the counters since the previous ones: a session opened and closed
    const t = connect("/sharedsocket");
    await h.once(t, "connect");
    t.close();
    const all = () => a.seen.filter((e) => e.event === "server_stats").flatMap((e) => e.args[0].aggregatedEvents);
    await h.waitFor(() => all().some((x) => x.type === "rawDisconnection" && x.subType === "transport close"),
                    "rawDisconnection(transport close) in server_stats", 8000);
    for (const type of ["rawConnection", "packetsIn", "packetsOut", "bytesIn", "bytesOut"]) {
      assert(all().some((x) => x.type === type && x.count > 0 && x.timestamp % 1000 === 0), `no ${type}: ${JSON.stringify(all())}`);
    }
  });

  let c2;
  // c2 connects over polling and upgrades only once its socket_connected was seen, so that the
  // upgrade must be reported by socket_updated.
  const c2ws = gatedWebSocket();
  await h.check("socket-connected-and-room-joined", async () => {
    c2 = await connected("/do-x", { auth: user, transports: [NodeXHR, c2ws.transport] });
    const [s, date] = await waitEvent(a, "socket_connected", ([x]) => x.id === c2.id);
    assert(s.nsp === "/do-x" && JSON.stringify(s.rooms) === JSON.stringify([c2.id]), JSON.stringify(s));
    assert(s.transport === "polling", `transport ${s.transport}`);
    assert(!Number.isNaN(Date.parse(date)) && date.endsWith("Z"), `date ${date}`);
    await waitEvent(a, "room_joined", ([nsp, room, id]) => nsp === "/do-x" && room === c2.id && id === c2.id);
  });

  await h.check("socket-updated-on-upgrade", async () => {
    c2ws.open();
    await h.waitFor(() => c2.io.engine.transport.name === "websocket", "c2 upgraded", 8000);
    await waitEvent(a, "socket_updated", ([u]) => u.id === c2.id && u.nsp === "/do-x" && u.transport === "websocket",
                    "socket_updated(transport websocket)");
  });

  await h.check("events-received-and-sent", async () => {
    c2.emit("hello", 1, "two");
    const [nsp, id, args, date] = await waitEvent(a, "event_received", ([n, i]) => n === "/do-x" && i === c2.id);
    assert(nsp === "/do-x" && JSON.stringify(args) === JSON.stringify(["hello", 1, "two"]), JSON.stringify(args));
    assert(!Number.isNaN(Date.parse(date)), `date ${date}`);
    // the forwarder re-broadcasts it (sender included)
    const [sent] = await waitEvent(a, "event_sent", ([n, i, x]) => n === "/do-x" && i === c2.id && x[0] === "hello");
    assert(sent === "/do-x", "event_sent nsp");
  });

  await h.check("join-command-and-emit-command", async () => {
    a.emit("join", "/do-x", "room1", c2.id);
    await waitEvent(a, "room_joined", ([n, room, id]) => n === "/do-x" && room === "room1" && id === c2.id);
    const got = h.once(c2, "ping");
    a.emit("emit", "/do-x", "room1", "ping", 42, { k: "v" });
    const args = await got;
    assert(JSON.stringify(args) === JSON.stringify([42, { k: "v" }]), JSON.stringify(args));
  });

  await h.check("leave-command", async () => {
    const seen = h.record(c2);
    a.emit("leave", "/do-x", "room1", c2.id);
    await waitEvent(a, "room_left", ([n, room, id]) => n === "/do-x" && room === "room1" && id === c2.id);
    a.emit("emit", "/do-x", "room1", "not-for-you");
    a.emit("emit", "/do-x", null, "for-everyone", 7);
    await h.waitFor(() => seen.some((e) => e.event === "for-everyone"), "for-everyone");
    assert(!seen.some((e) => e.event === "not-for-you"), "got an emit to a room it left");
  });

  await h.check("malformed-commands-ignored", async () => {
    a.emit("join", 5);
    a.emit("emit");
    a.emit("emit", "/no-such-namespace", null, "x");
    a.emit("_disconnect", "/no-such-namespace", true);
    a.emit("leave", "/do-x", { not: "a room" });
    const got = h.once(c2, "still-alive");
    a.emit("emit", "/do-x", null, "still-alive");
    await got;
  });

  await h.check("disconnect-command", async () => {
    const gone = h.once(c1, "disconnect");
    const c1id = c1.id;  // the client forgets its id once disconnected
    a.emit("_disconnect", "/sharedsocket", false, c1id);
    const [reason] = await gone;
    assert(reason === "io server disconnect", `client reason ${reason}`);
    const [, , r] = await waitEvent(a, "socket_disconnected", ([n, id]) => n === "/sharedsocket" && id === c1id);
    assert(r === "server namespace disconnect", `reason ${r}`);
    await waitEvent(a, "room_left", ([n, room, id]) => n === "/sharedsocket" && room === c1id && id === c1id);
  });

  await h.check("socket-disconnected-by-client", async () => {
    const c2id = c2.id;
    c2.disconnect();
    const [, , r] = await waitEvent(a, "socket_disconnected", ([n, id]) => n === "/do-x" && id === c2id);
    assert(r === "client namespace disconnect", `reason ${r}`);
  });

  await h.check("ui-files", async () => {
    const res = await fetch(`${url}/admin`, { redirect: "manual" });
    assert(res.status === 301 && res.headers.get("location") === "/admin/", `${res.status} ${res.headers.get("location")}`);
    const index = await fetch(`${url}/admin/`);
    assert(index.status === 200 && index.headers.get("content-type").startsWith("text/html"), `index ${index.status}`);
    const html = await index.text();
    assert(html === fs.readFileSync(path.join(UI_DIST, "index.html"), "utf8"), "index.html differs from the package's");
    const assets = [...html.matchAll(/(?:href|src)="((?:js|css)\/[^"]+)"/g)].map((m) => m[1]);
    assert(assets.length >= 4, `assets ${assets}`);
    const types = { js: "application/javascript", css: "text/css", svg: "image/svg+xml", png: "image/png" };
    for (const rel of [...new Set(assets), "favicon.png", ...fs.readdirSync(path.join(UI_DIST, "img")).map((f) => "img/" + f)]) {
      const r = await fetch(`${url}/admin/${rel}`);
      const type = types[rel.split(".").pop()];
      assert(r.status === 200 && r.headers.get("content-type").startsWith(type), `${rel}: ${r.status} ${r.headers.get("content-type")}`);
      const body = Buffer.from(await r.arrayBuffer());
      assert(body.equals(fs.readFileSync(path.join(UI_DIST, rel))), `${rel} differs`);
    }
    const missing = await fetch(`${url}/admin/js/nope.js`);
    assert(missing.status === 404, `missing file ${missing.status}`);
    const escape = await fetch(`${url}/admin/%2e%2e/%2e%2e/package.json`);
    assert(escape.status === 404, `escape ${escape.status}`);
    const post = await fetch(`${url}/admin/`, { method: "POST", body: "x" });
    assert(post.status === 405, `POST ${post.status}`);
    const other = await fetch(`${url}/administrator`);
    assert(other.status === 404, `/administrator ${other.status}`);
  });

  await h.check("production-mode", async () => {
    const prod = await h.startApp(exe, ["--dir", h.tempDir(files("NODE_ENV=production\n"))]);
    const purl = `http://127.0.0.1:${prod.port}`;
    const p = io(purl + "/admin", { forceNew: true, reconnection: false, auth: { username: "admin", password: "admin-secret" } });
    opened.push(p);
    p.seen = h.record(p);
    await h.once(p, "connect");
    const c = io(purl + "/sharedsocket", { forceNew: true, reconnection: false });
    opened.push(c);
    await h.once(c, "connect");
    await h.waitFor(() => find(p, "server_stats", ([s]) => s.namespaces.some((n) => n.name === "/sharedsocket" && n.socketsCount === 1)),
                    "server_stats with the client", 8000);
    const [config] = find(p, "config").args;
    assert(!config.supportedFeatures.includes("ALL_EVENTS") && config.supportedFeatures.includes("AGGREGATED_EVENTS"),
           JSON.stringify(config));
    for (const ev of ["all_sockets", "socket_connected", "room_joined"]) assert(!find(p, ev), `${ev} in production mode`);
  });

  // 20,000 namespaces once made every 2 s stats tick walk them all (the server froze 0.2-0.3 s per
  // tick). The tick lists at most ADMIN_STATS_NAMESPACES (default 1000), the first ones created.
  await h.check("server-stats-bounded-by-namespace-cap", async () => {
    const capped = await h.startApp(exe, ["--dir", h.tempDir(files("ADMIN_STATS_NAMESPACES=20\n"))]);
    const ws = new WebSocket(`ws://127.0.0.1:${capped.port}/socket.io/?EIO=4&transport=websocket`);
    let refused = 0;
    ws.on("message", (m) => {
      if (m.toString().startsWith("44/do-many-")) refused++;
    });
    await h.once(ws, "open");
    for (let i = 0; i < 200; i++) ws.send(`40/do-many-${i},{"username":"nobody","password":"x"}`);
    await h.waitFor(() => refused === 200, "200 CONNECT_ERRORs", 60000);
    const p = io(`http://127.0.0.1:${capped.port}/admin`, { forceNew: true, reconnection: false,
                                                            auth: { username: "admin", password: "admin-secret" } });
    opened.push(p);
    p.seen = h.record(p);
    await h.waitFor(() => find(p, "server_stats"), "server_stats", 8000);
    const [stats] = find(p, "server_stats").args;
    const names = stats.namespaces.map((n) => n.name);
    assert(names.length === 20, `${names.length} namespaces listed`);
    assert(names[0] === "/" && names.includes("/sharedsocket") && names.includes("/admin"), JSON.stringify(names));
    assert(names.includes("/do-many-0") && !names.includes("/do-many-199"), JSON.stringify(names));
    await h.waitFor(() => /server_stats lists the first 20/.test(capped.log()), "the cap logged", 8000);
    ws.close();
    p.close();
  });

  // With cleanupEmptyChildNamespaces the namespaces clients made go away again, and so do their
  // entries in the admin's list (dropped as the tick meets them).
  await h.check("server-stats-drops-removed-namespaces", async () => {
    const dir = h.tempDir(files("ADMIN_STATS_NAMESPACES=20\n"));
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ cleanupEmptyChildNamespaces: true }));
    const cleaned = await h.startApp(exe, ["--dir", dir]);
    const ws = new WebSocket(`ws://127.0.0.1:${cleaned.port}/socket.io/?EIO=4&transport=websocket`);
    let refused = 0;
    ws.on("message", (m) => {
      if (m.toString().startsWith("44/do-gone-")) refused++;
    });
    await h.once(ws, "open");
    for (let i = 0; i < 200; i++) ws.send(`40/do-gone-${i},{"username":"nobody","password":"x"}`);
    await h.waitFor(() => refused === 200, "200 CONNECT_ERRORs", 60000);
    const p = io(`http://127.0.0.1:${cleaned.port}/admin`, { forceNew: true, reconnection: false,
                                                             auth: { username: "admin", password: "admin-secret" } });
    opened.push(p);
    p.seen = h.record(p);
    await h.waitFor(() => find(p, "server_stats"), "server_stats", 8000);
    const names = find(p, "server_stats").args[0].namespaces.map((n) => n.name);
    assert(!names.some((n) => n.startsWith("/do-gone-")), JSON.stringify(names));
    assert(names.includes("/") && names.includes("/admin") && names.includes("/sharedsocket"), JSON.stringify(names));
    ws.close();
    p.close();
  });

  await h.check("bad-admin-password-config", async () => {
    const dir = h.tempDir({ "config.json": {}, "credentials.json": [], ".env": "PORT=0\nUSERNAME=admin\nPASSWORD=not-a-hash\n" });
    const { code, output } = await h.runFailing(exe, ["--dir", dir]);
    assert(code === 2 && /bcrypt/.test(output), `exit ${code}: ${output}`);
  });

  for (const s of opened) s.disconnect();
}

main()
  .catch((e) => {
    console.log(`FAIL setup: ${e && e.stack ? e.stack : e}`);
    h.stopAll();
    process.exit(1);
  })
  .then(h.finish);
