// wasm/make_package.js OUT_DIR VERSION JS WASM SINGLE_JS MSGPACK_JS MSGPACK_WASM - assembles the npm package of the browser
// client (built here, not published) in OUT_DIR from the bundle emcc + minify.js produced:
//   socket.io.js, socket.io.wasm, socket.io.single.js   the classic scripts, as built
//   socket.io.msgpack.js, socket.io.msgpack.wasm         the bundle with the MessagePack parser
//   socket.io.mjs, socket.io.msgpack.mjs                 the ES modules: the same scripts, each given an
//        object of its own as root (no global io) and the .wasm's URL resolved against the module's
//        URL (new URL("./socket.io.wasm", import.meta.url): bundlers that know this form, such as
//        vite and webpack, emit the .wasm as an asset; otherwise copy it beside the output)
//   package.json (the exports map), index.d.ts + global.d.ts (types), README.md
// from the templates in wasm/package/. The bundle's outer function takes its root from
// __sioCppModule when that exists (wasm/src/suffix.js), and prefix.js reads __sioWasmUrl from it.
"use strict";
const fs = require("fs");
const path = require("path");

const [out, version, js, wasm, single, msgpackJs, msgpackWasm] = process.argv.slice(2);
if (!out || !version || !js || !wasm || !single || !msgpackJs || !msgpackWasm) {
  console.error("usage: node make_package.js OUT_DIR VERSION socket.io.js socket.io.wasm socket.io.single.js " +
                "socket.io.msgpack.js socket.io.msgpack.wasm");
  process.exit(2);
}
const templates = path.join(__dirname, "package");
fs.mkdirSync(out, { recursive: true });
for (const f of [js, wasm, single, msgpackJs, msgpackWasm]) fs.copyFileSync(f, path.join(out, path.basename(f)));

// The ES module of a classic script: its text, given an object of its own as root, with the URL of
// its .wasm resolved against the module's URL.
function writeModule(script, wasmName, moduleName) {
  const text = fs.readFileSync(script, "utf8");
  const banner = /^\/\*![^]*?\*\/\n?/.exec(text);
  const body = banner ? text.slice(banner[0].length) : text;
  fs.writeFileSync(path.join(out, moduleName),
    (banner ? banner[0].trimEnd() + "\n" : "") +
    `const __sioCppModule = { __sioWasmUrl: new URL("./${wasmName}", import.meta.url).href };\n` +
    body.trimEnd() + "\n" +
    "const io = __sioCppModule.io;\n" +
    "export const Manager = io.Manager;\n" +
    "export const Socket = io.Socket;\n" +
    "export const protocol = io.protocol;\n" +
    "export { io, io as connect, io as default };\n");
}
writeModule(js, path.basename(wasm), "socket.io.mjs");
// sio-cpp-client/msgpack: the bundle with socket.io-msgpack-parser's format (its default).
writeModule(msgpackJs, path.basename(msgpackWasm), "socket.io.msgpack.mjs");

const pkg = JSON.parse(fs.readFileSync(path.join(templates, "package.json"), "utf8"));
pkg.version = version;
fs.writeFileSync(path.join(out, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
for (const f of ["index.d.ts", "global.d.ts", "README.md"]) {
  fs.copyFileSync(path.join(templates, f), path.join(out, f));
}
