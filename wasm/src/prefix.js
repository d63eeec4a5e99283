/*! sio-cpp socket.io.js: a Socket.IO 4 client in WebAssembly (the sio-cpp core) with the API of socket.io-client. */
(function (root) {
