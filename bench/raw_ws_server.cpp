// bench/raw_ws_server.cpp - a plain Boost.Beast WebSocket broadcast server, no Engine.IO or
// Socket.IO: the practical limit for the fan-out row of bench/run.sh.
//
//   sio-bench-raw-ws [--port P]      prints "port <P> pid <PID>" once listening on 127.0.0.1
//
// Any path is accepted. A text message "fanout <count> <frame>" from any client makes the server
// send <frame> (as a text frame) <count> times to every connected client, the sender included.
// One thread; one shared copy of the frame; one write queue per client.
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include <unistd.h>

#include "sio/cli/options.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

class Session;
std::set<std::shared_ptr<Session>> g_sessions;

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : ws_(std::move(socket)) {}

  void start() {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      g_sessions.insert(self);
      self->read();
    });
  }

  void send(const std::shared_ptr<const std::string>& frame) {
    out_.push_back(frame);
    if (out_.size() == 1) write();
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        g_sessions.erase(self);
        return;
      }
      self->on_message();
      self->read();
    });
  }

  void on_message() {
    const auto data = buffer_.cdata();
    const std::string text(static_cast<const char*>(data.data()), data.size());
    buffer_.consume(buffer_.size());
    // "fanout <count> <frame>"
    constexpr std::string_view kCommand = "fanout ";
    if (text.rfind(kCommand, 0) != 0) {
      std::cerr << "raw_ws_server: unknown command\n";
      return;
    }
    const auto space = text.find(' ', kCommand.size());
    if (space == std::string::npos) return;
    const unsigned long count = std::strtoul(text.substr(kCommand.size(), space - kCommand.size()).c_str(), nullptr, 10);
    auto frame = std::make_shared<const std::string>(text.substr(space + 1));
    for (unsigned long i = 0; i < count; ++i) {
      for (const auto& s : g_sessions) s->send(frame);
    }
  }

  void write() {
    ws_.text(true);
    ws_.async_write(asio::buffer(*out_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        g_sessions.erase(self);
        return;
      }
      self->out_.pop_front();
      if (!self->out_.empty()) self->write();
    });
  }

  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<const std::string>> out_;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    beast::error_code ignored;
    // Nagle left on, as in our Socket.IO server (testserver sets no TCP_NODELAY): with it on, the
    // fan-out's small frames leave in one segment per frame and this server runs about 2x slower
    // (measured; docs/performance.md).
    socket.set_option(tcp::no_delay(false), ignored);
    std::make_shared<Session>(std::move(socket))->start();
    accept(acceptor);
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 0;
  sio::cli::Options cli("sio-bench-raw-ws", "sio-bench-raw-ws [--port P]");
  cli.add_port("port", &port, "port on 127.0.0.1 (0: a free one)", sio::cli::Port::allow_zero);
  if (const auto exit_code = cli.parse(argc, argv)) return *exit_code;
  asio::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  accept(acceptor);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code&, int) { io.stop(); });
  std::cout << "port " << acceptor.local_endpoint().port() << " pid " << ::getpid() << std::endl;
  io.run();
  g_sessions.clear();
  return 0;
}
