// The ES module page of the npm package test: bundled by esbuild (tests/browser/package.js) with
// sio-cpp-client and socket.io-msgpack-parser from node_modules, as a user's application would be.
import { io, Manager, Socket, protocol } from "sio-cpp-client";
import ioDefault from "sio-cpp-client";
import * as msgpackParser from "socket.io-msgpack-parser";
import { run } from "./checks.js";

const named = io === ioDefault && io.Manager === Manager && io.Socket === Socket && protocol === 5;
run(io, "esm", msgpackParser).then(() => {
  window.__results.unshift(`${named ? "PASS" : "FAIL"} esm: the named exports and the default export`);
  window.__results.unshift(`${typeof window.io === "undefined" ? "PASS" : "FAIL"} esm: no global io`);
});
