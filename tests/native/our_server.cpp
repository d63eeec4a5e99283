// our_server - the native client interop fixture on OUR server (sio::server), offering the same
// events and printing the same lines as tests/native/client/server.js, so that the client suite in
// client_test.cpp runs unchanged against both.
//
// usage: native_our_server [--port N] [--recovery] [--path P] [--allow-eio3] [--parser msgpack]
// Prints "port <N>" once listening; then "connect <nsp> <id> <transport> recovered=<bool>",
// "disconnect <nsp> <reason>", "upgrade <nsp> websocket", "count <n>", "flaky <n> try <k>",
// "any-probe <json>".
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sio/server/server.hpp"

namespace {

using sio::json;
using namespace std::chrono_literals;

void say(const std::string& line) { std::cout << line << std::endl; }

struct State {
  boost::asio::io_context* io = nullptr;
  sio::server::Server* server = nullptr;
  json counts = json::array();
  std::map<std::string, int> tries;
};

// The server has no "upgrade" event: watch the transport name until it turns "websocket".
void watch_upgrade(State& st, const std::weak_ptr<sio::server::Socket>& weak, std::string nsp,
                   std::shared_ptr<boost::asio::steady_timer> timer = nullptr) {
  if (!timer) timer = std::make_shared<boost::asio::steady_timer>(*st.io);
  timer->expires_after(20ms);
  timer->async_wait([&st, weak, nsp, timer](boost::system::error_code ec) {
    if (ec) return;
    auto socket = weak.lock();
    if (!socket || !socket->connected()) return;
    auto conn = socket->conn();
    if (!conn) return;
    if (conn->transport() == "websocket") {
      say("upgrade " + nsp + " websocket");
      socket->emit("upgraded", json::array({"websocket"}));
      return;
    }
    watch_upgrade(st, weak, nsp, timer);
  });
}

void common(State& st, sio::server::Socket& socket) {
  const std::string nsp = socket.nsp().name();
  auto conn = socket.conn();
  const std::string transport = conn ? std::string(conn->transport()) : std::string("?");
  say("connect " + nsp + " " + socket.id() + " " + transport + " recovered=" + (socket.recovered() ? "true" : "false"));
  if (transport == "polling") watch_upgrade(st, socket.weak_from_this(), nsp);
  socket.on_disconnect([nsp](const std::string& reason) { say("disconnect " + nsp + " " + reason); });

  socket.on("echo", [](const json& args, const sio::server::AckFn& ack) {
    if (ack) ack(args);
  });
  std::weak_ptr<sio::server::Socket> weak = socket.weak_from_this();
  socket.on("emit-back", [weak](const json& args, const sio::server::AckFn&) {
    if (auto s = weak.lock()) s->emit("back", args);
  });
  socket.on("no-ack", [](const json&, const sio::server::AckFn&) {});
  socket.on("ask-me", [weak](const json& args, const sio::server::AckFn&) {
    auto s = weak.lock();
    if (!s) return;
    json q = args.empty() ? json() : args[0];
    s->timeout(5000ms).emit("question", json::array({q}), [weak](std::optional<sio::Error> err, json answer) {
      auto s2 = weak.lock();
      if (!s2) return;
      if (err) {
        s2->emit("answer-was", json::array({"timeout"}));
      } else {
        s2->emit("answer-was", answer);
      }
    });
  });
  socket.on("bin", [weak](const json& args, const sio::server::AckFn& ack) {
    auto s = weak.lock();
    if (!s || args.empty() || !args[0].is_binary()) return;
    sio::Bytes original(args[0].get_binary().begin(), args[0].get_binary().end());
    sio::Bytes reversed(original.rbegin(), original.rend());
    s->emit("bin-back", json::array({sio::binary(reversed),
                                     {{"original", sio::binary(original)},
                                      {"list", json::array({sio::binary(sio::Bytes{1, 2}), "x"})}}}));
    if (ack) ack(json::array({sio::binary(sio::Bytes{9, 8, 7})}));
  });
  socket.on("transport", [weak](const json&, const sio::server::AckFn& ack) {
    auto s = weak.lock();
    auto c = s ? s->conn() : nullptr;
    if (ack) ack(json::array({c ? std::string(c->transport()) : std::string()}));
  });
  socket.on("auth", [weak](const json&, const sio::server::AckFn& ack) {
    auto s = weak.lock();
    if (!s || !ack) return;
    const auto& hs = s->handshake();
    json query = json::object();
    for (const auto& [k, v] : hs.query) query[k] = v;
    auto h = hs.headers.find("x-test");
    ack(json::array({hs.auth, query, h == hs.headers.end() ? json() : json(h->second)}));
  });
  socket.on("disconnect-me", [weak](const json&, const sio::server::AckFn&) {
    if (auto s = weak.lock()) s->disconnect();
  });
  socket.on("close-transport", [weak](const json&, const sio::server::AckFn&) {
    auto s = weak.lock();
    if (auto c = s ? s->conn() : nullptr) c->close();
  });
  socket.on("count", [&st](const json& args, const sio::server::AckFn&) {
    json n = args.empty() ? json() : args[0];
    st.counts.push_back(n);
    say("count " + n.dump());
  });
  socket.on("get-counts", [&st](const json&, const sio::server::AckFn& ack) {
    if (ack) ack(json::array({st.counts}));
  });
  socket.on("flaky", [&st](const json& args, const sio::server::AckFn& ack) {
    const std::string n = args.empty() ? std::string("null") : args[0].dump();
    const int k = ++st.tries[n];
    say("flaky " + n + " try " + std::to_string(k));
    if (k >= 2 && ack) ack(json::array({"ok", k}));
  });
  socket.on("broadcast", [&st, nsp](const json& args, const sio::server::AckFn& ack) {
    if (args.size() < 2 || !args[0].is_string()) return;
    st.server->of(nsp)->emit(args[0].get<std::string>(), json::array({args[1]}));
    if (ack) ack(json::array({"done"}));
  });
  socket.on("chat message", [](const json& args, const sio::server::AckFn& ack) {
    if (ack) ack(json::array({"received", args.empty() ? json() : args[0]}));
  });
  // EIO3 tests (as server_v2.js): the handshake query, merged with the namespace query (= auth)
  socket.on("query", [weak](const json&, const sio::server::AckFn& ack) {
    auto s = weak.lock();
    if (!s || !ack) return;
    json query = json::object();
    for (const auto& [k, v] : s->handshake().query) query[k] = v;
    if (s->handshake().auth.is_object()) {
      for (const auto& [k, v] : s->handshake().auth.items()) query[k] = v;
    }
    ack(json::array({query}));
  });
  socket.on_any([](const std::string& event, const json& args) {
    if (event == "any-probe") say("any-probe " + args.dump());
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 0;
  sio::server::ServerOptions options;
  options.ping_interval = 2000ms;
  options.ping_timeout = 2000ms;
  options.max_http_buffer_size = 10'000'000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      port = static_cast<std::uint16_t>(std::stoul(argv[++i]));
    } else if (arg == "--recovery") {
      sio::server::ConnectionStateRecoveryOptions recovery;
      recovery.max_disconnection_duration = 60000ms;
      recovery.skip_middlewares = true;
      options.connection_state_recovery = recovery;
    } else if (arg == "--path" && i + 1 < argc) {
      options.path = argv[++i];
    } else if (arg == "--allow-eio3") {
      options.allow_eio3 = true;
    } else if (arg == "--parser" && i + 1 < argc) {
      options.parser = sio::socketio::parser_by_name(argv[++i]);
      if (!options.parser) {
        std::cerr << "our_server: unknown parser\n";
        return 2;
      }
    } else {
      std::cerr << "our_server: unknown argument " << arg << "\n";
      return 2;
    }
  }

  boost::asio::io_context io;
  State st;
  st.io = &io;
  std::unique_ptr<sio::server::Server> server;
  try {
    server = std::make_unique<sio::server::Server>(io, options, "127.0.0.1", port);
  } catch (const std::exception& e) {
    std::cerr << "our_server: cannot listen: " << e.what() << "\n";
    return 1;
  }
  st.server = server.get();

  server->on_connection([&st](sio::server::Socket& socket) {
    common(st, socket);
    socket.emit("welcome", json::array({socket.id()}));
  });
  server->of("/admin", [&st](sio::server::Socket& socket) {
    common(st, socket);
    socket.emit("welcome-admin", json::array({socket.id()}));
  });
  auto secure = server->of("/secure");
  secure->use([](sio::server::Socket& socket, sio::server::Next next) {
    const json& auth = socket.handshake().auth;
    if (auth.is_object() && auth.value("token", json()) == "secret") return next(std::nullopt);
    sio::server::ConnectError err;
    err.message = "not authorized";
    // (socket.io 2 clients get the message only, as server_v2.js sends)
    auto conn = socket.conn();
    if (!conn || conn->protocol() != sio::engineio::Protocol::v3) err.data = {{"code", 401}, {"got", auth}};
    next(err);
  });
  secure->on_connection([&st](sio::server::Socket& socket) { common(st, socket); });

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    server->close();
    io.stop();
  });

  say("port " + std::to_string(server->port()));
  io.run();
  server.reset();
  return 0;
}
