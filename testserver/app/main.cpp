// sio-testserver: the reference Socket.IO server running sio::server::DemoApp (echo, chat, rooms,
// acks both ways, binary, namespaces; see docs/server.md) and, with --static, the web demo's files.
//
//   sio-testserver [--host 127.0.0.1] [--port 3000] [--static <dir>] [--allow-eio3]
//                  [--client-bundle <file>] [--path /socket.io] [--cors <origin>]...
//                  [--ping-interval ms] [--ping-timeout ms] [--connect-timeout ms] [--recovery]
//                  [--config FILE] [--help]
//
// The command line: sio::cli (Boost.Program_options); --config reads the same options from a
// file (the .deb's /etc/sio/testserver.conf), the command line winning.
// Prints "listening on http://<host>:<port>/" once bound (port 0 picks a free port).
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "sio/cli/options.hpp"
#include "sio/server/demo.hpp"
#include "sio/server/server.hpp"
#include "sio/server/static_files.hpp"

namespace po = boost::program_options;

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3000;
  std::string static_dir;
  std::string client_bundle;
  std::vector<std::string> cors;
  bool allow_eio3 = false;
  bool recovery = false;
  sio::server::ServerOptions options;
  std::int64_t ping_interval = options.ping_interval.count();
  std::int64_t ping_timeout = options.ping_timeout.count();
  std::int64_t connect_timeout = options.connect_timeout.count();
  constexpr std::int64_t kDay = 24LL * 3600 * 1000;  // the longest timer option (ms)

  sio::cli::Options cli("sio-testserver", "sio-testserver [options]   (--config /etc/sio/testserver.conf)");
  cli.add()("host", sio::cli::value(&host)->value_name("ADDRESS"), "address to listen on");
  cli.add_port("port", &port, "port to listen on (0: a free one; the line \"listening on\" tells which)",
               sio::cli::Port::allow_zero);
  cli.add()("static", sio::cli::value(&static_dir)->value_name("DIR"), "serve the files of DIR (the web demo)")(
      "web-root", po::value<std::string>(&static_dir)->value_name("DIR"), "same as --static")(
      "client-bundle", sio::cli::value(&client_bundle)->value_name("FILE"), "serve FILE at <path>.js")(
      "path", sio::cli::value(&options.path)->value_name("PATH"), "the Socket.IO path")(
      "cors", po::value<std::vector<std::string>>(&cors)->value_name("ORIGIN")->composing(),
      "allow this origin (repeatable)");
  cli.add_flag("allow-eio3", &allow_eio3, "accept Engine.IO v3 clients (socket.io-client 2.x)");
  cli.add_integer("ping-interval", &ping_interval, 1, kDay, "ms between pings");
  cli.add_integer("ping-timeout", &ping_timeout, 1, kDay, "ms to wait for a pong");
  cli.add_integer("connect-timeout", &connect_timeout, 1, kDay, "ms for a client to join a namespace");
  cli.add_flag("recovery", &recovery, "connection state recovery (Socket.IO 4.6+)");
  cli.allow_config_file();
  if (const auto exit_code = cli.parse(argc, argv)) return *exit_code;

  options.allow_eio3 = allow_eio3;
  if (!client_bundle.empty()) options.client_bundle_file = client_bundle;
  options.cors.origins.insert(options.cors.origins.end(), cors.begin(), cors.end());
  options.ping_interval = std::chrono::milliseconds(ping_interval);
  options.ping_timeout = std::chrono::milliseconds(ping_timeout);
  options.connect_timeout = std::chrono::milliseconds(connect_timeout);
  if (recovery) options.connection_state_recovery = sio::server::ConnectionStateRecoveryOptions{};

  boost::asio::io_context io;
  std::unique_ptr<sio::server::Server> server;
  try {
    server = std::make_unique<sio::server::Server>(io, options, host, port);
  } catch (const std::exception& e) {
    std::cerr << "sio-testserver: cannot listen on " << host << ":" << port << ": " << e.what() << "\n";
    return 1;
  }
  if (!static_dir.empty()) server->engine().on_http_request = sio::server::make_static_handler(static_dir);

  sio::server::DemoApp demo(*server);  // events: docs/server.md, "Demo application"

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    server->close();
    io.stop();
  });

  std::cout << "listening on http://" << host << ":" << server->port() << "/" << std::endl;
  io.run();
  server.reset();
  return 0;
}
