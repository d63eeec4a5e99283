// The "everyone else" of the bad-input test: the official socket.io-client 4.8 connects over
// polling, websocket and polling+upgrade, `rounds` times each, and checks an echo with an ack.
// Usage: node echo_client.js --port <port> [--rounds N]. Prints PASS/FAIL lines and DONE.
"use strict";
const { io } = require("socket.io-client");
const { assert, once, ask, check, finish, watchdog } = require("../interop/common");

let port = 0;
let rounds = 3;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--port") port = Number(argv[++i]);
  else if (argv[i] === "--rounds") rounds = Number(argv[++i]);
}
watchdog(60000);

(async () => {
  const modes = { polling: ["polling"], websocket: ["websocket"], upgrade: ["polling", "websocket"] };
  for (let r = 0; r < rounds; r++) {
    for (const [mode, transports] of Object.entries(modes)) {
      await check(`echo-${mode}-${r}`, async () => {
        const s = io(`http://127.0.0.1:${port}/`, { transports, forceNew: true, reconnection: false });
        try {
          await once(s, "connect", 10000);
          const payload = { round: r, mode, bin: Buffer.from([r, 1, 2]) };
          const [reply] = await ask(s, "echo", payload);
          assert.strictEqual(reply.round, r);
          assert.strictEqual(reply.mode, mode);
          assert.ok(Buffer.from([r, 1, 2]).equals(reply.bin));
        } finally {
          s.close();
        }
      });
    }
  }
  finish();
})();
