// Browser tests of the WebAssembly client (registered in CTest by tests/browser/CMakeLists.txt).
//
// usage: node run.js --bundle <socket.io.js> --server ours --testserver <sio-testserver>
//        node run.js --bundle <socket.io.js> --server node
//        node run.js --bundle <socket.io.js> --server demo --testserver <sio-testserver> --static <web-demo>
//        node run.js --bundle <socket.io.js> --server ours|node [--testserver ...] --static <build of examples/chat>
//        [--parser msgpack [--no-parser-option]] [--modes polling,websocket,upgrade]
//
// Starts the server (sio-testserver with DemoApp, or node_server.js: the official Socket.IO 4.8
// server) on a free port, serving tests/browser/page/ and the bundle at /socket.io.js; loads the
// page in headless Debian Chromium (playwright-core, /usr/bin/chromium) once per transport mode
// (polling, websocket, upgrade) and prints its results. With --server ours it also checks how
// the bundle is served (/socket.io.js and /socket.io/socket.io.js: content type, ETag, 304, gzip).
// With --server demo it serves web-demo/ instead and chats between two pages (everyone + a room).
// Exit code 0 only if every check passed; a missing bundle is a failure, never a skip.
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const { startListening, stopProcess } = require("../support/listening_process");

const argv = process.argv.slice(2);
const arg = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const bundle = arg("--bundle");
const serverKind = arg("--server") || "ours";
const testserver = arg("--testserver");
const modes = (arg("--modes") || "polling,websocket,upgrade").split(",");
// --parser msgpack: the server speaks socket.io-msgpack-parser, and the page (a copy of
// tests/browser/page/ in a temporary directory) gets the npm parser bundled by esbuild as the
// global msgpackParser, which tests.js passes to every io().
const parserName = arg("--parser") || "default";
// --no-parser-option (with --parser msgpack): the page does not get the npm parser and passes no
// parser option, as a page written for socket.io-client's socket.io.msgpack.min.js; the bundle
// (socket.io.msgpack.js) speaks MessagePack by default.
const noParserOption = process.argv.includes("--no-parser-option");
// The page: tests/browser/page/ (the JS API tests), or --static <dir> (web-demo/ with --server demo;
// the em++ build of examples/chat, whose index.html reports the same window.__results/__done).
let pageDir = arg("--static") || path.join(__dirname, "page");

let failures = 0;
const pass = (what) => console.log(`PASS ${what}`);
const fail = (what) => {
  failures++;
  console.log(`FAIL ${what}`);
};

function die(message) {
  console.log(`FAIL ${message}`);
  process.exit(1);
}

if (!bundle || !fs.existsSync(bundle)) {
  die(`the WebAssembly client bundle is missing: ${bundle || "(no --bundle given)"}; build it with ` +
      "scripts/build-wasm.sh (or point CMake's SIO_WASM_DIR at its output directory)");
}
if (serverKind !== "node" && (!testserver || !fs.existsSync(testserver))) die(`sio-testserver not found: ${testserver}`);

// Starts the server; resolves with { proc, port } once it prints "listening on http://host:port/".
function startServer() {
  let cmd;
  let args;
  if (serverKind === "ours") {
    cmd = testserver;
    args = ["--port", "0", "--client-bundle", bundle, "--static", pageDir, "--recovery",
            "--ping-interval", "1000", "--ping-timeout", "2000", "--parser", parserName];
  } else if (serverKind === "demo") {
    cmd = testserver;
    args = ["--port", "0", "--client-bundle", bundle, "--static", pageDir];
  } else {
    cmd = process.execPath;
    args = [path.join(__dirname, "node_server.js"), "--bundle", bundle, "--static", pageDir, "--parser", parserName];
  }
  return startListening(cmd, args).started;
}

function request(port, target, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = require("http").get({ host: "127.0.0.1", port, path: target, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.setTimeout(10000, () => req.destroy(new Error("request timeout")));
  });
}

async function checkServing(port) {
  // The bundle, and the .wasm our bundle loads from beside itself (when the bundle has one: the
  // single-file build embeds it).
  const wasmName = path.basename(bundle).replace(/\.js$/, ".wasm");
  const wasmFile = path.join(path.dirname(bundle), wasmName);
  const files = [["/socket.io.js", bundle, /^application\/javascript/], ["/socket.io/socket.io.js", bundle, /^application\/javascript/]];
  if (fs.existsSync(wasmFile)) {
    files.push([`/${wasmName}`, wasmFile, /^application\/wasm$/], [`/socket.io/${wasmName}`, wasmFile, /^application\/wasm$/]);
  }
  for (const [target, file, type] of files) {
    const raw = fs.readFileSync(file);
    const r = await request(port, target);
    const ok = r.status === 200 && type.test(r.headers["content-type"] || "") &&
               r.body.equals(raw) && !r.headers["content-encoding"] && !!r.headers.etag;
    (ok ? pass : fail)(`serve ${target}: 200, ${type.source.replace(/[\\^$]/g, "")}, ETag, identical bytes` +
                       (ok ? "" : ` (status ${r.status}, type ${r.headers["content-type"]}, ${r.body.length} bytes)`));
    if (!r.headers.etag) continue;
    const nm = await request(port, target, { "If-None-Match": r.headers.etag });
    (nm.status === 304 && nm.body.length === 0 ? pass : fail)(`serve ${target}: 304 on If-None-Match (got ${nm.status})`);
    const gz = await request(port, target, { "Accept-Encoding": "gzip, deflate, br" });
    let same = false;
    try {
      same = gz.headers["content-encoding"] === "gzip" && zlib.gunzipSync(gz.body).equals(raw);
    } catch (e) {
      same = false;
    }
    (same && gz.body.length < raw.length ? pass : fail)(
      `serve ${target}: gzip when accepted (${gz.headers["content-encoding"] || "no encoding"}, ${gz.body.length} bytes)`);
  }
}

async function runPage(browser, port, mode) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${port}/index.html?mode=${mode}`);
  // Waits for the page's progress, not for a total duration: it fails only when no new result
  // comes for 180 s (the page's own stall guard fails a test after 60 s without an event).
  for (let seen = 0; ;) {
    try {
      const state = await page.waitForFunction((n) => {
        const count = (window.__results || []).length;
        return window.__done === true || count > n ? { done: window.__done === true, count } : false;
      }, seen, { timeout: 180000, polling: 200 }).then((h) => h.jsonValue());
      if (state.done) break;
      seen = state.count;
    } catch (e) {
      fail(`[${serverKind}/${mode}] page made no progress: ${e.message}`);
      break;
    }
  }
  const results = await page.evaluate(() => window.__results || []);
  for (const line of results) {
    if (line.startsWith("PASS ")) pass(`[${serverKind}/${mode}] ${line.slice(5)}`);
    else fail(`[${serverKind}/${mode}] ${line.replace(/^FAIL /, "")}`);
  }
  if (results.length === 0) fail(`[${serverKind}/${mode}] no results`);
  for (const e of errors) fail(`[${serverKind}/${mode}] uncaught error in the page: ${e}`);
  await context.close();
}

// The web demo: two pages chat in "everyone", then both join a room and chat there.
async function runDemo(browser, port) {
  const context = await browser.newContext();
  const errors = [];
  const open = async (name) => {
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.addInitScript((n) => localStorage.setItem("sio-demo-name", n), name);
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector(".status.on", { timeout: 20000 });
    return page;
  };
  const step = async (what, fn) => {
    try {
      await fn();
      pass(`[demo] ${what}`);
    } catch (e) {
      fail(`[demo] ${what}: ${e.message}`);
    }
  };
  const say = async (page, text) => {
    await page.fill("#text", text);
    await page.press("#text", "Enter");
  };
  const sees = (page, text) =>
    page.waitForFunction((t) => [...document.querySelectorAll("#messages li")].some((li) => li.textContent.includes(t)),
                         text, { timeout: 15000 });
  let alice;
  let bob;
  await step("two pages connect", async () => {
    alice = await open("alice");
    bob = await open("bob");
  });
  if (alice && bob) {
    await step("a message to everyone reaches both pages", async () => {
      await say(alice, "hello everyone");
      await sees(bob, "hello everyone");
      await sees(alice, "hello everyone");
    });
    await step("a room message reaches the other member", async () => {
      for (const page of [alice, bob]) {
        await page.fill("#room", "lobby");
        await page.press("#room", "Enter");
        await sees(page, "you joined lobby");
      }
      await say(bob, "hi lobby");
      await sees(alice, "hi lobby");  // joining switched alice's view to the room
    });
  }
  for (const e of errors) fail(`[demo] uncaught error in the page: ${e}`);
  await context.close();
}

// A copy of the page with socket.io-msgpack-parser (npm) bundled by esbuild (npm) as the global
// msgpackParser, loaded before tests.js. Returns the copy's directory.
async function pageWithMsgpackParser() {
  const os = require("os");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sio-browser-msgpack-"));
  fs.cpSync(pageDir, dir, { recursive: true });
  await require("esbuild").build({
    stdin: { contents: 'module.exports = require("socket.io-msgpack-parser");', resolveDir: dir },
    bundle: true, format: "iife", globalName: "msgpackParser", platform: "browser",
    outfile: path.join(dir, "msgpack-parser.js"), nodePaths: [path.join(__dirname, "..", "node_modules")],
    logLevel: "silent",
  });
  const index = path.join(dir, "index.html");
  const html = fs.readFileSync(index, "utf8");
  if (!html.includes('<script src="tests.js">')) throw new Error("index.html: no tests.js script tag");
  fs.writeFileSync(index, html.replace('<script src="tests.js">', '<script src="msgpack-parser.js"></script>\n<script src="tests.js">'));
  return dir;
}

(async () => {
  let server;
  let browser;
  let copy;
  try {
    if (parserName === "msgpack" && !noParserOption) pageDir = copy = await pageWithMsgpackParser();
    server = await startServer();
    if (serverKind === "ours") await checkServing(server.port);
    const { chromium } = require("playwright-core");
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-quic", "--no-first-run", "--disable-sync"],
    });
    if (serverKind === "demo") await runDemo(browser, server.port);
    else for (const mode of modes) await runPage(browser, server.port, mode);
  } catch (e) {
    fail(`runner: ${e.stack || e}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) await stopProcess(server.proc);
    if (copy) fs.rmSync(copy, { recursive: true, force: true });
  }
  console.log(failures ? `${failures} check(s) failed` : "all checks passed");
  process.exit(failures ? 1 : 0);
})();
