// wasm/wrap_commonjs.js IN NAME OUT - turns a CommonJS module from npm (tests/node_modules, locked
// by tests/package-lock.json) into a fragment for emcc's --post-js, which is pasted into the
// bundle's function scope: `var NAME = (function () { ...the module... return its export NAME })();`.
// Used for @socket.io/component-emitter (the Emitter of socket.io-client), so that the bundle
// carries the library's code rather than a copy written here; terser minifies it with the rest.
"use strict";
const fs = require("fs");

const [input, name, output] = process.argv.slice(2);
if (!input || !name || !output) {
  console.error("usage: node wrap_commonjs.js IN NAME OUT");
  process.exit(2);
}
let source;
try {
  source = fs.readFileSync(input, "utf8");
} catch (e) {
  console.error(`wrap_commonjs.js: ${input}: ${e.message} (npm ci --prefix tests installs it; scripts/deps.sh does)`);
  process.exit(1);
}
if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
  console.error(`wrap_commonjs.js: not an identifier: ${name}`);
  process.exit(2);
}
fs.writeFileSync(output,
  `// ${input.replace(/^.*node_modules\//, "")} (npm), wrapped by wasm/wrap_commonjs.js\n` +
  `var ${name} = (function () {\nvar module = { exports: {} }, exports = module.exports;\n` +
  source.trimEnd() +
  `\nreturn module.exports.${name};\n})();\n`);
