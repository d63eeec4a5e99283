// bench/server.cpp - our Socket.IO server (sio::server) with the benchmark events.
// bench/node_server.js is the same application on Node's socket.io 4.8; keep the two in step.
//
//   sio-bench-server [--port P]    prints "port <P> pid <PID>" once listening on 127.0.0.1
//
// Events (main namespace; every one acks):
//   echo (...args)                    acks the same arguments
//   join (room)                       joins the room; acks []
//   fanout (room, count, payload)     io.to(room).emit("msg", payload) `count` times; acks [count]
//                                     (the ack means "all written to the sockets' queues")
// SIGINT/SIGTERM close the server.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "sio/cli/options.hpp"
#include "sio/server/server.hpp"

int main(int argc, char** argv) {
  std::uint16_t port = 0;
  unsigned threads = 1;
  sio::cli::Options cli("sio-bench-server", "sio-bench-server [--port P] [--threads N]");
  cli.add_port("port", &port, "port on 127.0.0.1 (0: a free one)", sio::cli::Port::allow_zero);
  cli.add_integer("threads", &threads, 1, 256, "I/O threads serving connections (ServerOptions::io_threads)");
  if (const auto exit_code = cli.parse(argc, argv)) return *exit_code;

  boost::asio::io_context io(1);
  sio::server::ServerOptions options;  // Node's defaults, as node_server.js
  options.io_threads = threads;
  auto server = std::make_unique<sio::server::Server>(io, options, "127.0.0.1", port);
  sio::server::Server* srv = server.get();

  server->on_connection([srv](sio::server::Socket& socket) {
    auto weak = std::weak_ptr<sio::server::Socket>(socket.shared_from_this());
    socket.on("echo", [](const sio::json& args, const sio::server::AckFn& ack) {
      if (ack) ack(args);
    });
    socket.on("join", [weak](const sio::json& args, const sio::server::AckFn& ack) {
      auto s = weak.lock();
      if (!s || args.empty() || !args[0].is_string()) return;
      s->join(args[0].get<std::string>());
      if (ack) ack(sio::json::array());
    });
    socket.on("fanout", [srv](const sio::json& args, const sio::server::AckFn& ack) {
      if (args.size() < 3 || !args[0].is_string() || !args[1].is_number_integer()) return;
      const auto room = args[0].get<std::string>();
      const auto count = args[1].get<std::int64_t>();
      for (std::int64_t i = 0; i < count; ++i) srv->to(room).emit("msg", sio::json::array({args[2]}));
      if (ack) ack(sio::json::array({count}));
    });
  });

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    srv->close();
    io.stop();
  });

  std::cout << "port " << server->port() << " pid " << ::getpid() << std::endl;
  io.run();
  server.reset();
  return 0;
}
