// The demo application of sio-testserver (and the server side of the interop tests).
#include "sio/server/demo.hpp"

#include <chrono>
#include <optional>
#include <regex>
#include <utility>

#include "sio/core/timer_delay.hpp"

namespace sio::server {

namespace {

std::string str(const json& args, std::size_t i) {
  return i < args.size() && args[i].is_string() ? args[i].get<std::string>() : std::string();
}

// An ack timeout given by the client (any JSON number: 1e300, -1, 2^63...), as Node's setTimeout
// would take it.
std::chrono::milliseconds timeout_arg(const json& args, std::size_t i) {
  return i < args.size() && args[i].is_number() ? sio::timer_delay(args[i].get<double>())
                                                : std::chrono::milliseconds(1000);
}

}  // namespace

DemoApp::DemoApp(Server& server)
    : reasons_(std::make_shared<std::map<std::string, std::string>>()),
      threads_mutex_(std::make_shared<std::mutex>()),
      threads_(std::make_shared<std::vector<std::thread>>()) {
  auto install = [this](Socket& s) { this->install(s); };
  server.on_connection(install);
  server.of("/chat", install);
  server.of("/rooms", install);
  server.of("/bq", install);
  auto secure = server.of("/secure");
  secure->use([](Socket& s, Next next) {
    const auto& auth = s.handshake().auth;
    if (!auth.is_object() || auth.value("token", json()) != "t0ken") {
      return next(ConnectError{"forbidden", json{{"code", 403}, {"hint", "token"}}});
    }
    const auto user = auth.value("user", json());
    s.data["user"] = user.is_string() ? user : json("");
    // What the handshake showed the middleware (checked by the interop tests).
    const auto& hs = s.handshake();
    json query = json::object();
    for (const auto& [k, v] : hs.query) query[k] = v;
    auto header = hs.headers.find("x-interop");
    s.data["seen"] = {{"address", hs.address},
                      {"x-interop", header == hs.headers.end() ? json(nullptr) : json(header->second)},
                      {"query", query},
                      {"url", hs.url}};
    next(std::nullopt);
  });
  secure->on_connection(install);
  server.of(std::regex("^/dyn-\\d+$"), install);
}

DemoApp::~DemoApp() {
  std::lock_guard lock(*threads_mutex_);
  for (auto& t : *threads_) {
    if (t.joinable()) t.join();
  }
}

void DemoApp::install(Socket& s) {
  std::weak_ptr<Socket> weak = s.shared_from_this();
  auto any = std::make_shared<std::vector<std::string>>();
  s.on_any([any](const std::string& ev, const json&) { any->push_back(ev); });
  s.on_disconnect([reasons = reasons_, id = s.id()](const std::string& reason) { (*reasons)[id] = reason; });
  s.on("echo", [weak](const json& args, const AckFn& ack) {
    if (auto sock = weak.lock()) sock->emit("echo", args);
    if (ack) ack(args);
  });
  // The web demo's chat: to everyone in the namespace.
  s.on("chat message", [weak](const json& args, const AckFn& ack) {
    if (auto sock = weak.lock()) sock->nsp().emit("chat message", args);
    if (ack) ack(json::array({true}));
  });
  s.on("whoami", [weak](const json&, const AckFn& ack) {
    auto sock = weak.lock();
    if (!sock || !ack) return;
    json rooms = json::array();
    for (const auto& r : sock->rooms()) rooms.push_back(r);
    ack(json::array({{{"id", sock->id()},
                      {"nsp", sock->nsp().name()},
                      {"auth", sock->handshake().auth},
                      {"rooms", rooms},
                      {"user", sock->data.value("user", "")},
                      {"seen", sock->data.value("seen", json(nullptr))}}}));
  });
  s.on("ask", [weak](const json& args, const AckFn& ack) {
    auto sock = weak.lock();
    if (!sock || !ack || args.size() < 2) return;
    json rest = json::array();
    for (std::size_t i = 2; i < args.size(); ++i) rest.push_back(args[i]);
    sock->timeout(timeout_arg(args, 1))
        .emit(str(args, 0), rest, [ack](std::optional<sio::Error> err, json reply) {
          ack(json::array({err ? json(err->message) : json(nullptr), reply}));
        });
  });
  s.on("join", [weak](const json& args, const AckFn& ack) {
    if (auto sock = weak.lock()) sock->join(str(args, 0));
    if (ack) ack(json::array());
  });
  s.on("to-room", [weak](const json& args, const AckFn& ack) {
    json rest = json::array();
    for (std::size_t i = 2; i < args.size(); ++i) rest.push_back(args[i]);
    if (auto sock = weak.lock()) sock->to(str(args, 0)).emit(str(args, 1), rest);
    if (ack) ack(json::array());
  });
  s.on("emit-except", [weak](const json& args, const AckFn& ack) {
    if (auto sock = weak.lock()) {
      sock->nsp().to(str(args, 0)).except(str(args, 1)).emit(str(args, 2));
    }
    if (ack) ack(json::array());
  });
  s.on("broadcast", [weak](const json& args, const AckFn& ack) {
    json rest = json::array();
    for (std::size_t i = 1; i < args.size(); ++i) rest.push_back(args[i]);
    if (auto sock = weak.lock()) sock->broadcast().emit(str(args, 0), rest);
    if (ack) ack(json::array());
  });
  s.on("marker", [weak](const json&, const AckFn& ack) {
    if (auto sock = weak.lock()) sock->nsp().emit("marker");
    if (ack) ack(json::array());
  });
  s.on("broadcast-ack", [weak](const json& args, const AckFn& ack) {
    auto sock = weak.lock();
    if (!sock) return;
    sock->nsp()
        .timeout(timeout_arg(args, 1))
        .emit(str(args, 0), json::array({args.size() > 2 ? args[2] : json(nullptr)}),
              [ack](std::optional<sio::Error> err, json responses) {
                ack(json::array({err ? json(err->message) : json(nullptr), responses}));
              });
  });
  s.on("get-binary", [weak](const json&, const AckFn& ack) {
    if (auto sock = weak.lock()) {
      sock->emit("bin", json::array({sio::binary(sio::Bytes{1, 2, 3}),
                                     {{"nested", sio::binary(sio::Bytes{4, 5})}}}));
    }
    if (ack) ack(json::array({sio::binary(sio::Bytes{6, 7, 8})}));
  });
  s.on("get-any", [any](const json&, const AckFn& ack) { if (ack) ack(json::array({*any})); });
  s.on("emit-from-thread", [mutex = threads_mutex_, threads = threads_, weak](const json&, const AckFn& ack) {
    auto sock = weak.lock();
    if (!sock) return;
    std::lock_guard lock(*mutex);
    if (threads->size() >= 64) {  // each one only posts an emit: joining is quick
      for (auto& t : *threads) t.join();
      threads->clear();
    }
    threads->emplace_back([sock] { sock->emit("later", json::array({"from-thread", 7})); });
    if (ack) ack(json::array());
  });
  s.on("disconnect-me", [weak](const json& args, const AckFn&) {
    if (auto sock = weak.lock()) sock->disconnect(!args.empty() && args[0] == true);
  });
  // Server-side operations on the sockets of a room of this namespace (Node's
  // io.in(room).socketsJoin/socketsLeave/disconnectSockets/fetchSockets); room "" means all.
  s.on("server-op", [weak](const json& args, const AckFn& ack) {
    auto sock = weak.lock();
    if (!sock || !ack) return;
    const auto op = str(args, 0);
    const auto room = str(args, 1);
    auto target = room.empty() ? sock->nsp().all() : sock->nsp().to(room);
    if (op == "sockets-join") {
      target.sockets_join(str(args, 2));
    } else if (op == "sockets-leave") {
      target.sockets_leave(str(args, 2));
    } else if (op == "disconnect-sockets") {
      target.disconnect_sockets(args.size() > 2 && args[2] == true);
    } else if (op == "fetch-sockets") {
      target.fetch_sockets([ack](std::vector<SocketPtr> sockets) {
        json out = json::array();
        for (const auto& f : sockets) {
          json rooms = json::array();
          for (const auto& r : f->rooms()) rooms.push_back(r);
          out.push_back({{"id", f->id()}, {"rooms", rooms}});
        }
        ack(json::array({out}));
      });
      return;
    }
    ack(json::array({true}));
  });
  // Tries every reserved event name on every emitting API; acks with what each emit returned.
  s.on("emit-reserved", [weak](const json&, const AckFn& ack) {
    auto sock = weak.lock();
    if (!sock || !ack) return;
    json results = json::array();
    for (const char* name : {"connect", "connect_error", "disconnect", "disconnecting", "newListener",
                             "removeListener"}) {
      results.push_back(sock->emit(name, json::array({1})));
      results.push_back(sock->broadcast().emit(name));
      results.push_back(sock->nsp().emit(name));
      results.push_back(sock->nsp().to(sock->id()).emit(name));
    }
    ack(json::array({results}));
  });
  s.on("reason-of", [reasons = reasons_](const json& args, const AckFn& ack) {
    auto it = reasons->find(str(args, 0));
    if (ack) ack(json::array({it == reasons->end() ? json(nullptr) : json(it->second)}));
  });
}

}  // namespace sio::server
