// Browser test of the deployment demo pages (web-demo/forwarder, web-demo/jobmanager,
// web-demo/coordinator) on their apps (testserver/apps, docs/deployments.md "Web demo pages"),
// with the sio-cpp WebAssembly client in headless Debian Chromium (playwright-core).
//
// usage: node deployments.js --bundle <socket.io.js> --static <web-demo> --forwarder <sio-forwarder>
//          --jobmanager <sio-jobmanager> --coordinator <sio-coordinator> [--testserver <sio-testserver>]
//          [--only forwarder,jobmanager,coordinator,links]
//
// Each app is started on port 0 with configuration files written to a temporary directory
// (tests/apps/harness.js), `--static web-demo` and `--client-bundle <our bundle>`; the pages are
// driven through their forms and the checks read what the screens show after the wire did
// something (views counted, job updates posted to the HTTP API, nodes coming online). Every app has
// an isolation check: a page of another namespace / job room / collaboration does not show it,
// checked only after a later event on that page's own connection arrived (same connection, in
// order), never after a sleep. A few wire checks run the wasm client directly in the page
// (page.evaluate): forwarder "/" refused, /sharedsocket echo, coordinator ping ack.
// "links": the demo page of sio-testserver (web-demo/index.html) with the three apps on the next
// three ports, as scripts/start.sh runs them: each "Deployments" link opens a page that works on
// its app, and its "back to the demos" link returns to the demo page (web-demo/demo-links.js).
// Prints PASS/FAIL lines; exit code 0 only if every check passed (a missing bundle fails).
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const net = require("net");
const path = require("path");
const h = require("../apps/harness");

h.watchdog(360000);
const argv = process.argv.slice(2);
const arg = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const bundle = arg("--bundle");
const webDemo = arg("--static");
const only = (arg("--only") || "forwarder,jobmanager,coordinator,links").split(",");
const exes = { forwarder: arg("--forwarder"), jobmanager: arg("--jobmanager"), coordinator: arg("--coordinator") };
if (only.includes("links")) Object.assign(exes, { links: arg("--testserver") });

function die(message) {
  console.log(`FAIL ${message}`);
  process.exit(1);
}
if (!bundle || !fs.existsSync(bundle)) {
  die(`the WebAssembly client bundle is missing: ${bundle || "(no --bundle given)"}; build it with ` +
      "scripts/build-wasm.sh (or point CMake's SIO_WASM_DIR at its output directory)");
}
if (!webDemo || !fs.existsSync(path.join(webDemo, "forwarder", "controller.html"))) die(`web-demo not found: ${webDemo}`);
for (const app of only) {
  if (!exes[app] || !fs.existsSync(exes[app])) die(`${app}: executable not found: ${exes[app]}`);
}

const T = 20000;  // generous deadline for anything a screen should show

// The apps' temporary configuration directories, removed at exit (after harness.finish stopped the apps).
const tempDirs = [];
const tempDir = (files) => {
  const dir = h.tempDir(files);
  tempDirs.push(dir);
  return dir;
};
process.on("exit", () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});
const pageErrors = [];

function request(port, method, target, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: target, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.setTimeout(10000, () => req.destroy(new Error("request timeout")));
    req.end(body);
  });
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// An HS256 JWT (node's crypto), as the coordinator's tokens.
function signJwt(claims, secret) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const input = `${enc({ alg: "HS256", typ: "JWT" })}.${enc(claims)}`;
  return `${input}.${crypto.createHmac("sha256", secret).update(input).digest("base64url")}`;
}

// The app serves the demo page and our bundle.
async function checkServing(port, pagePath) {
  const page = await request(port, "GET", pagePath);
  assert(page.status === 200 && /^text\/html/.test(page.headers["content-type"] || ""),
    `${pagePath}: ${page.status} ${page.headers["content-type"]}`);
  const js = await request(port, "GET", "/socket.io.js");
  assert(js.status === 200 && js.body.equals(fs.readFileSync(bundle)), `/socket.io.js: ${js.status}, not our bundle`);
}

let browser;
let context;
async function newPage(url) {
  const page = await context.newPage();
  page.wsUrls = [];
  page.on("websocket", (ws) => page.wsUrls.push(ws.url()));
  page.on("pageerror", (e) => pageErrors.push(`${url}: ${e}`));
  await page.goto(url);
  return page;
}
const text = (page, sel) => page.evaluate((s) => {
  const el = document.querySelector(s);
  return el ? el.textContent : null;
}, sel);
// Waits until the element's text contains `want` (a string) or equals it (exact: true).
async function waitText(page, sel, want, { exact = false, ms = T } = {}) {
  try {
    await page.waitForFunction(([s, w, e]) => {
      const el = document.querySelector(s);
      return !!el && (e ? el.textContent.trim() === w : el.textContent.includes(w));
    }, [sel, want, exact], { timeout: ms, polling: 50 });
  } catch (e) {
    throw new Error(`${sel} should ${exact ? "be" : "contain"} ${JSON.stringify(want)}, is ${JSON.stringify(await text(page, sel))}`);
  }
}
async function lacks(page, sel, unwanted) {
  const t = (await text(page, sel)) || "";
  assert(!t.includes(unwanted), `${sel} shows ${JSON.stringify(unwanted)} but must not: ${JSON.stringify(t)}`);
}

// ---------------------------------------------------------------------------------------------
// Forwarder: controller and view screens.
async function forwarder() {
  const bcrypt = require("bcryptjs");
  const dir = tempDir({
    "config.json": { maxHttpBufferSize: 1e6 },
    "credentials.json": [
      { username: "alice", password: "wonderland" },                              // plain, as the original
      { username: "bob", password: bcrypt.hashSync("builder", bcrypt.genSaltSync(4)) },  // bcrypt
    ],
    ".env": "HOST=127.0.0.1\nPORT=0\n",
  });
  const app = await h.startApp(exes.forwarder, ["--dir", dir, "--client-bundle", bundle, "--static", webDemo],
    { env: { HOST: "127.0.0.1", PORT: "0" } });
  const base = `http://127.0.0.1:${app.port}/forwarder`;
  await h.check("forwarder: serves web-demo/forwarder/ and our bundle", async () => {
    await checkServing(app.port, "/forwarder/controller.html");
    await checkServing(app.port, "/forwarder/view.html");
  });

  const login = async (file, ns, user, password) => {
    const page = await newPage(`${base}/${file}`);
    await page.fill("#ns", ns);
    await page.fill("#username", user);
    await page.fill("#password", password);
    await page.click("#login-form button");
    return page;
  };
  const connected = async (page) => {
    await page.waitForSelector(".status.on", { timeout: T });
    await page.waitForFunction(() => /^\S{8,}$/.test(document.getElementById("my-id").textContent), null, { timeout: T });
    return (await text(page, "#my-id")).trim();
  };

  let ctl;
  let v1;
  let v2;
  let v1id;
  let v2id;
  let betaCtl;
  let betaView;
  let betaId;
  await h.check("forwarder: a controller on /do-alpha sees 0 views", async () => {
    ctl = await login("controller.html", "alpha", "alice", "wonderland");
    await connected(ctl);
    await waitText(ctl, "#views", "0", { exact: true });
  });
  await h.check("forwarder: a view joining /do-alpha: the controller shows __connect__ and 1 view", async () => {
    v1 = await login("view.html", "alpha", "alice", "wonderland");
    v1id = await connected(v1);
    await waitText(ctl, "#log", `view ${v1id} joined`);
    await waitText(ctl, "#views", "1", { exact: true });
  });
  await h.check("forwarder: a second view (bcrypt credentials): 2 views, the first view sees it join", async () => {
    v2 = await login("view.html", "alpha", "bob", "builder");
    v2id = await connected(v2);
    await waitText(ctl, "#log", `view ${v2id} joined`);
    await waitText(ctl, "#views", "2", { exact: true });
    await waitText(v1, "#log", `view ${v2id} joined`);
  });
  await h.check("forwarder: a controller and a view on /do-beta count only their own view", async () => {
    betaCtl = await login("controller.html", "beta", "alice", "wonderland");
    await connected(betaCtl);
    betaView = await login("view.html", "beta", "bob", "builder");
    betaId = await connected(betaView);
    await waitText(betaCtl, "#views", "1", { exact: true });
    await waitText(betaCtl, "#log", `view ${betaId} joined`);
  });
  await h.check("forwarder: the controller's event is shown by both /do-alpha views (and echoed to it)", async () => {
    await ctl.fill("#event", "show");
    await ctl.fill("#payload", "hello alpha");
    await ctl.press("#payload", "Enter");
    await waitText(v1, "#display", "hello alpha", { exact: true });
    await waitText(v2, "#display", "hello alpha", { exact: true });
    await waitText(ctl, "#log", "showhello alpha");
  });
  await h.check("forwarder: JSON payloads arrive as objects", async () => {
    await ctl.fill("#event", "scene");
    await ctl.fill("#payload", '{"slide": 3, "title": "wasm"}');
    await ctl.press("#payload", "Enter");
    await waitText(v1, "#log", 'scene{"slide":3,"title":"wasm"}');
  });
  await h.check("forwarder: isolation: the /do-beta view shows beta's event, never alpha's", async () => {
    await betaCtl.fill("#payload", "hello beta");
    await betaCtl.press("#payload", "Enter");
    await waitText(betaView, "#display", "hello beta", { exact: true });
    await lacks(betaView, "#log", "hello alpha");
    await lacks(betaView, "#log", v1id);
    await lacks(betaCtl, "#log", v2id);
  });
  await h.check("forwarder: a view leaving: __disconnect__ {id} and 1 view (beta's never counted in alpha)", async () => {
    await v1.close();
    await waitText(ctl, "#log", `view ${v1id} left`);
    await waitText(ctl, "#views", "1", { exact: true });
    await waitText(v2, "#log", `view ${v1id} left`);
    // Everything beta did happened before v1 left, on the server's one thread: it would be here.
    await lacks(ctl, "#log", betaId);
    await lacks(ctl, "#log", "hello beta");
    await lacks(v2, "#log", "hello beta");
  });
  await h.check("forwarder: wrong password: the view screen shows UNAUTHORIZED", async () => {
    const bad = await login("view.html", "alpha", "alice", "not-the-password");
    await waitText(bad, "#login-error", "refused: UNAUTHORIZED");
    await waitText(ctl, "#views", "1", { exact: true });
    await bad.close();
  });
  await h.check("forwarder (wasm client, direct): / refuses with UNAUTHORIZED, /sharedsocket echoes", async () => {
    const r = await v2.evaluate(() => new Promise((resolve) => {
      const root = io("/", { forceNew: true, reconnection: false });
      root.on("connect", () => resolve({ root: "connected" }));
      root.on("connect_error", (e) => {
        const shared = io("/sharedsocket", { forceNew: true, reconnection: false, transports: ["websocket"] });
        shared.on("echo", (a, b) => {
          shared.disconnect();
          resolve({ root: e.message, a, b: Array.from(new Uint8Array(b)) });
        });
        shared.on("connect", () => shared.emit("echo", { n: 1 }, new Uint8Array([1, 2, 255])));
      });
    }));
    assert(r.root === "UNAUTHORIZED", `"/": ${r.root}`);
    assert(JSON.stringify(r.a) === '{"n":1}' && JSON.stringify(r.b) === "[1,2,255]", `echo: ${JSON.stringify(r)}`);
  });
  for (const p of [ctl, v2, betaCtl, betaView]) if (p) await p.close();
}

// ---------------------------------------------------------------------------------------------
// Job manager: the job board (socket.io 2 / Engine.IO 3 over WebSocket).
async function jobmanager() {
  const dir = tempDir({ "jobmanager.json": { host: "127.0.0.1", port: 0 } });
  const app = await h.startApp(exes.jobmanager,
    ["--config", path.join(dir, "jobmanager.json"), "--static", webDemo, "--client-bundle", bundle]);
  const url = `http://127.0.0.1:${app.port}/jobmanager/`;
  await h.check("jobmanager: serves web-demo/jobmanager/ and our bundle", () => checkServing(app.port, "/jobmanager/"));
  const post = async (kind, body) => {
    const r = await request(app.port, "POST", `/api/updates/${kind}`,
      { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    assert(r.status === 200, `POST ${kind}: ${r.status} ${r.body}`);
  };
  const JOB1 = crypto.randomUUID();
  const JOB2 = crypto.randomUUID();
  let a;
  let b;
  await h.check("jobmanager: two boards connect with EIO 3 straight over WebSocket and subscribe to all jobs", async () => {
    a = await newPage(url);
    b = await newPage(url);
    for (const p of [a, b]) {
      await waitText(p, "#status", "connected (EIO 3, websocket)");
      await waitText(p, "#sub-status", "all jobs: ok");
      assert(p.wsUrls.length === 1 && /\/socket\.io\/\?(.*&)?EIO=3&transport=websocket/.test(p.wsUrls[0]),
        `WebSocket URLs: ${JSON.stringify(p.wsUrls)}`);
    }
  });
  const watch = async (page, uuid) => {
    await page.fill("#job-uuid", uuid);
    await page.press("#job-uuid", "Enter");
  };
  await h.check("jobmanager: watching a job is acked ok; a bad UUID shows the server's error", async () => {
    await watch(a, JOB1);
    await waitText(a, "#sub-status", `watch ${JOB1}: ok`);
    await watch(b, JOB2);
    await waitText(b, "#sub-status", `watch ${JOB2}: ok`);
    await watch(a, "not-a-uuid");
    await waitText(a, "#sub-status", 'watch not-a-uuid: invalid UUID "not-a-uuid"');
  });
  await h.check("jobmanager: a job update posted to the API is shown on both boards, updated in place", async () => {
    await post("job", { id: JOB1, name: "Render spring", status: "queued" });
    await waitText(a, "#jobs", "Render springqueued");
    await waitText(b, "#jobs", "Render springqueued");
    await post("job", { id: JOB1, name: "Render spring", status: "active" });
    await waitText(a, "#jobs", "Render springactive");
    await waitText(b, "#jobs", "Render springactive");
    const rows = await a.evaluate(() => document.querySelectorAll("#jobs tr").length);
    assert(rows === 1, `${rows} rows for one job`);
  });
  await h.check("jobmanager: isolation: a task update reaches the job's watcher only", async () => {
    await post("task", { id: crypto.randomUUID(), job_id: JOB1, name: "frame-0001", status: "active", activity: "rendering" });
    await waitText(a, "#tasks", "frame-0001activerendering");
    await post("task", { id: crypto.randomUUID(), job_id: JOB2, name: "frame-0009", status: "queued" });
    await waitText(b, "#tasks", "frame-0009queued");
    await lacks(b, "#tasks", "frame-0001");  // posted before frame-0009, on the same connection
  });
  await h.check("jobmanager: /last-rendered of a watched job is shown", async () => {
    await post("last-rendered", { job_id: JOB2, thumbnail: "/thumbs/frame-0009.jpg" });
    await waitText(b, "#last-rendered", `last rendered of job ${JOB2}: /thumbs/frame-0009.jpg`);
  });
  await h.check("jobmanager: /chat is re-broadcast as /message to every board", async () => {
    await a.fill("#chat-name", "ann");
    await a.fill("#chat-text", "render farm ready");
    await a.press("#chat-text", "Enter");
    await waitText(b, "#chat-log", "annrender farm ready");
    await waitText(a, "#chat-log", "annrender farm ready");
  });
  await h.check("jobmanager: after unwatching, the job's tasks no longer arrive", async () => {
    await a.click(`#watched li[data-uuid="${JOB1}"] button`);
    await waitText(a, "#sub-status", `unwatch ${JOB1}: ok`);
    await post("task", { id: crypto.randomUUID(), job_id: JOB1, name: "frame-0002", status: "active" });
    await b.fill("#chat-name", "ben");
    await b.fill("#chat-text", "after frame 2");
    await b.press("#chat-text", "Enter");
    await waitText(a, "#chat-log", "benafter frame 2");
    await lacks(a, "#tasks", "frame-0002");
  });
  for (const p of [a, b]) if (p) await p.close();
}

// ---------------------------------------------------------------------------------------------
// Coordinator: the collaboration dashboard (token in auth.token).
async function coordinator() {
  const SECRET = "dashboard-test-secret";
  const API_KEY = "dashboard-api-key";
  const jwt = (claims, secret = SECRET) => signJwt(claims, secret);
  const now = () => Math.floor(Date.now() / 1000);
  const token = (sub, client_type, exp = now() + 600) => jwt({ sub, client_type, exp });
  const dir = tempDir({
    "coordinator.json": {
      host: "127.0.0.1", port: 0, jwt_secret: SECRET, api_key: API_KEY,
      nodes: {
        "1": { name: "node-c1-o10", collaboration: 1, organization: 10 },
        "3": { name: "node-c2-o10", collaboration: 2, organization: 10 },
      },
      users: {
        alice: { organization: 10, rules: [{ collaboration: 1, scope: "collaboration" }] },
        bob: { organization: 10, rules: [{ collaboration: 2, scope: "collaboration" }] },
      },
    },
  });
  const app = await h.startApp(exes.coordinator,
    ["--config", path.join(dir, "coordinator.json"), "--static", webDemo, "--client-bundle", bundle]);
  const url = `http://127.0.0.1:${app.port}/coordinator/`;
  await h.check("coordinator: serves web-demo/coordinator/ and our bundle", () => checkServing(app.port, "/coordinator/"));
  const emit = async (body) => {
    const r = await request(app.port, "POST", "/api/emit",
      { headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    assert(r.status === 200, `POST /api/emit: ${r.status} ${r.body}`);
  };
  const dashboard = async (tok) => {
    const page = await newPage(url);
    await page.fill("#token", tok);
    await page.click("#login-form button");
    await page.waitForSelector(".status.on", { timeout: T });
    return page;
  };
  // The nodes: socket.io-client 4 with the token in the Authorization header, as the real nodes.
  const { io } = require("socket.io-client");
  const nodes = [];
  const node = async (sub) => {
    const s = io(`http://127.0.0.1:${app.port}/tasks`, {
      forceNew: true, reconnection: false, transports: ["websocket"],
      extraHeaders: { Authorization: `Bearer ${token(sub, "node")}` },
    });
    nodes.push(s);
    await h.once(s, "connect", T);
    return s;
  };

  let a;
  let b;
  let n1;
  await h.check("coordinator: dashboards connect with auth.token; the wasm client's ping is acked pong", async () => {
    a = await dashboard(token("alice", "user"));
    b = await dashboard(token("bob", "user"));
    const pong = await a.evaluate(() => socket.timeout(10000).emitWithAck("ping"));
    assert(pong === "pong", `ping ack: ${pong}`);
    await lacks(a, "#auth", "token");
  });
  await h.check("coordinator: a bad token shows invalid_token, an expired one expired_token", async () => {
    const c = await dashboard("not.a.token");
    await waitText(c, "#auth", "invalid_token:");
    await c.fill("#token", token("alice", "user", now() - 60));
    await c.click("#login-form button");
    await waitText(c, "#auth", "expired_token:");
    await c.close();
  });
  await h.check("coordinator: node-online is shown on the dashboard of the node's collaboration", async () => {
    n1 = await node("1");
    await waitText(a, "#nodes", "1node-c1-o10110online");
    await node("3");
    await waitText(b, "#nodes", "3node-c2-o10210online");
  });
  await h.check("coordinator: new_task posted to collaboration 1 is shown on its dashboard", async () => {
    await emit({ event: "new_task", collaboration_id: 1, data: { id: 42, name: "federated-mean" } });
    await waitText(a, "#feed", 'new_task{"id":42,"name":"federated-mean"}');
  });
  await h.check("coordinator: isolation: collaboration 2's dashboard never shows collaboration 1", async () => {
    await emit({ event: "new_task", collaboration_id: 2, data: { id: 43, name: "c2-only" } });
    await waitText(b, "#feed", "c2-only");
    await lacks(b, "#nodes", "node-c1-o10");
    await lacks(b, "#feed", "federated-mean");
    await lacks(a, "#nodes", "node-c2-o10");  // node 3 came online before new_task 42 was posted
    // a's feed is checked for c2-only below, once a later event arrived on a's connection.
  });
  await h.check("coordinator: a node's algorithm_status_change is shown with the server's ids", async () => {
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no ack")), T);
      n1.emit("algorithm_status_change", { status: "active", run_id: 7, node_id: 99 }, () => {
        clearTimeout(t);
        resolve();
      });
    });
    await waitText(a, "#feed", "algorithm_status_change");
    const feed = await text(a, "#feed");
    assert(/"node_id":1[,}]/.test(feed) && /"collaboration_id":1/.test(feed) && !/"node_id":99/.test(feed),
      `feed: ${feed}`);
    await lacks(a, "#feed", "c2-only");
  });
  await h.check("coordinator: node-offline when the node leaves", async () => {
    n1.disconnect();
    await waitText(a, "#nodes", "1node-c1-o10110offline");
    await waitText(a, "#feed", "node-offline");
  });
  for (const s of nodes) s.disconnect();
  for (const p of [a, b]) if (p) await p.close();
}

// ---------------------------------------------------------------------------------------------
// Links: sio-testserver's demo page on port P, the apps on P+1 (forwarder), P+2 (job manager),
// P+3 (coordinator), as scripts/start.sh starts them.

// Resolves whether `port` can be bound on 127.0.0.1 now.
const portFree = (port) => new Promise((resolve) => {
  const server = net.createServer();
  server.once("error", () => resolve(false));
  server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
});

// Starts the four on a block of four free ports below the ephemeral range (a start that still
// finds its port taken is retried on another block).
async function startDemoBlock(secret) {
  let lastError;
  for (let attempt = 0; attempt < 5; ++attempt) {
    const base = 20000 + 4 * crypto.randomInt(2500);
    const free = await Promise.all([0, 1, 2, 3].map((i) => portFree(base + i)));
    if (free.includes(false)) continue;
    const started = [];
    try {
      const forwarderDir = tempDir({
        "config.json": {},
        "credentials.json": [{ username: "alice", password: "wonderland" }],
        ".env": "HOST=127.0.0.1\n",
      });
      const dir = tempDir({
        "jobmanager.json": { host: "127.0.0.1", port: base + 2 },
        "coordinator.json": {
          host: "127.0.0.1", port: base + 3, jwt_secret: secret, api_key: "links-api-key",
          nodes: { "1": { name: "node-1", collaboration: 1, organization: 10 } },
          users: { alice: { organization: 10, rules: [{ collaboration: 1, scope: "collaboration" }] } },
        },
      });
      const web = ["--static", webDemo, "--client-bundle", bundle];
      started.push(await h.startApp(exes.forwarder, ["--dir", forwarderDir, ...web],
        { env: { HOST: "127.0.0.1", PORT: String(base + 1) } }));
      started.push(await h.startApp(exes.jobmanager, ["--config", path.join(dir, "jobmanager.json"), ...web]));
      started.push(await h.startApp(exes.coordinator, ["--config", path.join(dir, "coordinator.json"), ...web]));
      started.push(await h.startApp(exes.links, ["--host", "127.0.0.1", "--port", String(base), ...web]));
      return base;
    } catch (e) {
      lastError = e;
      for (const app of started) app.proc.kill();
    }
  }
  throw new Error(`could not start the demo and its apps on four free ports: ${lastError}`);
}

async function links() {
  const SECRET = "links-test-secret";
  const base = await startDemoBlock(SECRET);
  const home = `http://127.0.0.1:${base}/`;
  const page = await newPage(home);
  // Follows the demo page's link to `app` (port offset n), checks the app's page works there, and
  // comes back through its "back to the demos" link.
  const follow = async (n, app, works) => {
    await page.goto(home);
    await page.click(`a[data-port-offset="${n}"]`);
    await page.waitForURL((u) => u.href.startsWith(`http://127.0.0.1:${base + n}/${app}/`), { timeout: T });
    await works();
    await page.goto(`http://127.0.0.1:${base + n}/${app}/`);  // the demo address is kept in the session
    await page.click("a[data-demo-home]");
    await page.waitForURL(home, { timeout: T });
  };
  await h.check("links: the forwarder link opens its page on sio-forwarder, whose controller logs in", () =>
    follow(1, "forwarder", async () => {
      await page.click('a[href="controller.html"]');
      await page.fill("#ns", "alpha");
      await page.fill("#username", "alice");
      await page.fill("#password", "wonderland");
      await page.click("#login-form button");
      await page.waitForSelector(".status.on", { timeout: T });
      await waitText(page, "#views", "0", { exact: true });
    }));
  await h.check("links: the job manager link opens its board on sio-jobmanager, connected", () =>
    follow(2, "jobmanager", () => page.waitForSelector(".status.on", { timeout: T })));
  await h.check("links: the coordinator link opens its dashboard on sio-coordinator, which logs in", () =>
    follow(3, "coordinator", async () => {
      const exp = Math.floor(Date.now() / 1000) + 600;
      await page.fill("#token", signJwt({ sub: "alice", client_type: "user", exp }, SECRET));
      await page.click("#login-form button");
      await page.waitForSelector(".status.on", { timeout: T });
    }));
  await page.close();
}

(async () => {
  try {
    const { chromium } = require("playwright-core");
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    });
    context = await browser.newContext();
    const suites = { forwarder, jobmanager, coordinator, links };
    for (const name of only) {
      await h.check(`${name}: suite ran`, () => suites[name]());
    }
    await h.check("no uncaught errors in the pages", async () => {
      assert(pageErrors.length === 0, pageErrors.join(" | "));
    });
  } catch (e) {
    await h.check("runner", () => {
      throw e;
    });
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
  await h.finish();
})();
