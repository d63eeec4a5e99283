// browser_backend.cpp - the browser Backend (backend.hpp) for Emscripten builds: the page's event
// loop (setTimeout), fetch for polling, the browser's WebSocket. No threads.
//
// The JavaScript lives in the EM_JS functions below (self-contained: any em++ program linking
// sio::client gets it); results come back through the exported sio_bk_* functions, by id. Bytes
// from JavaScript are copied into memory from sio_bk_alloc and owned by C++ from then on.
#include <emscripten.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <chrono>

#include "../../backend.hpp"
#include "sio/client.hpp"
#include "sio/core/json.hpp"
#include "sio/engineio/client_url.hpp"

namespace sio::detail {

namespace {

// clang-format off
EM_JS(void, js_bk_timeout, (double id, double ms), {
  var b = Module["__sioBk"] || (Module["__sioBk"] = { t: {}, f: {}, w: {} });
  b.t[id] = setTimeout(function () { delete b.t[id]; _sio_bk_timer(id); }, ms);
});
EM_JS(void, js_bk_clear_timeout, (double id), {
  var b = Module["__sioBk"];
  if (b && b.t[id] !== undefined) { clearTimeout(b.t[id]); delete b.t[id]; }
});
EM_JS(void, js_bk_schedule_drain, (), { setTimeout(function () { _sio_bk_drain(); }, 0); });

// Copies a JS Uint8Array into C++ memory (sio_bk_alloc); returns the pointer (0 for no bytes).
EM_JS(void, js_bk_fetch, (double id, int post, const char* url, const char* headers_json, const char* body, int len,
                          double timeout_ms, int credentials), {
  var b = Module["__sioBk"] || (Module["__sioBk"] = { t: {}, f: {}, w: {} });
  var copy = function (bytes) {
    var p = bytes.length ? _sio_bk_alloc(bytes.length) : 0;
    if (p) HEAPU8.set(bytes, p);
    return p;
  };
  var text = function (s) { return new TextEncoder().encode(String(s)); };
  var ac = typeof AbortController !== "undefined" ? new AbortController() : null;
  var o = { method: post ? "POST" : "GET", headers: JSON.parse(UTF8ToString(headers_json)), cache: "no-store",
            credentials: credentials ? "include" : "same-origin" };
  if (post) o.body = HEAPU8.slice(body, body + len);
  if (ac) o.signal = ac.signal;
  var rec = { ac: ac, timer: 0, timedOut: false };
  b.f[id] = rec;
  if (timeout_ms > 0 && ac) rec.timer = setTimeout(function () { rec.timedOut = true; ac.abort(); }, timeout_ms);
  var live = function () {
    if (b.f[id] !== rec) return false;
    delete b.f[id];
    clearTimeout(rec.timer);
    return true;
  };
  fetch(UTF8ToString(url), o).then(function (r) {
    return r.arrayBuffer().then(function (buf) {
      if (!live()) return;
      var bytes = new Uint8Array(buf);
      var type = text(r.headers.get("content-type") || "");
      _sio_bk_fetch_done(id, r.status, copy(bytes), bytes.length, copy(type), type.length);
    });
  }).catch(function (e) {
    if (!live()) return;
    var msg = text(rec.timedOut ? "timeout" : ((e && e.message) || e));
    _sio_bk_fetch_failed(id, copy(msg), msg.length);
  });
});
EM_JS(void, js_bk_fetch_abort, (double id), {
  var b = Module["__sioBk"];
  var rec = b && b.f[id];
  if (!rec) return;
  delete b.f[id];
  clearTimeout(rec.timer);
  if (rec.ac) rec.ac.abort();
});

EM_JS(void, js_bk_ws_open, (double id, const char* url), {
  var b = Module["__sioBk"] || (Module["__sioBk"] = { t: {}, f: {}, w: {} });
  var copy = function (bytes) {
    var p = bytes.length ? _sio_bk_alloc(bytes.length) : 0;
    if (p) HEAPU8.set(bytes, p);
    return p;
  };
  var rec = { ws: null, error: 0 };
  b.w[id] = rec;
  var closed = function (error, what) {
    if (b.w[id] !== rec) return;
    delete b.w[id];
    var m = new TextEncoder().encode(what);
    _sio_bk_ws_closed(id, error, copy(m), m.length);
  };
  try {
    rec.ws = new WebSocket(UTF8ToString(url));
  } catch (e) {
    setTimeout(function () { closed(1, "websocket error: " + ((e && e.message) || e)); });
    return;
  }
  rec.ws.binaryType = "arraybuffer";
  rec.ws.onopen = function () { if (b.w[id] === rec) _sio_bk_ws_open(id); };
  rec.ws.onmessage = function (ev) {
    if (b.w[id] !== rec) return;
    if (typeof ev.data !== "string") {
      var bytes = new Uint8Array(ev.data);
      _sio_bk_ws_frame(id, copy(bytes), bytes.length, 1);
      return;
    }
    // Text: UTF-8 with one encoder; up to 64 K code units straight into C++ memory (room for 3
    // bytes each), longer ones encoded first so that the allocation is exact.
    var enc = b.enc || (b.enc = new TextEncoder());
    if (ev.data.length > 65536) {
      var utf8 = enc.encode(ev.data);
      _sio_bk_ws_frame(id, copy(utf8), utf8.length, 0);
      return;
    }
    var room = ev.data.length * 3;
    var p = room ? _sio_bk_alloc(room) : 0;
    var n = p ? enc.encodeInto(ev.data, HEAPU8.subarray(p, p + room)).written : 0;
    _sio_bk_ws_frame(id, p, n, 0);
  };
  rec.ws.onerror = function () { rec.error = 1; };
  rec.ws.onclose = function (ev) { closed(rec.error || !ev.wasClean ? 1 : 0, "websocket closed (code " + ev.code + ")"); };
});
EM_JS(int, js_bk_ws_send, (double id, const char* data, int len, int binary), {
  var b = Module["__sioBk"];
  var rec = b && b.w[id];
  if (!rec || !rec.ws || rec.ws.readyState !== 1) return 0;
  // (Text: decoded from C++ memory by one decoder; binary: a copy, as the memory may change.)
  if (binary) rec.ws.send(HEAPU8.slice(data, data + len));
  else rec.ws.send((b.dec || (b.dec = new TextDecoder())).decode(HEAPU8.subarray(data, data + len)));
  return 1;
});
// Stops the callbacks; closes the connection (after what was sent: the browser flushes first).
EM_JS(void, js_bk_ws_close, (double id), {
  var b = Module["__sioBk"];
  var rec = b && b.w[id];
  if (!rec) return;
  delete b.w[id];
  try {
    if (rec.ws) rec.ws.close();
  } catch (e) {
    // already closed
  }
});
// clang-format on

// ---- the loop ---------------------------------------------------------------------------------

std::deque<std::function<void()>> g_posted;
bool g_drain_scheduled = false;

double g_next_id = 0;
double next_id() { return ++g_next_id; }

std::map<double, std::function<void()>> g_timers;

class BrowserTimer final : public Timer {
 public:
  ~BrowserTimer() override { cancel(); }
  void set(Clock::time_point at, std::function<void()> fn) override {
    cancel();
    id_ = next_id();
    g_timers[id_] = std::move(fn);
    const double ms = std::chrono::duration<double, std::milli>(at - Clock::now()).count();
    js_bk_timeout(id_, ms > 0 ? std::ceil(ms) : 0);
  }
  void cancel() override {
    if (id_ == 0) return;
    g_timers.erase(id_);
    js_bk_clear_timeout(id_);
    id_ = 0;
  }

 private:
  double id_ = 0;
};

class BrowserLoop final : public Loop {
 public:
  void post(std::function<void()> fn) override {
    g_posted.push_back(std::move(fn));
    if (!g_drain_scheduled) {
      g_drain_scheduled = true;
      js_bk_schedule_drain();
    }
  }
  void dispatch(std::function<void()> fn) override { fn(); }  // there is only the page's loop
  bool in_loop() const override { return true; }
  std::unique_ptr<Timer> make_timer() override { return std::make_unique<BrowserTimer>(); }
};

// ---- fetch -------------------------------------------------------------------------------------

class FetchHttp;
std::map<double, std::pair<std::weak_ptr<FetchHttp>, HttpClient::Done>> g_fetches;

class FetchHttp final : public HttpClient, public std::enable_shared_from_this<FetchHttp> {
 public:
  explicit FetchHttp(bool credentials) : credentials_(credentials) {}
  ~FetchHttp() override { shutdown(); }

  std::uint64_t start(HttpRequest request, Done done) override {
    if (shut_ || finishing_) return 0;
    const double id = next_id();
    json headers = json::object();
    for (const auto& [name, value] : request.headers) headers[name] = value;
    if (request.post) headers["Content-Type"] = request.content_type;
    const std::string headers_text = dump_json(headers);
    g_fetches[id] = {weak_from_this(), std::move(done)};
    ids_.push_back(id);
    js_bk_fetch(id, request.post ? 1 : 0, request.url.c_str(), headers_text.c_str(), request.body.data(),
                static_cast<int>(request.body.size()), static_cast<double>(request.timeout.count()), credentials_ ? 1 : 0);
    return static_cast<std::uint64_t>(id);
  }

  void cancel(std::uint64_t id) override {
    const double key = static_cast<double>(id);
    if (g_fetches.erase(key) == 0) return;
    js_bk_fetch_abort(key);
  }

  std::string cookie_header(std::string_view, std::string_view, bool) override { return {}; }

  void shutdown() override {
    if (shut_) return;
    shut_ = true;
    for (const double id : ids_) {
      if (g_fetches.erase(id) != 0) js_bk_fetch_abort(id);
    }
    ids_.clear();
  }

  // The requests in flight (a goodbye POST) finish on their own in the browser; no callback.
  void finish_then_shutdown() override {
    finishing_ = true;
    for (const double id : ids_) g_fetches.erase(id);
    ids_.clear();
  }

 private:
  bool credentials_;
  bool shut_ = false;
  bool finishing_ = false;
  std::vector<double> ids_;  // may hold ids already finished (their entries are gone)
};

// ---- WebSocket ---------------------------------------------------------------------------------

class BrowserWebSocket;
std::map<double, std::weak_ptr<BrowserWebSocket>> g_sockets;

class BrowserWebSocket final : public WebSocket, public std::enable_shared_from_this<BrowserWebSocket> {
 public:
  explicit BrowserWebSocket(WebSocketHandlers handlers) : handlers_(std::move(handlers)) {}
  ~BrowserWebSocket() override { abort(); }

  void connect(WebSocketTarget target) override {
    id_ = next_id();
    g_sockets[id_] = weak_from_this();
    const std::string host = engineio::url_host({target.secure, target.host, target.port});
    const std::string url = std::string(target.secure ? "wss://" : "ws://") + host + ":" + target.port + target.target;
    js_bk_ws_open(id_, url.c_str());
  }

  void send(engineio::Frame frame) override {
    if (done_) return;
    if (!open_) {
      queue_.push_back(std::move(frame));
      return;
    }
    js_bk_ws_send(id_, frame.bytes.data(), static_cast<int>(frame.bytes.size()), frame.binary ? 1 : 0);
  }

  void close() override {
    handlers_ = {};
    if (done_) return;
    done_ = true;
    if (open_) {
      for (auto& f : queue_) js_bk_ws_send(id_, f.bytes.data(), static_cast<int>(f.bytes.size()), f.binary ? 1 : 0);
    }
    queue_.clear();
    forget();
  }

  void abort() override {
    handlers_ = {};
    done_ = true;
    queue_.clear();
    forget();
  }

  void on_open() {
    if (done_) return;
    open_ = true;
    for (auto& f : queue_) js_bk_ws_send(id_, f.bytes.data(), static_cast<int>(f.bytes.size()), f.binary ? 1 : 0);
    queue_.clear();
    if (auto cb = handlers_.on_open) cb();
  }
  void on_frame(std::string_view data, bool binary) {
    if (done_) return;
    if (auto cb = handlers_.on_frame) cb(data, binary);
  }
  void on_closed(bool error, std::string what) {
    if (done_) return;
    done_ = true;
    auto cb = std::move(handlers_.on_closed);
    handlers_ = {};
    g_sockets.erase(id_);
    if (cb) cb(error, std::move(what));
  }

 private:
  void forget() {
    if (id_ == 0) return;
    g_sockets.erase(id_);
    js_bk_ws_close(id_);
    id_ = 0;
  }

  WebSocketHandlers handlers_;
  std::deque<engineio::Frame> queue_;
  double id_ = 0;
  bool open_ = false;
  bool done_ = false;
};

// ---- the Backend -------------------------------------------------------------------------------

class BrowserBackend final : public Backend {
 public:
  Loop& loop() override { return loop_; }
  double random() override { return emscripten_random(); }
  std::shared_ptr<HttpClient> make_http(const TransportOptions& options) override {
    return std::make_shared<FetchHttp>(options.with_credentials);
  }
  std::shared_ptr<WebSocket> make_websocket(const TransportOptions&, WebSocketHandlers handlers, bool,
                                            const std::string&) override {
    return std::make_shared<BrowserWebSocket>(std::move(handlers));
  }

 private:
  BrowserLoop loop_;
};

class BrowserFactory final : public BackendFactory {
 public:
  MadeBackend make() override { return {std::make_shared<BrowserBackend>(), nullptr}; }
};

std::string take_bytes(char* p, int len) {
  std::string out = p && len > 0 ? std::string(p, static_cast<std::size_t>(len)) : std::string();
  std::free(p);
  return out;
}

}  // namespace

std::shared_ptr<BackendFactory> default_backend_factory() {
  static const auto factory = std::make_shared<BrowserFactory>();
  return factory;
}

}  // namespace sio::detail

namespace sio {

// The browser cannot block: main() returns, the page goes on (sio/client.hpp).
int run_until_exit() { return 0; }

void exit_main(int code) {
  EM_ASM({ if (Module["onExit"]) Module["onExit"]($0); }, code);
}

}  // namespace sio

// ---- called by the JavaScript above ----------------------------------------------------------------

using namespace sio::detail;

extern "C" {

EMSCRIPTEN_KEEPALIVE void* sio_bk_alloc(int n) { return std::malloc(static_cast<std::size_t>(n > 0 ? n : 1)); }

EMSCRIPTEN_KEEPALIVE void sio_bk_timer(double id) {
  auto it = g_timers.find(id);
  if (it == g_timers.end()) return;
  auto fn = std::move(it->second);
  g_timers.erase(it);
  fn();
}

EMSCRIPTEN_KEEPALIVE void sio_bk_drain() {
  g_drain_scheduled = false;
  // What is posted while draining runs on the next turn.
  std::deque<std::function<void()>> batch;
  batch.swap(g_posted);
  for (auto& fn : batch) fn();
}

EMSCRIPTEN_KEEPALIVE void sio_bk_fetch_done(double id, int status, char* body, int len, char* type, int type_len) {
  HttpResult result;
  result.status = status;
  result.body = take_bytes(body, len);
  result.content_type = take_bytes(type, type_len);
  auto it = g_fetches.find(id);
  if (it == g_fetches.end()) return;
  auto done = std::move(it->second.second);
  const bool alive = !it->second.first.expired();
  g_fetches.erase(it);
  if (alive && done) done(std::move(result));
}

EMSCRIPTEN_KEEPALIVE void sio_bk_fetch_failed(double id, char* message, int len) {
  HttpResult result;
  result.error = take_bytes(message, len);
  if (result.error.empty()) result.error = "fetch failed";
  auto it = g_fetches.find(id);
  if (it == g_fetches.end()) return;
  auto done = std::move(it->second.second);
  const bool alive = !it->second.first.expired();
  g_fetches.erase(it);
  if (alive && done) done(std::move(result));
}

EMSCRIPTEN_KEEPALIVE void sio_bk_ws_open(double id) {
  auto it = g_sockets.find(id);
  if (it == g_sockets.end()) return;
  if (auto ws = it->second.lock()) ws->on_open();
}

// The message is read in place (the handler copies what it keeps), then freed.
EMSCRIPTEN_KEEPALIVE void sio_bk_ws_frame(double id, char* data, int len, int binary) {
  std::unique_ptr<char, decltype(&std::free)> owned(data, &std::free);
  auto it = g_sockets.find(id);
  if (it == g_sockets.end()) return;
  const std::string_view bytes(data ? data : "", data && len > 0 ? static_cast<std::size_t>(len) : 0);
  if (auto ws = it->second.lock()) ws->on_frame(bytes, binary != 0);
}

EMSCRIPTEN_KEEPALIVE void sio_bk_ws_closed(double id, int error, char* what, int len) {
  std::string text = take_bytes(what, len);
  auto it = g_sockets.find(id);
  if (it == g_sockets.end()) return;
  if (auto ws = it->second.lock()) ws->on_closed(error != 0, std::move(text));
}

}  // extern "C"
