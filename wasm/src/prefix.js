/*! sio-cpp socket.io.js: a Socket.IO 4 client in WebAssembly (the sio-cpp core) with the API of socket.io-client. */
(function (root) {
// The ES module build of the npm package (wasm/make_package.js) passes its own object as root, with
// the URL of socket.io.wasm resolved against the module's URL (import.meta.url): emscripten's glue
// asks Module.locateFile. The classic script finds the .wasm beside itself (document.currentScript).
var Module = {};
if (root.__sioWasmUrl) Module.locateFile = function (file, dir) { return /\.wasm$/.test(file) ? root.__sioWasmUrl : dir + file; };
