// Raw HTTP requests against the C++ Engine.IO server (no Engine.IO client), for the error codes,
// CORS, the client bundle and other wire details. The C++ test asserts on what this prints.
// Usage: node raw.js '{"port":N,"steps":[step...]}'
//   step: {"method","path","headers"?,"body"?,"bodyHex"?,"saveSid"?: true}
//         or {"parallel": [step, step...]} (sent at once, results in the same order)
//   "$SID" in a path is replaced by the sid saved from the last handshake with saveSid.
// Prints one line per step: {"status","headers","body","bodyHex"} (or an array for parallel).
"use strict";
const http = require("http");

const args = JSON.parse(process.argv[2]);
let sid = "";
setTimeout(() => {
  process.stdout.write(JSON.stringify({ error: "timeout" }) + "\n");
  process.exit(1);
}, args.timeoutMs || 15000).unref();

function request(step) {
  return new Promise((resolve) => {
    const path = step.path.replace("$SID", encodeURIComponent(sid));
    const body = step.bodyHex !== undefined ? Buffer.from(step.bodyHex, "hex")
      : step.body !== undefined ? Buffer.from(step.body, "utf8") : null;
    const headers = Object.assign({}, step.headers || {});
    if (body) headers["Content-Length"] = body.length;
    const req = http.request({ host: "127.0.0.1", port: args.port, method: step.method || "GET", path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const data = Buffer.concat(chunks);
        const result = { status: res.statusCode, headers: res.headers, body: data.toString("utf8"), bodyHex: data.toString("hex") };
        if (step.saveSid) {
          const m = /"sid":"([^"]+)"/.exec(result.body);
          if (m) sid = m[1];
          result.sid = sid;
        }
        resolve(result);
      });
      res.on("error", (e) => resolve({ error: String(e.message) }));
    });
    req.on("error", (e) => resolve({ error: String(e.message) }));
    if (body) req.write(body);
    req.end();
  });
}

(async () => {
  for (const step of args.steps) {
    let result;
    if (step.parallel) result = await Promise.all(step.parallel.map(request));
    else result = await request(step);
    process.stdout.write(JSON.stringify(result) + "\n");
  }
  process.exit(0);
})();
