// The npm package of the browser client (build-wasm/npm/, wasm/make_package.js) used as a
// user would (registered in CTest by tests/browser/CMakeLists.txt):
//
// usage: node package.js --package <build-wasm/npm> --server ours --testserver <sio-testserver>
//        node package.js --package <build-wasm/npm> --server node
//        node package.js --package <build-wasm/npm> --types
//        [--parser msgpack]   (the server speaks socket.io-msgpack-parser; the page passes the
//                              npm parser as io(url, { parser }))
//
// In a temporary directory: node_modules/sio-cpp-client (a copy of the package), the page
// tests/browser/package/app.js bundled by esbuild (npm) into www/app.js (ESM, resolved through
// the package's exports map; socket.io-msgpack-parser from tests/node_modules), socket.io.wasm
// copied beside it (esbuild leaves new URL(..., import.meta.url) alone), and the classic script
// with its .wasm in www/vendor/. Then the server (sio-testserver with DemoApp, or the official
// Socket.IO 4.8 server, tests/browser/node_server.js) serves www/ and headless Chromium loads
// the bundled page (and the classic one, default parser only) over polling, WebSocket and upgrade.
// --types instead runs tsc (typescript, npm) --noEmit --strict on package/types.ts (the module's
// types, socket.io-client-shaped code) and package/types_global.ts (the classic script's io).
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { startListening, stopProcess } = require("../support/listening_process");

const argv = process.argv.slice(2);
const arg = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const pkgDir = arg("--package");
const serverKind = arg("--server") || "ours";
const testserver = arg("--testserver");
const parser = arg("--parser") || "default";
const typesOnly = argv.includes("--types");
const modes = (arg("--modes") || "polling,websocket,upgrade").split(",");
const here = path.join(__dirname, "package");
const nodeModules = path.join(__dirname, "..", "node_modules");

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

if (!pkgDir || !fs.existsSync(path.join(pkgDir, "package.json"))) {
  die(`the npm package is missing: ${pkgDir || "(no --package given)"}; build it with scripts/build-wasm.sh ` +
      "(or point CMake's SIO_WASM_DIR at its output directory)");
}
if (!typesOnly && serverKind === "ours" && (!testserver || !fs.existsSync(testserver))) die(`sio-testserver not found: ${testserver}`);

// The user's project: node_modules/sio-cpp-client is a copy of the package, as npm installs it.
const work = fs.mkdtempSync(path.join(os.tmpdir(), "sio-npm-package-"));
const installed = path.join(work, "node_modules", "sio-cpp-client");
fs.cpSync(pkgDir, installed, { recursive: true });

function typeCheck() {
  fs.copyFileSync(path.join(here, "types.ts"), path.join(work, "types.ts"));
  fs.copyFileSync(path.join(here, "types_global.ts"), path.join(work, "types_global.ts"));
  const tsc = path.join(nodeModules, "typescript", "bin", "tsc");
  for (const file of ["types.ts", "types_global.ts"]) {
    const config = path.join(work, `tsconfig.${file}.json`);
    fs.writeFileSync(config, JSON.stringify({
      compilerOptions: { noEmit: true, strict: true, target: "es2020", lib: ["es2020", "dom"], module: "esnext",
                         moduleResolution: "bundler", types: [] },
      files: [file],
    }));
    try {
      execFileSync(process.execPath, [tsc, "-p", config], { cwd: work, encoding: "utf8", stdio: "pipe" });
      pass(`tsc --noEmit --strict ${file} against the package's declarations`);
    } catch (e) {
      fail(`tsc ${file}:\n${e.stdout || ""}${e.stderr || e.message}`);
    }
  }
}

async function bundle() {
  const www = path.join(work, "www");
  fs.mkdirSync(path.join(www, "vendor"), { recursive: true });
  // With --parser msgpack the page imports sio-cpp-client/msgpack (app_msgpack.js): the bundle
  // with the MessagePack parser, socket.io.msgpack.mjs, whose .wasm is socket.io.msgpack.wasm.
  const app = parser === "msgpack" ? "app_msgpack.js" : "app.js";
  const base = parser === "msgpack" ? "socket.io.msgpack" : "socket.io";
  for (const f of [app, "checks.js", "index.html", "classic.html"]) {
    fs.copyFileSync(path.join(here, f), path.join(work, f));
  }
  const esbuild = require("esbuild");
  const result = await esbuild.build({
    entryPoints: [path.join(work, app)], bundle: true, format: "esm", platform: "browser",
    outfile: path.join(www, "app.js"), nodePaths: [nodeModules], logLevel: "silent", metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs);
  const fromPackage = inputs.find((f) => f.endsWith(`sio-cpp-client/${base}.mjs`));
  (fromPackage ? pass : fail)(`esbuild bundled the package's ES module through its exports map (${fromPackage || inputs.join(", ")})`);
  for (const w of result.warnings) console.log(`esbuild warning: ${w.text}`);
  fs.copyFileSync(path.join(installed, `${base}.wasm`), path.join(www, `${base}.wasm`));
  fs.copyFileSync(path.join(work, "checks.js"), path.join(www, "checks.js"));
  fs.copyFileSync(path.join(work, "index.html"), path.join(www, "index.html"));
  fs.copyFileSync(path.join(work, "classic.html"), path.join(www, "classic.html"));
  for (const f of ["socket.io.js", "socket.io.wasm"]) fs.copyFileSync(path.join(installed, f), path.join(www, "vendor", f));
  return www;
}

function startServer(www) {
  let cmd;
  let args;
  if (serverKind === "ours") {
    cmd = testserver;
    args = ["--port", "0", "--static", www, "--parser", parser];
  } else {
    cmd = process.execPath;
    args = [path.join(__dirname, "node_server.js"), "--bundle", path.join(www, "vendor", "socket.io.js"), "--static", www,
            "--parser", parser];
  }
  return startListening(cmd, args).started;
}

async function runPage(browser, port, page_, mode) {
  const label = `[${serverKind}/${parser}/${page_}/${mode}]`;
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  await page.goto(`http://127.0.0.1:${port}/${page_}?mode=${mode}&parser=${parser}`);
  try {
    await page.waitForFunction(() => window.__done === true, null, { timeout: 120000, polling: 200 });
  } catch (e) {
    fail(`${label} the page did not finish: ${e.message}`);
  }
  const results = await page.evaluate(() => window.__results || []);
  for (const line of results) {
    if (line.startsWith("PASS ")) pass(`${label} ${line.slice(5)}`);
    else fail(`${label} ${line.replace(/^FAIL /, "")}`);
  }
  if (results.length === 0) fail(`${label} no results`);
  for (const e of errors) fail(`${label} error in the page: ${e}`);
  await context.close();
}

(async () => {
  let server;
  let browser;
  try {
    if (typesOnly) {
      typeCheck();
    } else {
      const www = await bundle();
      server = await startServer(www);
      const { chromium } = require("playwright-core");
      browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        headless: true,
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-quic", "--no-first-run", "--disable-sync"],
      });
      const pages = parser === "default" ? ["index.html", "classic.html"] : ["index.html"];
      for (const p of pages) for (const mode of modes) await runPage(browser, server.port, p, mode);
    }
  } catch (e) {
    fail(`runner: ${e.stack || e}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) await stopProcess(server.proc);
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(failures ? `${failures} check(s) failed` : "all checks passed");
  process.exit(failures ? 1 : 0);
})();
