// The WebAssembly client's C++ half: the sans-I/O core (sio::engineio::ClientSession and
// sio::socketio::ClientManager) driven by the browser. The I/O itself (fetch, WebSocket,
// setTimeout) and the socket.io-client shaped API are JavaScript (api.js); this file is the loop
// of docs/architecture.md "How a transport plugs in", the same one native/ runs on asio:
//   1. feed what happened (fetch/WebSocket results, timer, user operations), with `now`;
//   2. drain the outputs: engine frames/bodies to the JS transports, ClientManager events to the
//      JS listeners;
//   3. arm one timer at the earliest of the session's and the manager's next_timeout().
//
// Boundary: exported C functions (sio_*) called by api.js, and EM_JS hooks calling the `SIO`
// object of api.js. Values cross as JSON text; binary values are replaced by the marker object
// {"\u0000b": index} and their bytes passed beside (sio_push_bin / SIO.bin).
//
// Reentrancy: JS listeners run while the loop drains (like the native client's strand); when they
// call back in (emit, disconnect, ...), the operation runs at once and the running loop picks its
// outputs up (pump() only marks `again` when nested).
#include <emscripten.h>
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sio/core/json.hpp"
#include "sio/engineio/client_session.hpp"
#include "sio/socketio/client.hpp"
#include "sio/socketio/packet.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using sio::json;
namespace eio = sio::engineio;
namespace sock = sio::socketio;

// ---- hooks into api.js (SIO) ---------------------------------------------------------------

// clang-format off
EM_JS(void, js_get, (int m, int gen, const char* url), { SIO.get(m, gen, UTF8ToString(url)); });
EM_JS(void, js_abort_get, (int m), { SIO.abortGet(m); });
EM_JS(void, js_post, (int m, int gen, const char* url, const char* body, int len, int binary),
      { SIO.post(m, gen, UTF8ToString(url), HEAPU8.slice(body, body + len), binary); });
EM_JS(void, js_ws_open, (int m, int ws, const char* url), { SIO.wsOpen(m, ws, UTF8ToString(url)); });
EM_JS(void, js_ws_send, (int m, int ws, const char* data, int len, int binary),
      { SIO.wsSend(m, ws, HEAPU8.slice(data, data + len), binary); });
EM_JS(void, js_ws_close, (int m, int ws), { SIO.wsClose(m, ws); });
EM_JS(void, js_timer, (int m, double ms), { SIO.timer(m, ms); });
EM_JS(void, js_bin, (const char* p, int len), { SIO.bin(HEAPU8.slice(p, p + len).buffer); });
EM_JS(void, js_manager_event, (int m, int kind, const char* a, int alen, const char* b, int blen, int attempt),
      { SIO.managerEvent(m, kind, SIO.str(a, alen), SIO.str(b, blen), attempt); });
EM_JS(void, js_socket_event, (int m, int kind, const char* nsp, const char* a, int alen, const char* b, int blen,
                              double ack), {
  SIO.socketEvent(m, kind, UTF8ToString(nsp), SIO.str(a, alen), SIO.str(b, blen), ack);
});
EM_JS(void, js_ack, (int m, double token, int err, const char* a, int alen),
      { SIO.ack(m, token, err, SIO.str(a, alen)); });
EM_JS(char*, js_auth, (int m, const char* nsp), { return SIO.auth(m, UTF8ToString(nsp)); });
EM_JS(void, js_engine_event, (int m, int kind), { SIO.engineEvent(m, kind); });
EM_JS(void, js_idle, (int m), { SIO.idle(m); });
// clang-format on

// ---- binary values across the boundary ------------------------------------------------------

const std::string kBinKey("\0b", 2);
std::vector<sio::Bytes> g_bins;  // attachments pushed by JS for the next call

// Copy of `v` with binary values replaced by markers {"\0b": n}; the bytes of marker n are the
// n-th js_bin call.
json to_js(const json& v, int& n) {
  if (v.is_binary()) {
    const auto& b = v.get_binary();
    js_bin(reinterpret_cast<const char*>(b.data()), static_cast<int>(b.size()));
    return json{{kBinKey, n++}};
  }
  if (v.is_array()) {
    json out = json::array();
    for (const auto& e : v) out.push_back(to_js(e, n));
    return out;
  }
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [k, e] : v.items()) out[k] = to_js(e, n);
    return out;
  }
  return v;
}

std::string dump_for_js(const json& v) {
  if (!sio::socketio::has_binary(v)) return sio::dump_json(v);
  int n = 0;
  return sio::dump_json(to_js(v, n));
}

// Markers back to binary values (the bytes pushed by JS with sio_push_bin).
void from_js(json& v) {
  if (v.is_object()) {
    if (v.size() == 1) {
      auto it = v.find(kBinKey);
      if (it != v.end() && it->is_number_unsigned() && it->get<std::size_t>() < g_bins.size()) {
        v = sio::binary(std::move(g_bins[it->get<std::size_t>()]));
        return;
      }
    }
    for (auto& [k, e] : v.items()) from_js(e);
  } else if (v.is_array()) {
    for (auto& e : v) from_js(e);
  }
}

std::optional<json> parse_from_js(const char* text) {
  auto parsed = sio::parse_json(text ? std::string_view(text) : std::string_view());
  std::optional<json> out;
  if (parsed) {
    out = std::move(*parsed);
    if (!g_bins.empty()) from_js(*out);
  }
  g_bins.clear();
  return out;
}

// ---- one Manager ----------------------------------------------------------------------------

struct EngineConfig {
  std::string http_base;  // http(s)://host:port
  std::string ws_base;    // ws(s)://host:port
  std::string path = "/socket.io/";
  std::string query;      // encoded "k=v&..." (user query), may be empty
  bool polling = true;
  bool websocket = true;
  bool upgrade = true;
  bool remember_upgrade = false;
  eio::Protocol protocol = eio::Protocol::v4;
  std::chrono::milliseconds timeout{20000};
};

std::set<std::string> g_upgraded;  // rememberUpgrade: bases where an upgrade succeeded

struct Mgr {
  Mgr(int i, sock::ClientOptions o, EngineConfig c) : id(i), core(std::move(o)), cfg(std::move(c)) {}
  int id;
  sock::ClientManager core;
  EngineConfig cfg;
  std::unique_ptr<eio::ClientSession> eng;
  int gen = 0;      // engine generation: fetch results of older engines are ignored
  int ws = 0;       // the current WebSocket's token (0: none)
  int next_ws = 0;
  std::uint64_t requests = 0;
  std::vector<std::string> nsps;  // every namespace added (the core has no list of its sockets)
  bool pumping = false;
  bool again = false;
  std::optional<Clock::time_point> armed;
};

std::map<int, std::unique_ptr<Mgr>> g_mgrs;
int g_next_mgr = 1;

Mgr* find(int id) {
  auto it = g_mgrs.find(id);
  return it == g_mgrs.end() ? nullptr : it->second.get();
}

std::string remember_key(const Mgr& m) { return m.cfg.http_base + m.cfg.path; }

std::string engine_url(Mgr& m, eio::TransportKind kind) {
  std::string url = kind == eio::TransportKind::polling ? m.cfg.http_base : m.cfg.ws_base;
  url += m.cfg.path;
  url += '?';
  if (!m.cfg.query.empty()) url += m.cfg.query + "&";
  url += m.cfg.protocol == eio::Protocol::v3 ? "EIO=3" : "EIO=4";
  url += "&transport=";
  url += eio::to_string(kind);
  if (m.eng && !m.eng->sid().empty()) url += "&sid=" + m.eng->sid();  // sids are URL-safe base64id
  if (kind == eio::TransportKind::polling) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
    url += "&t=" + std::to_string(ms) + "-" + std::to_string(++m.requests);  // cache buster
  }
  return url;
}

void pump(Mgr& m);

// The engine's I/O requests to the JS transports.
void engine_io(Mgr& m) {
  auto& s = *m.eng;
  if (s.take_ws_connect()) {
    if (m.ws) js_ws_close(m.id, m.ws);
    m.ws = ++m.next_ws;
    js_ws_open(m.id, m.ws, engine_url(m, eio::TransportKind::websocket).c_str());
  }
  while (auto f = s.take_ws_frame()) {
    if (m.ws) js_ws_send(m.id, m.ws, f->bytes.data(), static_cast<int>(f->bytes.size()), f->binary);
  }
  if (s.take_ws_close()) {
    if (m.ws) js_ws_close(m.id, m.ws);
    m.ws = 0;
  }
  if (s.take_get()) js_get(m.id, m.gen, engine_url(m, eio::TransportKind::polling).c_str());
  if (auto body = s.take_post()) {
    js_post(m.id, m.gen, engine_url(m, eio::TransportKind::polling).c_str(), body->bytes.data(),
            static_cast<int>(body->bytes.size()), body->binary);
  }
  const auto state = s.state();
  if (state == eio::ClientSession::State::closing || state == eio::ClientSession::State::closed) {
    if (s.get_in_flight() || state == eio::ClientSession::State::closed) js_abort_get(m.id);
    if (state == eio::ClientSession::State::closed && m.ws) {
      js_ws_close(m.id, m.ws);
      m.ws = 0;
    }
  }
}

// CloseEngine: say goodbye best effort, then nothing more from this engine reaches the core.
void retire_engine(Mgr& m) {
  if (!m.eng) return;
  m.eng->close(Clock::now());
  engine_io(m);
  while (m.eng->poll_event()) {
  }
  js_abort_get(m.id);
  if (m.ws) js_ws_close(m.id, m.ws);
  m.ws = 0;
  m.eng.reset();
  ++m.gen;
  js_engine_event(m.id, 2);
}

void open_engine(Mgr& m) {
  retire_engine(m);
  eio::ClientSessionOptions o;
  o.protocol = m.cfg.protocol;
  o.initial_transport = m.cfg.polling ? eio::TransportKind::polling : eio::TransportKind::websocket;
  if (m.cfg.polling && m.cfg.websocket && m.cfg.remember_upgrade && g_upgraded.count(remember_key(m))) {
    o.initial_transport = eio::TransportKind::websocket;
  }
  o.upgrade = m.cfg.upgrade && m.cfg.polling && m.cfg.websocket;
  o.open_timeout = m.cfg.timeout;
  ++m.gen;
  m.eng = std::make_unique<eio::ClientSession>(o);
  m.eng->start(Clock::now());
}

// One engine event into the core.
void feed(Mgr& m, eio::ClientEvent& e) {
  const auto now = Clock::now();
  using T = eio::ClientEvent::Type;
  switch (e.type) {
    case T::open:
      js_engine_event(m.id, 0);
      m.core.on_engine_open(m.eng->sid(), now);
      break;
    case T::message:
      m.core.on_engine_message(e.data, e.binary, now);
      break;
    case T::ping:
      m.core.on_engine_ping();
      break;
    case T::upgrade:
      if (m.cfg.remember_upgrade) g_upgraded.insert(remember_key(m));
      js_engine_event(m.id, 1);
      break;
    case T::error:
      m.core.on_engine_error(e.data, now);
      break;
    case T::close:
      m.core.on_engine_close(e.data, now, e.detail);
      break;
  }
}

void emit_args(int m, int kind, const std::string& nsp, const json& args, double ack) {
  const std::string text = dump_for_js(args);
  js_socket_event(m, kind, nsp.c_str(), text.data(), static_cast<int>(text.size()), nullptr, 0, ack);
}

void handle(Mgr& m, sock::Output& out) {
  if (std::holds_alternative<sock::Transmit>(out)) {
    auto& t = std::get<sock::Transmit>(out);
    if (m.eng) m.eng->send(std::move(t.data), t.binary, Clock::now());
  } else if (std::holds_alternative<sock::OpenEngine>(out)) {
    open_engine(m);
  } else if (std::holds_alternative<sock::CloseEngine>(out)) {
    retire_engine(m);
  } else if (std::holds_alternative<sock::ManagerEvent>(out)) {
    auto& e = std::get<sock::ManagerEvent>(out);
    js_manager_event(m.id, static_cast<int>(e.kind), e.message.data(), static_cast<int>(e.message.size()),
                     e.description.data(), static_cast<int>(e.description.size()), static_cast<int>(e.attempt));
  } else {
    auto& e = std::get<sock::SocketEvent>(out);
    using K = sock::SocketEvent::Kind;
    switch (e.kind) {
      case K::connect:
        js_socket_event(m.id, 0, e.nsp.c_str(), nullptr, 0, nullptr, 0, -1);
        break;
      case K::connect_error: {
        const std::string data = e.data.is_discarded() ? std::string() : dump_for_js(e.data);
        js_socket_event(m.id, 1, e.nsp.c_str(), e.message.data(), static_cast<int>(e.message.size()), data.data(),
                        static_cast<int>(data.size()), -1);
        break;
      }
      case K::disconnect:
        js_socket_event(m.id, 2, e.nsp.c_str(), e.message.data(), static_cast<int>(e.message.size()),
                        e.description.data(), static_cast<int>(e.description.size()), -1);
        break;
      case K::event:
        emit_args(m.id, 3, e.nsp, e.args, e.ack_id ? static_cast<double>(*e.ack_id) : -1.0);
        break;
      case K::outgoing:
        emit_args(m.id, 4, e.nsp, e.args, -1);
        break;
      case K::ack:
        if (e.callback) e.callback(e.error, std::move(e.args));
        break;
    }
  }
}

void arm(Mgr& m) {
  std::optional<Clock::time_point> next = m.core.next_timeout();
  if (m.eng) {
    if (auto t = m.eng->next_timeout(); t && (!next || *t < *next)) next = t;
  }
  if (next == m.armed) return;
  m.armed = next;
  if (!next) {
    js_timer(m.id, -1);
    return;
  }
  const auto left = std::chrono::duration<double, std::milli>(*next - Clock::now()).count();
  js_timer(m.id, std::max(0.0, std::ceil(left)));
}

// Nothing left to do: closed, not reconnecting, no engine, no socket active, nothing buffered or
// awaiting an ack, no deadline. Such a Manager (socket.io-client's after Manager._destroy() closed
// it) is freed by api.js on a later tick and made again from the JS object's options if used again.
bool idle(const Mgr& m) {
  if (m.pumping || m.eng || m.core.ready_state() != sock::ReadyState::closed || m.core.reconnecting() ||
      m.core.has_output() || m.core.next_timeout()) {
    return false;
  }
  return std::none_of(m.nsps.begin(), m.nsps.end(), [&](const std::string& n) {
    return m.core.active(n) || m.core.send_buffer_size(n) > 0 || m.core.pending_acks(n) > 0;
  });
}

void pump(Mgr& m) {
  if (m.pumping) {
    m.again = true;
    return;
  }
  m.pumping = true;
  do {
    m.again = false;
    while (auto out = m.core.poll()) handle(m, *out);
    if (m.eng) {
      engine_io(m);
      if (auto e = m.eng->poll_event()) {
        feed(m, *e);
        m.again = true;
      }
    }
  } while (m.again || m.core.has_output());
  m.pumping = false;
  arm(m);
  if (idle(m)) js_idle(m.id);
}

// Runs f on manager `id` (if it exists), then the loop.
template <class F>
void with(int id, F&& f) {
  if (Mgr* m = find(id)) {
    f(*m);
    pump(*m);
  }
}

std::chrono::milliseconds ms_of(double v) { return std::chrono::milliseconds(static_cast<std::int64_t>(v)); }

std::string g_text;  // storage of the last string returned to JS

}  // namespace

// ---- exported to api.js ---------------------------------------------------------------------

extern "C" {

// Attachment bytes for the next call that takes JSON (copied).
EMSCRIPTEN_KEEPALIVE void sio_push_bin(const char* p, int len) {
  g_bins.emplace_back(reinterpret_cast<const std::uint8_t*>(p), reinterpret_cast<const std::uint8_t*>(p) + len);
}

// config: the JSON built by api.js (Manager options with resolved url parts). 0: bad config.
EMSCRIPTEN_KEEPALIVE int sio_manager_new(const char* config) {
  auto parsed = parse_from_js(config);
  if (!parsed || !parsed->is_object()) return 0;
  const json& c = *parsed;
  auto num = [&](const char* k, double dflt) {
    auto it = c.find(k);
    return it != c.end() && it->is_number() ? it->get<double>() : dflt;
  };
  auto flag = [&](const char* k, bool dflt) {
    auto it = c.find(k);
    return it != c.end() && it->is_boolean() ? it->get<bool>() : dflt;
  };
  auto str = [&](const char* k) {
    auto it = c.find(k);
    return it != c.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  EngineConfig e;
  e.http_base = str("http");
  e.ws_base = str("ws");
  e.path = str("path");
  e.query = str("query");
  e.upgrade = flag("upgrade", true);
  e.remember_upgrade = flag("rememberUpgrade", false);
  e.protocol = num("eio", 4) == 3 ? eio::Protocol::v3 : eio::Protocol::v4;
  e.polling = e.websocket = false;
  if (auto it = c.find("transports"); it != c.end() && it->is_array()) {
    for (const auto& t : *it) {
      if (t == "polling") e.polling = true;
      if (t == "websocket") e.websocket = true;
    }
  }
  if (e.http_base.empty() || e.ws_base.empty() || (!e.polling && !e.websocket)) return 0;

  sock::ClientOptions o;
  o.reconnection = flag("reconnection", true);
  if (auto it = c.find("reconnectionAttempts"); it != c.end() && it->is_number() && it->get<double>() >= 0 &&
                                                 it->get<double>() < 1e18) {
    o.reconnection_attempts = static_cast<std::uint64_t>(it->get<double>());
  }
  o.reconnection_delay = ms_of(num("reconnectionDelay", 1000));
  o.reconnection_delay_max = ms_of(num("reconnectionDelayMax", 5000));
  o.randomization_factor = num("randomizationFactor", 0.5);
  const double timeout = num("timeout", -1);
  o.timeout = timeout >= 0 ? std::optional(ms_of(timeout)) : std::nullopt;
  o.protocol = e.protocol == eio::Protocol::v3 ? sock::Protocol::v4 : sock::Protocol::v5;
  o.random = [] { return emscripten_random(); };
  o.report_outgoing = true;
  e.timeout = timeout >= 0 ? ms_of(timeout) : std::chrono::hours(24 * 365);

  const int id = g_next_mgr++;
  g_mgrs.emplace(id, std::make_unique<Mgr>(id, std::move(o), std::move(e)));
  return id;
}

// Frees manager `m` if it is idle (see idle()); 1 if it was freed. Called by api.js from a timer,
// never while a call into this manager is running.
EMSCRIPTEN_KEEPALIVE int sio_manager_free(int m) {
  auto it = g_mgrs.find(m);
  if (it == g_mgrs.end() || !idle(*it->second)) return 0;
  g_mgrs.erase(it);
  return 1;
}

// Internal counters for tests (io.__debug): live managers, bytes allocated on the wasm heap.
EMSCRIPTEN_KEEPALIVE int sio_debug_live_managers() { return static_cast<int>(g_mgrs.size()); }
EMSCRIPTEN_KEEPALIVE double sio_debug_heap_used() { return static_cast<double>(mallinfo().uordblks); }

// Manager setters of socket.io-client, at any time. which: 0 reconnectionAttempts (v < 0:
// Infinity), 1 reconnectionDelay, 2 reconnectionDelayMax, 3 randomizationFactor, 4 timeout
// (v < 0: false, none).
EMSCRIPTEN_KEEPALIVE void sio_set_option(int m, int which, double v) {
  with(m, [which, v](Mgr& x) {
    switch (which) {
      case 0:
        x.core.set_reconnection_attempts(v >= 0 && v < 1e18 ? static_cast<std::uint64_t>(v)
                                                            : std::numeric_limits<std::uint64_t>::max());
        break;
      case 1:
        x.core.set_reconnection_delay(ms_of(std::max(0.0, v)));
        break;
      case 2:
        x.core.set_reconnection_delay_max(ms_of(std::max(0.0, v)));
        break;
      case 3:
        x.core.set_randomization_factor(v);
        break;
      case 4:
        x.core.set_timeout(v >= 0 ? std::optional(ms_of(v)) : std::nullopt);
        x.cfg.timeout = v >= 0 ? ms_of(v) : std::chrono::hours(24 * 365);
        break;
      default:
        break;
    }
  });
}

EMSCRIPTEN_KEEPALIVE void sio_open(int m) {
  with(m, [](Mgr& x) { x.core.open(Clock::now()); });
}
EMSCRIPTEN_KEEPALIVE void sio_close(int m) {
  with(m, [](Mgr& x) { x.core.close(Clock::now()); });
}
EMSCRIPTEN_KEEPALIVE void sio_set_reconnection(int m, int on) {
  with(m, [on](Mgr& x) { x.core.set_reconnection(on != 0); });
}
// 0 closed, 1 opening, 2 open
EMSCRIPTEN_KEEPALIVE int sio_ready_state(int m) {
  Mgr* x = find(m);
  return x ? static_cast<int>(x->core.ready_state()) : 0;
}
// 0 none, 1 polling, 2 websocket
EMSCRIPTEN_KEEPALIVE int sio_transport(int m) {
  Mgr* x = find(m);
  if (!x || !x->eng) return 0;
  const auto st = x->eng->state();
  if (st == eio::ClientSession::State::opening || st == eio::ClientSession::State::closed) return 0;
  return x->eng->transport() == eio::TransportKind::polling ? 1 : 2;
}
EMSCRIPTEN_KEEPALIVE const char* sio_engine_id(int m) {
  Mgr* x = find(m);
  g_text = x && x->eng ? x->eng->sid() : std::string();
  return g_text.c_str();
}

// socket.io.engine.close(): closes the Engine.IO connection as if the transport ended ("forced
// close" reaches the Manager, which reconnects unless reconnection is off), like engine.io-client.
EMSCRIPTEN_KEEPALIVE void sio_engine_close(int m) {
  with(m, [](Mgr& x) {
    if (x.eng) x.eng->close(Clock::now());
  });
}

// ack_timeout < 0: none. The auth of each CONNECT comes from SIO.auth() (socket.auth, object or function).
EMSCRIPTEN_KEEPALIVE void sio_socket_add(int m, const char* nsp, double ack_timeout, int retries) {
  with(m, [&](Mgr& x) {
    sock::SocketOptions o;
    if (ack_timeout >= 0) o.ack_timeout = ms_of(ack_timeout);
    o.retries = retries > 0 ? static_cast<std::uint32_t>(retries) : 0;
    o.auth_provider = [id = x.id, n = std::string(nsp)]() -> json {
      char* text = js_auth(id, n.c_str());
      if (!text) return json(json::value_t::discarded);
      auto parsed = sio::parse_json(text);
      std::free(text);
      return parsed ? std::move(*parsed) : json(json::value_t::discarded);
    };
    if (x.core.add_socket(nsp, std::move(o))) x.nsps.emplace_back(nsp);
  });
}
EMSCRIPTEN_KEEPALIVE void sio_connect(int m, const char* nsp) {
  with(m, [&](Mgr& x) { x.core.connect(nsp, Clock::now()); });
}
EMSCRIPTEN_KEEPALIVE void sio_disconnect(int m, const char* nsp) {
  with(m, [&](Mgr& x) { x.core.disconnect(nsp, Clock::now()); });
}

// args: JSON array [name, ...args] (binary as markers, bytes pushed before). token < 0: no ack;
// else the ack's result comes back through SIO.ack(m, token, ...). timeout < 0: the socket's default.
// Returns 0, or 1 when the arguments were refused (bad JSON, too deep, reserved name).
EMSCRIPTEN_KEEPALIVE int sio_emit(int m, const char* nsp, const char* args, double token, double timeout,
                                  int is_volatile) {
  auto parsed = parse_from_js(args);
  Mgr* x = find(m);
  if (!x || !parsed) return 1;
  sock::EmitOptions o;
  if (timeout >= 0) o.timeout = ms_of(timeout);
  o.volatile_ = is_volatile != 0;
  sock::AckCallback ack;
  if (token >= 0) {
    ack = [m, token](std::optional<sio::Error> error, json result) {
      int code = 0;
      if (error) code = error->code == sio::Errc::timeout ? 1 : error->code == sio::Errc::disconnected ? 2 : 3;
      const std::string text = dump_for_js(result);
      js_ack(m, token, code, text.data(), static_cast<int>(text.size()));
    };
  }
  auto r = x->core.emit(nsp, std::move(*parsed), Clock::now(), std::move(ack), o);
  pump(*x);
  return r ? 0 : 1;
}

EMSCRIPTEN_KEEPALIVE void sio_send_ack(int m, const char* nsp, double id, const char* args) {
  auto parsed = parse_from_js(args);
  if (!parsed) return;
  with(m, [&](Mgr& x) { x.core.send_ack(nsp, static_cast<std::uint64_t>(id), std::move(*parsed)); });
}

// bit 1 connected, 2 active, 4 recovered
EMSCRIPTEN_KEEPALIVE int sio_socket_state(int m, const char* nsp) {
  Mgr* x = find(m);
  if (!x) return 0;
  return (x->core.connected(nsp) ? 1 : 0) | (x->core.active(nsp) ? 2 : 0) | (x->core.recovered(nsp) ? 4 : 0);
}
EMSCRIPTEN_KEEPALIVE const char* sio_socket_id(int m, const char* nsp) {
  Mgr* x = find(m);
  g_text = x ? x->core.id(nsp) : std::string();
  return g_text.c_str();
}

// ---- transport results (from api.js) ----

// status 200: body; other status: HTTP error; 0: network error (body = message).
EMSCRIPTEN_KEEPALIVE void sio_on_get(int m, int gen, int status, const char* body, int len, int binary) {
  Mgr* x = find(m);
  if (!x || !x->eng || x->gen != gen) return;
  const std::string_view data(body, static_cast<std::size_t>(len));
  const auto now = Clock::now();
  if (status == 200) {
    x->eng->on_get_response(data, binary != 0, now);
  } else if (status == 0) {
    x->eng->on_get_failed("GET: " + std::string(data), now);
  } else {
    x->eng->on_get_failed("GET: HTTP " + std::to_string(status) + " " + std::string(data.substr(0, 200)), now);
  }
  pump(*x);
}
EMSCRIPTEN_KEEPALIVE void sio_on_post(int m, int gen, int status, const char* body, int len) {
  Mgr* x = find(m);
  if (!x || !x->eng || x->gen != gen) return;
  const std::string_view data(body, static_cast<std::size_t>(len));
  const auto now = Clock::now();
  if (status == 200) {
    x->eng->on_post_done(now);
  } else if (status == 0) {
    x->eng->on_post_failed("POST: " + std::string(data), now);
  } else {
    x->eng->on_post_failed("POST: HTTP " + std::to_string(status) + " " + std::string(data.substr(0, 200)), now);
  }
  pump(*x);
}
EMSCRIPTEN_KEEPALIVE void sio_on_ws_open(int m, int ws) {
  Mgr* x = find(m);
  if (!x || !x->eng || x->ws != ws) return;
  x->eng->on_ws_open(Clock::now());
  pump(*x);
}
EMSCRIPTEN_KEEPALIVE void sio_on_ws_frame(int m, int ws, const char* data, int len, int binary) {
  Mgr* x = find(m);
  if (!x || !x->eng || x->ws != ws) return;
  x->eng->on_ws_frame(std::string_view(data, static_cast<std::size_t>(len)), binary != 0, Clock::now());
  pump(*x);
}
EMSCRIPTEN_KEEPALIVE void sio_on_ws_closed(int m, int ws, int error, const char* what, int len) {
  Mgr* x = find(m);
  if (!x || !x->eng || x->ws != ws) return;
  x->ws = 0;
  x->eng->on_ws_closed(error != 0, std::string_view(what, static_cast<std::size_t>(len)), Clock::now());
  pump(*x);
}
EMSCRIPTEN_KEEPALIVE void sio_on_timer(int m) {
  Mgr* x = find(m);
  if (!x) return;
  x->armed.reset();
  const auto now = Clock::now();
  if (x->eng) {
    if (auto t = x->eng->next_timeout(); t && *t <= now) x->eng->handle_timeout(now);
  }
  if (auto t = x->core.next_timeout(); t && *t <= now) x->core.handle_timeout(now);
  pump(*x);
}

}  // extern "C"
