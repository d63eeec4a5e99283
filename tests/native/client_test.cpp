// Interop tests of the native Socket.IO client (sio/client.hpp) against the official Node servers:
// socket.io 4.8 (tests/native/client/server.js) and socket.io 2.5 (server_v2.js, EIO3 mode).
#include "sio/client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <fcntl.h>
#include <functional>
#include <mutex>
#include <string>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;
using sio::json;

namespace {

constexpr auto kWait = 15s;

// A node child process whose stdout lines are collected.
class NodeServer {
 public:
  explicit NodeServer(std::string script, std::vector<std::string> args = {}) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      setenv("NODE_PATH", SIO_TESTS_DIR "/node_modules", 1);
      std::string path = std::string(SIO_TESTS_DIR) + "/native/client/" + script;
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(SIO_NODE));
      argv.push_back(path.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(SIO_NODE, argv.data());
      _exit(127);
    }
    close(out[1]);
    fd_ = out[0];
    reader_ = std::thread([this] { read_loop(); });
  }
  ~NodeServer() {
    kill();
    if (reader_.joinable()) reader_.join();
    if (fd_ >= 0) close(fd_);
  }

  void kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  int port() {
    std::string line;
    if (!wait_line("port ", &line)) return -1;
    return std::atoi(line.c_str() + 5);
  }

  // Waits for a line starting with `prefix` (among all lines so far); optionally returns it.
  bool wait_line(const std::string& prefix, std::string* found = nullptr, std::chrono::seconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& l : lines_) {
        if (l.rfind(prefix, 0) == 0) {
          if (found) *found = l;
          return true;
        }
      }
      return false;
    });
  }

  // Waits until `n` lines start with `prefix`.
  bool wait_count(const std::string& prefix, std::size_t n, std::chrono::seconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      std::size_t seen = 0;
      for (const auto& l : lines_) seen += l.rfind(prefix, 0) == 0;
      return seen >= n;
    });
  }

  // Index of the first line starting with `prefix`, or -1.
  int index_of(const std::string& prefix) {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (lines_[i].rfind(prefix, 0) == 0) return static_cast<int>(i);
    }
    return -1;
  }

  std::size_t count_lines(const std::string& prefix) {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& l : lines_) n += l.rfind(prefix, 0) == 0;
    return n;
  }

 private:
  void read_loop() {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      const ssize_t n = read(fd_, chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = buffer.find('\n')) != std::string::npos) {
        std::lock_guard lock(mu_);
        lines_.push_back(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
        cv_.notify_all();
      }
    }
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

// Thread-safe record of what the client's callbacks saw.
class Recorder {
 public:
  void add(std::string entry, json data = nullptr) {
    std::lock_guard lock(mu_);
    entries_.emplace_back(std::move(entry), std::move(data));
    cv_.notify_all();
  }
  // Waits until `n` entries named `name` exist; returns the data of the n-th.
  std::optional<json> wait(const std::string& name, std::size_t n = 1, std::chrono::seconds timeout = kWait) {
    std::unique_lock lock(mu_);
    std::optional<json> out;
    cv_.wait_for(lock, timeout, [&] {
      std::size_t seen = 0;
      for (const auto& [e, d] : entries_) {
        if (e == name && ++seen == n) {
          out = d;
          return true;
        }
      }
      return false;
    });
    return out;
  }
  std::size_t count(const std::string& name) {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(), [&](const auto& p) { return p.first == name; }));
  }
  std::vector<std::string> names() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [e, d] : entries_) out.push_back(e);
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, json>> entries_;
};

sio::Options base_options() {
  sio::Options o;
  o.auto_connect = false;
  o.reconnection_delay = 100ms;
  o.reconnection_delay_max = 500ms;
  o.randomization_factor = 0;
  return o;
}

void record_lifecycle(const std::shared_ptr<sio::Socket>& s, Recorder& r) {
  s->on("connect", [&r](const json&) { r.add("connect"); });
  s->on("disconnect", [&r](const json& a) { r.add("disconnect", a); });
  s->on("connect_error", [&r](const json& a) { r.add("connect_error", a); });
}

json bytes(std::initializer_list<std::uint8_t> b) { return sio::binary(sio::Bytes(b)); }

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<NodeServer>("server.js");
    port_ = server_->port();
    ASSERT_GT(port_, 0);
    url_ = "http://127.0.0.1:" + std::to_string(port_);
  }
  std::unique_ptr<NodeServer> server_;
  int port_ = 0;
  std::string url_;
};

}  // namespace

TEST_F(ClientTest, ConnectEmitAndAck) {
  auto manager = sio::Manager::create(url_, base_options());
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  socket->on("welcome", [&r](const json& a) { r.add("welcome", a); });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  EXPECT_TRUE(socket->connected());
  EXPECT_FALSE(socket->id().empty());
  auto welcome = r.wait("welcome");
  ASSERT_TRUE(welcome);
  EXPECT_EQ((*welcome)[0], socket->id());
  EXPECT_TRUE(server_->wait_line("connect / " + socket->id()));

  auto reply = socket->emit_with_ack("echo", 1, "two", json{{"k", json::array({true, nullptr})}});
  ASSERT_EQ(reply.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(reply.get(), json::array({1, "two", {{"k", {true, nullptr}}}}));

  // callback form
  socket->emit("echo", "cb", [&r](std::optional<sio::Error> err, json args) {
    r.add(err ? "echo-error" : "echo-ok", args);
  });
  auto ok = r.wait("echo-ok");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, json::array({"cb"}));

  // server emits back
  socket->on("back", [&r](const json& a) { r.add("back", a); });
  socket->emit("emit-back", "x", 2);
  auto back = r.wait("back");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, json::array({"x", 2}));

  EXPECT_THROW(socket->emit("disconnect"), std::invalid_argument);
}

TEST_F(ClientTest, NamespacesShareOneConnection) {
  auto manager = sio::Manager::create(url_, base_options());
  auto root = manager->socket("/");
  auto admin = manager->socket("/admin");
  Recorder r;
  root->on("connect", [&r](const json&) { r.add("root-connect"); });
  manager->on("ping", [&r](const json&) { r.add("ping"); });
  admin->on("connect", [&r](const json&) { r.add("admin-connect"); });
  admin->on("welcome-admin", [&r](const json& a) { r.add("welcome-admin", a); });
  root->connect();
  admin->connect();
  ASSERT_TRUE(r.wait("root-connect"));
  ASSERT_TRUE(r.wait("admin-connect"));
  ASSERT_TRUE(r.wait("welcome-admin"));
  EXPECT_NE(root->id(), admin->id());
  EXPECT_EQ(root->io(), admin->io());
  auto a = admin->emit_with_ack("echo", "admin");
  ASSERT_EQ(a.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(a.get(), json::array({"admin"}));
  // leaving /admin keeps / connected
  admin->disconnect();
  EXPECT_TRUE(server_->wait_line("disconnect /admin client namespace disconnect"));
  auto b = root->emit_with_ack("echo", "still");
  ASSERT_EQ(b.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(b.get(), json::array({"still"}));
  EXPECT_EQ(server_->count_lines("disconnect / "), 0u);
  EXPECT_TRUE(r.wait("ping"));  // the server pings every 2 s
}

TEST_F(ClientTest, AuthAndConnectError) {
  auto manager = sio::Manager::create(url_, base_options());
  sio::SocketOptions so;
  so.auth = json{{"token", "bad"}};
  auto socket = manager->socket("/secure", so);
  Recorder r;
  record_lifecycle(socket, r);
  socket->on_connect_error([&r](const sio::ConnectError& e) { r.add("typed-error", json{{"m", e.message}, {"d", e.data}}); });
  socket->connect();
  auto err = r.wait("connect_error");
  ASSERT_TRUE(err);
  EXPECT_EQ((*err)[0]["message"], "not authorized");
  EXPECT_EQ((*err)[0]["data"]["code"], 401);
  EXPECT_EQ((*err)[0]["data"]["got"], json({{"token", "bad"}}));
  auto typed = r.wait("typed-error");
  ASSERT_TRUE(typed);
  EXPECT_EQ((*typed)["m"], "not authorized");
  EXPECT_FALSE(socket->active());
  // a new auth, used by the next connect
  socket->set_auth(json{{"token", "secret"}});
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  auto who = socket->emit_with_ack("auth");
  ASSERT_EQ(who.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(who.get()[0], json({{"token", "secret"}}));
}

TEST_F(ClientTest, AuthCallbackEvaluatedOnEachConnect) {
  auto options = base_options();
  std::atomic<int> calls{0};
  options.auth_callback = [&calls] { return json{{"token", "secret"}, {"n", ++calls}}; };
  auto manager = sio::Manager::create(url_, options);
  auto socket = manager->socket("/secure");
  Recorder r;
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  socket->emit("close-transport");
  ASSERT_TRUE(r.wait("connect", 2));
  auto who = socket->emit_with_ack("auth");
  ASSERT_EQ(who.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(who.get()[0]["n"], 2);
}

TEST_F(ClientTest, ServerToClientAck) {
  auto manager = sio::Manager::create(url_, base_options());
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  socket->on("question", [](const json& args, sio::Ack ack) {
    ASSERT_TRUE(ack);
    ack("answer:" + args[0].get<std::string>(), 42);
    ack("ignored second call");
  });
  socket->on("answer-was", [&r](const json& a) { r.add("answer-was", a); });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  socket->emit("ask-me", "q1");
  auto answer = r.wait("answer-was");
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, json::array({"answer:q1", 42}));
}

TEST_F(ClientTest, AckTimeouts) {
  auto options = base_options();
  options.ack_timeout = 300ms;
  auto manager = sio::Manager::create(url_, options);
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  const auto start = std::chrono::steady_clock::now();
  auto f = socket->timeout(200ms).emit_with_ack("no-ack");
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  try {
    f.get();
    FAIL() << "expected a timeout";
  } catch (const sio::AckError& e) {
    EXPECT_EQ(e.error().code, sio::Errc::timeout);
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  // default ackTimeout
  socket->emit("no-ack", [&r](std::optional<sio::Error> err, json) {
    r.add(err && err->code == sio::Errc::timeout ? "timed-out" : "other");
  });
  EXPECT_TRUE(r.wait("timed-out"));
  // an answered one does not time out
  auto ok = socket->timeout(5s).emit_with_ack("echo", 1);
  ASSERT_EQ(ok.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(ok.get(), json::array({1}));
}

TEST_F(ClientTest, BinaryBothWays) {
  auto manager = sio::Manager::create(url_, base_options());
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  socket->on("bin-back", [&r](const json& a) { r.add("bin-back", a); });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  auto ack = socket->emit_with_ack("bin", sio::Bytes{1, 2, 3, 0, 255});
  ASSERT_EQ(ack.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(ack.get(), json::array({bytes({9, 8, 7})}));
  auto back = r.wait("bin-back");
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[0], bytes({255, 0, 3, 2, 1}));
  EXPECT_EQ((*back)[1]["original"], bytes({1, 2, 3, 0, 255}));
  EXPECT_EQ((*back)[1]["list"], json::array({bytes({1, 2}), "x"}));
}

TEST_F(ClientTest, OnAnyAndOnAnyOutgoing) {
  auto manager = sio::Manager::create(url_, base_options());
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  socket->on_any([&r](const std::string& ev, const json& a) { r.add("any:" + ev, a); });
  socket->on_any_outgoing([&r](const std::string& ev, const json& a) { r.add("out:" + ev, a); });
  socket->connect();
  auto w = r.wait("any:welcome");
  ASSERT_TRUE(w);
  socket->emit("any-probe", 1, "a");
  auto out = r.wait("out:any-probe");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, json::array({1, "a"}));
  EXPECT_TRUE(server_->wait_line(R"(any-probe [1,"a"])"));
  socket->off_any();
  socket->emit("emit-back", "z");
  socket->on("back", [&r](const json& a) { r.add("back", a); });
  ASSERT_TRUE(r.wait("back"));
  EXPECT_EQ(r.count("any:back"), 0u);
}

TEST_F(ClientTest, EmitsBufferedBeforeConnect) {
  auto manager = sio::Manager::create(url_, base_options());
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  socket->emit("count", 1);
  socket->emit("count", 2);
  socket->volatile_().emit("count", 99);  // dropped: not connected
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  auto counts = socket->emit_with_ack("get-counts");
  ASSERT_EQ(counts.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(counts.get(), json::array({json::array({1, 2})}));
}

TEST_F(ClientTest, DisconnectReasons) {
  auto manager = sio::Manager::create(url_, base_options());
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));

  // the server closes the transport: "transport close", then automatic reconnection
  socket->emit("close-transport");
  auto d1 = r.wait("disconnect");
  ASSERT_TRUE(d1);
  EXPECT_EQ((*d1)[0], "transport close");
  ASSERT_TRUE(r.wait("connect", 2));

  // the server disconnects the socket: no reconnection
  socket->emit("disconnect-me");
  auto d2 = r.wait("disconnect", 2);
  ASSERT_TRUE(d2);
  EXPECT_EQ((*d2)[0], "io server disconnect");
  EXPECT_TRUE(server_->wait_line("disconnect / server namespace disconnect"));
  EXPECT_FALSE(socket->active());

  // the client disconnects
  socket->connect();
  ASSERT_TRUE(r.wait("connect", 3));
  socket->disconnect();
  auto d3 = r.wait("disconnect", 3);
  ASSERT_TRUE(d3);
  EXPECT_EQ((*d3)[0], "io client disconnect");
  // (the server's reason is "client namespace disconnect" when the DISCONNECT packet is handled
  // before the Engine.IO close; NamespacesShareOneConnection checks that case deterministically)
  EXPECT_TRUE(server_->wait_count("disconnect / ", 3));
}

TEST_F(ClientTest, PendingAcksFailOnDisconnect) {
  auto manager = sio::Manager::create(url_, base_options());
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  auto pending = socket->emit_with_ack("no-ack");
  socket->disconnect();
  ASSERT_EQ(pending.wait_for(kWait), std::future_status::ready);
  try {
    pending.get();
    FAIL() << "expected an error";
  } catch (const sio::AckError& e) {
    EXPECT_EQ(e.error().code, sio::Errc::disconnected);
  }
}

namespace {
void check_transport(const std::string& url, std::vector<std::string> transports, const std::string& expected) {
  auto options = base_options();
  options.transports = std::move(transports);
  auto manager = sio::Manager::create(url, options);
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  auto t = socket->emit_with_ack("transport");
  ASSERT_EQ(t.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(t.get(), json::array({expected}));
  EXPECT_EQ(manager->transport(), expected);
  // data flows both ways on it
  auto bin = socket->emit_with_ack("bin", sio::Bytes{5});
  ASSERT_EQ(bin.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(bin.get(), json::array({bytes({9, 8, 7})}));
}
}  // namespace

TEST_F(ClientTest, PollingOnly) { check_transport(url_, {"polling"}, "polling"); }
TEST_F(ClientTest, WebSocketOnly) { check_transport(url_, {"websocket"}, "websocket"); }

TEST_F(ClientTest, UpgradesToWebSocket) {
  auto manager = sio::Manager::create(url_, base_options());
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  socket->on("upgraded", [&r](const json& a) { r.add("upgraded", a); });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  EXPECT_TRUE(server_->wait_line("connect / " + socket->id() + " polling"));
  auto up = r.wait("upgraded");
  ASSERT_TRUE(up);
  EXPECT_EQ(*up, json::array({"websocket"}));
  auto t = socket->emit_with_ack("transport");
  ASSERT_EQ(t.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(t.get(), json::array({"websocket"}));
}

TEST_F(ClientTest, ReconnectsAfterServerRestartAndDeliversBufferedEmitsOnce) {
  auto manager = sio::Manager::create(url_, base_options());
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  manager->on("reconnect_attempt", [&r](const json& a) { r.add("reconnect_attempt", a); });
  manager->on("reconnect", [&r](const json& a) { r.add("reconnect", a); });
  manager->on("reconnect_error", [&r](const json& a) { r.add("reconnect_error", a); });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  const std::string first_id = socket->id();

  server_->kill();
  auto d = r.wait("disconnect");
  ASSERT_TRUE(d);
  EXPECT_TRUE((*d)[0] == "transport close" || (*d)[0] == "transport error") << *d;
  ASSERT_TRUE(r.wait("reconnect_error"));  // at least one failed attempt while the server is down
  for (int i = 1; i <= 3; ++i) socket->emit("count", i);  // buffered

  server_ = std::make_unique<NodeServer>("server.js", std::vector<std::string>{"--port", std::to_string(port_)});
  ASSERT_EQ(server_->port(), port_);
  ASSERT_TRUE(r.wait("connect", 2));
  ASSERT_TRUE(r.wait("reconnect"));
  EXPECT_GE(r.count("reconnect_attempt"), 1u);
  EXPECT_NE(socket->id(), first_id);
  auto counts = socket->emit_with_ack("get-counts");
  ASSERT_EQ(counts.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(counts.get(), json::array({json::array({1, 2, 3})}));
  EXPECT_EQ(server_->count_lines("count "), 3u);
}

TEST(ClientRecovery, RecoversStateAndMissedEvents) {
  NodeServer server("server.js", {"--recovery"});
  const int port = server.port();
  ASSERT_GT(port, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto options = base_options();
  options.reconnection = false;  // reconnect by hand, after the missed broadcast
  auto manager = sio::Manager::create(url, options);
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  socket->on("news", [&r](const json& a) { r.add("news", a); });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  EXPECT_FALSE(socket->recovered());
  const std::string id = socket->id();

  auto other_manager = sio::Manager::create(url, base_options());
  auto other = other_manager->socket("/");
  other->connect();
  auto first = other->emit_with_ack("broadcast", "news", 1);
  ASSERT_EQ(first.wait_for(kWait), std::future_status::ready);
  ASSERT_TRUE(r.wait("news"));

  socket->emit("close-transport");
  auto d = r.wait("disconnect");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)[0], "transport close");
  auto missed = other->emit_with_ack("broadcast", "news", 2);
  ASSERT_EQ(missed.wait_for(kWait), std::future_status::ready);

  socket->connect();
  ASSERT_TRUE(r.wait("connect", 2));
  EXPECT_TRUE(socket->recovered());
  EXPECT_EQ(socket->id(), id);
  auto news2 = r.wait("news", 2);
  ASSERT_TRUE(news2);
  EXPECT_EQ((*news2)[0], 2);
  EXPECT_TRUE(server.wait_line("connect / " + id + " polling recovered=true"));
}

TEST_F(ClientTest, RetriesResendUntilAcknowledged) {
  auto options = base_options();
  options.retries = 2;
  options.ack_timeout = 300ms;
  auto manager = sio::Manager::create(url_, options);
  auto socket = manager->socket("/");
  socket->connect();
  auto first = socket->emit_with_ack("flaky", 7);
  auto second = socket->emit_with_ack("flaky", 8);  // queued behind the first
  ASSERT_EQ(first.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(first.get(), json::array({"ok", 2}));
  ASSERT_EQ(second.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(second.get(), json::array({"ok", 2}));
  EXPECT_EQ(server_->count_lines("flaky 7 try"), 2u);
  EXPECT_EQ(server_->count_lines("flaky 8 try"), 2u);
  // one at a time: 8 is first sent after 7 was acknowledged
  EXPECT_LT(server_->index_of("flaky 7 try 2"), server_->index_of("flaky 8 try 1"));
}

TEST(ClientReconnection, GivesUpAfterReconnectionAttempts) {
  int port = 0;
  {
    NodeServer server("server.js");
    port = server.port();
    ASSERT_GT(port, 0);
  }  // killed: nothing listens there any more
  auto options = base_options();
  options.reconnection_attempts = 2;
  auto manager = sio::Manager::create("http://127.0.0.1:" + std::to_string(port), options);
  auto socket = manager->socket("/");
  Recorder r;
  record_lifecycle(socket, r);
  manager->on("reconnect_attempt", [&r](const json& a) { r.add("reconnect_attempt", a); });
  manager->on("reconnect_failed", [&r](const json&) { r.add("reconnect_failed"); });
  manager->on("error", [&r](const json& a) { r.add("error", a); });
  socket->connect();
  ASSERT_TRUE(r.wait("reconnect_failed"));
  EXPECT_EQ(r.count("reconnect_attempt"), 2u);
  EXPECT_EQ(r.count("connect_error"), 3u);  // the first open + 2 attempts
  EXPECT_EQ(r.count("error"), 3u);
  EXPECT_EQ(r.count("connect"), 0u);
}

TEST(ClientReconnection, ConnectTimeout) {
  // A listening socket that never accepts: the TCP handshake completes, the HTTP request hangs.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto options = base_options();
  options.timeout = 300ms;
  options.reconnection = false;
  {
    auto manager = sio::Manager::create("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), options);
    auto socket = manager->socket("/");
    Recorder r;
    record_lifecycle(socket, r);
    const auto start = std::chrono::steady_clock::now();
    socket->connect();
    auto err = r.wait("connect_error");
    ASSERT_TRUE(err);
    EXPECT_EQ((*err)[0]["message"], "timeout");
    EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  }
  close(fd);
}

TEST_F(ClientTest, LogSinkAndFilter) {
  Recorder logs;
  sio::set_log_sink([&logs](std::string_view category, std::string_view message) {
    logs.add(std::string(category) + " " + std::string(message));
  });
  sio::set_log_filter("socket.io-client:*,-socket.io-client:manager");
  EXPECT_TRUE(sio::log_enabled("socket.io-client:socket"));
  EXPECT_FALSE(sio::log_enabled("socket.io-client:manager"));
  EXPECT_FALSE(sio::log_enabled("engine.io-client:socket"));
  {
    auto manager = sio::Manager::create(url_, base_options());
    auto socket = manager->socket("/");
    Recorder r;
    record_lifecycle(socket, r);
    socket->connect();
    ASSERT_TRUE(r.wait("connect"));
    socket->disconnect();
    ASSERT_TRUE(r.wait("disconnect"));
  }
  sio::set_log_filter("");
  sio::set_log_sink({});
  bool connected_line = false, manager_line = false;
  for (const auto& line : logs.names()) {
    if (line.rfind("socket.io-client:socket socket connected with id ", 0) == 0) connected_line = true;
    if (line.rfind("socket.io-client:manager", 0) == 0) manager_line = true;
  }
  EXPECT_TRUE(connected_line);
  EXPECT_FALSE(manager_line);
}

TEST_F(ClientTest, IoCachesManagersPerUrl) {
  auto options = base_options();
  auto a = sio::io(url_ + "/", options);
  auto b = sio::io(url_ + "/admin", options);
  EXPECT_EQ(a->io(), b->io());                 // multiplexed
  auto c = sio::io(url_ + "/", options);       // same namespace again: a new Manager
  EXPECT_NE(c->io(), a->io());
  options.force_new = true;
  auto d = sio::io(url_ + "/admin", options);
  EXPECT_NE(d->io(), b->io());
  EXPECT_EQ(a->nsp(), "/");
  EXPECT_EQ(b->nsp(), "/admin");
}

TEST_F(ClientTest, AutoConnectAndQueryFromUrl) {
  sio::Options options;
  options.force_new = true;
  options.extra_headers["X-Test"] = "header value";
  options.path = "/socket.io";  // the JS default, without the trailing slash
  auto socket = sio::io(url_ + "/admin?room=42", options);
  Recorder r;
  socket->on("connect", [&r](const json&) { r.add("connect"); });
  // auto_connect: connecting already (the CONNECT round trip is later than this registration)
  ASSERT_TRUE(r.wait("connect"));
  auto who = socket->emit_with_ack("auth");
  ASSERT_EQ(who.wait_for(kWait), std::future_status::ready);
  const json got = who.get();
  EXPECT_EQ(got[1]["room"], "42");
  EXPECT_EQ(got[2], "header value");
}

TEST_F(ClientTest, DestroyingFromInsideCallbacksIsSafe) {
  auto options = base_options();
  options.executor.reset();
  Recorder r;
  {
    auto manager = sio::Manager::create(url_, options);
    auto socket = manager->socket("/");
    std::shared_ptr<sio::Socket> holder = socket;
    socket->on("welcome", [&holder, &r](const json&) {
      holder.reset();  // the last reference goes away inside its own callback
      r.add("dropped");
    });
    socket->connect();
    socket.reset();
    manager.reset();
    ASSERT_TRUE(r.wait("dropped"));
  }
  EXPECT_TRUE(server_->wait_line("disconnect / "));  // the connection was closed
}

TEST_F(ClientTest, UserExecutorAndCallsFromOtherThreads) {
  boost::asio::io_context ctx;
  auto guard = boost::asio::make_work_guard(ctx);
  std::thread runner([&ctx] { ctx.run(); });
  {
    auto options = base_options();
    options.executor = ctx.get_executor();
    auto manager = sio::Manager::create(url_, options);
    auto socket = manager->socket("/");
    Recorder r;
    std::atomic<bool> on_executor{true};
    socket->on("connect", [&](const json&) {
      if (std::this_thread::get_id() != runner.get_id()) on_executor = false;
      r.add("connect");
    });
    socket->connect();
    ASSERT_TRUE(r.wait("connect"));
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([socket, t] {
        for (int i = 0; i < 25; ++i) socket->emit("count", t * 100 + i);
      });
    }
    for (auto& t : threads) t.join();
    auto counts = socket->emit_with_ack("get-counts");
    ASSERT_EQ(counts.wait_for(kWait), std::future_status::ready);
    EXPECT_EQ(counts.get()[0].size(), 100u);
    EXPECT_TRUE(on_executor);
  }
  guard.reset();
  runner.join();
}

TEST_F(ClientTest, AwaitableEmitWithAck) {
  boost::asio::io_context ctx;
  auto options = base_options();
  options.executor = ctx.get_executor();
  auto manager = sio::Manager::create(url_, options);
  auto socket = manager->socket("/");
  socket->connect();
  std::optional<sio::Errc> timeout_code;  // (no gtest macros inside the coroutine: g++ 12 chokes)
  auto done = boost::asio::co_spawn(
      ctx,
      // (string literals inside the coroutine body trip g++ 12 too: names and args come in captured)
      [socket, &timeout_code, echo = std::string("echo"), no_ack = std::string("no-ack"),
       args = json::array({"co", 1})]() -> boost::asio::awaitable<json> {
        json first = co_await socket->async_emit_with_ack(echo, args, boost::asio::use_awaitable);
        try {
          co_await socket->timeout(100ms).async_emit_with_ack(no_ack, json::array(), boost::asio::use_awaitable);
        } catch (const sio::AckError& e) {
          timeout_code = e.error().code;
        }
        socket->disconnect();
        co_return first;
      },
      boost::asio::use_future);
  ctx.run_for(kWait);
  ASSERT_EQ(done.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(timeout_code, sio::Errc::timeout);
  // Let the Manager's shutdown run on the context before it goes away.
  socket.reset();
  manager.reset();
  ctx.restart();
  ctx.run_for(5s);
  EXPECT_EQ(done.get(), json::array({"co", 1}));
}

// ---- socket.io 2.x (EIO3 mode) ------------------------------------------------------------------

TEST(ClientEio3, TalksToSocketIo2) {
  NodeServer server("server_v2.js");
  const int port = server.port();
  ASSERT_GT(port, 0);
  auto options = base_options();
  options.eio3 = true;
  auto manager = sio::Manager::create("http://127.0.0.1:" + std::to_string(port), options);
  auto root = manager->socket("/");
  Recorder r;
  record_lifecycle(root, r);
  root->on("welcome", [&r](const json& a) { r.add("welcome", a); });
  root->on("question", [](const json& args, sio::Ack ack) { ack("re:" + args[0].get<std::string>()); });
  root->on("answer-was", [&r](const json& a) { r.add("answer-was", a); });
  root->on("bin-back", [&r](const json& a) { r.add("bin-back", a); });
  root->connect();
  ASSERT_TRUE(r.wait("connect"));
  auto welcome = r.wait("welcome");
  ASSERT_TRUE(welcome);
  EXPECT_EQ((*welcome)[0], root->id());
  EXPECT_EQ(root->id(), manager->engine_id());

  auto echo = root->emit_with_ack("echo", "v2", json{{"a", 1}});
  ASSERT_EQ(echo.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(echo.get(), json::array({"v2", {{"a", 1}}}));
  root->emit("ask-me", "q");
  auto answer = r.wait("answer-was");
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, json::array({"re:q"}));
  auto bin = root->emit_with_ack("bin", sio::Bytes{1, 2, 3});
  ASSERT_EQ(bin.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(bin.get(), json::array({bytes({9, 8, 7})}));
  auto back = r.wait("bin-back");
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[0], bytes({3, 2, 1}));

  // a namespace with auth passed as the namespace query
  sio::SocketOptions bad;
  bad.auth = json{{"token", "nope"}};
  auto secure = manager->socket("/secure", bad);
  Recorder rs;
  record_lifecycle(secure, rs);
  secure->connect();
  auto err = rs.wait("connect_error");
  ASSERT_TRUE(err);
  EXPECT_EQ((*err)[0]["message"], "not authorized");
  secure->set_auth(json{{"token", "secret"}});
  secure->connect();
  ASSERT_TRUE(rs.wait("connect"));
  EXPECT_EQ(secure->id(), "/secure#" + manager->engine_id());
  auto q = secure->emit_with_ack("query");
  ASSERT_EQ(q.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(q.get()[0]["token"], "secret");

  // server-side disconnect of "/"
  root->emit("disconnect-me");
  auto d = r.wait("disconnect");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)[0], "io server disconnect");
}
