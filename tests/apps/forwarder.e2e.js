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

  for (const s of opened) s.close();
  fs.rmSync(dir, { recursive: true });
  await h.finish();
}

main().catch((e) => {
  console.log(`FAIL main: ${e.stack || e}`);
  h.stopAll();
  process.exit(1);
});
