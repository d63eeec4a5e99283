// sio-testserver: the reference Socket.IO server running sio::server::DemoApp (echo, chat, rooms,
// acks both ways, binary, namespaces; see docs/server.md) and, with --static, the web demo's files.
//
//   sio-testserver [--host 127.0.0.1] [--port 3000] [--static <dir>] [--allow-eio3]
//                  [--client-bundle <file>] [--path /socket.io] [--cors <origin>]...
//                  [--ping-interval ms] [--ping-timeout ms] [--connect-timeout ms] [--recovery]
//                  [--parser default|msgpack] [--metrics] [--scenario FILE [--report FILE]] [--control]
//                  [--redis redis://HOST:PORT] [--threads N] [--config FILE] [--help]
//
// --threads N: I/O threads serving connections (ServerOptions::io_threads; 0: one per core; the
// default 1). Not with --scenario or --control, whose fixture runs on one thread.
//
// With --redis, every namespace of the demo app uses the Redis adapter (sio/redis/adapter.hpp):
// several sio-testserver and Node socket.io servers with @socket.io/redis-adapter form one cluster
// (docs/scaling.md).
//
// --metrics serves the server's counters (sio/server/metrics.hpp) as Prometheus text at /metrics.
//
// The command line: sio::cli (Boost.Program_options); --config reads the same options from a
// file (the .deb's /etc/sio/testserver.conf), the command line winning.
// Prints "listening on http://<host>:<port>/" once bound (port 0 picks a free port).
// --scenario runs a scenario file instead of the demo (sio/testing/scenario.hpp) and exits with its
// report: 0 when every expectation was met, 1 when not, 2 for a bad file. --control adds the
// loopback-only fault injection endpoint /sio-control/ (sio/testing/control.hpp). docs/testing.md.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <functional>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "sio/cli/options.hpp"
#include "sio/redis/adapter.hpp"
#include "sio/redis/url.hpp"
#include "sio/server/demo.hpp"
#include "sio/server/server.hpp"
#include "sio/server/static_files.hpp"
#include "sio/testing/control.hpp"
#include "sio/testing/scenario.hpp"
#include "sio/testing/test_server.hpp"

namespace po = boost::program_options;

namespace {

constexpr std::size_t kMaxScenarioBytes = 1u << 20;

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  text.resize(kMaxScenarioBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxScenarioBytes) return std::nullopt;
  return text;
}

// The server as a test fixture (sio::testing::TestServer): a scenario (until its report) or the
// demo application, with the control endpoint when asked for.
int run_fixture(sio::server::ServerOptions options, const std::string& host, std::uint16_t port,
                const std::string& scenario_file, const std::string& report_file, bool control) {
  std::optional<sio::testing::Scenario> scenario;
  if (!scenario_file.empty()) {
    auto text = read_small_file(scenario_file);
    if (!text) {
      std::cerr << "sio-testserver: cannot read " << scenario_file << " (at most 1 MiB)\n";
      return 2;
    }
    try {
      scenario = sio::testing::parse_scenario(*text);
    } catch (const std::exception& e) {
      std::cerr << "sio-testserver: " << scenario_file << ": " << e.what() << "\n";
      return 2;
    }
    if (scenario->ping_interval) options.ping_interval = *scenario->ping_interval;
    if (scenario->ping_timeout) options.ping_timeout = *scenario->ping_timeout;
    if (scenario->recovery) options.connection_state_recovery = sio::server::ConnectionStateRecoveryOptions{};
  }
  sio::testing::TestServer server(options, host);
  // The demo app of the current server (a restart makes a new one; the old ones are destroyed
  // after their io_context stopped, as DemoApp requires).
  std::vector<std::unique_ptr<sio::server::DemoApp>> demos;
  if (scenario) {
    server.setup([&scenario](sio::server::Server& io) { sio::testing::install_scenario(*scenario, io); });
  } else {
    server.setup([&demos](sio::server::Server& io) { demos.push_back(std::make_unique<sio::server::DemoApp>(io)); });
  }
  std::optional<sio::testing::ControlEndpoint> endpoint;
  if (control) endpoint.emplace(server);
  try {
    server.start(port);
  } catch (const std::exception& e) {
    std::cerr << "sio-testserver: cannot listen on " << host << ":" << port << ": " << e.what() << "\n";
    return 1;
  }
  std::cout << "listening on http://" << host << ":" << server.port() << "/" << std::endl;
  if (!scenario) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    if (endpoint) endpoint->close();
    server.stop();
    return 0;
  }
  const auto report = sio::testing::await_scenario(*scenario, server);
  if (endpoint) endpoint->close();
  server.stop();
  std::cout << report.text() << std::flush;
  if (!report_file.empty()) {
    std::ofstream out(report_file, std::ios::binary | std::ios::trunc);
    out << sio::dump_json(report.to_json()) << "\n";
    if (!out) {
      std::cerr << "sio-testserver: cannot write " << report_file << "\n";
      return 2;
    }
  }
  return report.passed() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3000;
  std::string static_dir;
  std::string client_bundle;
  std::vector<std::string> cors;
  bool allow_eio3 = false;
  bool recovery = false;
  std::string scenario_file, report_file;
  bool control = false;
  sio::server::ServerOptions options;
  std::string parser_name = "default";
  bool metrics = false;
  std::string redis_url;
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
  cli.add()("parser", sio::cli::value(&parser_name)->value_name("NAME"),
            "wire format: default, or msgpack (socket.io-msgpack-parser)");
  cli.add_flag("metrics", &metrics, "serve the server's counters as Prometheus text at /metrics");
  cli.add()("scenario", sio::cli::value(&scenario_file)->value_name("FILE"),
            "run a scenario file instead of the demo; exit with its report (docs/testing.md)")(
      "report", sio::cli::value(&report_file)->value_name("FILE"), "with --scenario: write the JSON report to FILE");
  cli.add_flag("control", &control, "the loopback-only fault injection endpoint /sio-control/ (docs/testing.md)");
  std::int64_t threads = 1;
  cli.add_integer("threads", &threads, 0, 256,
                  "I/O threads serving connections (0: one per core; docs/server.md, \"Threading\")");
  cli.add()("redis", sio::cli::value(&redis_url)->value_name("URL"),
            "join the cluster on the Redis server redis://HOST:PORT (docs/scaling.md)");
  cli.allow_config_file();
  if (const auto exit_code = cli.parse(argc, argv)) return *exit_code;

  options.allow_eio3 = allow_eio3;
  if (!client_bundle.empty()) options.client_bundle_file = client_bundle;
  options.cors.origins.insert(options.cors.origins.end(), cors.begin(), cors.end());
  options.ping_interval = std::chrono::milliseconds(ping_interval);
  options.ping_timeout = std::chrono::milliseconds(ping_timeout);
  options.connect_timeout = std::chrono::milliseconds(connect_timeout);
  if (recovery) options.connection_state_recovery = sio::server::ConnectionStateRecoveryOptions{};
  options.parser = sio::socketio::parser_by_name(parser_name);
  if (!options.parser) {
    std::cerr << "sio-testserver: unknown parser \"" << parser_name << "\" (default or msgpack)\n";
    return 2;
  }
  if (metrics) options.metrics = std::make_shared<sio::server::ServerMetrics>();

  if (!scenario_file.empty() || control) {
    if (!static_dir.empty() || !redis_url.empty() || threads != 1) {
      std::cerr << "sio-testserver: --static, --redis and --threads do not go with --scenario or --control\n";
      return 2;
    }
    // SIGINT/SIGTERM are taken with sigwait (blocked before the server's threads start); a
    // scenario ends by itself, and a signal ends it at once.
    sigset_t set;
    sigemptyset(&set);
    if (scenario_file.empty()) {
      sigaddset(&set, SIGINT);
      sigaddset(&set, SIGTERM);
    }
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return run_fixture(options, host, port, scenario_file, report_file, control);
  }

  // The demo server only: a scenario or the control endpoint runs its fixture on one thread
  // (fault injection and the scenario's order of events assume it).
  options.io_threads = threads != 0 ? static_cast<unsigned>(threads)
                                    : std::max(1u, std::thread::hardware_concurrency());
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
  std::function<bool(const sio::server::HttpRequest&, sio::server::HttpResponder)> files;
  if (!static_dir.empty()) files = sio::server::make_static_handler(static_dir);
  if (options.metrics) {
    server->engine().on_http_request = [counters = options.metrics, files](
                                           const sio::server::HttpRequest& req,
                                           sio::server::HttpResponder respond) {
      if (req.path != "/metrics") return files && files(req, std::move(respond));
      sio::server::HttpResponse res;
      res.headers = {{"Content-Type", "text/plain; version=0.0.4"}};
      res.body = counters->prometheus_text();
      respond(std::move(res));
      return true;
    };
  } else if (files) {
    server->engine().on_http_request = std::move(files);
  }

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
