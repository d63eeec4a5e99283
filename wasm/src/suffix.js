// The root: the npm package's ES module declares __sioCppModule (wasm/make_package.js), so that io is
// exported rather than made global; a classic script uses the global object.
})(typeof __sioCppModule === "object" ? __sioCppModule : typeof globalThis !== "undefined" ? globalThis : typeof self !== "undefined" ? self : this);
