// examples/chat/main.cpp - a chat client on sio-cpp: one source file for native programs (g++,
// clang) and for the browser (em++; there it runs as a page). It joins a chat server, says hello,
// and walks through what a Socket.IO client does - a second namespace with auth, acks with a
// timeout, binary both ways, reconnection after the server drops the connection, the offline
// buffer - printing one line per step ("ok: ...", then "done"; "FAIL: ..." otherwise).
//
//   native:   chat [url] [polling|websocket|upgrade]     default: http://localhost:3000 upgrade
//   browser:  index.html?url=<server>&mode=<...>          (index.html passes them as arguments)
//
// The server: one with the events of tests/browser/node_server.js ("echo", "chat message",
// "whoami", "get-binary", and a namespace "/secure" that wants {token: "t0ken"}; maxHttpBufferSize
// 1 MB, the default),
// e.g. Node's socket.io 4.8 running that script, or our sio-testserver.
//
// Everything below runs on callbacks: main() sets the client up and waits with
// sio::run_until_exit() (natively it blocks until sio::exit_main(); in the browser it returns at
// once and the page goes on).
#include <sio/client.hpp>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::string show(const sio::json& v) {
  const std::string text = v.dump();
  return text.size() > 120 ? text.substr(0, 120) + "..." : text;
}

// The tour: steps run one after the other, each from the callback that ended the previous one.
class Tour : public std::enable_shared_from_this<Tour> {
 public:
  Tour(std::string url, std::string mode) : url_(std::move(url)), mode_(std::move(mode)) {}

  void start() {
    auto self = shared_from_this();
    steps_ = {
        [self] { self->connect(); },
        [self] { self->chat_with_ack(); },
        [self] { self->ack_timeout(); },
        [self] { self->second_namespace(); },
        [self] { self->refused_namespace(); },
        [self] { self->binary_both_ways(); },
        [self] { self->reconnect_and_offline_buffer(); },
    };
    next();
  }

 private:
  sio::Options options() const {
    sio::Options o;
    if (mode_ == "polling") o.transports = {"polling"};
    if (mode_ == "websocket") o.transports = {"websocket"};
    o.force_new = true;
    o.reconnection_delay = std::chrono::milliseconds(100);
    o.reconnection_delay_max = std::chrono::milliseconds(500);
    return o;
  }

  void next() {
    if (step_ < steps_.size()) {
      steps_[step_++]();
    } else {
      finish(true);
    }
  }
  void ok(const std::string& what) {
    say("ok: " + what);
    next();
  }
  void fail(const std::string& what) {
    say("FAIL: " + what);
    finish(false);
  }
  void finish(bool passed) {
    if (finished_) return;
    finished_ = true;
    say(passed ? "done" : "failed");
    for (auto* s : {&chat_, &secure_, &refused_}) {
      if (*s) {
        (*s)->off();
        (*s)->disconnect();
      }
    }
    sio::exit_main(passed ? 0 : 1);
  }

  // 1. Connect to "/", with the listeners in place before the connection is made.
  void connect() {
    auto self = shared_from_this();
    chat_ = sio::io(url_ + "/", options());
    chat_->on("chat message", [self](const sio::json& args) { say("  message: " + show(args)); });
    chat_->once("connect", [self](const sio::json&) {
      self->ok("connected to / as " + std::string(self->chat_->id().empty() ? "?" : "an id") + " over " +
               self->chat_->io()->transport());
    });
    chat_->on_connect_error([self](const sio::ConnectError& e) { self->fail("connect_error: " + e.message); });
  }

  // 2. A chat message, acknowledged by the server.
  void chat_with_ack() {
    auto self = shared_from_this();
    chat_->timeout(std::chrono::seconds(10)).emit("chat message", "hello from C++",
                                                   [self](std::optional<sio::Error> err, sio::json reply) {
      if (err) return self->fail("chat message not acknowledged: " + err->message);
      if (reply != sio::json::array({true})) return self->fail("unexpected ack " + show(reply));
      self->ok("chat message acknowledged");
    });
  }

  // 3. An ack that never comes: the timeout answers instead.
  void ack_timeout() {
    auto self = shared_from_this();
    chat_->timeout(std::chrono::milliseconds(300)).emit("nobody-answers", 1,
                                                         [self](std::optional<sio::Error> err, sio::json) {
      if (!err || err->code != sio::Errc::timeout) return self->fail("expected an ack timeout");
      self->ok("ack timed out as asked");
    });
  }

  // 4. A second namespace on the same connection, with auth (answered asynchronously).
  void second_namespace() {
    auto self = shared_from_this();
    sio::SocketOptions so;
    so.auth_async = [](sio::AuthAnswer answer) { answer({{"token", "t0ken"}, {"user", "cpp"}}); };
    secure_ = chat_->io()->socket("/secure", so);
    secure_->on_connect_error([self](const sio::ConnectError& e) { self->fail("/secure refused: " + e.message); });
    secure_->once("connect", [self](const sio::json&) {
      self->secure_->timeout(std::chrono::seconds(10)).emit("whoami", [self](std::optional<sio::Error> err,
                                                                            sio::json who) {
        if (err || !who.is_array() || who.empty() || !who[0].is_object()) return self->fail("whoami on /secure");
        const bool shared = self->secure_->io() == self->chat_->io();
        if (who[0].value("user", "") != "cpp" || who[0].value("nsp", "") != "/secure" || !shared) {
          return self->fail("whoami on /secure: " + show(who));
        }
        self->ok("second namespace /secure with auth, same connection");
      });
    });
    secure_->connect();
  }

  // 5. Wrong auth: the server refuses the namespace with its reason.
  void refused_namespace() {
    auto self = shared_from_this();
    sio::Options o = options();
    o.auth = {{"token", "wrong"}};
    o.auto_connect = false;
    refused_ = sio::io(url_ + "/secure", o);
    refused_->on_connect_error([self](const sio::ConnectError& e) {
      if (e.message != "forbidden") return self->fail("refusal: " + e.message);
      self->refused_->disconnect();
      self->ok("wrong auth refused: " + e.message);
    });
    refused_->connect();
  }

  // 6. Binary both ways: bytes sent come back as bytes; the server's binary ack and event.
  void binary_both_ways() {
    auto self = shared_from_this();
    const sio::Bytes bytes = {0, 1, 2, 254, 255};
    chat_->once("echo", [self, bytes](const sio::json& args) {
      if (args.empty() || !args[0].is_binary() || sio::Bytes(args[0].get_binary()) != bytes) {
        return self->fail("binary echo: " + show(args));
      }
      self->chat_->timeout(std::chrono::seconds(10)).emit("get-binary", [self](std::optional<sio::Error> err,
                                                                               sio::json ack) {
        if (err || ack.empty() || !ack[0].is_binary() || sio::Bytes(ack[0].get_binary()) != sio::Bytes{6, 7, 8}) {
          return self->fail("binary ack: " + show(ack));
        }
        self->ok("binary both ways");
      });
    });
    chat_->emit("echo", bytes);
  }

  // 7. The server drops the connection (a message over its size limit, maxHttpBufferSize: 1 MB by
  // default): the client reconnects by itself; what is emitted while disconnected waits in the
  // offline buffer and goes out after the reconnection.
  void reconnect_and_offline_buffer() {
    auto self = shared_from_this();
    chat_->once("disconnect", [self](const sio::json& args) {
      say("  disconnected: " + show(args));
      self->chat_->emit("echo", "sent while offline");  // buffered
      self->chat_->once("echo", [self](const sio::json& echoed) {
        if (echoed.empty() || echoed[0] != "sent while offline") return self->fail("offline buffer: " + show(echoed));
        self->ok("reconnected after the server dropped the connection; the offline buffer was sent");
      });
    });
    chat_->emit("chat message", std::string(1'200'000, 'x'));
  }

  std::string url_;
  std::string mode_;
  std::vector<std::function<void()>> steps_;
  std::size_t step_ = 0;
  bool finished_ = false;
  std::shared_ptr<sio::Socket> chat_, secure_, refused_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string url = argc > 1 ? argv[1] : "http://localhost:3000";
  const std::string mode = argc > 2 ? argv[2] : "upgrade";
  say("chat: " + url + " (" + mode + ")");
  auto tour = std::make_shared<Tour>(url, mode);
  tour->start();
  return sio::run_until_exit();
}
