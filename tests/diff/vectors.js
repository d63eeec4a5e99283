// tests/diff/vectors.js - differential test vectors from the official parsers.
//
// Encodes a broad list of Engine.IO / Socket.IO packets with the official npm parsers and decodes
// well-formed and malformed inputs with them, then prints one JSON document on stdout:
//   {"generator": {<package>: <version>}, "vectors": [{kind, ...}, ...]}
// tests/diff/diff_test.cpp runs this script and replays every vector against our core.
//
// Parsers: engine.io-parser 5.x (Engine.IO v4), socket.io-parser 4.x (Socket.IO v5), and the ones
// socket.io@2.5.0 ships: engine.io-parser 2.x (Engine.IO v3) and socket.io-parser 3.x (Socket.IO v4).
//
// Conventions: bytes are lowercase hex. Inside JSON values, a binary value is written
// {"__bin__": "<hex>"}. Objects keep their member order on both sides
// (sio::json is nlohmann::ordered_json); integer-like keys, which JavaScript moves first, are avoided.
"use strict";

const fs = require("fs");
const path = require("path");

const modules = path.join(__dirname, "..", "node_modules");
const eio4 = require(path.join(modules, "engine.io-parser"));
const sio5 = require(path.join(modules, "socket.io-parser"));
const v2root = path.join(modules, "socket.io-v2", "node_modules");
const eio3 = require(path.join(v2root, "engine.io-parser"));
const sio4 = require(path.join(v2root, "socket.io-parser"));

function versionOf(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
}

const vectors = [];
const out = {
  generator: {
    "engine.io-parser": versionOf(path.join(modules, "engine.io-parser")),
    "socket.io-parser": versionOf(path.join(modules, "socket.io-parser")),
    "engine.io-parser (socket.io-v2)": versionOf(path.join(v2root, "engine.io-parser")),
    "socket.io-parser (socket.io-v2)": versionOf(path.join(v2root, "socket.io-parser")),
  },
  vectors,
};

// ---- helpers -------------------------------------------------------------------------------------

const B = (hex) => Buffer.from(hex.replace(/\s+/g, ""), "hex");
const hex = (buf) => Buffer.from(buf).toString("hex");
const utf8hex = (str) => Buffer.from(str, "utf8").toString("hex");
const range = (n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));

function isBinaryValue(v) {
  return Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}
function toBuffer(v) {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

// JSON value (possibly holding binary values) -> JSON with {"__bin__": hex} for each binary value.
function tag(v) {
  if (isBinaryValue(v)) return { __bin__: hex(toBuffer(v)) };
  if (Array.isArray(v)) return v.map(tag);
  if (v !== null && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v)) o[k] = tag(v[k]);
    return o;
  }
  return v;
}

// Engine.IO packet -> {"type": name, "text": str} or {"type": name, "bin": hex}.
function eioPacket(p) {
  const r = { type: String(p.type) };
  if (p.data === undefined) r.text = "";
  else if (isBinaryValue(p.data)) r.bin = hex(toBuffer(p.data));
  else r.text = String(p.data);
  return r;
}

// Encoded output: string -> its UTF-8 bytes (binary false); Buffer -> its bytes (binary true).
function wire(x) {
  if (typeof x === "string") return { hex: utf8hex(x), binary: false };
  return { hex: hex(toBuffer(x)), binary: true };
}

function sync(fn) {
  let result;
  let called = false;
  fn((r) => { result = r; called = true; });
  if (!called) throw new Error("callback not called synchronously");
  return result;
}

// ---- Engine.IO: packets to encode ----------------------------------------------------------------

const longText = "x".repeat(1000) + "é";
const eioPackets = [
  { type: "open", data: JSON.stringify({ sid: "lv_VI97HAXpY6yYWAAAC", upgrades: ["websocket"], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 }) },
  { type: "close" },
  { type: "ping" },
  { type: "ping", data: "probe" },
  { type: "pong" },
  { type: "pong", data: "probe" },
  { type: "message", data: "" },
  { type: "message", data: "hello" },
  { type: "message", data: "hello world, with spaces and : colons" },
  { type: "message", data: "é" },
  { type: "message", data: "€uro" },
  { type: "message", data: "😀 emoji (two UTF-16 units)" },
  { type: "message", data: "nul\u0000inside" },
  { type: "message", data: "tab\tnewline\n" },
  { type: "message", data: "12:34" },
  { type: "message", data: longText },
  { type: "message", data: '2["event",{"a":1}]' },
  { type: "upgrade" },
  { type: "noop" },
  { type: "message", data: B("01020304") },
  { type: "message", data: B("") },
  { type: "message", data: B("00ff1e3a") },
  { type: "message", data: range(300) },
  { type: "message", data: new Uint8Array([5, 6, 7]).buffer },
];

for (const p of eioPackets) {
  vectors.push({ kind: "eio_encode_frame", protocol: 4, packet: eioPacket(p),
                 expect: wire(sync((cb) => eio4.encodePacket(p, true, cb))) });
  vectors.push({ kind: "eio_encode_frame", protocol: 3, packet: eioPacket(p),
                 expect: wire(sync((cb) => eio3.encodePacket(p, true, false, cb))) });
}

const texts = eioPackets.filter((p) => !isBinaryValue(p.data));
const bins = eioPackets.filter((p) => isBinaryValue(p.data));
const eioPayloads = [
  [],
  [texts[7]],
  [texts[2], texts[7], texts[8]],
  [texts[9], texts[10], texts[11]],
  [texts[15], texts[14]],
  [texts[0]],
  [bins[0]],
  [texts[7], bins[0]],
  [bins[1], texts[7], bins[2]],
  [bins[3]],
  [texts[12], texts[13], texts[6]],
  [texts[1]],
  [texts[18]],
];
for (const list of eioPayloads) {
  const packets = list.map(eioPacket);
  if (list.length > 0) {  // engine.io-parser 5 never calls back for an empty list
    vectors.push({ kind: "eio_encode_payload", protocol: 4, supports_binary: false, packets,
                   expect: wire(sync((cb) => eio4.encodePayload(list, cb))) });
  }
  vectors.push({ kind: "eio_encode_payload", protocol: 3, supports_binary: false, packets,
                 expect: wire(sync((cb) => eio3.encodePayload(list, false, cb))) });
  vectors.push({ kind: "eio_encode_payload", protocol: 3, supports_binary: true, packets,
                 expect: wire(sync((cb) => eio3.encodePayload(list, true, cb))) });
}

// ---- Engine.IO: inputs to decode (well-formed and malformed) --------------------------------------

const eio4Known = new Set(["open", "close", "ping", "pong", "message", "upgrade", "noop"]);

function decodeFrame4(input, binary) {
  const p = eio4.decodePacket(binary ? input : input.toString("utf8"), "nodebuffer");
  return p.type === "error" ? { accept: false } : { accept: true, packets: [eioPacket(p)] };
}
function decodeFrame3(input, binary) {
  const p = eio3.decodePacket(binary ? input : input.toString("utf8"), undefined, false);
  // engine.io-parser 2 returns {type: undefined} for an unknown binary type byte: not a packet.
  return p.type === "error" || !eio4Known.has(p.type) ? { accept: false } : { accept: true, packets: [eioPacket(p)] };
}
function decodePayload4(input) {
  const list = eio4.decodePayload(input.toString("utf8"), "nodebuffer");
  if (list.some((p) => p.type === "error")) return { accept: false };
  return { accept: true, packets: list.map(eioPacket) };
}
function decodePayload3(input, binaryBody) {
  const packets = [];
  let failed = false;
  eio3.decodePayload(binaryBody ? input : input.toString("utf8"), undefined, (p) => {
    if (p.type === "error" || !eio4Known.has(p.type)) { failed = true; return false; }
    packets.push(eioPacket(p));
    return true;
  });
  return failed ? { accept: false } : { accept: true, packets };
}

const frameTexts = ["", "4", "4hello", "2probe", "3probe", "0", "1", "5", "6", "7", "9x", "a", "x4",
                    " 4", "4€", "40", "bAQIDBA==", "b", "b!!", "\u001e"];
for (const t of frameTexts) {
  const input = Buffer.from(t, "utf8");
  vectors.push({ kind: "eio_decode_frame", protocol: 4, binary: false, input: hex(input), ...decodeFrame4(input, false) });
  vectors.push({ kind: "eio_decode_frame", protocol: 3, binary: false, input: hex(input), ...decodeFrame3(input, false) });
}
for (const h of ["01020304", "", "04", "0401020304", "00ff", "02", "09ff", "3468656c6c6f"]) {
  const input = B(h);
  vectors.push({ kind: "eio_decode_frame", protocol: 4, binary: true, input: h, ...decodeFrame4(input, true) });
  vectors.push({ kind: "eio_decode_frame", protocol: 3, binary: true, input: h, ...decodeFrame3(input, true) });
}

const payloads4 = ["4hello", "4hello\u001e2\u001e4world", "4hello\u001ebAQIDBA==", "bAQIDBA==", "b",
                   "", "\u001e", "4a\u001e", "4a\u001e\u001e4b", "x", "4hello\u001e9", "2\u001e3\u001e6",
                   "b!!!", "6", "1", "4€\u001e4😀", "40\u001e42[\"a\"]"];
for (const t of payloads4) {
  const input = Buffer.from(t, "utf8");
  vectors.push({ kind: "eio_decode_payload", protocol: 4, binary_body: false, input: hex(input), ...decodePayload4(input) });
}
const payloads3 = ["6:4hello", "6:4hello6:4world", "0:", "", "1:", "5:4hello", "7:4hello", "6:4hello6:",
                   "abc:4", ":4", "2:4€", "3:4€", "3:4😀", "1:9", "0:0:", "10:b4AQIDBA==", "1e1:4hellohell",
                   " 6:4hello", "-1:4", "6:4hello1:2", "1:1", "1:6", "2:2x", "96:0", "2:4\u001e",
                   "6:4hello\n"];
for (const t of payloads3) {
  const input = Buffer.from(t, "utf8");
  vectors.push({ kind: "eio_decode_payload", protocol: 3, binary_body: false, input: hex(input), ...decodePayload3(input, false) });
}
const payloads3bin = ["0006ff3468656c6c6f010 5ff0401020304", "", "0006ff3468656c6c6f", "01 05 ff 04 01 02 03 04",
                      "0006ff3468656c", "0006", "00ff", "0102ff0401", "010 3ff 090102", "0001ff36",
                      "0002ff34e282ac", "0104ff34e282ac"];
for (const h of payloads3bin) {
  const input = B(h);
  vectors.push({ kind: "eio_decode_payload", protocol: 3, binary_body: true, input: hex(input), ...decodePayload3(input, true) });
}

// ---- Engine.IO handshake (the open packet's JSON, as engine.io's server writes it) ----------------

const handshakes = [
  { sid: "lv_VI97HAXpY6yYWAAAC", upgrades: ["websocket"], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 },
  { sid: "abc", upgrades: [], pingInterval: 300, pingTimeout: 200, maxPayload: 1000000 },
  { sid: "x-_y", upgrades: ["websocket"], pingInterval: 25000, pingTimeout: 5000, maxPayload: undefined },
];
for (const h of handshakes) {
  vectors.push({ kind: "eio_handshake", handshake: { sid: h.sid, upgrades: h.upgrades, ping_interval_ms: h.pingInterval,
                 ping_timeout_ms: h.pingTimeout, max_payload: h.maxPayload === undefined ? null : h.maxPayload },
                 expect: JSON.stringify({ sid: h.sid, upgrades: h.upgrades, pingInterval: h.pingInterval,
                                          pingTimeout: h.pingTimeout, maxPayload: h.maxPayload }) });
}

// ---- Socket.IO: packets to encode ----------------------------------------------------------------

const CONNECT = 0, DISCONNECT = 1, EVENT = 2, ACK = 3, CONNECT_ERROR = 4;

// Decoded Socket.IO packet -> {type, nsp, id?, data?} (binary values tagged).
function sioPacket(p) {
  const r = { type: p.type, nsp: p.nsp };
  if (p.id !== undefined) r.id = Number.isSafeInteger(p.id) && p.id >= 0 ? p.id : "not-a-safe-integer";
  if (p.data !== undefined) r.data = tag(p.data);
  return r;
}

// Runs a list of messages (strings / Buffers) through a decoder; the result of the whole sequence.
function decodeSequence(decoder, messages, protocol) {
  const decoded = [];
  decoder.on("decoded", (p) => decoded.push(p));
  try {
    for (const m of messages) decoder.add(m);
  } catch (e) {
    return { outcome: "error" };
  }
  if (decoded.length === 0) return { outcome: "pending" };
  const p = decoded[decoded.length - 1];
  // socket.io-parser 3 reports an unknown type as an ERROR packet instead of throwing.
  if (protocol === 4 && p.type === CONNECT_ERROR && typeof p.data === "string" &&
      p.data.startsWith("parser error") && !String(messages[0]).startsWith("4")) {
    return { outcome: "error" };
  }
  return { outcome: "packet", packet: sioPacket(p) };
}
function decode5(messages) { return decodeSequence(new sio5.Decoder(), messages, 5); }
function decode4(messages) { return decodeSequence(new sio4.Decoder(), messages, 4); }
const msgSpec = (m) => (typeof m === "string" ? { text: m } : { bin: hex(m) });

const AB = (hexstr) => { const b = B(hexstr); return b.buffer.slice(b.byteOffset, b.byteOffset + b.length); };

// [type, nsp, query, id, data]
const sioPackets = [
  [CONNECT, "/", "", undefined, undefined],
  [CONNECT, "/", "", undefined, { token: "123" }],
  [CONNECT, "/admin", "", undefined, undefined],
  [CONNECT, "/admin", "", undefined, { sid: "oSO0OpakMV_3jnilAAAA" }],
  [CONNECT, "/", "", undefined, {}],
  [CONNECT, "/", "", undefined, { a: { b: [1, 2, { c: null }] }, z: true }],
  [DISCONNECT, "/", "", undefined, undefined],
  [DISCONNECT, "/admin", "", undefined, undefined],
  [EVENT, "/", "", undefined, ["foo"]],
  [EVENT, "/admin", "", undefined, ["bar"]],
  [EVENT, "/", "", 12, ["foo"]],
  [EVENT, "/", "", 0, ["foo"]],
  [EVENT, "/", "", 9007199254740991, ["foo"]],
  [EVENT, "/admin", "", 7, ["bar", 1, "two", { three: 3 }, [4], null, true, false]],
  [EVENT, "/", "", undefined, ["unicode", "é€😀", "日本語"]],
  [EVENT, "/", "", undefined, ["escapes", "quote\" backslash\\ slash/ nl\n cr\r tab\t bs\b ff\f", "\u0000\u0001\u001f\u007f", "\u2028\u2029"]],
  [EVENT, "/", "", undefined, ["numbers", 0, -1, 42, 9007199254740991, -9007199254740991, 1.5, -2.25, 0.1, 1e21, 123456.789]],
  [EVENT, "/", "", undefined, [42, "numeric event name"]],
  [EVENT, "/", "", undefined, ["nested", { a: [], b: {}, c: [[[]]], d: { e: { f: "g" } } }]],
  [EVENT, "/a/b-c_d.e", "", 3, ["deep namespace"]],
  [EVENT, "/", "", undefined, ["a,b", "/not-a-namespace,"]],
  [ACK, "/admin", "", 13, ["bar"]],
  [ACK, "/", "", 1, []],
  [ACK, "/", "", 2, [null, { ok: true }]],
  [CONNECT_ERROR, "/", "", undefined, { message: "Not authorized" }],
  [CONNECT_ERROR, "/admin", "", undefined, { data: { code: 42 }, message: "m" }],
  [CONNECT_ERROR, "/", "", undefined, "Not authorized"],
  [EVENT, "/", "", undefined, ["baz", B("01020304")]],
  [EVENT, "/admin", "", undefined, ["baz", B("01"), B("0203")]],
  [EVENT, "/", "", 15, ["obj", { a: B("aa"), b: [B("bb"), { c: B("cc") }], d: "text" }]],
  [ACK, "/", "", 15, ["bar", B("01020304")]],
  [ACK, "/admin", "", 16, [B("")]],
  [EVENT, "/", "", undefined, ["ab", AB("fffe00")]],
  [EVENT, "/", "", undefined, ["big", range(1000)]],
  [EVENT, "/", "", undefined, [B("0102"), "binary first"]],
];

function jsPacket(protocol, [type, nsp, query, id, data]) {
  const p = { type, nsp: query ? `${nsp}?${query}` : nsp };
  if (id !== undefined) p.id = id;
  if (data !== undefined) p.data = data;
  return p;
}
function ourPacket([type, nsp, query, id, data]) {
  const p = { type, nsp, query };
  if (id !== undefined) p.id = id;
  if (data !== undefined) p.data = tag(data);
  return p;
}

for (const spec of sioPackets) {
  // Socket.IO v5 (socket.io-parser 4): EVENT/ACK with binary become BINARY_* by themselves.
  const encoded5 = new sio5.Encoder().encode(jsPacket(5, spec));
  const messages5 = encoded5.map((m) => (typeof m === "string" ? m : toBuffer(m)));
  vectors.push({ kind: "sio_encode", protocol: 5, packet: ourPacket(spec),
                 expect: { text: encoded5[0], attachments: encoded5.slice(1).map((b) => hex(toBuffer(b))) } });
  vectors.push({ kind: "sio_decode", protocol: 5, messages: messages5.map(msgSpec), ...decode5(messages5) });
}

// Socket.IO v4 (socket.io-parser 3, as socket.io 2.x uses it): the server picks BINARY_* itself.
const hasBin = (v) => isBinaryValue(v) || (Array.isArray(v) ? v.some(hasBin) :
  v !== null && typeof v === "object" && Object.keys(v).some((k) => hasBin(v[k])));
const sioPackets4 = sioPackets.filter(([type, , , , data]) =>
  !(type === CONNECT && data !== undefined) && !(type === CONNECT_ERROR && typeof data !== "string"));
sioPackets4.push([CONNECT, "/admin", "token=1234&uid=abcd", undefined, undefined]);
sioPackets4.push([CONNECT_ERROR, "/admin", "", undefined, "Not authorized"]);
for (const spec of sioPackets4) {
  const p = jsPacket(4, spec);
  if ((p.type === EVENT || p.type === ACK) && hasBin(p.data)) p.type += 3;
  const encoded4 = sync((cb) => new sio4.Encoder().encode(p, cb));
  const messages4 = encoded4.map((m) => (typeof m === "string" ? m : toBuffer(m)));
  vectors.push({ kind: "sio_encode", protocol: 4, packet: ourPacket(spec),
                 expect: { text: encoded4[0], attachments: encoded4.slice(1).map((b) => hex(toBuffer(b))) } });
  vectors.push({ kind: "sio_decode", protocol: 4, messages: messages4.map(msgSpec), ...decode4(messages4) });
}

// ---- Socket.IO: inputs to decode (mostly malformed) ----------------------------------------------

const ph = (n) => `{"_placeholder":true,"num":${n}}`;
const deep = (n) => "[".repeat(n) + "]".repeat(n);
const sioInputs = [
  [""], ["7"], ["a"], ["abc"], ["9[\"a\"]"], ["-1"],
  ["0"], ["0{}"], ["0[]"], ["0\"str\""], ["0null"], ["01"], ["0{\"token\":\"x\"}"], ["0/admin,"],
  ["0/admin,{\"token\":\"x\"}"], ["0/admin?token=1234,"], ["0/admin"], ["0{"],
  ["1"], ["1{}"], ["1/admin,"], ["1[]"], ["1/admin"],
  ["2"], ["2[]"], ["2{}"], ["2[\"a\"]"], ["2[1]"], ["2[null]"], ["2[[]]"], ["2[\"a\""], ["2abc[\"a\"]"],
  ["2[\"connect\"]"], ["2[\"connect_error\"]"], ["2[\"disconnect\"]"], ["2[\"disconnecting\"]"],
  ["2[\"newListener\"]"], ["2[\"removeListener\"]"], ["2[\"Connect\"]"],
  ["2/admin"], ["2/admin,"], ["2/admin,[\"a\"]"], ["2/admin,1[\"a\"]"], ["21[\"a\"]"], ["2007[\"a\"]"],
  ["29007199254740991[\"a\"]"], ["29007199254740992[\"a\"]"], ["299999999999999999999[\"a\"]"],
  ["2 1[\"a\"]"], ["2 [\"a\"]"], ["2[\"a\"] "], [" 2[\"a\"]"], ["2[\"a\"]x"], ["2[\"a\"][\"b\"]"],
  ["2/ad min,[\"a\"]"], ["2/a,b,[\"a\"]"], ["2,[\"a\"]"], ["2/,[\"a\"]"], ["2/admin,x[\"a\"]"],
  ["2[\"a\",{\"k\":1,\"k\":2}]"], ["2[\"a\",1e400]"], ["2[\"a\",\"\\u00e9\"]"],
  ["2[\"" + "a".repeat(5000) + "\"]"], ["2[\"a\"," + deep(100) + "]"], ["2[\"a\"," + deep(200) + "]"],
  ["2[\"a\"," + ph(0) + "]"],
  ["3"], ["3[]"], ["3{}"], ["31[]"], ["31"], ["3/admin,5[\"x\"]"], ["3\"x\""],
  ["4"], ["4{}"], ["4[]"], ["4\"err\""], ["4{\"message\":\"m\"}"], ["4/admin,\"Not authorized\""], ["4null"], ["41"],
  ["5"], ["5-[\"a\"]"], ["50-[\"a\"]"], ["5x-[\"a\"]"], ["51[\"a\"]"], ["51-[\"a\"]"], ["51-"], ["5-1-[\"a\"]"],
  ["510-[\"a\"]"], ["511-[\"a\"]"], ["51.5-[\"a\"]"], ["5 1-[\"a\"]"],
  ["51-[\"a\"," + ph(0) + "]", B("0102")],
  ["51-[\"a\"]", B("0102")],
  ["51-/admin,7[\"a\"," + ph(0) + "]", B("ff")],
  ["51-[\"a\"," + ph(1) + "]", B("01")],
  ["51-[\"a\"," + ph(-1) + "]", B("01")],
  ["51-[\"a\",{\"_placeholder\":true,\"num\":\"0\"}]", B("01")],
  ["51-[\"a\",{\"_placeholder\":true}]", B("01")],
  ["51-[\"a\",{\"_placeholder\":false,\"num\":0}]", B("01")],
  ["51-[\"a\",{\"_placeholder\":true,\"num\":0.5}]", B("01")],
  ["52-[\"a\"," + ph(0) + "," + ph(1) + "]", B("01")],
  ["52-[\"a\"," + ph(1) + "," + ph(0) + "]", B("01"), B("02")],
  ["52-[\"a\"," + ph(0) + "," + ph(0) + "]", B("01"), B("02")],
  ["51-[\"a\"," + ph(0) + "]", "2[\"b\"]"],
  [B("0102")],
  ["51-[\"connect\"," + ph(0) + "]", B("01")],
  ["61-[" + ph(0) + "]"],
  ["61-3[" + ph(0) + "]", B("0a0b")],
  ["61-3{}", B("0a0b")],
  ["6-3[]"],
];
for (const messages of sioInputs) {
  vectors.push({ kind: "sio_decode", protocol: 5, messages: messages.map(msgSpec), ...decode5(messages) });
  vectors.push({ kind: "sio_decode", protocol: 4, messages: messages.map(msgSpec), ...decode4(messages) });
}

process.stdout.write(JSON.stringify(out));
