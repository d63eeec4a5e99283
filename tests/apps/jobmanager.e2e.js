// End to end: sio-jobmanager (testserver/apps/jobmanager) driven by socket.io-client 2.5 over
// WebSocket (the job manager's web app) and by plain HTTP for the manager's own updates.
"use strict";
const ioV2 = require("socket.io-client-v2");
const WebSocket = require("ws");
const fs = require("fs");
const path = require("path");
const h = require("./harness");

h.watchdog();
const exe = h.serverArg();

const U1 = "11111111-2222-4333-8444-555555555555";
const U2 = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const T1 = "99999999-8888-4777-8666-555555555555";
const EVENTS = ["/jobs", "/task", "/last-rendered", "/tasklog", "/workers", "/workertags", "/message"];

async function main() {
  const dir = h.tempDir({ "jobmanager.json": { host: "127.0.0.1", port: 0, api_token: "tok" } });
  const app = await h.startApp(exe, ["--config", path.join(dir, "jobmanager.json")]);
  const url = `http://127.0.0.1:${app.port}`;
  const clients = [];
  const connectV2 = async () => {
    const s = ioV2(url, { transports: ["websocket"], forceNew: true, reconnection: false });
    clients.push(s);
    const seen = [];
    for (const ev of EVENTS) s.on(ev, (data) => seen.push({ ev, data }));
    s.seen = seen;
    await h.once(s, "connect");
    return s;
  };
  const sub = (s, req) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no ack for /subscription")), 5000);
      s.emit("/subscription", req, (reply) => {
        clearTimeout(t);
        resolve(reply);
      });
    });
  const post = async (kind, body, token = "tok") => {
    const res = await fetch(`${url}/api/updates/${kind}`, {
      method: "POST",
      headers: token ? { Authorization: `Bearer ${token}`, "Content-Type": "application/json" } : {},
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  // Every client gets a chat marker; once all have it, everything sent before is in.
  let markers = 0;
  const settle = async (sockets) => {
    const text = `marker-${++markers}`;
    const got = sockets.map(
      (s) => h.waitFor(() => s.seen.some((e) => e.ev === "/message" && e.data.text === text), `${text}`));
    sockets[0].emit("/chat", { name: "test", text });
    await Promise.all(got);
  };
  // JSON with sorted keys, so that the comparison does not depend on key order.
  const canon = (v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(",")}}`
      : Array.isArray(v) ? `[${v.map(canon).join(",")}]` : JSON.stringify(v);
  const names = (s) => s.seen.filter((e) => e.ev !== "/message").map((e) => `${e.ev}:${canon(e.data)}`);

  await h.check("eio3-open-packet", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${app.port}/socket.io/?EIO=3&transport=websocket`);
    const msgs = [];
    ws.on("message", (m) => msgs.push(m.toString()));
    await h.waitFor(() => msgs.length >= 2, "open and connect packets");
    ws.close();
    if (!msgs[0].startsWith("0{")) throw new Error(`first ${msgs[0]}`);
    const open = JSON.parse(msgs[0].slice(1));
    if (typeof open.sid !== "string" || JSON.stringify(open.upgrades) !== "[]" || open.pingInterval !== 30000 ||
        open.pingTimeout !== 60000) {
      throw new Error(`open ${msgs[0]}`);
    }
    if (msgs[1] !== "40") throw new Error(`second ${msgs[1]}`);
  });

  await h.check("websocket-only", async () => {
    const res = await fetch(`${url}/socket.io/?EIO=3&transport=polling`);
    if (res.status !== 400) throw new Error(`polling answered ${res.status}`);
  });

  const a = await connectV2();
  const b = await connectV2();

  await h.check("chat-in-chat-room", async () => {
    const got = Promise.all([h.once(a, "/message"), h.once(b, "/message")]);
    a.emit("/chat", { name: "ann", text: "hello" });
    for (const [m] of await got) {
      if (m.name !== "ann" || m.text !== "hello") throw new Error(JSON.stringify(m));
    }
  });

  await h.check("chat-acked-as-flamenco", async () => {
    // Flamenco's /chat handler returns "message sent successfully." (socket.io-client 2.5 ack).
    const reply = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no ack for /chat")), 10000);
      b.emit("/chat", { name: "bea", text: "acked?" }, (r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
    if (reply !== "message sent successfully.") throw new Error(`ack ${JSON.stringify(reply)}`);
  });

  await h.check("every-client-in-jobs-and-chat-from-connect", async () => {
    // The seed text: "by default every client joins the job updates and chat rooms".
    const c = await connectV2();
    if ((await post("job", { id: U2, status: "fresh" })).status !== 200) throw new Error("post");
    await settle([c, a, b]);
    const got = names(c);
    if (JSON.stringify(got) !== JSON.stringify([`/jobs:{"id":"${U2}","status":"fresh"}`])) throw new Error(JSON.stringify(got));
    c.close();
    a.seen.length = 0;
    b.seen.length = 0;
  });

  await h.check("subscription-acks", async () => {
    const expect = async (req, pattern) => {
      const reply = await sub(a, req);
      if (!pattern.test(reply)) throw new Error(`${JSON.stringify(req)} -> ${JSON.stringify(reply)}`);
    };
    await expect({ op: "subscribe", type: "allJobs" }, /^ok$/);
    await expect({ op: "subscribe", type: "job", uuid: U1 }, /^ok$/);
    await expect({ op: "subscribe", type: "tasklog", uuid: T1 }, /^ok$/);
    await expect({ op: "subscribe", type: "allLastRendered" }, /^ok$/);
    await expect({ op: "subscribe", type: "nonsense" }, /unknown subscription type "nonsense"/);
    await expect({ op: "subscribe", type: "job" }, /invalid UUID/);
    await expect({ op: "subscribe", type: "job", uuid: "not-a-uuid" }, /invalid UUID/);
    await expect({ op: "join", type: "allJobs" }, /unknown subscription operation "join"/);
    await expect("just a string", /invalid subscription request/);
    for (const req of [
      { op: "subscribe", type: "job", uuid: U2 },
      { op: "subscribe", type: "allWorkers" },
      { op: "subscribe", type: "allWorkerTags" },
    ]) {
      if ((await sub(b, req)) !== "ok") throw new Error(`b ${JSON.stringify(req)}`);
    }
  });

  await h.check("room-broadcasts-and-isolation", async () => {
    const updates = [
      ["job", { id: U1, status: "active" }],
      ["task", { id: T1, job_id: U1, status: "queued" }],
      ["task", { id: T1, job_id: U2, status: "queued" }],
      ["last-rendered", { job_id: U2, thumbnail: "x.jpg" }],
      ["tasklog", { task_id: T1, log: "line" }],
      ["worker", { id: "w1", status: "awake" }],
      ["workertag", { tag: { id: "t", name: "gpu" } }],
    ];
    for (const [kind, body] of updates) {
      const r = await post(kind, body);
      if (r.status !== 200) throw new Error(`${kind}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    await settle([a, b]);
    const wantA = [
      `/jobs:{"id":"${U1}","status":"active"}`,
      `/task:{"id":"${T1}","job_id":"${U1}","status":"queued"}`,
      `/last-rendered:{"job_id":"${U2}","thumbnail":"x.jpg"}`,
      `/tasklog:{"log":"line","task_id":"${T1}"}`,
    ];
    const wantB = [
      `/jobs:{"id":"${U1}","status":"active"}`,  // in Jobs since its connect
      `/task:{"id":"${T1}","job_id":"${U2}","status":"queued"}`,
      `/last-rendered:{"job_id":"${U2}","thumbnail":"x.jpg"}`,
      `/workers:{"id":"w1","status":"awake"}`,
      `/workertags:{"tag":{"id":"t","name":"gpu"}}`,
    ];
    if (JSON.stringify(names(a)) !== JSON.stringify(wantA)) throw new Error(`a got ${JSON.stringify(names(a))}`);
    if (JSON.stringify(names(b)) !== JSON.stringify(wantB)) throw new Error(`b got ${JSON.stringify(names(b))}`);
  });

  await h.check("unsubscribe", async () => {
    a.seen.length = 0;
    b.seen.length = 0;
    if ((await sub(a, { op: "unsubscribe", type: "allJobs" })) !== "ok") throw new Error("unsubscribe");
    if ((await sub(b, { op: "subscribe", type: "allJobs" })) !== "ok") throw new Error("subscribe b");
    await post("job", { id: U2 });
    await settle([a, b]);
    if (names(a).length !== 0) throw new Error(`a still got ${JSON.stringify(names(a))}`);
    if (JSON.stringify(names(b)) !== JSON.stringify([`/jobs:{"id":"${U2}"}`])) throw new Error(JSON.stringify(names(b)));
  });

  await h.check("http-errors", async () => {
    if ((await post("job", { id: U1 }, null)).status !== 401) throw new Error("no token accepted");
    if ((await post("job", { id: U1 }, "wrong")).status !== 401) throw new Error("bad token accepted");
    if ((await post("nonsense", {})).status !== 404) throw new Error("unknown kind");
    if ((await post("job", "{bad json")).status !== 400) throw new Error("bad json");
    if ((await post("task", { job_id: "nope" })).status !== 400) throw new Error("bad uuid");
    const res = await fetch(`${url}/api/updates/job`);
    if (res.status !== 405) throw new Error(`GET ${res.status}`);
  });

  // 15,000 levels once crashed the app (stack overflow copying the parsed body); without
  // api_token (optional) one anonymous request did it.
  const deep = `{"id":${"[".repeat(15000)}${"]".repeat(15000)}}`;
  const deepRefused = async (base, token) => {
    const res = await fetch(`${base}/api/updates/job`, {
      method: "POST",
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      body: deep,
    });
    const body = await res.json();
    if (res.status !== 400 || !/deeper/.test(body.error)) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  };

  await h.check("deep-json-body-refused-and-alive", async () => {
    await deepRefused(url, "tok");
    if (app.proc.exitCode !== null || app.proc.signalCode !== null) throw new Error("the app died");
    if ((await post("job", { id: U1 })).status !== 200) throw new Error("not serving after");
  });

  await h.check("deep-json-body-without-api-token", async () => {
    const open = h.tempDir({ "jobmanager.json": { host: "127.0.0.1", port: 0 } });
    const anon = await h.startApp(exe, ["--config", path.join(open, "jobmanager.json")]);
    const base = `http://127.0.0.1:${anon.port}`;
    await deepRefused(base, null);
    const res = await fetch(`${base}/api/updates/job`, { method: "POST", body: JSON.stringify({ id: U1 }) });
    if (res.status !== 200) throw new Error(`not serving after: ${res.status}`);
    fs.rmSync(open, { recursive: true });
  });

  await h.check("bad-chat-is-ignored", async () => {
    a.seen.length = 0;
    a.emit("/chat", "not an object");
    a.emit("/chat", { name: 5 });
    await settle([a, b]);
    if (a.seen.filter((e) => e.ev === "/message").length !== 1) throw new Error(JSON.stringify(a.seen));
    if (!a.connected) throw new Error("disconnected");
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
