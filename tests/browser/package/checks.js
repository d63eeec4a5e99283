// The checks of the npm package pages (tests/browser/package.js): a socket from the package's io()
// connects to the page's server, emits with an ack, and receives an event (DemoApp's "echo": the
// server acks with the arguments and emits them back). Results go to window.__results
// ("PASS ..."/"FAIL ..."), then window.__done = true.
//
// ?mode=polling|websocket|upgrade picks the transports; ?parser=msgpack passes the parser object
// given to run() as io(url, { parser }) (socket.io-client's way of selecting
// socket.io-msgpack-parser).
export async function run(io, label, parser) {
  const results = [];
  window.__results = results;
  const check = (ok, what) => results.push(`${ok ? "PASS" : "FAIL"} ${label}: ${what}`);
  const within = (promise, ms, what) =>
    Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms))]);
  const params = new URLSearchParams(location.search);
  const mode = params.get("mode") || "upgrade";
  const transports = mode === "polling" ? ["polling"] : mode === "websocket" ? ["websocket"] : ["polling", "websocket"];
  const options = { transports, forceNew: true, reconnection: false };
  if (params.get("parser") === "msgpack") options.parser = parser;
  try {
    check(typeof io === "function" && typeof io.Manager === "function" && typeof io.Socket === "function" &&
          io.protocol === 5, "io, io.Manager, io.Socket, io.protocol");
    const socket = io(location.origin, options);
    await within(new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", (e) => reject(new Error(`connect_error: ${e.message}`)));
    }), 20000, "connect");
    check(socket.connected && typeof socket.id === "string" && socket.id.length > 0, `connected (id ${socket.id})`);

    const event = within(new Promise((resolve) => socket.once("echo", (...args) => resolve(args))), 20000, "echo event");
    const acked = await within(new Promise((resolve) => {
      socket.emit("echo", "héllo", { n: 1, list: [true, null] }, new Uint8Array([1, 2, 3]), (...args) => resolve(args));
    }), 20000, "ack");
    // (A server with connection state recovery, as node_server.js, appends the offset to events.)
    const same = (args) => (args.length === 3 || (args.length === 4 && typeof args[3] === "string")) && args[0] === "héllo" && JSON.stringify(args[1]) === '{"n":1,"list":[true,null]}' &&
                           args[2] instanceof ArrayBuffer && [...new Uint8Array(args[2])].join() === "1,2,3";
    check(same(acked), `emit with an ack: the ack has the arguments (${JSON.stringify(acked)})`);
    const received = await event;
    check(same(received), `an event from the server (${JSON.stringify(received)})`);
    const answer = await within(socket.timeout(10000).emitWithAck("echo", 42), 20000, "emitWithAck");
    check(answer === 42, `emitWithAck (${answer})`);
    if (mode === "upgrade") {
      await within(new Promise((resolve) => {
        if (socket.io.engine.transport.name === "websocket") resolve();
        else socket.io.engine.once("upgrade", resolve);
      }), 20000, "upgrade");
      check(socket.io.engine.transport.name === "websocket", "upgraded to websocket");
      check((await within(socket.emitWithAck("echo", "after upgrade"), 20000, "ack after upgrade")) === "after upgrade",
            "ack after the upgrade");
    }
    socket.disconnect();
    check(!socket.connected, "disconnect");
    if (params.get("parser") === "msgpack") {
      // The server speaks MessagePack only: io() without the option connects because this
      // bundle's default format is MessagePack (as socket.io-client's socket.io.msgpack.min.js).
      const plain = io(location.origin, { transports, forceNew: true, reconnection: false });
      const acked = await within(new Promise((resolve, reject) => {
        plain.once("connect_error", (e) => reject(new Error(`connect_error: ${e.message}`)));
        plain.once("connect", () => plain.emit("echo", "plain", resolve));
      }), 20000, "connect and ack without the parser option");
      check(acked === "plain", "io(url) without the parser option speaks MessagePack (the bundle's default)");
      plain.disconnect();
    } else if (parser) {
      // The default bundle has socket.io-parser's format only: the MessagePack parser is refused
      // at once, with an error that says which bundle has it.
      let error = null;
      try {
        io(location.origin, { transports, forceNew: true, autoConnect: false, parser });
      } catch (e) {
        error = e;
      }
      check(error instanceof Error && /sio-cpp-client\/msgpack/.test(error.message) && /socket\.io\.msgpack\.js/.test(error.message),
            `io(url, { parser: socket.io-msgpack-parser }) throws, naming the MessagePack bundle (${error && error.message})`);
    }
  } catch (e) {
    check(false, String(e && e.stack || e));
  }
  window.__done = true;
}
