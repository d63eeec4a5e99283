})(typeof globalThis !== "undefined" ? globalThis : typeof self !== "undefined" ? self : this);
