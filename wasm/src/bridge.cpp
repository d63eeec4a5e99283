// bridge.cpp - the C surface of the C++ client (sio::Manager / sio::Socket, client/) for the
// JavaScript facade api.js, which gives it socket.io-client's JS API at /socket.io.js. No protocol
// decision is made here or in api.js: they marshal values and forward events.
//
// Boundary: exported C functions (sio_*) called by api.js, and EM_JS hooks calling the `SIO`
// object of api.js. Values cross as JSON text; binary values are replaced by the marker object
// {"\u0000b": index} and their bytes passed beside (sio_push_bin / SIO.bin).
//
// Everything runs on the page's event loop: C++ listeners (and so the JS ones) run while the
// client dispatches, in order, within the task that received the packets.
#include <emscripten.h>
#include <malloc.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sio/client.hpp"
#include "sio/core/json.hpp"
#include "sio/core/timer_delay.hpp"
#include "sio/socketio/packet.hpp"
#include "sio/socketio/parser.hpp"

namespace sio::detail {
int live_managers();  // client/src/backend.hpp
}

namespace {

using sio::json;

// ---- hooks into api.js (SIO) ---------------------------------------------------------------

// clang-format off
EM_JS(void, js_bin, (const char* p, int len), { SIO.bin(HEAPU8.slice(p, p + len).buffer); });
EM_JS(void, js_manager_event, (int m, int kind, const char* a, int alen, const char* b, int blen, int attempt),
      { SIO.managerEvent(m, kind, SIO.str(a, alen), SIO.str(b, blen), attempt); });
EM_JS(void, js_socket_event, (int m, int kind, const char* nsp, const char* a, int alen, const char* b, int blen,
                              double ack), {
  SIO.socketEvent(m, kind, UTF8ToString(nsp), SIO.str(a, alen), SIO.str(b, blen), ack);
});
EM_JS(void, js_ack, (int m, double token, int err, const char* a, int alen),
      { SIO.ack(m, token, err, SIO.str(a, alen)); });
EM_JS(void, js_auth, (int m, const char* nsp, double token), { SIO.auth(m, UTF8ToString(nsp), token); });
EM_JS(void, js_engine_event, (int m, int kind), { SIO.engineEvent(m, kind); });
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

// `v` as JSON text for JS, appended to `out`: binary values as markers, numbered on from `n`.
void append_for_js(std::string& out, const json& v, int& n) {
  if (sio::socketio::has_binary(v)) {
    sio::append_json(out, to_js(v, n));
  } else {
    sio::append_json(out, v);
  }
}

std::string dump_for_js(const json& v) {
  std::string out;
  int n = 0;
  append_for_js(out, v, n);
  return out;
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

// ---- the Managers api.js holds ----------------------------------------------------------------

struct Entry {
  std::shared_ptr<sio::Manager> manager;
  std::map<std::string, std::shared_ptr<sio::Socket>> sockets;
  std::map<double, sio::Ack> acks;  // acks asked by the server, by token (answered once)
  double next_ack = 0;
};

std::map<int, Entry> g_entries;
int g_next_manager = 1;
std::map<double, sio::AuthAnswer> g_auth;  // pending async auth answers, by token
double g_next_auth = 0;

Entry* find(int m) {
  auto it = g_entries.find(m);
  return it == g_entries.end() ? nullptr : &it->second;
}

sio::Socket* find_socket(int m, const char* nsp) {
  Entry* e = find(m);
  if (!e) return nullptr;
  auto it = e->sockets.find(nsp);
  return it == e->sockets.end() ? nullptr : it->second.get();
}

// [event, ...args] as JSON text for JS, written from the parts (no copy of the arguments).
void send_event(int m, int kind, const std::string& nsp, const std::string& event, const json& args, double ack) {
  std::string text = "[";
  sio::append_json(text, json(event));
  int n = 0;
  for (const auto& a : args) {
    text += ',';
    append_for_js(text, a, n);
  }
  text += ']';
  js_socket_event(m, kind, nsp.c_str(), text.data(), static_cast<int>(text.size()), nullptr, 0, ack);
}

std::string g_text;  // storage of the last string returned to JS

}  // namespace

extern "C" {

// Attachment bytes for the next call that takes JSON (copied).
EMSCRIPTEN_KEEPALIVE void sio_push_bin(const char* p, int len) {
  g_bins.emplace_back(reinterpret_cast<const std::uint8_t*>(p), reinterpret_cast<const std::uint8_t*>(p) + len);
}

// config: {url, path, query: {k: v}, transports, upgrade, rememberUpgrade, eio, reconnection,
// reconnectionAttempts (null: Infinity), reconnectionDelay, reconnectionDelayMax,
// randomizationFactor, timeout (< 0: none), extraHeaders: {k: v}, withCredentials, parser:
// "default" | "msgpack"}. 0: bad config.
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
  auto strings = [&](const char* k) {
    std::map<std::string, std::string> out;
    auto it = c.find(k);
    if (it == c.end() || !it->is_object()) return out;
    for (const auto& [key, value] : it->items()) out[key] = value.is_string() ? value.get<std::string>() : sio::dump_json(value);
    return out;
  };
  sio::Options o;
  const std::string url = c.value("url", std::string());
  o.path = c.value("path", std::string("/socket.io/"));
  o.add_trailing_slash = flag("addTrailingSlash", true);
  o.query = strings("query");
  o.extra_headers = strings("extraHeaders");
  o.transports.clear();
  if (auto it = c.find("transports"); it != c.end() && it->is_array()) {
    for (const auto& t : *it) {
      // (Strings compared as strings: json == "..." would link nlohmann's whole operator==.)
      const std::string* name = t.get_ptr<const std::string*>();
      if (name && (*name == "polling" || *name == "websocket")) o.transports.push_back(*name);
    }
  }
  if (url.empty() || o.transports.empty()) return 0;
  o.upgrade = flag("upgrade", true);
  o.remember_upgrade = flag("rememberUpgrade", false);
  o.with_credentials = flag("withCredentials", false);
  o.eio3 = num("eio", 4) == 3;
  // The wire format (api.js recognises socket.io-msgpack-parser in io(url, { parser })). Only
  // socket.io.msgpack.js links the MessagePack parser (SIO_WASM_MSGPACK, wasm/CMakeLists.txt):
  // it is a sixth of the wasm, so the default bundle leaves it out, as socket.io-client ships
  // socket.io.msgpack.min.js apart from socket.io.min.js.
  const std::string parser = c.value("parser", std::string("default"));
  if (parser != "default") {
#if SIO_WASM_MSGPACK
    o.parser = sio::socketio::parser_by_name(parser);
#endif
    if (!o.parser || o.eio3) return 0;  // MessagePack is protocol v5 only
  }
  o.reconnection = flag("reconnection", true);
  if (auto it = c.find("reconnectionAttempts"); it != c.end() && it->is_number() && it->get<double>() >= 0 &&
                                                 it->get<double>() < 1e18) {
    o.reconnection_attempts = static_cast<std::uint64_t>(it->get<double>());
  }
  o.reconnection_delay = sio::timer_delay(num("reconnectionDelay", 1000));
  o.reconnection_delay_max = sio::timer_delay(num("reconnectionDelayMax", 5000));
  o.randomization_factor = num("randomizationFactor", 0.5);
  const double timeout = num("timeout", -1);
  o.timeout = timeout >= 0 ? std::optional(sio::timer_delay(timeout)) : std::nullopt;
  o.auto_connect = false;  // api.js opens and connects

  const int id = g_next_manager++;
  Entry& e = g_entries[id];
  e.manager = sio::Manager::create(url, std::move(o));
  static const char* const kNames[] = {"open", "error", "close", "ping", "reconnect_attempt", "reconnect",
                                       "reconnect_error", "reconnect_failed"};
  for (int kind = 0; kind < 8; ++kind) {
    e.manager->on(kNames[kind], [id, kind](const json& args) {
      std::string a, b;
      int attempt = 0;
      if ((kind == 1 || kind == 2 || kind == 6) && args.size() > 0 && args[0].is_string()) a = args[0].get<std::string>();
      if (kind == 2 && args.size() > 1 && args[1].is_string()) b = args[1].get<std::string>();
      if ((kind == 4 || kind == 5) && args.size() > 0 && args[0].is_number()) attempt = args[0].get<int>();
      js_manager_event(id, kind, a.data(), static_cast<int>(a.size()), b.data(), static_cast<int>(b.size()), attempt);
    });
  }
  e.manager->on("engine_open", [id](const json&) { js_engine_event(id, 0); });
  e.manager->on("engine_upgrade", [id](const json&) { js_engine_event(id, 1); });
  e.manager->on("engine_close", [id](const json&) { js_engine_event(id, 2); });
  // The manager became idle however it got there (last socket disconnected, connection closed,
  // last ack ended, reconnection gave up): api.js frees it on a later tick (SIO.idle).
  e.manager->on("idle", [id](const json&) { js_engine_event(id, 3); });
  return id;
}

// Frees manager `m` if it is idle (sio::Manager::idle); 1 if it was freed. Called by api.js from a
// timer, never while a call into this manager is running.
EMSCRIPTEN_KEEPALIVE int sio_manager_free(int m) {
  auto it = g_entries.find(m);
  if (it == g_entries.end() || !it->second.manager->idle()) return 0;
  Entry entry = std::move(it->second);
  g_entries.erase(it);
  for (auto& [nsp, socket] : entry.sockets) socket->off();
  return 1;  // the Manager and its Sockets go with `entry`
}

// Internal counters for tests (io.__debug): live C++ Managers, bytes allocated on the wasm heap.
EMSCRIPTEN_KEEPALIVE int sio_debug_live_managers() { return sio::detail::live_managers(); }
EMSCRIPTEN_KEEPALIVE double sio_debug_heap_used() { return static_cast<double>(mallinfo().uordblks); }

// Manager setters of socket.io-client, at any time. which: 0 reconnectionAttempts (v < 0:
// Infinity), 1 reconnectionDelay, 2 reconnectionDelayMax, 3 randomizationFactor, 4 timeout
// (v < 0: false, none).
EMSCRIPTEN_KEEPALIVE void sio_set_option(int m, int which, double v) {
  Entry* e = find(m);
  if (!e) return;
  auto& mgr = *e->manager;
  switch (which) {
    case 0:
      mgr.set_reconnection_attempts(v >= 0 && v < 1e18 ? static_cast<std::uint64_t>(v)
                                                       : std::numeric_limits<std::uint64_t>::max());
      break;
    case 1: mgr.set_reconnection_delay(sio::timer_delay(std::max(0.0, v))); break;
    case 2: mgr.set_reconnection_delay_max(sio::timer_delay(std::max(0.0, v))); break;
    case 3: mgr.set_randomization_factor(v); break;
    case 4: mgr.set_timeout(v >= 0 ? std::optional(sio::timer_delay(v)) : std::nullopt); break;
    default: break;
  }
}

EMSCRIPTEN_KEEPALIVE void sio_open(int m) {
  if (Entry* e = find(m)) e->manager->open();
}
EMSCRIPTEN_KEEPALIVE void sio_close(int m) {
  if (Entry* e = find(m)) e->manager->close();
}
EMSCRIPTEN_KEEPALIVE void sio_set_reconnection(int m, int on) {
  if (Entry* e = find(m)) e->manager->set_reconnection(on != 0);
}
// 0 closed, 1 opening, 2 open
EMSCRIPTEN_KEEPALIVE int sio_ready_state(int m) {
  Entry* e = find(m);
  if (!e) return 0;
  const std::string s = e->manager->ready_state();
  return s == "open" ? 2 : s == "opening" ? 1 : 0;
}
// 0 none, 1 polling, 2 websocket
EMSCRIPTEN_KEEPALIVE int sio_transport(int m) {
  Entry* e = find(m);
  if (!e) return 0;
  const std::string t = e->manager->transport();
  return t == "polling" ? 1 : t == "websocket" ? 2 : 0;
}
EMSCRIPTEN_KEEPALIVE const char* sio_engine_id(int m) {
  Entry* e = find(m);
  g_text = e ? e->manager->engine_id() : std::string();
  return g_text.c_str();
}
// socket.io.engine.close() (sio::Manager::close_engine).
EMSCRIPTEN_KEEPALIVE void sio_engine_close(int m) {
  if (Entry* e = find(m)) e->manager->close_engine();
}

namespace {
// socket.onAnyOutgoing: what the socket emits, reported to JS (kind 4) only while the JS socket has
// such listeners (sio_any_outgoing), so that an emit does not pay for a copy of its arguments
// and their JSON text otherwise.
void report_outgoing(sio::Socket& socket, int m, const std::string& name) {
  socket.off_any_outgoing();
  socket.on_any_outgoing(
      [m, name](const std::string& event, const json& args) { send_event(m, 4, name, event, args, -1); });
}
}  // namespace

// ack_timeout < 0: none. The auth of each CONNECT is asked from SIO.auth(m, nsp, token) (socket.auth,
// an object or a function answering now or later), answered with sio_auth_answer. any_outgoing:
// whether the JS socket has onAnyOutgoing listeners (then sio_any_outgoing as they come and go).
EMSCRIPTEN_KEEPALIVE void sio_socket_add(int m, const char* nsp, double ack_timeout, int retries, int any_outgoing) {
  Entry* e = find(m);
  if (!e || e->sockets.count(nsp)) return;
  sio::SocketOptions o;
  if (ack_timeout >= 0) o.ack_timeout = sio::timer_delay(ack_timeout);
  o.retries = retries > 0 ? static_cast<std::uint32_t>(retries) : 0;
  const std::string name = nsp;
  o.auth_async = [m, name](sio::AuthAnswer answer) {
    const double token = ++g_next_auth;
    g_auth[token] = std::move(answer);
    js_auth(m, name.c_str(), token);
  };
  auto socket = e->manager->socket(name, std::move(o));
  e->sockets[name] = socket;
  socket->on("connect", [m, name](const json&) {
    js_socket_event(m, 0, name.c_str(), nullptr, 0, nullptr, 0, -1);
  });
  socket->on("connect_error", [m, name](const json& args) {
    std::string message, data;
    if (!args.empty() && args[0].is_object()) {
      message = args[0].value("message", std::string());
      if (args[0].contains("data")) data = dump_for_js(args[0]["data"]);
    }
    js_socket_event(m, 1, name.c_str(), message.data(), static_cast<int>(message.size()), data.data(),
                    static_cast<int>(data.size()), -1);
  });
  socket->on("disconnect", [m, name](const json& args) {
    const std::string reason = !args.empty() && args[0].is_string() ? args[0].get<std::string>() : std::string();
    const std::string description = args.size() > 1 && args[1].is_string() ? args[1].get<std::string>() : std::string();
    js_socket_event(m, 2, name.c_str(), reason.data(), static_cast<int>(reason.size()), description.data(),
                    static_cast<int>(description.size()), -1);
  });
  socket->on_any([m, name](const std::string& event, const json& args, sio::Ack ack) {
    double token = -1;
    if (ack) {
      if (Entry* entry = find(m)) {
        token = ++entry->next_ack;
        entry->acks.emplace(token, std::move(ack));
      }
    }
    send_event(m, 3, name, event, args, token);
  });
  if (any_outgoing) report_outgoing(*socket, m, name);
}

// The JS socket's onAnyOutgoing listeners: the first one added (on != 0) or the last one removed.
EMSCRIPTEN_KEEPALIVE void sio_any_outgoing(int m, const char* nsp, int on) {
  sio::Socket* s = find_socket(m, nsp);
  if (!s) return;
  if (on) {
    report_outgoing(*s, m, nsp);
  } else {
    s->off_any_outgoing();
  }
}

// The answer to SIO.auth(m, nsp, token): the auth object as JSON ("" or not an object: none).
EMSCRIPTEN_KEEPALIVE void sio_auth_answer(double token, const char* auth) {
  auto it = g_auth.find(token);
  if (it == g_auth.end()) return;
  auto answer = std::move(it->second);
  g_auth.erase(it);
  auto parsed = parse_from_js(auth);
  answer(parsed && parsed->is_object() ? std::move(*parsed) : json(json::value_t::discarded));
}

EMSCRIPTEN_KEEPALIVE void sio_connect(int m, const char* nsp) {
  if (sio::Socket* s = find_socket(m, nsp)) s->connect();
}
EMSCRIPTEN_KEEPALIVE void sio_disconnect(int m, const char* nsp) {
  if (sio::Socket* s = find_socket(m, nsp)) s->disconnect();
}

// args: JSON array [name, ...args] (binary as markers, bytes pushed before). token < 0: no ack;
// else the ack's result comes back through SIO.ack(m, token, ...). timeout < 0: the socket's default.
// Returns 0, or 1 when the arguments were refused (bad JSON, too deep, not [name, ...]).
EMSCRIPTEN_KEEPALIVE int sio_emit(int m, const char* nsp, const char* args, double token, double timeout,
                                  int is_volatile) {
  auto parsed = parse_from_js(args);
  Entry* e = find(m);
  auto it = e ? e->sockets.find(nsp) : decltype(e->sockets.end()){};
  if (!e || it == e->sockets.end() || !parsed || !parsed->is_array() || parsed->empty() ||
      !(*parsed)[0].is_string()) {
    return 1;
  }
  std::string event = (*parsed)[0].get<std::string>();
  parsed->erase(parsed->begin());
  sio::Emitter emitter = it->second->emitter();
  if (timeout >= 0) emitter.timeout(sio::timer_delay(timeout));
  if (is_volatile) emitter.volatile_();
  sio::AckCallback ack;
  if (token >= 0) {
    ack = [m, token](std::optional<sio::Error> error, json result) {
      int code = 0;
      if (error) code = error->code == sio::Errc::timeout ? 1 : error->code == sio::Errc::disconnected ? 2 : 3;
      const std::string text = dump_for_js(result);
      js_ack(m, token, code, text.data(), static_cast<int>(text.size()));
    };
  }
  emitter.emit_array(std::move(event), std::move(*parsed), std::move(ack));
  return 0;
}

// Answers the server's ack request `token` (from SIO.socketEvent) once.
EMSCRIPTEN_KEEPALIVE void sio_send_ack(int m, double token, const char* args) {
  auto parsed = parse_from_js(args);
  Entry* e = find(m);
  if (!e || !parsed) return;
  auto it = e->acks.find(token);
  if (it == e->acks.end()) return;
  sio::Ack ack = std::move(it->second);
  e->acks.erase(it);
  ack.send(std::move(*parsed));
}

// bit 1 connected, 2 active, 4 recovered
EMSCRIPTEN_KEEPALIVE int sio_socket_state(int m, const char* nsp) {
  sio::Socket* s = find_socket(m, nsp);
  if (!s) return 0;
  return (s->connected() ? 1 : 0) | (s->active() ? 2 : 0) | (s->recovered() ? 4 : 0);
}
EMSCRIPTEN_KEEPALIVE const char* sio_socket_id(int m, const char* nsp) {
  sio::Socket* s = find_socket(m, nsp);
  g_text = s ? s->id() : std::string();
  return g_text.c_str();
}

}  // extern "C"
