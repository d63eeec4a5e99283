// The ES module page of the npm package test with socket.io-msgpack-parser's format: as app.js, but
// importing sio-cpp-client/msgpack (the bundle with the MessagePack parser), as a user of that
// format does. Bundled by esbuild (tests/browser/package.js --parser msgpack).
import { io, Manager, Socket, protocol } from "sio-cpp-client/msgpack";
import ioDefault from "sio-cpp-client/msgpack";
import * as msgpackParser from "socket.io-msgpack-parser";
import { run } from "./checks.js";

const named = io === ioDefault && io.Manager === Manager && io.Socket === Socket && protocol === 5;
run(io, "esm", msgpackParser).then(() => {
  window.__results.unshift(`${named ? "PASS" : "FAIL"} esm: the named exports and the default export`);
  window.__results.unshift(`${typeof window.io === "undefined" ? "PASS" : "FAIL"} esm: no global io`);
});
