// parsers_msgpack.js - emcc --post-js of socket.io.msgpack.js, before api.js: the wire formats this
// bundle has, the first one being what io() uses when no parser is given. As socket.io-client's
// socket.io.msgpack.min.js, this bundle speaks socket.io-msgpack-parser's format by default; it
// also has socket.io-parser's (io(url, { parser: require("socket.io-parser") })).
var BUNDLE_PARSERS = ["msgpack", "default"];
