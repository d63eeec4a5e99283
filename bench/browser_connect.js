// bench/browser_connect.js - the browser client beside socket.io-client's official bundle: bytes
// the page downloads for the client (raw, gzip -9, brotli q11) and time from the <script> tag to
// the first "connect" in headless Chromium (/usr/bin/chromium through playwright-core), on loopback
// and with Chromium's network throttling ("Fast 3G" of DevTools, through the DevTools protocol's
// Network.emulateNetworkConditions). Also the sizes of the MessagePack bundles (ours:
// socket.io.msgpack.js + .wasm; socket.io-client's socket.io.msgpack.min.js).
//
// usage: node bench/browser_connect.js --testserver <sio-testserver> [--wasm-dir build-wasm] [--runs 7]
//
// Each bundle is served by its own sio-testserver (--client-bundle FILE: served at /socket.io.js,
// with its siblings such as socket.io.wasm, compressed as the browser accepts: brotli) with the page
// bench/browser_page/index.html; only the file behind /socket.io.js differs. Every run is a fresh
// browser context (empty HTTP cache). Prints the median and the spread of the runs. Not a test.
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const common = require("./browser_common");

const { arg, median, withTimeout } = common;
const die = (message) => common.die("browser_connect", message);
const testserver = arg("--testserver");
const wasmDir = path.resolve(arg("--wasm-dir", path.join(common.root, "build-wasm")));
const runs = Number(arg("--runs", process.env.BENCH_BROWSER_RUNS || 7));
const nodeModules = common.nodeModules;
if (!testserver || !fs.existsSync(testserver)) die(`sio-testserver not found: ${testserver} (--testserver PATH)`);

const bundles = common.clientBundles("browser_connect", wasmDir);
// Sizes only (the page speaks socket.io-parser's format): the MessagePack bundles, each beside the
// other (ratios against socket.io.msgpack.min.js).
const msgpackBundles = [
  { name: "socket.io.msgpack.min.js", parts: [path.join(nodeModules, "socket.io-client/dist/socket.io.msgpack.min.js")] },
  { name: "ours: socket.io.msgpack.js + .wasm",
    parts: [path.join(wasmDir, "socket.io.msgpack.js"), path.join(wasmDir, "socket.io.msgpack.wasm")] },
];
for (const b of msgpackBundles) for (const p of b.parts) if (!fs.existsSync(p)) die(`missing ${p} (scripts/build-wasm.sh)`);

// DevTools' "Fast 3G" preset (bytes per second, ms).
const kFast3g = { offline: false, latency: 150 * 3.75, downloadThroughput: (1.6 * 1000 * 1000) / 8 * 0.9,
                  uploadThroughput: (750 * 1000) / 8 * 0.9 };

function sizes(parts) {
  let raw = 0;
  let gz = 0;
  let br = 0;
  for (const p of parts) {
    const data = fs.readFileSync(p);
    raw += data.length;
    gz += zlib.gzipSync(data, { level: 9 }).length;
    br += zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  return { raw, gz, br };
}

// One page load in a fresh context: { fromTag, fromStart } in ms (the script tag / the navigation's
// start to the first connect).
async function once(browser, port, throttle) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    if (throttle) {
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
      await cdp.send("Network.emulateNetworkConditions", throttle);
    }
    await page.goto(`http://127.0.0.1:${port}/index.html`);
    // page.evaluate of a promise the page resolves, not waitForFunction: that one injects
    // playwright's utility script (about 9 ms of the page's main thread, measured in a trace) and
    // polls, landing in the middle of a client that is still starting (ours, whose .wasm arrives
    // after the load event), and so counting the harness in its time.
    const t = await withTimeout(page.evaluate(() => window.__connected.then(() => (
      { tag: window.__connect - window.__t0, start: window.__connect }))), 120000, "no connect");
    return { fromTag: t.tag, fromStart: t.start };
  } finally {
    await context.close();
  }
}

(async () => {
  const results = await common.measureBundles(testserver, bundles, async (browser, b, port) => {
    const r = { bundle: b, size: sizes(b.parts) };
    for (const [key, throttle] of [["loopback", null], ["fast3g", kFast3g]]) {
      await once(browser, port, throttle);  // warm-up (the server's compression cache)
      const tags = [];
      const starts = [];
      for (let i = 0; i < runs; i++) {
        const t = await once(browser, port, throttle);
        tags.push(t.fromTag);
        starts.push(t.fromStart);
      }
      r[key] = { tag: median(tags), start: median(starts), min: Math.min(...tags), max: Math.max(...tags) };
    }
    return r;
  });
  const official = results[0];
  const kb = (n) => (n / 1024).toFixed(1);
  const line = (cells) => console.log(cells.map((c, i) => (i === 0 ? String(c).padEnd(36) : String(c).padStart(11))).join(" "));
  console.log(`browser client: headless Chromium (/usr/bin/chromium), ${runs} runs each ` +
              "(median; min-max of script tag -> connect in brackets), fresh context per run");
  line(["bundle", "raw KiB", "gzip KiB", "brotli KiB", "gzip ratio"]);
  for (const r of results) {
    line([r.bundle.name, kb(r.size.raw), kb(r.size.gz), kb(r.size.br), (r.size.gz / official.size.gz).toFixed(2)]);
  }
  const msgpackSizes = msgpackBundles.map((b) => ({ bundle: b, size: sizes(b.parts) }));
  for (const r of msgpackSizes) {
    line([r.bundle.name, kb(r.size.raw), kb(r.size.gz), kb(r.size.br), (r.size.gz / msgpackSizes[0].size.gz).toFixed(2)]);
  }
  line(["time to first connect (ms)", "loopback", "ratio", "Fast 3G", "ratio"]);
  for (const r of results) {
    line([r.bundle.name, r.loopback.tag.toFixed(0), (r.loopback.tag / official.loopback.tag).toFixed(2),
          r.fast3g.tag.toFixed(0), (r.fast3g.tag / official.fast3g.tag).toFixed(2)]);
    line(["  (spread)", `${r.loopback.min.toFixed(0)}-${r.loopback.max.toFixed(0)}`, "",
          `${r.fast3g.min.toFixed(0)}-${r.fast3g.max.toFixed(0)}`, ""]);
  }
  line(["from navigation start (ms)", "loopback", "", "Fast 3G", ""]);
  for (const r of results) line([r.bundle.name, r.loopback.start.toFixed(0), "", r.fast3g.start.toFixed(0), ""]);
  for (const r of results) {
    console.log(`RESULT bundle="${r.bundle.name}" raw=${r.size.raw} gzip=${r.size.gz} brotli=${r.size.br} ` +
                `loopback_ms=${r.loopback.tag.toFixed(1)} fast3g_ms=${r.fast3g.tag.toFixed(1)}`);
  }
  for (const r of msgpackSizes) {
    console.log(`RESULT bundle="${r.bundle.name}" raw=${r.size.raw} gzip=${r.size.gz} brotli=${r.size.br}`);
  }
})().catch((e) => die(e.stack || String(e)));
