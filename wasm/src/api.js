// api.js - socket.io-client's JavaScript API as a thin facade over the C++ client (sio::Manager /
// sio::Socket of client/, through wasm/src/bridge.cpp). emcc --post-js: it runs inside the glue's
// scope, so it sees HEAPU8, _malloc and the exported _sio_* functions of bridge.cpp.
//
// - SIO: the dispatch of what the C++ client reports to the JS objects below (hooks called by
//   bridge.cpp), and the marshalling of values (JSON text + binary attachments).
// - io() / Manager / Socket: socket.io-client's API shape. Listeners, flags and the JS object cache
//   are JS; everything else (transports, handshake, heartbeat, upgrade, reconnection, acks,
//   buffering, recovery) is the C++ client's, the same code as natively. Calls made before the
//   wasm module is ready are queued.

var RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];
var BIN_KEY = "\u0000b";

function report(e) {
  // A throwing listener must not unwind through the C++ loop: report it on its own.
  setTimeout(function () { throw e; });
}

function safeCall(fn, self, args) {
  try {
    fn.apply(self, args);
  } catch (e) {
    report(e);
  }
}

function isBinary(x) {
  return x instanceof ArrayBuffer || ArrayBuffer.isView(x);
}

function isBlob(x) {
  return typeof Blob !== "undefined" && x instanceof Blob;
}

function hasBlob(x, depth) {
  if (depth > 200 || !x || typeof x !== "object" || isBinary(x)) return false;
  if (isBlob(x)) return true;
  for (var k in x) {
    if (Object.prototype.hasOwnProperty.call(x, k) && hasBlob(x[k], depth + 1)) return true;
  }
  return false;
}

// A copy of x with every Blob replaced by its bytes (an ArrayBuffer): Blobs are read asynchronously.
function readBlobs(x, depth) {
  if (isBlob(x)) return x.arrayBuffer();
  if (depth > 200 || !x || typeof x !== "object" || isBinary(x)) return Promise.resolve(x);
  if (Array.isArray(x)) return Promise.all(x.map(function (e) { return readBlobs(e, depth + 1); }));
  var keys = Object.keys(x);
  return Promise.all(keys.map(function (k) { return readBlobs(x[k], depth + 1); })).then(function (values) {
    var o = {};
    keys.forEach(function (k, i) { o[k] = values[i]; });
    return o;
  });
}

function hasBinary(x, depth) {
  if (depth > 200 || !x || typeof x !== "object") return false;
  if (isBinary(x)) return true;
  if (typeof x.toJSON === "function" && !Array.isArray(x)) return hasBinary(x.toJSON(), depth + 1);
  for (var k in x) {
    if (Object.prototype.hasOwnProperty.call(x, k) && hasBinary(x[k], depth + 1)) return true;
  }
  return false;
}

// JSON text + the attachments (Uint8Array copies) of an array of arguments.
function encode(args) {
  var bins = [];
  function walk(x) {
    if (isBinary(x)) {
      bins.push(x instanceof ArrayBuffer ? new Uint8Array(x.slice(0))
                                         : new Uint8Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength)));
      var marker = {};
      marker[BIN_KEY] = bins.length - 1;
      return marker;
    }
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === "object") {
      if (typeof x.toJSON === "function") return walk(x.toJSON());
      var o = {};
      for (var k in x) if (Object.prototype.hasOwnProperty.call(x, k)) o[k] = walk(x[k]);
      return o;
    }
    return x;
  }
  return { text: JSON.stringify(hasBinary(args, 0) ? walk(args) : args), bins: bins };
}

// Parses JSON text from C++, putting the attachments (ArrayBuffers) back in place of the markers.
function decode(text, bins) {
  var v = JSON.parse(text);
  if (!bins.length) return v;
  function walk(x) {
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === "object") {
      var keys = Object.keys(x);
      if (keys.length === 1 && keys[0] === BIN_KEY && bins[x[BIN_KEY]] !== undefined) return bins[x[BIN_KEY]];
      for (var i = 0; i < keys.length; i++) x[keys[i]] = walk(x[keys[i]]);
    }
    return x;
  }
  return walk(v);
}

function cstr(s) {
  var n = lengthBytesUTF8(s) + 1;
  var p = _malloc(n);
  stringToUTF8(s, p, n);
  return p;
}

// f(ptr...) with the strings copied into the wasm heap for the duration of the call.
function withStrings(strings, f) {
  var ptrs = strings.map(cstr);
  try {
    return f.apply(null, ptrs);
  } finally {
    ptrs.forEach(function (p) { _free(p); });
  }
}

// f(ptr, len) with bytes copied into the wasm heap for the call.
function withBytes(bytes, f) {
  var p = _malloc(bytes.length || 1);
  HEAPU8.set(bytes, p);
  try {
    return f(p, bytes.length);
  } finally {
    _free(p);
  }
}

function pushBins(bins) {
  bins.forEach(function (b) { withBytes(b, _sio_push_bin); });
}

var SIO = {
  ready: false,
  queue: [],
  mgrs: {},
  acks: {},
  token: 0,
  bins: [],
  dec: new TextDecoder(),

  whenReady: function (f) {
    if (SIO.ready) f();
    else SIO.queue.push(f);
  },
  str: function (p, n) {
    return p && n ? SIO.dec.decode(HEAPU8.subarray(p, p + n)) : "";
  },
  takeBins: function () {
    var b = SIO.bins;
    SIO.bins = [];
    return b;
  },
  bin: function (buffer) {
    SIO.bins.push(buffer);
  },
  // ---- what the C++ client reports ----
  managerEvent: function (m, kind, a, b, attempt) {
    var mgr = SIO.mgrs[m];
    if (!mgr) return;
    var names = ["open", "error", "close", "ping", "reconnect_attempt", "reconnect", "reconnect_error",
                 "reconnect_failed"];
    var args = [];
    if (kind === 1 || kind === 6) args = [new Error(a)];
    else if (kind === 2) args = b ? [a, new Error(b)] : [a];
    else if (kind === 4 || kind === 5) args = [attempt];
    if (kind === 2) mgr.engine._transport = "";
    deliver(mgr, [names[kind]].concat(args));
    if (kind === 7) SIO.idle(m);
  },
  socketEvent: function (m, kind, nsp, a, b, ackId) {
    var bins = SIO.takeBins();
    var mgr = SIO.mgrs[m];
    var socket = mgr && mgr.nsps[nsp];
    if (!socket) return;
    if (kind === 0) {
      deliver(socket, ["connect"]);
    } else if (kind === 1) {
      var err = new Error(a);
      if (b) err.data = decode(b, bins);
      deliver(socket, ["connect_error", err]);
    } else if (kind === 2) {
      deliver(socket, ["disconnect", a, b ? { description: b } : undefined]);
      SIO.idle(m);
    } else {
      var args = decode(a, bins);
      if (!Array.isArray(args) || !args.length) return;
      if (kind === 4) {
        socket._anyOut.slice().forEach(function (fn) { safeCall(fn, socket, args); });
        return;
      }
      if (ackId >= 0) args.push(socket._ackFn(ackId));
      socket._any.slice().forEach(function (fn) { safeCall(fn, socket, args); });
      deliver(socket, args);
    }
  },
  ack: function (m, token, err, text) {
    var bins = SIO.takeBins();
    var entry = SIO.acks[token];
    delete SIO.acks[token];
    SIO.idle(m);
    if (!entry) return;
    var socket = entry.socket;
    if (err) {
      if (entry.withError) {
        safeCall(entry.fn, socket, [new Error(err === 1 ? "operation has timed out"
                                              : err === 2 ? "socket has been disconnected" : "emit failed")]);
      }
      return;
    }
    var args = decode(text, bins);
    if (entry.withError) args.unshift(null);
    safeCall(entry.fn, socket, args);
  },
  // The auth of a CONNECT (socket.auth: an object, or a function answering now or later).
  auth: function (m, nsp, token) {
    var mgr = SIO.mgrs[m];
    var socket = mgr && mgr.nsps[nsp];
    var answer = function (value) {
      if (answer.done) return;
      answer.done = true;
      var text = value != null && typeof value === "object" ? JSON.stringify(value) : "";
      SIO.whenReady(function () { withStrings([text], function (t) { _sio_auth_answer(token, t); }); });
    };
    var value = socket ? socket.auth : null;
    if (typeof value === "function") {
      try {
        value(answer);
      } catch (e) {
        report(e);
      }
    } else {
      answer(value);
    }
  },
  // The C++ manager m may have become idle (a socket disconnected, the connection closed, an ack
  // ended): on a later tick, after the listener that may be running returns, free it if it is
  // idle (sio::Manager::idle: closed, no socket active, nothing pending; it may also reopen
  // meanwhile, then it is kept). The JS Manager stays usable: _ensure() makes a new C++ side when
  // it is used again.
  freeing: {},
  idle: function (m) {
    if (SIO.freeing[m]) return;
    SIO.freeing[m] = setTimeout(function () {
      delete SIO.freeing[m];
      var mgr = SIO.mgrs[m];
      if (!_sio_manager_free(m)) return;
      Object.keys(SIO.acks).forEach(function (token) {
        if (SIO.acks[token].socket.io === mgr) delete SIO.acks[token];
      });
      delete SIO.mgrs[m];
      if (mgr && mgr._id === m) mgr._id = 0;
    });
  },
  engineEvent: function (m, kind) {
    var mgr = SIO.mgrs[m];
    if (!mgr) return;
    var engine = mgr.engine;
    if (kind === 0) {
      deliver(engine, ["open"]);
    } else if (kind === 1) {
      deliver(engine, ["upgrade", engine.transport]);
    } else if (kind === 2) {
      deliver(engine, ["close"]);
      SIO.idle(m);
    } else {
      SIO.idle(m);  // kind 3: the C++ manager became idle
    }
  }
};

// ---- Emitter ------------------------------------------------------------------------------

// Emitter is @socket.io/component-emitter (npm), socket.io-client's own, pasted before this file
// by the build (wasm/wrap_commonjs.js, another --post-js). As in socket.io-client, a listener
// that throws ends that emit; here the exception is also kept from unwinding through the C++
// client (every emit that C++ starts goes through deliver) and reported on its own.
function deliver(target, args) {
  try {
    target.emitReserved.apply(target, args);
  } catch (e) {
    report(e);
  }
}

function inherit(Child) {
  Child.prototype = Object.create(Emitter.prototype);
  Child.prototype.constructor = Child;
}

// ---- URL handling (socket.io-client's url()) ----------------------------------------------

function parseUri(uri, path) {
  var loc = typeof location !== "undefined" ? location : null;
  if (uri == null) uri = loc.protocol + "//" + loc.host;
  uri = String(uri);
  if (uri.charAt(0) === "/") uri = uri.charAt(1) === "/" ? loc.protocol + uri : loc.host + uri;
  if (!/^(https?|wss?):\/\//i.test(uri)) uri = (loc ? loc.protocol : "https:") + "//" + uri;
  var u = new URL(uri);
  var secure = u.protocol === "https:" || u.protocol === "wss:";
  var port = u.port || (secure ? "443" : "80");
  var host = u.hostname;
  var hostPort = host + ":" + port;
  return {
    source: uri,
    http: (secure ? "https://" : "http://") + hostPort,
    path: u.pathname || "/",
    search: u.search,
    id: u.protocol + "//" + hostPort + path
  };
}

// The query of the URL and of opts.query (a string or an object) as one object.
function queryObject(search, q) {
  var o = {};
  var add = function (text) {
    new URLSearchParams(text).forEach(function (v, k) { o[k] = v; });
  };
  if (search) add(search);
  if (typeof q === "string") add(q);
  else if (q) Object.keys(q).forEach(function (k) { o[k] = String(q[k]); });
  return o;
}

// ---- the parser option --------------------------------------------------------------------

// socket.io-client takes the wire format as an object: `parser: require("socket.io-msgpack-parser")`
// (or socket.io-parser, the default). This client has both formats in C++ (sio::socketio::Parser);
// the object only tells which one: socket.io-msgpack-parser's Encoder writes a packet as one
// binary message holding a MessagePack map (first byte 0x8N: a fixmap), socket.io-parser's as
// the text '2["x"]'. Any other parser is refused (it would need its own code). Which formats this
// bundle has, and which one it uses without the option: BUNDLE_PARSERS (parsers_default.js or
// parsers_msgpack.js, linked before this file).
function parserName(parser) {
  var name = parser == null ? BUNDLE_PARSERS[0] : detectParser(parser);
  if (BUNDLE_PARSERS.indexOf(name) < 0) {
    throw new Error("socket.io: this bundle has no MessagePack parser: load socket.io.msgpack.js " +
                    "(npm: sio-cpp-client/msgpack) to use socket.io-msgpack-parser");
  }
  return name;
}

function detectParser(parser) {
  var out;
  try {
    out = new parser.Encoder().encode({ type: 2, nsp: "/", data: ["x"] });
  } catch (e) {
    out = null;
  }
  var first = out && out.length === 1 ? out[0] : null;
  if (first === '2["x"]') return "default";
  if (first && (first instanceof ArrayBuffer || ArrayBuffer.isView(first))) {
    var bytes = first instanceof ArrayBuffer ? new Uint8Array(first)
                                             : new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
    if (bytes.length > 1 && (bytes[0] & 0xf0) === 0x80) return "msgpack";
  }
  throw new Error("socket.io: unsupported parser (socket.io-parser and socket.io-msgpack-parser are supported)");
}

// ---- Manager ------------------------------------------------------------------------------

function Engine(manager) {
  this._manager = manager;
  this._transport = "";
}
inherit(Engine);
Object.defineProperty(Engine.prototype, "id", {
  get: function () {
    return SIO.ready && this._manager._id ? UTF8ToString(_sio_engine_id(this._manager._id)) || undefined : undefined;
  }
});
Object.defineProperty(Engine.prototype, "transport", {
  get: function () {
    var t = SIO.ready && this._manager._id ? _sio_transport(this._manager._id) : 0;
    return { name: ["", "polling", "websocket"][t] };
  }
});

Engine.prototype.close = function () {
  var m = this._manager;
  SIO.whenReady(function () { if (m._id) _sio_engine_close(m._id); });
  return this;
};

function Manager(uri, opts) {
  if (!(this instanceof Manager)) return new Manager(uri, opts);
  if (uri && typeof uri === "object") {
    opts = uri;
    uri = undefined;
  }
  opts = opts || {};
  this.opts = opts;
  this.nsps = {};
  this.uri = uri;
  this.engine = new Engine(this);
  this._reconnection = opts.reconnection !== false;
  this._reconnectionAttempts = opts.reconnectionAttempts == null ? Infinity : opts.reconnectionAttempts;
  this._reconnectionDelay = opts.reconnectionDelay == null ? 1000 : opts.reconnectionDelay;
  this._reconnectionDelayMax = opts.reconnectionDelayMax == null ? 5000 : opts.reconnectionDelayMax;
  this._randomizationFactor = opts.randomizationFactor == null ? 0.5 : opts.randomizationFactor;
  this._timeout = opts.timeout == null ? 20000 : opts.timeout;
  this._autoConnect = opts.autoConnect !== false;
  var path = opts.path || "/socket.io";
  path = path.replace(/\/$/, "") + (opts.addTrailingSlash === false ? "" : "/");
  if (path.charAt(0) !== "/") path = "/" + path;
  var parsed = parseUri(uri, path);
  var transports = (opts.transports || ["polling", "websocket"]).map(function (t) {
    return typeof t === "string" ? t : t && t.name;
  });
  this._engineConfig = {
    url: parsed.http, path: path, addTrailingSlash: opts.addTrailingSlash !== false,
    query: queryObject(parsed.search, opts.query), transports: transports, upgrade: opts.upgrade !== false,
    rememberUpgrade: !!opts.rememberUpgrade, eio: opts.EIO === 3 ? 3 : 4, extraHeaders: opts.extraHeaders || {},
    withCredentials: !!opts.withCredentials, parser: parserName(opts.parser)
  };
  if (this._engineConfig.parser !== "default" && opts.EIO === 3) {
    throw new Error("socket.io: socket.io-msgpack-parser needs protocol v5 (not EIO: 3)");
  }
  this._id = 0;
  var self = this;
  SIO.whenReady(function () { self._ensure(); });
  if (this._autoConnect) this.open();
}
inherit(Manager);

// The C++ manager's id, making it (again) if there is none: at first use, and after an idle one
// was freed (SIO.idle), from the current settings and with every socket of this Manager.
// Only once the module is ready.
Manager.prototype._ensure = function () {
  if (this._id) return this._id;
  var config = Object.assign({}, this._engineConfig, {
    reconnection: this._reconnection,
    reconnectionAttempts: this._reconnectionAttempts === Infinity ? null : this._reconnectionAttempts,
    reconnectionDelay: this._reconnectionDelay, reconnectionDelayMax: this._reconnectionDelayMax,
    randomizationFactor: this._randomizationFactor, timeout: this._timeout === false ? -1 : this._timeout
  });
  var id = withStrings([JSON.stringify(config)], _sio_manager_new);
  if (!id) throw new Error("socket.io: invalid options (no usable transport or url)");
  this._id = id;
  SIO.mgrs[id] = this;
  var nsps = this.nsps;
  Object.keys(nsps).forEach(function (nsp) { socketAdd(id, nsps[nsp]); });
  return id;
};

Manager.prototype.open = Manager.prototype.connect = function (fn) {
  var self = this;
  if (fn) {
    var onOpen = function () { self.off("error", onError); fn(); };
    var onError = function (err) { self.off("open", onOpen); fn(err); };
    this.once("open", onOpen);
    this.once("error", onError);
  }
  SIO.whenReady(function () {
    var remade = !self._id;
    var id = self._ensure();
    _sio_open(id);
    // Made again after being freed while sockets were active (close(), reconnect_failed): as in
    // socket.io-client, the active sockets connect when the Manager opens.
    if (remade) {
      Object.keys(self.nsps).forEach(function (nsp) {
        if (self.nsps[nsp]._wantActive) withStrings([nsp], function (n) { _sio_connect(id, n); });
      });
    }
  });
  return this;
};
Manager.prototype.close = Manager.prototype.disconnect = function () {
  var self = this;
  SIO.whenReady(function () { if (self._id) _sio_close(self._id); });
  return this;
};
Manager.prototype.socket = function (nsp, opts) {
  nsp = nsp || "/";
  if (nsp.charAt(0) !== "/") nsp = "/" + nsp;
  var socket = this.nsps[nsp];
  if (!socket) {
    socket = new Socket(this, nsp, opts);
    this.nsps[nsp] = socket;
  } else if (this._autoConnect && !socket.active) {
    socket.connect();
  }
  return socket;
};
Manager.prototype.reconnection = function (v) {
  if (!arguments.length) return this._reconnection;
  var self = this;
  this._reconnection = !!v;
  SIO.whenReady(function () { if (self._id) _sio_set_reconnection(self._id, v ? 1 : 0); });
  return this;
};
// socket.io-client's setters (getters without an argument). They reach the core at once (a
// Manager made or remade later reads the stored values).
["reconnectionAttempts", "reconnectionDelay", "reconnectionDelayMax", "randomizationFactor", "timeout"].forEach(
  function (name, which) {
    Manager.prototype[name] = function (v) {
      if (!arguments.length) return this["_" + name];
      this["_" + name] = v;
      var self = this;
      SIO.whenReady(function () {
        if (!self._id) return;
        var value = self["_" + name];
        var n = value === Infinity || value === false || value == null ? -1 : Number(value);
        _sio_set_option(self._id, which, isNaN(n) ? -1 : n);
      });
      return this;
    };
  });
Object.defineProperty(Manager.prototype, "_readyState", {
  get: function () {
    return ["closed", "opening", "open"][SIO.ready && this._id ? _sio_ready_state(this._id) : 0];
  }
});

// ---- Socket -------------------------------------------------------------------------------

function Socket(io, nsp, opts) {
  opts = opts || {};
  this.io = io;
  this.nsp = nsp;
  this.flags = {};
  this.receiveBuffer = [];
  this.sendBuffer = [];
  this._any = [];
  this._anyOut = [];
  this._opts = Object.assign({}, opts);
  if (opts.auth) this.auth = opts.auth;
  var self = this;
  SIO.whenReady(function () { socketAdd(io._ensure(), self); });
  if (io._autoConnect) this.open();
}
inherit(Socket);

function socketAdd(id, socket) {
  var opts = socket._opts;
  withStrings([socket.nsp], function (n) {
    _sio_socket_add(id, n, opts.ackTimeout == null ? -1 : opts.ackTimeout, opts.retries || 0,
                    socket._anyOut.length ? 1 : 0);
  });
}

// The C++ socket reports what it emits only while there are onAnyOutgoing listeners: tell it when
// the first one comes or the last one goes (socketAdd passes the state at creation).
function syncAnyOutgoing(socket, before) {
  var on = socket._anyOut.length > 0;
  if (on === before || !SIO.ready || !socket.io._id) return;
  withStrings([socket.nsp], function (n) { _sio_any_outgoing(socket.io._id, n, on ? 1 : 0); });
}

function socketState(s) {
  return SIO.ready && s.io._id ? withStrings([s.nsp], function (n) { return _sio_socket_state(s.io._id, n); }) : 0;
}
Object.defineProperty(Socket.prototype, "id", {
  get: function () {
    var s = this;
    if (!SIO.ready || !s.io._id) return undefined;
    return withStrings([s.nsp], function (n) { return UTF8ToString(_sio_socket_id(s.io._id, n)); }) || undefined;
  }
});
Object.defineProperty(Socket.prototype, "connected", { get: function () { return !!(socketState(this) & 1); } });
Object.defineProperty(Socket.prototype, "disconnected", { get: function () { return !(socketState(this) & 1); } });
Object.defineProperty(Socket.prototype, "active", {
  get: function () { return SIO.ready && this.io._id ? !!(socketState(this) & 2) : !!this._wantActive; }
});
Object.defineProperty(Socket.prototype, "recovered", { get: function () { return !!(socketState(this) & 4); } });
Object.defineProperty(Socket.prototype, "volatile", {
  get: function () {
    this.flags.volatile = true;
    return this;
  }
});

Socket.prototype.connect = Socket.prototype.open = function () {
  var self = this;
  this._wantActive = true;
  SIO.whenReady(function () {
    withStrings([self.nsp], function (n) { _sio_connect(self.io._ensure(), n); });
  });
  return this;
};
Socket.prototype.disconnect = Socket.prototype.close = function () {
  var self = this;
  this._wantActive = false;
  SIO.whenReady(function () {
    if (self.io._id) withStrings([self.nsp], function (n) { _sio_disconnect(self.io._id, n); });
  });
  return this;
};
Socket.prototype.emit = function (event) {
  if (RESERVED.indexOf(event) >= 0) throw new Error('"' + String(event) + '" is a reserved event name');
  var args = Array.prototype.slice.call(arguments);
  var flags = this.flags;
  this.flags = {};
  var ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
  var withError = !!ack && (flags.timeout !== undefined || this._opts.ackTimeout !== undefined ||
                            this._opts.retries > 0 || !!ack.withError);
  var self = this;
  if (this._blobs || hasBlob(args, 0)) {
    // Blob arguments go as binary once read (asynchronously); this emit and the ones after it wait
    // for that, so that they leave in the order they were made.
    var before = this._blobs || Promise.resolve();
    var mine = before.then(function () { return readBlobs(args, 0); }).then(function (read) {
      self._send(read, flags, ack, withError);
    }).catch(report);
    this._blobs = mine;
    mine.then(function () { if (self._blobs === mine) self._blobs = null; });
    return this;
  }
  this._send(args, flags, ack, withError);
  return this;
};
Socket.prototype._send = function (args, flags, ack, withError) {
  var encoded = encode(args);  // throws here (at the call) for values JSON cannot carry
  var self = this;
  SIO.whenReady(function () {
    var id = self.io._ensure();  // before pushBins: making a manager parses JSON, which takes the bins
    var token = -1;
    if (ack) {
      token = ++SIO.token;
      SIO.acks[token] = { fn: ack, withError: withError, socket: self };
    }
    pushBins(encoded.bins);
    var failed = withStrings([self.nsp, encoded.text], function (n, t) {
      return _sio_emit(id, n, t, token, flags.timeout == null ? -1 : flags.timeout, flags.volatile ? 1 : 0);
    });
    if (failed && SIO.acks[token]) {
      delete SIO.acks[token];
      if (withError) safeCall(ack, self, [new Error("emit failed: arguments not encodable")]);
    }
  });
};
Socket.prototype.emitWithAck = function () {
  var self = this;
  var args = Array.prototype.slice.call(arguments);
  return new Promise(function (resolve, reject) {
    var fn = function (err, value) {
      if (err) reject(err);
      else resolve(value);
    };
    fn.withError = true;
    args.push(fn);
    self.emit.apply(self, args);
  });
};
Socket.prototype.send = function () {
  this.emit.apply(this, ["message"].concat(Array.prototype.slice.call(arguments)));
  return this;
};
Socket.prototype.timeout = function (ms) {
  this.flags.timeout = ms;
  return this;
};
Socket.prototype.compress = function () {
  return this;
};
Socket.prototype._ackFn = function (id) {
  var self = this;
  var sent = false;
  return function () {
    if (sent) return;
    sent = true;
    var encoded = encode(Array.prototype.slice.call(arguments));
    SIO.whenReady(function () {
      if (!self.io._id) return;  // freed: the connection that asked is gone, as is the answer
      pushBins(encoded.bins);
      withStrings([encoded.text], function (t) { _sio_send_ack(self.io._id, id, t); });
    });
  };
};
Socket.prototype.onAny = function (fn) { this._any.push(fn); return this; };
Socket.prototype.prependAny = function (fn) { this._any.unshift(fn); return this; };
Socket.prototype.offAny = function (fn) {
  if (!fn) this._any = [];
  else this._any = this._any.filter(function (f) { return f !== fn; });
  return this;
};
Socket.prototype.listenersAny = function () { return this._any.slice(); };
Socket.prototype.onAnyOutgoing = function (fn) {
  var before = this._anyOut.length > 0;
  this._anyOut.push(fn);
  syncAnyOutgoing(this, before);
  return this;
};
Socket.prototype.prependAnyOutgoing = function (fn) {
  var before = this._anyOut.length > 0;
  this._anyOut.unshift(fn);
  syncAnyOutgoing(this, before);
  return this;
};
Socket.prototype.offAnyOutgoing = function (fn) {
  var before = this._anyOut.length > 0;
  if (!fn) this._anyOut = [];
  else this._anyOut = this._anyOut.filter(function (f) { return f !== fn; });
  syncAnyOutgoing(this, before);
  return this;
};
Socket.prototype.listenersAnyOutgoing = function () { return this._anyOut.slice(); };

// ---- io() ---------------------------------------------------------------------------------

var cache = {};

function lookup(uri, opts) {
  if (uri && typeof uri === "object") {
    opts = uri;
    uri = undefined;
  }
  opts = opts || {};
  var path = (opts.path || "/socket.io").replace(/\/$/, "") + "/";
  var parsed = parseUri(uri, path);
  var id = parsed.id;
  var same = cache[id] && parsed.path in cache[id].nsps;
  var io;
  if (opts.forceNew || opts["force new connection"] || opts.multiplex === false || same) {
    io = new Manager(uri, opts);
  } else {
    if (!cache[id]) cache[id] = new Manager(uri, opts);
    io = cache[id];
  }
  return io.socket(parsed.path, opts);
}

Object.assign(lookup, { Manager: Manager, Socket: Socket, io: lookup, connect: lookup, protocol: 5 });
// Internal, for tests only (not socket.io-client API, may change): C++ managers alive, bytes
// allocated on the wasm heap (mallinfo), size of the wasm memory.
lookup.__debug = {
  liveManagers: function () { return SIO.ready ? _sio_debug_live_managers() : 0; },
  heapUsed: function () { return SIO.ready ? _sio_debug_heap_used() : 0; },
  memorySize: function () { return HEAPU8.length; },
  jsRegistrations: function () {
    var bk = Module["__sioBk"] || { w: {} };  // the browser backend's WebSockets (client/src/backend/browser)
    return [SIO.mgrs, SIO.acks, SIO.freeing, bk.w].reduce(function (n, o) {
      return n + Object.keys(o).length;
    }, 0);
  }
};
lookup["default"] = lookup;
root.io = lookup;
if (typeof module === "object" && module && module.exports) module.exports = lookup;

Module["onRuntimeInitialized"] = function () {
  SIO.ready = true;
  var q = SIO.queue;
  SIO.queue = [];
  q.forEach(function (f) { f(); });
};
