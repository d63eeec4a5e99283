// A user's server on the installed package: sio::server's DemoApp on 127.0.0.1, a free port;
// prints the package version (<sio/version.hpp>) and "listening on http://127.0.0.1:<port>/".
#include <cstdio>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <sio/core/json.hpp>
#include <sio/server/demo.hpp>
#include <sio/server/server.hpp>
#include <sio/version.hpp>

static_assert(SIO_VERSION == SIO_VERSION_MAJOR * 10000 + SIO_VERSION_MINOR * 100 + SIO_VERSION_PATCH);

int main() {
  std::printf("sio %s\n", sio::version_string);
  boost::asio::io_context io;
  sio::server::ServerOptions options;
  sio::server::Server server(io, options, "127.0.0.1", 0);
  sio::server::DemoApp demo(server);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    server.close();
    io.stop();
  });
  std::printf("listening on http://127.0.0.1:%u/\n", static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  io.run();
  return 0;
}
