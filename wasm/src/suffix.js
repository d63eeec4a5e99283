})(typeof __sioCppModule === "object" ? __sioCppModule : typeof globalThis !== "undefined" ? globalThis : typeof self !== "undefined" ? self : this);
