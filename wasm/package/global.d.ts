// Types of the classic scripts of sio-cpp-client (socket.io.js, socket.io.single.js): they define
// the global io. Reference with: /// <reference types="sio-cpp-client/script" />
import type { Lookup } from "./index.js";

declare global {
  var io: Lookup;
}
export {};
