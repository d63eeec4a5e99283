// sio-testserver: the reference Socket.IO server running sio::server::DemoApp (echo, chat, rooms,
// acks both ways, binary, namespaces; see docs/server.md) and, with --static, the web demo's files.
//
//   sio-testserver [--host 127.0.0.1] [--port 3000] [--static <dir>] [--allow-eio3]
//                  [--client-bundle <file>] [--path /socket.io] [--cors <origin>]...
//                  [--ping-interval ms] [--ping-timeout ms] [--connect-timeout ms] [--recovery]
//                  [--scenario FILE [--report FILE]] [--control]
//
// Prints "listening on http://<host>:<port>/" once bound (port 0 picks a free port).
// --scenario runs a scenario file instead of the demo (sio/testing/scenario.hpp) and exits with its
// report: 0 when every expectation was met, 1 when not, 2 for a bad file. --control adds the
// loopback-only fault injection endpoint /sio-control/ (sio/testing/control.hpp). docs/testing.md.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <memory>
#include <regex>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "sio/server/demo.hpp"
#include "sio/server/server.hpp"
#include "sio/server/static_files.hpp"
#include "sio/testing/control.hpp"
#include "sio/testing/scenario.hpp"
#include "sio/testing/test_server.hpp"

namespace {

void usage() {
  std::cerr << "usage: sio-testserver [--host H] [--port P] [--static DIR] [--allow-eio3]\n"
               "                      [--client-bundle FILE] [--path /socket.io] [--cors ORIGIN]\n"
               "                      [--ping-interval MS] [--ping-timeout MS]\n"
               "                      [--connect-timeout MS] [--recovery]\n"
               "                      [--scenario FILE [--report FILE]] [--control]\n";
}

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
  std::string scenario_file, report_file;
  bool control = false;
  sio::server::ServerOptions options;
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
    } else if (arg == "--recovery") {
      options.connection_state_recovery = sio::server::ConnectionStateRecoveryOptions{};
    } else if (arg == "--scenario") {
      scenario_file = value();
    } else if (arg == "--report") {
      report_file = value();
    } else if (arg == "--control") {
      control = true;
    } else if (arg == "--help" || arg == "-h") {
      usage();
      return 0;
    } else {
      std::cerr << "unknown option: " << arg << "\n";
      usage();
      return 2;
    }
  }

  if (!scenario_file.empty() || control) {
    if (!static_dir.empty()) {
      std::cerr << "sio-testserver: --static does not go with --scenario or --control\n";
      return 2;
    }
    // SIGINT/SIGTERM are taken with sigwait (blocked before the server's thread starts).
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (!scenario_file.empty()) sigemptyset(&set);  // a scenario ends by itself; signals end it at once
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return run_fixture(options, host, port, scenario_file, report_file, control);
  }

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
