// The setup shared by the Redis cluster scripts (cluster.js, emitter.js): arguments, the Node
// member (node_server.js), two official socket.io-client 4.8 clients per server recording what
// they receive, and the marker barrier.
"use strict";
const { io } = require("socket.io-client");
const { once, ask, waitFor } = require("../interop/common");
const { startNodeServer } = require("./node_server");

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--redis-port") out.redisPort = Number(argv[++i]);
    else if (argv[i] === "--ours") out.ours = argv[++i].split(",").map(Number);
    else if (argv[i] === "--mode") out.mode = argv[++i];
  }
  return out;
}

// Servers A and B (ours) and N (Node, unless withNode is false); c[X] the main client of server
// X, e[X] an extra one.
async function startCluster({ withNode = true } = {}) {
  const opts = args();
  const node = withNode ? await startNodeServer(opts.redisPort, "N") : null;
  const ports = { A: opts.ours[0], B: opts.ours[1] };
  if (node) ports.N = node.port;
  const names = Object.keys(ports);
  const transports = opts.mode === "polling" ? ["polling"] : ["websocket"];
  const all = [];
  const connect = async (server, name) => {
    const s = io(`http://127.0.0.1:${ports[server]}`, { transports, forceNew: true, reconnection: false, auth: { name } });
    s.log = [];
    s.onAny((event, ...a) => s.log.push([event, ...a]));
    s.on("ask", (arg, cb) => cb(`${name}:${arg}`));
    all.push(s);
    await once(s, "connect", 10000);
    return s;
  };
  const c = {}, e = {};
  for (const x of names) {
    c[x] = await connect(x, "c" + x);
    e[x] = await connect(x, "e" + x);
  }
  const clients = () => names.flatMap((x) => [c[x], e[x]]);
  const got = (s, event, pred = () => true) => s.log.some((m) => m[0] === event && pred(m.slice(1)));
  // Waits until every client got marker `id`, sent from server `from` after the thing under test
  // (from the same publisher), so what they should not have got would have arrived before it.
  let markers = 0;
  const barrier = async (from) => {
    const id = `m${++markers}`;
    await ask(c[from], "emit", { event: "marker", args: [id] });
    await waitFor(() => clients().every((s) => got(s, "marker", (a) => a[0] === id)), `marker ${id}`, 10000);
  };
  const reset = () => clients().forEach((s) => (s.log = []));
  const close = async () => {
    all.forEach((s) => s.close());
    if (node) await node.close();
  };
  return { names, c, e, connect, clients, got, barrier, reset, close };
}

module.exports = { startCluster };
