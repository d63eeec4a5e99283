// bench/browser_common.js - what the browser benchmarks share (bench/browser_connect.js,
// bench/browser_emits.js): their command line, headless Chromium, the bundles compared, the
// server that serves a bundle with bench/browser_page/, a time bound, and the median.
"use strict";
const fs = require("fs");
const path = require("path");
const { startListening, stopProcess } = require("../tests/support/listening_process");

const root = path.join(__dirname, "..");
const nodeModules = path.join(root, "tests", "node_modules");
const pageDir = path.join(__dirname, "browser_page");

// The value after `name` on the command line, or `dflt`.
function arg(name, dflt) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
}

// Prints "<script>: message" and exits with 1.
function die(script, message) {
  console.error(`${script}: ${message}`);
  process.exit(1);
}

// Debian's Chromium, headless, with no background traffic of its own.
function launchChromium() {
  const { chromium } = require("playwright-core");
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
           "--disable-quic", "--no-first-run", "--disable-sync"],
  });
}

// The official bundle and ours: { name, file (served at /socket.io.js), parts (what the page
// downloads) }; the single-file build of ours too with `single`. Dies if a file is missing.
function clientBundles(script, wasmDir, { single = true } = {}) {
  const official = path.join(nodeModules, "socket.io-client/dist/socket.io.min.js");
  const bundles = [
    { name: "socket.io.min.js (official)", file: official, parts: [official] },
    { name: "ours: socket.io.js + .wasm", file: path.join(wasmDir, "socket.io.js"),
      parts: [path.join(wasmDir, "socket.io.js"), path.join(wasmDir, "socket.io.wasm")] },
  ];
  if (single) {
    const file = path.join(wasmDir, "socket.io.single.js");
    bundles.push({ name: "ours: socket.io.single.js", file, parts: [file] });
  }
  for (const b of bundles) for (const p of b.parts) if (!fs.existsSync(p)) die(script, `missing ${p} (scripts/build-wasm.sh)`);
  return bundles;
}

// For each bundle in turn, a sio-testserver serving it at /socket.io.js (with its siblings) and
// bench/browser_page/, and `measure(browser, bundle, port)` run against it, in one headless
// Chromium; resolves with what each call returned, in order.
async function measureBundles(testserver, bundles, measure) {
  const browser = await launchChromium();
  const results = [];
  try {
    for (const b of bundles) {
      const server = await startListening(testserver, ["--port", "0", "--client-bundle", b.file, "--static", pageDir]).started;
      try {
        results.push(await measure(browser, b, server.port));
      } finally {
        await stopProcess(server.proc);
      }
    }
  } finally {
    await browser.close();
  }
  return results;
}

// `promise`, or a rejection with Error(what) after `ms`.
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(what)), ms); })])
    .finally(() => clearTimeout(timer));
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

module.exports = { root, nodeModules, arg, die, clientBundles, measureBundles, withTimeout, median };
