// wasm/minify.js FILE.js - minifies emcc's output in place with terser (Debian's node-terser):
// local names mangled, dead code dropped, the leading /*! ... */ comment kept. emcc (without the
// Closure compiler, which Debian does not ship) only strips whitespace. The whole output is one
// function scope (prefix.js / suffix.js), so mangling never renames anything a page sees; the
// wasm imports and exports are object properties, which terser leaves alone.
"use strict";
const fs = require("fs");
const { minify } = require("terser");

const file = process.argv[2];
if (!file) {
  console.error("usage: node minify.js FILE.js");
  process.exit(2);
}
minify(fs.readFileSync(file, "utf8"), {
  ecma: 2017,
  compress: { passes: 2 },
  mangle: true,
  format: { comments: /^!/ },
}).then((result) => {
  fs.writeFileSync(file, result.code);
}).catch((e) => {
  console.error(`minify.js: ${file}: ${e.message || e}`);
  process.exit(1);
});
