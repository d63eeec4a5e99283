// parsers_default.js - emcc --post-js of socket.io.js and socket.io.single.js, before api.js: the
// wire formats this bundle has, the first one being what io() uses when no parser is given.
// socket.io-parser's only: the MessagePack parser is in socket.io.msgpack.js (parsers_msgpack.js).
var BUNDLE_PARSERS = ["default"];
