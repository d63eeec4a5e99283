// Engine.IO test server for tests/native/engine_client_test.cpp: the official engine.io package
// (6.x for EIO=4, the 3.x bundled with socket.io-v2 for EIO=3), listening on 127.0.0.1:0.
//
// Usage: node server.js '<json config>'
//   config: { eio: 3|4, pingInterval, pingTimeout, transports: [...], cookie: bool, maxHttpBufferSize,
//             tls: {key, cert} }
// stdout (one line each): "port:<n>" once listening, "open:<sid>:<transport>" per connection,
// "upgrade:<sid>:<transport>", "close:<sid>:<reason>".
// Each connection echoes every message (text as text, binary as binary), except these commands:
//   "close"     the server closes the session
//   "freeze"    the server stops its heartbeat (no pings, no pongs, no ping timeout of its own)
//   "headers"   replies JSON {cookie, xtest} of the last HTTP request or WebSocket upgrade it saw,
//               and {upgradeCookie, upgradeXtest} of the last WebSocket upgrade request
//   "query"     replies JSON of the handshake query
//   "transport" replies "transport:<name>"
//   "burst:<n>" replies n messages "m0".."m<n-1>"
'use strict';
const path = require('path');
const fs = require('fs');
const http = require('http');
const https = require('https');

const config = JSON.parse(process.argv[2] || '{}');
const modules = path.join(__dirname, '..', '..', 'node_modules');
const engine = config.eio === 3
  ? require(path.join(modules, 'socket.io-v2', 'node_modules', 'engine.io'))
  : require(path.join(modules, 'engine.io'));

// config.tls = {key, cert} (PEM file paths): HTTPS/WSS instead of HTTP/WS.
const httpServer = config.tls
  ? https.createServer({ key: fs.readFileSync(config.tls.key), cert: fs.readFileSync(config.tls.cert) })
  : http.createServer();
const options = {
  path: '/engine.io',
  pingInterval: config.pingInterval || 300,
  pingTimeout: config.pingTimeout || 200,
  transports: config.transports || ['polling', 'websocket'],
  cookie: config.cookie ? { name: 'io', path: '/', httpOnly: true, sameSite: 'lax' } : false,
};
if (config.eio === 3) options.cookie = config.cookie ? 'io' : false;
if (config.maxHttpBufferSize) options.maxHttpBufferSize = config.maxHttpBufferSize;
const server = engine.attach(httpServer, options);

let lastHeaders = {};
let lastUpgradeHeaders = {};
httpServer.on('request', (req) => { lastHeaders = req.headers; });
httpServer.on('upgrade', (req) => { lastHeaders = req.headers; lastUpgradeHeaders = req.headers; });

function freeze(socket) {
  const send = socket.sendPacket.bind(socket);
  socket.sendPacket = (type, ...rest) => {
    if (type === 'ping' || type === 'pong') return;
    send(type, ...rest);
  };
  if (typeof socket.resetPingTimeout === 'function') socket.resetPingTimeout = () => {};
  if (typeof socket.setPingTimeout === 'function') socket.setPingTimeout = () => {};
  clearTimeout(socket.pingTimeoutTimer);
  clearTimeout(socket.pingIntervalTimer);
}

server.on('connection', (socket) => {
  console.log(`open:${socket.id}:${socket.transport.name}`);
  socket.on('upgrade', (transport) => console.log(`upgrade:${socket.id}:${transport.name}`));
  socket.on('close', (reason) => console.log(`close:${socket.id}:${reason}`));
  socket.on('message', (data) => {
    if (typeof data === 'string') {
      if (data === 'close') return socket.close();
      if (data === 'freeze') return freeze(socket);
      if (data === 'headers') {
        return socket.send(JSON.stringify({
          cookie: lastHeaders.cookie || '',
          xtest: lastHeaders['x-test'] || '',
          upgradeCookie: lastUpgradeHeaders.cookie || '',
          upgradeXtest: lastUpgradeHeaders['x-test'] || '',
        }));
      }
      if (data === 'query') return socket.send(JSON.stringify(socket.request._query || {}));
      if (data === 'transport') return socket.send(`transport:${socket.transport.name}`);
      if (data.startsWith('burst:')) {
        const n = Number(data.slice(6));
        for (let i = 0; i < n; i++) socket.send(`m${i}`);
        return;
      }
    }
    socket.send(data);
  });
});

httpServer.listen(0, '127.0.0.1', () => {
  console.log(`port:${httpServer.address().port}`);
});
process.stdin.on('end', () => process.exit(0));  // the test process went away
process.stdin.resume();
