// Type-checked (never run) by tests/browser/package.js: code written against socket.io-client's
// types, importing sio-cpp-client instead. `tsc --noEmit --strict` must pass, and the lines
// marked as expected errors at the end must be errors.
import { io, Manager, Socket, ManagerOptions, SocketOptions } from "sio-cpp-client";

interface ServerToClientEvents {
  news: (text: string, at: number) => void;
  bin: (data: ArrayBuffer) => void;
}
interface ClientToServerEvents {
  hello: (name: string) => void;
  echo: (text: string, n: number, ack: (text: string, n: number) => void) => void;
}

const options: Partial<ManagerOptions & SocketOptions> = {
  path: "/socket.io", transports: ["polling", "websocket"], auth: { token: "t0ken" }, ackTimeout: 5000,
  retries: 2, reconnectionDelay: 500, timeout: false, query: { room: "a" }, withCredentials: true,
};
const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io("http://localhost:3000/chat", options);

socket.on("connect", () => console.log(socket.id?.length, socket.connected, socket.recovered));
socket.on("connect_error", (err) => console.log(err.message, err.data));
socket.on("disconnect", (reason: Socket.DisconnectReason, description) => console.log(reason, description));
socket.on("news", (text, at) => console.log(text.toUpperCase(), at.toFixed()));
socket.once("bin", (data) => console.log(data.byteLength));
socket.emit("hello", "me");
socket.emit("echo", "x", 1, (text, n) => console.log(text.length + n));
socket.timeout(1000).emit("echo", "x", 1, (err, text, n) => console.log(err?.message, text, n));
const answer: Promise<string> = socket.emitWithAck("echo", "x", 1);
socket.volatile.emit("hello", "again");
socket.onAny((event: string, ...args: any[]) => console.log(event, args)).offAny();
socket.io.on("reconnect_attempt", (attempt) => console.log(attempt.toFixed()));
socket.io.reconnectionDelay(100).reconnectionAttempts(3).timeout(false);
const delay: number = socket.io.reconnectionDelay();
socket.io.engine.on("upgrade", () => console.log(socket.io.engine.transport.name));

// socket.io-client's way of choosing socket.io-msgpack-parser (any module object is accepted by the types).
declare const msgpackParser: { protocol: number; Encoder: new () => unknown; Decoder: new () => unknown };
io({ parser: msgpackParser, forceNew: true }).disconnect();

const manager = new Manager("http://localhost:3000", { reconnection: false, autoConnect: false });
const admin: Socket = manager.socket("/admin", { auth: (cb) => cb({ token: "t" }) });
manager.open((err) => console.log(err?.message, admin.active));

// @ts-expect-error: an event ClientToServerEvents does not have
socket.emit("nope", 1);
// @ts-expect-error: a wrong argument type
socket.emit("hello", 3);
// @ts-expect-error: a listener of the wrong shape
socket.on("news", (text: number) => console.log(text));
// @ts-expect-error: an option socket.io-client's types do not have
io({ notAnOption: true });
console.log(answer, delay);
