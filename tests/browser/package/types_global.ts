// Type-checked by tests/browser/package.js: the global io of the classic script.
/// <reference types="sio-cpp-client/script" />
const s = io("/chat", { auth: { token: "x" } });
s.emit("hello", 1, (reply: unknown) => console.log(reply));
const m = new io.Manager("http://localhost:3000");
console.log(m.socket("/").nsp);
export {};
