// End to end: sio-forwarder (testserver/apps/forwarder) driven by socket.io-client 4.8, the client
// the forwarder's users run. The script writes config.json / credentials.json / .env to a temporary
// directory (one password plain, one a bcrypt hash made now by bcryptjs) and starts the app.
"use strict";
const { io } = require("socket.io-client");
const bcrypt = require("bcryptjs");
const fs = require("fs");
const path = require("path");
const h = require("./harness");

h.watchdog();
const exe = h.serverArg();

const BUNDLE = require.resolve("socket.io-client/dist/socket.io.js");

async function main() {
  const dir = h.tempDir({
    "config.json": {
      cors: { origin: "http://example.test", credentials: true },
      maxHttpBufferSize: 100000,
      path: "/fwd/",
    },
    "credentials.json": [
      { username: "plain", password: "plain-secret" },
      { username: "hashed", password: bcrypt.hashSync("hashed-secret", 8) },
      // cost 12: a check takes far longer than a burst of packets does (connect-flood-...)
      { username: "slow", password: bcrypt.hashSync("slow-secret", 12) },
    ],
    ".env": "HOST=127.0.0.1\nPORT=0\nUSERNAME=admin\nPASSWORD=" + bcrypt.hashSync("admin", 4) + "\n",
  });
  const app = await h.startApp(exe, ["--dir", dir, "--client-bundle", BUNDLE]);
  const url = `http://127.0.0.1:${app.port}`;
  const opened = [];
  const connect = (nsp, opts = {}) => {
    const s = io(url + nsp, { path: "/fwd/", forceNew: true, reconnection: false, ...opts });
    opened.push(s);
    return s;
  };
  const connected = async (nsp, opts) => {
    const s = connect(nsp, opts);
    await h.once(s, "connect");
    return s;
  };
  const auth = (type, username = "plain", password = "plain-secret") =>
    type ? { username, password, type } : { username, password };

  await h.check("root-refused", async () => {
    const s = connect("/");
    const [err] = await h.once(s, "connect_error");
    if (err.message !== "UNAUTHORIZED") throw new Error(`got ${err.message}`);
  });

  await h.check("client-bundle", async () => {
    const res = await fetch(`${url}/socket.io.js`);
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    const body = await res.text();
    if (body !== fs.readFileSync(BUNDLE, "utf8")) throw new Error("not the socket.io-client bundle");
  });

  await h.check("missing-assets-said-at-start", async () => {
    // A copy of the executable without sio-apps-assets/ beside it: no source-tree paths to fall
    // back on; it says what is missing (and refuses the admin UI it cannot serve).
    const bin = h.tempDir({});
    fs.copyFileSync(exe, path.join(bin, "sio-forwarder"));
    fs.chmodSync(path.join(bin, "sio-forwarder"), 0o755);
    const d = h.tempDir({ "config.json": {}, "credentials.json": [], ".env": "PORT=0\n" });
    try {
      const plain = await h.startApp(path.join(bin, "sio-forwarder"), ["--dir", d]);
      const res = await fetch(`http://127.0.0.1:${plain.port}/socket.io.js`);
      plain.proc.kill("SIGTERM");
      if (res.status !== 404) throw new Error(`bundle ${res.status}`);
      if (!plain.log().includes(`no client bundle at ${path.join(bin, "sio-apps-assets/socket.io-client/socket.io.js")}`)) {
        throw new Error(`log: ${plain.log()}`);
      }
      fs.writeFileSync(path.join(d, ".env"), "PORT=0\nUSERNAME=admin\nPASSWORD=" + bcrypt.hashSync("x", 4) + "\n");
      const r = await h.runFailing(path.join(bin, "sio-forwarder"), ["--dir", d]);
      if (r.code !== 2 || !r.output.includes(path.join(bin, "sio-apps-assets/admin-ui"))) throw new Error(`${r.code} ${r.output}`);
    } finally {
      fs.rmSync(bin, { recursive: true });
      fs.rmSync(d, { recursive: true });
    }
  });

  await h.check("client-files-as-node-serves-them", async () => {
    // Every client file Node's socket.io 4.8 serves under its path, against Node's own server:
    // status, Content-Type and Content-Encoding for several Accept-Encoding headers, our bodies
    // decompressing to the files beside our bundle, and 304 for the ETag.
    const http = require("http");
    const zlib = require("zlib");
    const { Server } = require("socket.io");
    const nodeHttp = http.createServer();
    const nodeIo = new Server(nodeHttp, { path: "/fwd" });
    await new Promise((resolve) => nodeHttp.listen(0, "127.0.0.1", resolve));
    const get = (port, urlPath, headers = {}) =>
      new Promise((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path: urlPath, headers, agent: false }, (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        }).on("error", reject);
      });
    const decode = (r) => {
      const enc = r.headers["content-encoding"];
      if (enc === "br") return zlib.brotliDecompressSync(r.body);
      if (enc === "gzip") return zlib.gunzipSync(r.body);
      if (enc === "deflate") return zlib.inflateSync(r.body);
      return r.body;
    };
    try {
      const names = ["socket.io.js", "socket.io.js.map", "socket.io.min.js", "socket.io.min.js.map", "socket.io.esm.min.js",
        "socket.io.esm.min.js.map", "socket.io.msgpack.min.js", "socket.io.msgpack.min.js.map"];
      const encodings = ["gzip, deflate, br", "br", "deflate", "", "gzip;q=0.5, deflate", "br;q=0, *"];
      for (const name of names) {
        for (const ae of encodings) {
          const headers = ae ? { "Accept-Encoding": ae } : {};
          const [ours, node] = await Promise.all([get(app.port, `/fwd/${name}`, headers), get(nodeHttp.address().port, `/fwd/${name}`, headers)]);
          for (const key of ["content-type", "content-encoding", "cache-control"]) {
            if (ours.status !== node.status || ours.headers[key] !== node.headers[key]) {
              throw new Error(`${name} [${ae}]: ${ours.status} ${key}=${ours.headers[key]}; Node ${node.status} ${node.headers[key]}`);
            }
          }
          const want = fs.readFileSync(path.join(path.dirname(BUNDLE), name));
          if (!decode(ours).equals(want)) throw new Error(`${name} [${ae}]: not the file`);
        }
        const first = await get(app.port, `/fwd/${name}`);
        const again = await get(app.port, `/fwd/${name}`, { "If-None-Match": first.headers.etag });
        if (again.status !== 304 || again.body.length) throw new Error(`${name}: ${again.status} for its ETag`);
      }
      for (const other of ["/fwd/socket.io.esm.js", "/fwd/socket.io.min.js.gz"]) {
        const [ours, node] = await Promise.all([get(app.port, other), get(nodeHttp.address().port, other)]);
        if (ours.status !== node.status) throw new Error(`${other}: ${ours.status}, Node ${node.status}`);
      }
    } finally {
      nodeIo.close();
    }
  });

  await h.check("cors", async () => {
    const res = await fetch(`${url}/fwd/?EIO=4&transport=polling`, { headers: { Origin: "http://example.test" } });
    if (res.headers.get("access-control-allow-origin") !== "http://example.test") {
      throw new Error(`allow-origin ${res.headers.get("access-control-allow-origin")}`);
    }
    if (res.headers.get("access-control-allow-credentials") !== "true") throw new Error("no credentials header");
  });

  await h.check("sharedsocket-open-and-deprecated", async () => {
    const a = await connected("/sharedsocket");
    const b = await connected("/sharedsocket", { transports: ["websocket"] });
    const gotA = h.once(a, "hello");
    const gotB = h.once(b, "hello");
    a.emit("hello", 1, { two: 2 });
    const [ra, rb] = await Promise.all([gotA, gotB]);  // sender included
    if (JSON.stringify(ra) !== '[1,{"two":2}]' || JSON.stringify(rb) !== '[1,{"two":2}]') {
      throw new Error(`got ${JSON.stringify(ra)} ${JSON.stringify(rb)}`);
    }
    await h.waitFor(() => /deprecated/.test(app.log()), "a deprecation warning on stderr");
    a.disconnect();
    b.disconnect();
  });

  await h.check("do-credentials", async () => {
    const plain = await connected("/do-auth", { auth: auth(null) });
    const hashed = await connected("/do-auth", { auth: auth(null, "hashed", "hashed-secret") });
    for (const bad of [
      undefined,
      { username: "plain" },
      { username: "plain", password: "wrong" },
      { username: "hashed", password: "hashed-secret!" },
      { username: "nobody", password: "plain-secret" },
      { username: 5, password: [] },
    ]) {
      const s = connect("/do-auth", bad ? { auth: bad } : {});
      const [err] = await h.once(s, "connect_error");
      if (err.message !== "UNAUTHORIZED") throw new Error(`${JSON.stringify(bad)}: ${err.message}`);
    }
    plain.disconnect();
    hashed.disconnect();
  });

  await h.check("password-over-72-bytes-refused-unchecked", async () => {
    const s = connect("/do-long", { auth: auth(null, "hashed", "p".repeat(50000)) });
    const [err] = await h.once(s, "connect_error");
    if (err.message !== "UNAUTHORIZED") throw new Error(`got ${err.message}`);
    await h.waitFor(() => /password longer than 72 bytes/.test(app.log()), "the refusal logged");
    s.close();
  });

  // 150 wrong CONNECTs in one go on one connection once queued 150 bcrypt checks on one thread
  // (every other login waited behind them). Now one connection has at most 4 checks pending; the
  // others are refused at once, and a login on another connection goes through meanwhile.
  // What makes the count hold on a loaded machine: the 150 go in one polling POST (as 150 WebSocket
  // frames they were read one at a time), and they name a user whose hash has cost 12, so that a
  // check (hundreds of ms of CPU) takes far longer than the server's pass over the burst; with
  // cost 8 a loaded machine ended checks between packets and freed their slots for later ones.
  await h.check("connect-flood-bounded-per-connection", async () => {
    const base = `${url}/fwd/?EIO=4&transport=polling`;
    const opened = await (await fetch(base)).text();
    if (opened[0] !== "0") throw new Error(`handshake: ${opened}`);
    const session = `${base}&sid=${encodeURIComponent(JSON.parse(opened.slice(1)).sid)}`;
    const post = async (body) => {
      const res = await fetch(session, { method: "POST", body, headers: { "Content-Type": "text/plain;charset=UTF-8" } });
      if (!res.ok) throw new Error(`POST: ${res.status} ${await res.text()}`);
    };
    const packets = [];
    for (let i = 0; i < 150; i++) {
      packets.push(`40/do-flood-${i},${JSON.stringify({ username: "slow", password: `wrong-${i}` })}`);
    }
    await post(packets.join("\x1e"));
    const other = connect("/do-meanwhile", { auth: auth(null, "hashed", "hashed-secret") });
    await h.once(other, "connect", 30000);
    const replies = [];
    while (replies.length < 150) {  // long polls; the harness's watchdog bounds the wait
      const res = await fetch(session);
      if (!res.ok) throw new Error(`poll: ${res.status} after ${replies.length} replies`);
      for (const p of (await res.text()).split("\x1e")) {
        if (p === "2") await post("3");
        else if (p.startsWith("44/do-flood-")) replies.push(JSON.parse(p.slice(p.indexOf(",") + 1)));
      }
    }
    const busy = replies.filter((r) => r.data && r.data.reason === "too many password checks pending").length;
    if (replies.some((r) => r.message !== "UNAUTHORIZED")) throw new Error(JSON.stringify(replies[0]));
    if (busy < 100) throw new Error(`only ${busy} of 150 refused unchecked`);
    await post("1");
    other.close();
  });

  await h.check("do-rebroadcast-and-binary", async () => {
    const a = await connected("/do-data", { auth: auth(null) });
    const b = await connected("/do-data", { auth: auth(null, "hashed", "hashed-secret"), transports: ["websocket"] });
    const got = Promise.all([h.once(a, "frame"), h.once(b, "frame")]);
    b.emit("frame", Buffer.from([1, 2, 3]), { n: 1 });
    for (const [buf, obj] of await got) {
      if (!Buffer.isBuffer(buf) || buf.toString("hex") !== "010203" || obj.n !== 1) throw new Error("bad frame");
    }
    a.disconnect();
    b.disconnect();
  });

  await h.check("do-namespaces-isolated", async () => {
    const a1 = await connected("/do-a", { auth: auth(null) });
    const a2 = await connected("/do-a", { auth: auth(null) });
    const b1 = await connected("/do-b", { auth: auth(null) });
    const shared = await connected("/sharedsocket");
    const seenB = h.record(b1);
    const seenShared = h.record(shared);
    const both = Promise.all([h.once(a1, "secret"), h.once(a2, "secret")]);
    a1.emit("secret", "only for do-a");
    await both;
    // a1 got its own broadcast, so the server already fanned it out; markers sent now by b1 and
    // shared arrive after anything leaked to them.
    const mb = h.once(b1, "marker");
    b1.emit("marker");
    await mb;
    const ms = h.once(shared, "marker");
    shared.emit("marker");
    await ms;
    if (seenB.some((e) => e.event === "secret")) throw new Error("do-b received do-a's event");
    if (seenShared.some((e) => e.event === "secret")) throw new Error("sharedsocket received do-a's event");
    for (const s of [a1, a2, b1, shared]) s.disconnect();
  });

  await h.check("controller-view", async () => {
    const ctl = await connected("/do-ove", { auth: auth("controller") });
    const count = () =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("no __count__ reply")), 5000);
        ctl.once("__count__", (n) => {
          clearTimeout(t);
          resolve(n);
        });
        ctl.emit("__count__");
      });
    if ((await count()) !== 0) throw new Error("count not 0 at start");
    const joined1 = h.once(ctl, "__connect__");
    const v1 = await connected("/do-ove", { auth: auth("view") });
    const [c1] = await joined1;
    if (!c1 || c1.id !== v1.id) throw new Error(`__connect__ ${JSON.stringify(c1)} for ${v1.id}`);
    const joined2 = h.once(ctl, "__connect__");
    const v2 = await connected("/do-ove", { auth: auth("view", "hashed", "hashed-secret") });
    await joined2;
    // A view in another do- namespace is not counted here.
    const other = await connected("/do-other", { auth: auth("view") });
    if ((await count()) !== 2) throw new Error("count not 2");
    const left = h.once(ctl, "__disconnect__");
    const v1id = v1.id;
    v1.disconnect();
    const [d] = await left;
    if (!d || d.id !== v1id) throw new Error(`__disconnect__ ${JSON.stringify(d)}`);
    if ((await count()) !== 1) throw new Error("count not 1 after a view left");
    // An untyped socket's __count__ is an ordinary event, re-broadcast to everyone.
    const plain = await connected("/do-ove", { auth: auth(null) });
    const echoed = Promise.all([h.once(plain, "__count__"), h.once(v2, "__count__")]);
    plain.emit("__count__", "x");
    const [[p], [q]] = await echoed;
    if (p !== "x" || q !== "x") throw new Error("untyped __count__ not re-broadcast");
    for (const s of [ctl, v2, other, plain]) s.disconnect();
  });

  await h.check("max-http-buffer-size", async () => {
    const s = await connected("/do-big", { auth: auth(null), transports: ["websocket"] });
    const gone = h.once(s, "disconnect");
    s.emit("big", "x".repeat(200000));
    const [reason] = await gone;
    if (reason !== "transport close" && reason !== "transport error") throw new Error(`reason ${reason}`);
  });

  await h.check("bad-configuration-exits", async () => {
    const bad = h.tempDir({ "config.json": {}, "credentials.json": "{not json", ".env": "PORT=0\n" });
    const r = await h.runFailing(exe, ["--dir", bad]);
    if (r.code !== 2 || !/credentials\.json/.test(r.output)) throw new Error(`exit ${r.code}: ${r.output}`);
    const bad2 = h.tempDir({ "config.json": { path: 5 }, "credentials.json": [], ".env": "PORT=0\n" });
    const r2 = await h.runFailing(exe, ["--dir", bad2]);
    if (r2.code !== 2 || !/path/.test(r2.output)) throw new Error(`exit ${r2.code}: ${r2.output}`);
    fs.rmSync(bad, { recursive: true });
    fs.rmSync(bad2, { recursive: true });
  });

  await h.check("examples-start-with-the-logins-the-docs-give", async () => {
    // A new user copies the three example files and logs in with the passwords written in the
    // example .env and docs/deployments.md ("Example logins").
    const src = path.join(__dirname, "../../testserver/apps/forwarder");
    const read = (f) => fs.readFileSync(path.join(src, f), "utf8");
    const docs = fs.readFileSync(path.join(__dirname, "../../docs/deployments.md"), "utf8");
    const logins = [["/do-example", "demo", "demo-password"], ["/do-example", "hashed", "hashed-password"],
      ["/admin", "admin", "admin-password"]];
    for (const [, user, password] of logins) {
      if (!docs.includes(`\`${user}\` | \`${password}\``)) throw new Error(`docs lack ${user}'s password`);
    }
    if (!/admin-password/.test(read("env.example"))) throw new Error("env.example does not say the admin password");
    const ex = h.tempDir({ "config.json": read("config.example.json"), "credentials.json": read("credentials.example.json"),
      ".env": read("env.example") });
    const exApp = await h.startApp(exe, ["--dir", ex], { env: { PORT: "0" } });
    try {
      for (const [nsp, username, password] of logins) {
        const s = io(`http://127.0.0.1:${exApp.port}${nsp}`, { forceNew: true, reconnection: false, auth: { username, password } });
        opened.push(s);
        let timer;
        const outcome = await new Promise((resolve) => {
          timer = setTimeout(() => resolve("no answer"), 30000);
          s.once("connect", () => resolve("connect"));
          s.once("connect_error", (e) => resolve(`refused: ${e.message}`));
        });
        clearTimeout(timer);
        if (outcome !== "connect") throw new Error(`${username} on ${nsp}: ${outcome}`);
        s.close();
      }
      // The default bundle and admin UI are the assets installed beside the executable.
      const bundle = await fetch(`http://127.0.0.1:${exApp.port}/socket.io/socket.io.js`);
      if (bundle.status !== 200 || (await bundle.text()) !== fs.readFileSync(BUNDLE, "utf8")) throw new Error("default bundle");
      const ui = await fetch(`http://127.0.0.1:${exApp.port}/admin/`);
      if (ui.status !== 200) throw new Error(`admin UI ${ui.status}`);
    } finally {
      exApp.proc.kill("SIGTERM");
      fs.rmSync(ex, { recursive: true });
    }
    // The examples of the three apps listen on three different ports.
    const fwdPort = /^PORT=(\d+)$/m.exec(read("env.example"))[1];
    const jm = JSON.parse(fs.readFileSync(path.join(src, "../jobmanager/jobmanager.example.json"), "utf8")).port;
    const co = JSON.parse(fs.readFileSync(path.join(src, "../coordinator/coordinator.example.json"), "utf8")).port;
    if (new Set([Number(fwdPort), jm, co]).size !== 3) throw new Error(`ports ${fwdPort} ${jm} ${co}`);
  });

  for (const s of opened) s.close();
  fs.rmSync(dir, { recursive: true });
  await h.finish();
}

main().catch((e) => {
  console.log(`FAIL main: ${e.stack || e}`);
  h.stopAll();
  process.exit(1);
});
