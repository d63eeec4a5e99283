// sio-testserver: the reference Socket.IO server running sio::server::DemoApp (echo, chat, rooms,
// acks both ways, binary, namespaces; see docs/server.md) and, with --static, the web demo's files.
//
//   sio-testserver [--host 127.0.0.1] [--port 3000] [--static <dir>] [--allow-eio3]
//                  [--client-bundle <file>] [--path /socket.io] [--cors <origin>]...
//                  [--ping-interval ms] [--ping-timeout ms] [--connect-timeout ms] [--recovery]
//                  [--redis redis://HOST:PORT]
//
// With --redis, every namespace of the demo app uses the Redis adapter (sio/redis/adapter.hpp):
// several sio-testserver and Node socket.io servers with @socket.io/redis-adapter form one cluster
// (docs/scaling.md).
//
// Prints "listening on http://<host>:<port>/" once bound (port 0 picks a free port).
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "sio/redis/adapter.hpp"
#include "sio/redis/url.hpp"
#include "sio/server/demo.hpp"
#include "sio/server/server.hpp"
#include "sio/server/static_files.hpp"

namespace {

void usage() {
  std::cerr << "usage: sio-testserver [--host H] [--port P] [--static DIR] [--allow-eio3]\n"
               "                      [--client-bundle FILE] [--path /socket.io] [--cors ORIGIN]\n"
               "                      [--ping-interval MS] [--ping-timeout MS]\n"
               "                      [--connect-timeout MS] [--recovery]\n"
               "                      [--redis redis://HOST:PORT]\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3000;
  std::string static_dir;
  sio::server::ServerOptions options;
  std::string redis_url;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--host") {
      host = value();
    } else if (arg == "--port") {
      port = static_cast<std::uint16_t>(std::stoul(value()));
    } else if (arg == "--static" || arg == "--web-root") {
      static_dir = value();
    } else if (arg == "--allow-eio3") {
      options.allow_eio3 = true;
    } else if (arg == "--client-bundle") {
      options.client_bundle_file = value();
    } else if (arg == "--path") {
      options.path = value();
    } else if (arg == "--cors") {
      options.cors.origins.push_back(value());
    } else if (arg == "--ping-interval") {
      options.ping_interval = std::chrono::milliseconds(std::stol(value()));
    } else if (arg == "--ping-timeout") {
      options.ping_timeout = std::chrono::milliseconds(std::stol(value()));
    } else if (arg == "--connect-timeout") {
      options.connect_timeout = std::chrono::milliseconds(std::stol(value()));
    } else if (arg == "--redis") {
      redis_url = value();
    } else if (arg == "--recovery") {
      options.connection_state_recovery = sio::server::ConnectionStateRecoveryOptions{};
    } else if (arg == "--help" || arg == "-h") {
      usage();
      return 0;
    } else {
      std::cerr << "unknown option: " << arg << "\n";
      usage();
      return 2;
    }
  }

  boost::asio::io_context io;
  if (!redis_url.empty()) {
    auto endpoint = sio::redis::parse_redis_url(redis_url);
    if (!endpoint) {
      std::cerr << "sio-testserver: --redis: " << endpoint.error().message << "\n";
      return 2;
    }
    if (options.connection_state_recovery) {
      std::cerr << "sio-testserver: --redis and --recovery cannot be combined (docs/scaling.md)\n";
      return 2;
    }
    sio::redis::ClusterOptions cluster_options;
    cluster_options.host = endpoint->host;
    cluster_options.port = endpoint->port;
    options.adapter = sio::redis::Cluster::create(io.get_executor(), cluster_options)->adapter_factory();
  }
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
