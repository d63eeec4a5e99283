// bench/browser_emits.js - the browser client beside socket.io-client's official bundle: emits
// with acks per second from a page in headless Chromium, and the page's main-thread time per emit
// and ack (Chromium's TaskDuration metric, read through the DevTools protocol before and after
// each run: the figure that holds on a noisy machine).
//
// usage: node bench/browser_emits.js --testserver <sio-testserver> [--wasm-dir build-wasm]
//                                    [--count 20000] [--window 100] [--runs 5]
//
// Each bundle is served by its own sio-testserver (--client-bundle FILE) with the page
// bench/browser_page/emits.html, which connects over WebSocket to that server and emits "echo"
// with a 16-byte string and an ack, `window` at a time (as bench/native_emits.cpp does natively).
// The server is the same for both; only the file behind /socket.io.js differs. One page per
// bundle; the runs follow each other in it. Prints the medians. Not a test.
"use strict";
const fs = require("fs");
const path = require("path");
const common = require("./browser_common");

const { arg, median, withTimeout } = common;
const die = (message) => common.die("browser_emits", message);
const testserver = arg("--testserver");
const wasmDir = path.resolve(arg("--wasm-dir", path.join(common.root, "build-wasm")));
const count = Number(arg("--count", 20000));
const windowSize = Number(arg("--window", 100));
const runs = Number(arg("--runs", 5));
const payload = "x".repeat(16);
if (!testserver || !fs.existsSync(testserver)) die(`sio-testserver not found: ${testserver} (--testserver PATH)`);

// Main-thread busy time of the page so far, in seconds (Performance.getMetrics: TaskDuration).
async function taskSeconds(cdp) {
  const { metrics } = await cdp.send("Performance.getMetrics");
  const m = metrics.find((x) => x.name === "TaskDuration");
  if (!m) throw new Error("no TaskDuration metric");
  return m.value;
}

(async () => {
  const bundles = common.clientBundles("browser_emits", wasmDir, { single: false });
  const results = await common.measureBundles(testserver, bundles, async (browser, b, port) => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Performance.enable");
      await page.goto(`http://127.0.0.1:${port}/emits.html`);
      // (Bounded, as every step of the benchmarks: a client that stops answering fails the run.)
      const run = (n) => withTimeout(page.evaluate(([c, w, p]) => window.runEmits(c, w, p), [n, windowSize, payload]),
                                     300000, `${b.name}: ${n} emits did not finish in 300 s`);
      await run(Math.min(count, 2000));  // warm-up
      const rates = [];
      const busy = [];
      for (let i = 0; i < runs; i++) {
        const before = await taskSeconds(cdp);
        const ms = await run(count);
        const after = await taskSeconds(cdp);
        rates.push(count / (ms / 1000));
        busy.push(((after - before) / count) * 1e6);
      }
      return { bundle: b, rate: median(rates), busy: median(busy), min: Math.min(...rates), max: Math.max(...rates) };
    } finally {
      await context.close();
    }
  });
  const official = results[0];
  const line = (cells) => console.log(cells.map((c, i) => (i === 0 ? String(c).padEnd(36) : String(c).padStart(12))).join(" "));
  console.log(`browser emits with acks: headless Chromium (/usr/bin/chromium), WebSocket, ${count} emits ` +
              `(window ${windowSize}, ${payload.length}-byte payload) x ${runs} runs (median; min-max in brackets)`);
  line(["bundle", "emit/s", "ratio", "main us/emit", "ratio"]);
  for (const r of results) {
    line([r.bundle.name, r.rate.toFixed(0), (r.rate / official.rate).toFixed(2), r.busy.toFixed(1),
          (r.busy / official.busy).toFixed(2)]);
    line(["  (spread)", `${r.min.toFixed(0)}-${r.max.toFixed(0)}`, "", "", ""]);
  }
  for (const r of results) {
    console.log(`RESULT bundle="${r.bundle.name}" emits_per_sec=${r.rate.toFixed(0)} main_thread_us_per_emit=${r.busy.toFixed(1)}`);
  }
})().catch((e) => die(e.stack || String(e)));
