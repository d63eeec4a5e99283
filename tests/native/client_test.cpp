// Interop tests of the native Socket.IO client (sio/client.hpp).
//
// The Socket.IO suite (ClientSuite) is parameterized by server x transport:
//   server:    node = the official socket.io 4.8 server (tests/native/client/server.js, under node);
//              ours = our server (sio::server) in the fixture program native_our_server
//                     (tests/native/our_server.cpp: the same events and the same output lines);
//   transport: polling (transports = {"polling"}), websocket ({"websocket"}), upgrade (the default
//              {"polling", "websocket"}; every test waits for the upgrade once connected).
// Every test starts its own server process on a free port and reads its stdout lines.
// ClientEio3 runs the EIO3 mode against socket.io 2.5 (server_v2.js, also WebSocket-only) and ours
// with allow_eio3; ClientCookies (node only) checks that session cookies come back on every request;
// ClientExample runs client/examples/chat_client with and without DEBUG=socket.io*.
#include "child_process.hpp"
#include "event_log.hpp"
#include "sio/client.hpp"
#include "sio/client/asio.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
// libstdc++ is not instrumented: the reference count of an exception_ptr (the AckError stored in an
// emit_with_ack future) is invisible to TSan, so the exception's release on the Manager's thread after
// the test thread caught it (a correct hand-over through std::future) is reported as a race.
extern "C" const char* __tsan_default_suppressions() { return "race:std::__exception_ptr::exception_ptr::_M_release\n"; }
#endif
#endif

using namespace std::chrono_literals;
using sio::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kWait = 20s;

// ---- child processes ----------------------------------------------------------------------------

// A child process whose stdout (and optionally stderr) lines are collected by reader threads.
class Process {
 public:
  struct Spec {
    std::string exe;
    std::vector<std::string> args;
    std::map<std::string, std::string> env;  // set (a value) or removed (empty) in the child
    bool pipe_stdin = false;
    bool capture_stderr = false;
  };

  explicit Process(const Spec& spec) : child_(options(spec)) {
    out_reader_ = std::thread([this] { read_loop(false, out_lines_, out_eof_); });
    if (spec.capture_stderr) err_reader_ = std::thread([this] { read_loop(true, err_lines_, err_eof_); });
  }

  ~Process() {
    close_stdin();
    kill();
    if (out_reader_.joinable()) out_reader_.join();
    if (err_reader_.joinable()) err_reader_.join();
  }

  void kill() { child_.kill(); }  // SIGKILL and reap

  void write_stdin(const std::string& text) { child_.write_stdin(text); }
  void close_stdin() { child_.close_stdin(); }

  // Waits until the child closed its stdout (normally: it exited); then reaps it.
  bool wait_exit(std::chrono::seconds timeout = kWait) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return out_eof_; })) return false;
    lock.unlock();
    child_.wait();
    return true;
  }

  int port() {
    std::string line;
    if (!wait_line("port ", &line)) return -1;
    return std::atoi(line.c_str() + 5);
  }

  // Waits for a stdout line starting with `prefix` (among all lines so far); optionally returns it.
  bool wait_line(const std::string& prefix, std::string* found = nullptr, std::chrono::seconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& l : out_lines_) {
        if (l.rfind(prefix, 0) == 0) {
          if (found) *found = l;
          return true;
        }
      }
      return false;
    });
  }

  // Waits until `n` stdout lines start with `prefix`.
  bool wait_count(const std::string& prefix, std::size_t n, std::chrono::seconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_locked(out_lines_, prefix) >= n; });
  }

  int index_of(const std::string& prefix) {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < out_lines_.size(); ++i) {
      if (out_lines_[i].rfind(prefix, 0) == 0) return static_cast<int>(i);
    }
    return -1;
  }

  std::string dump() {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& l : out_lines_) out += "\n  " + l;
    return out;
  }

  std::size_t count_lines(const std::string& prefix) {
    std::lock_guard lock(mu_);
    return count_locked(out_lines_, prefix);
  }

  // stdout lines containing `text`; wait_containing waits until there are at least `n`.
  std::size_t count_containing(const std::string& text) {
    std::lock_guard lock(mu_);
    return containing_locked(text);
  }
  bool wait_containing(const std::string& text, std::size_t n = 1, std::chrono::seconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return containing_locked(text) >= n; });
  }

  // stderr lines containing `text` (capture_stderr).
  std::size_t count_err_containing(const std::string& text) {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(std::count_if(err_lines_.begin(), err_lines_.end(), [&](const std::string& l) {
      return l.find(text) != std::string::npos;
    }));
  }

 private:
  std::size_t containing_locked(const std::string& text) const {
    return static_cast<std::size_t>(std::count_if(out_lines_.begin(), out_lines_.end(),
                                                  [&](const std::string& l) { return l.find(text) != std::string::npos; }));
  }

  static std::size_t count_locked(const std::vector<std::string>& lines, const std::string& prefix) {
    std::size_t n = 0;
    for (const auto& l : lines) n += l.rfind(prefix, 0) == 0;
    return n;
  }

  void read_loop(bool from_stderr, std::vector<std::string>& lines, bool& eof) {
    std::string buffer;
    while (child_.read_blocking(buffer, from_stderr)) {
      std::size_t nl;
      while ((nl = buffer.find('\n')) != std::string::npos) {
        std::lock_guard lock(mu_);
        lines.push_back(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
        cv_.notify_all();
      }
    }
    std::lock_guard lock(mu_);
    if (!buffer.empty()) lines.push_back(buffer);
    eof = true;
    cv_.notify_all();
  }

  static sio_test::ChildOptions options(const Spec& spec) {
    sio_test::ChildOptions o;
    o.exe = spec.exe;
    o.args = spec.args;
    o.env = spec.env;
    o.pipe_stdin = spec.pipe_stdin;
    if (spec.capture_stderr) o.stderr_mode = sio_test::ChildOptions::Stderr::capture;
    return o;
  }

  sio_test::ChildProcess child_;
  std::thread out_reader_, err_reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> out_lines_, err_lines_;
  bool out_eof_ = false, err_eof_ = false;
};

enum class Srv { node, ours };
enum class Tr { polling, websocket, upgrade };

const char* name_of(Srv s) { return s == Srv::node ? "node" : "ours"; }
const char* name_of(Tr t) {
  switch (t) {
    case Tr::polling: return "polling";
    case Tr::websocket: return "websocket";
    case Tr::upgrade: return "upgrade";
  }
  return "?";
}

std::unique_ptr<Process> start_node(const std::string& script, std::vector<std::string> args) {
  Process::Spec spec;
  spec.exe = SIO_NODE;
  spec.args = {std::string(SIO_TESTS_DIR) + "/native/client/" + script};
  spec.args.insert(spec.args.end(), args.begin(), args.end());
  spec.env["NODE_PATH"] = SIO_TESTS_DIR "/node_modules";
  return std::make_unique<Process>(std::move(spec));
}

std::unique_ptr<Process> start_server(Srv srv, std::vector<std::string> args = {}) {
  if (srv == Srv::node) return start_node("server.js", std::move(args));
#ifdef SIO_OUR_SERVER
  Process::Spec spec;
  spec.exe = SIO_OUR_SERVER;
  spec.args = std::move(args);
  return std::make_unique<Process>(std::move(spec));
#else
  throw std::logic_error("our server is not built");
#endif
}

// ---- recording what the client's callbacks saw ---------------------------------------------------

// What the client's callbacks saw (name, data, when), waited for up to kWait.
struct Recorder : sio_test::EventLog {
  Recorder() : EventLog(kWait) {}
};

sio::Options base_options() {
  sio::Options o;
  o.auto_connect = false;
  o.reconnection_delay = 100ms;
  o.reconnection_delay_max = 500ms;
  o.randomization_factor = 0;
  return o;
}

std::vector<std::string> transports_of(Tr t) {
  switch (t) {
    case Tr::polling: return {"polling"};
    case Tr::websocket: return {"websocket"};
    case Tr::upgrade: return {"polling", "websocket"};
  }
  return {};
}

void record_lifecycle(const std::shared_ptr<sio::Socket>& s, Recorder& r) {
  s->on("connect", [&r](const json&) { r.add("connect"); });
  s->on("disconnect", [&r](const json& a) { r.add("disconnect", a); });
  s->on("connect_error", [&r](const json& a) { r.add("connect_error", a); });
  s->on("upgraded", [&r](const json& a) { r.add("upgraded", a); });
}

void record_manager(const std::shared_ptr<sio::Manager>& m, Recorder& r) {
  for (const char* ev : {"open", "error", "close", "ping", "reconnect_attempt", "reconnect", "reconnect_error",
                         "reconnect_failed"}) {
    m->on(ev, [&r, name = std::string("m:") + ev](const json& a) { r.add(name, a); });
  }
}

json bytes(std::initializer_list<std::uint8_t> b) { return sio::binary(sio::Bytes(b)); }

template <class T>
bool ready(std::future<T>& f) {
  return f.wait_for(kWait) == std::future_status::ready;
}

// ---- the parameterized Socket.IO suite ----------------------------------------------------------

struct Param {
  Srv srv;
  Tr tr;
  bool msgpack = false;  // both ends use socket.io-msgpack-parser's wire format
};

class ClientSuite : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override { start(); }

  void start(std::vector<std::string> args = {}) {
    server_.reset();
    if (GetParam().msgpack) args.insert(args.end(), {"--parser", "msgpack"});
    server_ = start_server(GetParam().srv, std::move(args));
    port_ = server_->port();
    ASSERT_GT(port_, 0);
    url_ = "http://127.0.0.1:" + std::to_string(port_);
  }

  // Restarts the server on the same port.
  void restart(std::vector<std::string> args = {}) {
    args.push_back("--port");
    args.push_back(std::to_string(port_));
    if (GetParam().msgpack) args.insert(args.end(), {"--parser", "msgpack"});
    server_ = start_server(GetParam().srv, std::move(args));
    ASSERT_EQ(server_->port(), port_);
  }

  sio::Options options() const {
    sio::Options o = base_options();
    o.transports = transports_of(GetParam().tr);
    if (GetParam().msgpack) o.parser = sio::socketio::msgpack_parser();
    return o;
  }

  bool upgrading() const { return GetParam().tr == Tr::upgrade; }

  // Once connected (the n-th time): in upgrade mode, waits for the upgrade to WebSocket.
  bool settle(Recorder& r, std::size_t n = 1) { return !upgrading() || r.wait("upgraded", n).has_value(); }

  // The transport the server sees right after the handshake, and once settled.
  std::string first_transport() const { return GetParam().tr == Tr::websocket ? "websocket" : "polling"; }
  std::string settled_transport() const { return GetParam().tr == Tr::polling ? "polling" : "websocket"; }

  void expect_transport(const std::shared_ptr<sio::Socket>& socket) {
    auto t = socket->emit_with_ack("transport");
    ASSERT_TRUE(ready(t));
    EXPECT_EQ(t.get(), json::array({settled_transport()}));
    EXPECT_EQ(socket->io()->transport(), settled_transport());
  }

  std::unique_ptr<Process> server_;
  int port_ = 0;
  std::string url_;
};

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  return std::string(name_of(info.param.srv)) + "_" + name_of(info.param.tr) +
         (info.param.msgpack ? "_msgpack" : "");
}

std::vector<Param> all_params() {
  std::vector<Param> out;
  std::vector<Srv> servers = {Srv::node};
#ifdef SIO_OUR_SERVER
  servers.push_back(Srv::ours);
#endif
  for (Srv s : servers) {
    for (Tr t : {Tr::polling, Tr::websocket, Tr::upgrade}) out.push_back({s, t});
  }
  return out;
}

}  // namespace

TEST_P(ClientSuite, ConnectEmitAndAck) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->on("welcome", [&r](const json& a) { r.add("welcome", a); });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  EXPECT_TRUE(socket->connected());
  EXPECT_FALSE(socket->id().empty());
  auto welcome = r.wait("welcome");
  ASSERT_TRUE(welcome);
  EXPECT_EQ((*welcome)[0], socket->id());
  EXPECT_TRUE(server_->wait_line("connect / " + socket->id() + " " + first_transport()));
  ASSERT_TRUE(settle(r));

  auto reply = socket->emit_with_ack("echo", 1, "two", json{{"k", json::array({true, nullptr})}});
  ASSERT_TRUE(ready(reply));
  EXPECT_EQ(reply.get(), json::array({1, "two", {{"k", {true, nullptr}}}}));

  // callback form
  socket->emit("echo", "cb", [&r](std::optional<sio::Error> err, json args) {
    r.add(err ? "echo-error" : "echo-ok", args);
  });
  auto ok = r.wait("echo-ok");
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, json::array({"cb"}));

  // the server emits back; send() is emit("message")
  socket->on("back", [&r](const json& a) { r.add("back", a); });
  socket->emit("emit-back", "x", 2);
  auto back = r.wait("back");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, json::array({"x", 2}));

  EXPECT_THROW(socket->emit("disconnect"), std::invalid_argument);
  EXPECT_THROW(socket->emit("connect_error"), std::invalid_argument);
  expect_transport(socket);
}

TEST_P(ClientSuite, NamespacesShareOneConnection) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto root = manager->socket("/");
  auto admin = manager->socket("/admin");
  root->on("connect", [&r](const json&) { r.add("root-connect"); });
  root->on("upgraded", [&r](const json& a) { r.add("upgraded", a); });
  manager->on("ping", [&r](const json&) { r.add("ping"); });
  admin->on("connect", [&r](const json&) { r.add("admin-connect"); });
  admin->on("welcome-admin", [&r](const json& a) { r.add("welcome-admin", a); });
  root->connect();
  admin->connect();
  ASSERT_TRUE(r.wait("root-connect"));
  ASSERT_TRUE(r.wait("admin-connect"));
  ASSERT_TRUE(r.wait("welcome-admin"));
  ASSERT_TRUE(settle(r));
  EXPECT_NE(root->id(), admin->id());
  EXPECT_EQ(root->io(), admin->io());
  EXPECT_EQ(manager->socket("/admin"), admin);  // the same object while alive
  auto a = admin->emit_with_ack("echo", "admin");
  ASSERT_TRUE(ready(a));
  EXPECT_EQ(a.get(), json::array({"admin"}));
  // leaving /admin keeps / connected
  admin->disconnect();
  EXPECT_TRUE(server_->wait_line("disconnect /admin client namespace disconnect"));
  auto b = root->emit_with_ack("echo", "still");
  ASSERT_TRUE(ready(b));
  EXPECT_EQ(b.get(), json::array({"still"}));
  EXPECT_EQ(server_->count_lines("disconnect / "), 0u);
  EXPECT_TRUE(r.wait("ping"));  // the server pings every 2 s
  expect_transport(root);
}

TEST_P(ClientSuite, AuthAndConnectError) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  sio::SocketOptions so;
  so.auth = json{{"token", "bad"}};
  auto socket = manager->socket("/secure", so);
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
  EXPECT_EQ((*typed)["d"]["code"], 401);
  EXPECT_FALSE(socket->active());
  // a new auth, used by the next connect
  socket->set_auth(json{{"token", "secret"}});
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  auto who = socket->emit_with_ack("auth");
  ASSERT_TRUE(ready(who));
  EXPECT_EQ(who.get()[0], json({{"token", "secret"}}));
}

TEST_P(ClientSuite, AuthCallbackEvaluatedOnEachConnect) {
  Recorder r;
  std::atomic<int> calls{0};
  auto o = options();
  o.auth_callback = [&calls] { return json{{"token", "secret"}, {"n", ++calls}}; };
  auto manager = sio::Manager::create(url_, o);
  auto socket = manager->socket("/secure");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  auto first = socket->emit_with_ack("auth");
  ASSERT_TRUE(ready(first));
  EXPECT_EQ(first.get()[0]["n"], 1);
  socket->emit("close-transport");  // automatic reconnection: a new CONNECT, a new auth
  ASSERT_TRUE(r.wait("connect", 2));
  auto who = socket->emit_with_ack("auth");
  ASSERT_TRUE(ready(who));
  EXPECT_EQ(who.get()[0], json({{"token", "secret"}, {"n", 2}}));
  EXPECT_EQ(calls.load(), 2);
}

TEST_P(ClientSuite, ServerToClientAck) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->on("question", [](const json& args, sio::Ack ack) {
    ASSERT_TRUE(ack);
    ack("answer:" + args[0].get<std::string>(), 42);
    ack("ignored second call");
  });
  socket->on("answer-was", [&r](const json& a) { r.add("answer-was", a); });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  socket->emit("ask-me", "q1");
  auto answer = r.wait("answer-was");
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, json::array({"answer:q1", 42}));
}

TEST_P(ClientSuite, AckTimeouts) {
  Recorder r;
  auto o = options();
  o.ack_timeout = 300ms;
  auto manager = sio::Manager::create(url_, o);
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  const auto start = Clock::now();
  auto f = socket->timeout(200ms).emit_with_ack("no-ack");
  ASSERT_TRUE(ready(f));
  try {
    f.get();
    FAIL() << "expected a timeout";
  } catch (const sio::AckError& e) {
    EXPECT_EQ(e.error().code, sio::Errc::timeout);
  }
  EXPECT_GE(Clock::now() - start, 200ms);
  // the default ack_timeout
  const auto start2 = Clock::now();
  socket->emit("no-ack", [&r](std::optional<sio::Error> err, json) {
    r.add(err && err->code == sio::Errc::timeout ? "timed-out" : "other");
  });
  EXPECT_TRUE(r.wait("timed-out"));
  EXPECT_GE(Clock::now() - start2, 300ms);
  // an answered one does not time out
  auto ok = socket->timeout(5s).emit_with_ack("echo", 1);
  ASSERT_TRUE(ready(ok));
  EXPECT_EQ(ok.get(), json::array({1}));
}

// Binary both ways on a connected socket whose "bin-back" events `r` records: bytes in an emit and
// in its ack, the server's event with nested bytes, and a 200 KB blob echoed inside an object.
void expect_binary_both_ways(sio::Socket& socket, Recorder& r) {
  auto ack = socket.emit_with_ack("bin", sio::Bytes{1, 2, 3, 0, 255});
  ASSERT_TRUE(ready(ack));
  EXPECT_EQ(ack.get(), json::array({bytes({9, 8, 7})}));
  auto back = r.wait("bin-back");
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[0], bytes({255, 0, 3, 2, 1}));
  EXPECT_EQ((*back)[1]["original"], bytes({1, 2, 3, 0, 255}));
  EXPECT_EQ((*back)[1]["list"], json::array({bytes({1, 2}), "x"}));
  sio::Bytes big(200000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  auto echo = socket.emit_with_ack("echo", json{{"blob", sio::binary(big)}});
  ASSERT_TRUE(ready(echo));
  EXPECT_EQ(echo.get(), json::array({{{"blob", sio::binary(big)}}}));
}

TEST_P(ClientSuite, BinaryBothWays) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->on("bin-back", [&r](const json& a) { r.add("bin-back", a); });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  ASSERT_NO_FATAL_FAILURE(expect_binary_both_ways(*socket, r));
}

TEST_P(ClientSuite, OnAnyAndOnAnyOutgoing) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->on_any([&r](const std::string& ev, const json& a) { r.add("any:" + ev, a); });
  socket->prepend_any([&r](const std::string& ev, const json&) { r.add("first:" + ev); });
  socket->on_any_outgoing([&r](const std::string& ev, const json& a) { r.add("out:" + ev, a); });
  socket->connect();
  auto w = r.wait("any:welcome");
  ASSERT_TRUE(w);
  ASSERT_TRUE(settle(r));
  {
    auto names = r.names();
    auto first = std::find(names.begin(), names.end(), "first:welcome");
    auto any = std::find(names.begin(), names.end(), "any:welcome");
    EXPECT_LT(first, any);  // prepend_any runs before on_any
  }
  socket->emit("any-probe", 1, "a");
  auto out = r.wait("out:any-probe");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, json::array({1, "a"}));
  EXPECT_TRUE(server_->wait_line(R"(any-probe [1,"a"])"));
  socket->off_any();
  socket->off_any_outgoing();
  socket->on("back", [&r](const json& a) { r.add("back", a); });
  socket->emit("emit-back", "z");
  ASSERT_TRUE(r.wait("back"));
  EXPECT_EQ(r.count("any:back"), 0u);
  EXPECT_EQ(r.count("out:emit-back"), 0u);
}

// Outgoing packets are reported from the first listener on (the core reports none before, so an
// emit costs no outgoing event): an emit right after on_any_outgoing, from the application's
// thread or from a handler on the client's thread, reaches the listener.
TEST_P(ClientSuite, OnAnyOutgoingAddedWhileConnected) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  std::weak_ptr<sio::Socket> weak = socket;
  socket->on("back", [&r, weak](const json& a) {
    r.add("back", a);
    auto s = weak.lock();
    if (s && a == json::array({"first"})) {
      s->on_any_outgoing([&r](const std::string& ev, const json& args) { r.add("loop-out:" + ev, args); });
      s->emit("from-handler", 3);
    }
  });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  socket->emit("unreported", 1);
  socket->on_any_outgoing([&r](const std::string& ev, const json& a) { r.add("out:" + ev, a); });
  socket->emit("any-probe", 2);
  auto out = r.wait("out:any-probe");
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, json::array({2}));
  EXPECT_TRUE(server_->wait_line("any-probe [2]"));
  EXPECT_EQ(r.count("out:unreported"), 0u);
  socket->emit("emit-back", "first");
  auto from_handler = r.wait("loop-out:from-handler");
  ASSERT_TRUE(from_handler);
  EXPECT_EQ(*from_handler, json::array({3}));
  EXPECT_TRUE(r.wait("out:from-handler"));
}

TEST_P(ClientSuite, OfflineBufferingAndVolatile) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->emit("count", 1);
  socket->emit("count", 2);
  socket->volatile_().emit("count", 99);  // dropped: not connected
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  socket->volatile_().emit("count", 3);  // connected: sent
  auto counts = socket->emit_with_ack("get-counts");
  ASSERT_TRUE(ready(counts));
  EXPECT_EQ(counts.get(), json::array({json::array({1, 2, 3})}));
  EXPECT_TRUE(server_->wait_count("count ", 3));  // (stdout is read by another thread)
  EXPECT_EQ(server_->count_lines("count 99"), 0u);
}

TEST_P(ClientSuite, DisconnectReasons) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));

  // the server closes the transport: "transport close", then automatic reconnection
  socket->emit("close-transport");
  auto d1 = r.wait("disconnect");
  ASSERT_TRUE(d1);
  EXPECT_EQ((*d1)[0], "transport close");
  ASSERT_TRUE(r.wait("connect", 2));
  EXPECT_TRUE(socket->active());

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
  EXPECT_FALSE(socket->active());
  EXPECT_TRUE(server_->wait_count("disconnect / ", 3));
}

TEST_P(ClientSuite, PendingAcksFailOnDisconnect) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  auto pending = socket->emit_with_ack("no-ack");
  auto echoed = socket->emit_with_ack("echo", 1);  // answered before the disconnect: succeeds
  ASSERT_TRUE(ready(echoed));
  socket->disconnect();
  ASSERT_TRUE(ready(pending));
  try {
    pending.get();
    FAIL() << "expected an error";
  } catch (const sio::AckError& e) {
    EXPECT_EQ(e.error().code, sio::Errc::disconnected);
  }
  EXPECT_EQ(echoed.get(), json::array({1}));
}

TEST_P(ClientSuite, ManagerEvents) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  record_manager(manager, r);
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("m:open"));
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  EXPECT_FALSE(manager->engine_id().empty());
  ASSERT_TRUE(r.wait("m:ping"));  // pingInterval 2 s
  // "open" comes before the socket's "connect"
  auto names = r.names();
  EXPECT_LT(std::find(names.begin(), names.end(), "m:open"), std::find(names.begin(), names.end(), "connect"));
  manager->close();
  auto close = r.wait("m:close");
  ASSERT_TRUE(close);
  EXPECT_EQ((*close)[0], "forced close");
  auto d = r.wait("disconnect");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)[0], "forced close");
  EXPECT_TRUE(server_->wait_line("disconnect / "));
  EXPECT_EQ(r.count("m:reconnect_attempt"), 0u);  // a closed Manager does not reconnect
  EXPECT_EQ(r.count("m:error"), 0u);
  // connect() reopens it
  socket->connect();
  ASSERT_TRUE(r.wait("m:open", 2));
  ASSERT_TRUE(r.wait("connect", 2));
}

// "idle" (the browser bridge frees a Manager on it): not while a socket is connected; once when
// the last socket disconnects and nothing is left to do, when idle() is true; again each cycle.
TEST_P(ClientSuite, IdleEventOnceNothingIsLeft) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  manager->on("idle", [&r](const json&) { r.add("m:idle"); });
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  for (std::size_t cycle = 1; cycle <= 2; ++cycle) {
    socket->connect();
    ASSERT_TRUE(r.wait("connect", cycle));
    ASSERT_TRUE(settle(r));
    const std::size_t before = r.count("m:idle");
    EXPECT_FALSE(manager->idle());
    auto ack = socket->emit_with_ack("echo", static_cast<int>(cycle));
    ASSERT_TRUE(ready(ack));
    EXPECT_EQ(r.count("m:idle"), before);  // connected: never idle
    socket->disconnect();
    ASSERT_TRUE(r.wait("m:idle", before + 1));
    EXPECT_TRUE(manager->idle());
  }
}

// The server process is killed and restarted on the same port: the Manager reconnects with the
// configured backoff (attempt numbers in order, each delay within the randomization bounds), the
// emits made while disconnected are delivered once, and the Manager reports every event.
TEST_P(ClientSuite, ServerRestartReconnectsWithBackoff) {
  Recorder r;
  auto o = options();
  o.reconnection_delay = 100ms;
  o.reconnection_delay_max = 400ms;
  o.randomization_factor = 0.5;
  auto manager = sio::Manager::create(url_, o);
  record_manager(manager, r);
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  const std::string first_id = socket->id();

  server_->kill();
  auto d = r.wait("disconnect");
  ASSERT_TRUE(d);
  EXPECT_TRUE((*d)[0] == "transport close" || (*d)[0] == "transport error") << *d;
  ASSERT_TRUE(r.wait("m:reconnect_error"));  // at least one failed attempt while the server is down
  EXPECT_FALSE(socket->connected());
  for (int i = 1; i <= 3; ++i) socket->emit("count", i);  // buffered
  ASSERT_TRUE(r.wait("m:reconnect_attempt", 4));

  restart();
  ASSERT_TRUE(r.wait("connect", 2));
  auto reconnect = r.wait("m:reconnect");
  ASSERT_TRUE(reconnect);
  EXPECT_NE(socket->id(), first_id);
  EXPECT_FALSE(socket->recovered());
  ASSERT_TRUE(settle(r, 2));
  auto counts = socket->emit_with_ack("get-counts");
  ASSERT_TRUE(ready(counts));
  EXPECT_EQ(counts.get(), json::array({json::array({1, 2, 3})}));
  // (the server's stdout is read by another thread: the lines may come after the ack)
  EXPECT_TRUE(server_->wait_count("count ", 3));
  EXPECT_EQ(server_->count_lines("count "), 3u);

  // The schedule: attempt k starts delay(k) after the close (k = 1) or after the failure of
  // attempt k - 1; delay(k) is 100 ms * 2^(k-1) +/- 50 %, capped at 400 ms.
  const auto entries = r.entries();
  std::optional<Clock::time_point> since, closed_at;
  double lows = 0;  // the attempts' lower bounds so far, added up
  std::uint64_t attempts = 0, failures = 0;
  for (const auto& e : entries) {
    if (e.name == "m:close") {
      since = e.at;
      if (!closed_at) closed_at = e.at;
    }
    if (e.name == "m:reconnect_error") {
      ++failures;
      since = e.at;
    }
    if (e.name == "m:reconnect_attempt") {
      ++attempts;
      EXPECT_EQ(e.data, json::array({attempts}));
      ASSERT_TRUE(since) << "attempt " << attempts << " without a preceding close/failure";
      const double base = 100.0 * static_cast<double>(1u << (attempts - 1));
      const double lo = std::min(base * 0.5, 400.0), hi = std::min(base * 1.5, 400.0);
      const double ms = std::chrono::duration<double, std::milli>(e.at - *since).count();
      // The listeners stamp an event after the client armed its timer, and a thread held off
      // the CPU on a loaded machine delays a stamp by a hundred ms and more (seen: 133 ms under
      // ASan at a load of 7, 233 ms under TSan beside the ASan tests), which shortens the gap
      // after it and lengthens the one before. So the lower bound is taken over the whole
      // schedule, from the first close to this attempt, where a late stamp in between cannot
      // shorten it: at least the sum of the attempts' lower bounds, less 200 ms of room (a
      // client that skipped the backoff fails by the third attempt). The upper bound has a
      // second of room per gap (still below what the defaults, 1 s doubling up to 5 s, give by
      // the third attempt). The exact schedule is checked with a fake clock in
      // tests/unit/socketio_backoff_test.cpp; this checks the client uses it.
      lows += lo;
      ASSERT_TRUE(closed_at);
      const double total = std::chrono::duration<double, std::milli>(e.at - *closed_at).count();
      EXPECT_GE(total, lows - 200) << "attempt " << attempts;
      EXPECT_LE(ms, hi + 1000) << "attempt " << attempts;
      since.reset();
    }
  }
  EXPECT_GE(attempts, 4u);
  EXPECT_EQ(failures, attempts - 1);  // every attempt failed but the last
  EXPECT_EQ(*reconnect, json::array({attempts}));
  EXPECT_EQ(r.count("m:open"), 2u);
  EXPECT_EQ(r.count("m:close"), 1u);
  // (an engine error when the server went away may add one "error" before the "close")
  EXPECT_GE(r.count("m:error"), failures);
  EXPECT_LE(r.count("m:error"), failures + 1);
  EXPECT_EQ(r.count("connect_error"), failures);
  EXPECT_EQ(r.count("m:reconnect_failed"), 0u);
}

// Connection state recovery: the transport drops (the server closes it) within the server's
// maxDisconnectionDuration; the automatic reconnection restores the session (same id, recovered),
// delivers the event missed meanwhile, and the emits buffered during the drop arrive once.
TEST_P(ClientSuite, RecoveryAfterTransportDrop) {
  start({"--recovery"});
  Recorder r;
  auto o = options();
  o.reconnection_delay = 300ms;
  auto manager = sio::Manager::create(url_, o);
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->on("news", [&r](const json& a) { r.add("news", a); });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  EXPECT_FALSE(socket->recovered());
  const std::string id = socket->id();

  auto other_manager = sio::Manager::create(url_, base_options());
  auto other = other_manager->socket("/");
  other->connect();
  auto first = other->emit_with_ack("broadcast", "news", 1);
  ASSERT_TRUE(ready(first));
  ASSERT_TRUE(r.wait("news"));

  socket->emit("close-transport");
  auto d = r.wait("disconnect");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)[0], "transport close");
  socket->emit("count", 1);  // buffered during the drop
  auto missed = other->emit_with_ack("broadcast", "news", 2);
  ASSERT_TRUE(ready(missed));

  ASSERT_TRUE(r.wait("connect", 2));
  EXPECT_TRUE(socket->recovered());
  EXPECT_EQ(socket->id(), id);
  auto news2 = r.wait("news", 2);
  ASSERT_TRUE(news2);
  EXPECT_EQ((*news2)[0], 2);
  ASSERT_TRUE(server_->wait_count("connect / " + id + " ", 2));
  EXPECT_EQ(server_->count_lines("connect / " + id + " " + first_transport() + " recovered=true"), 1u);
  auto counts = socket->emit_with_ack("get-counts");
  ASSERT_TRUE(ready(counts));
  EXPECT_EQ(counts.get(), json::array({json::array({1})}));
  EXPECT_EQ(r.count("news"), 2u);
}

TEST_P(ClientSuite, RetriesResendUntilAcknowledged) {
  auto o = options();
  o.retries = 2;
  // Each try waits this long for its ack: long enough that a busy machine cannot make an
  // answered try look unanswered (which would add a try the counts below do not expect).
  o.ack_timeout = 1000ms;
  auto manager = sio::Manager::create(url_, o);
  auto socket = manager->socket("/");
  socket->connect();
  auto first = socket->emit_with_ack("flaky", 7);
  auto second = socket->emit_with_ack("flaky", 8);  // queued behind the first
  ASSERT_TRUE(ready(first));
  EXPECT_EQ(first.get(), json::array({"ok", 2}));
  ASSERT_TRUE(ready(second));
  EXPECT_EQ(second.get(), json::array({"ok", 2}));
  // (the server's stdout is read by another thread: the lines may come after the ack)
  EXPECT_TRUE(server_->wait_count("flaky 8 try", 2));
  EXPECT_EQ(server_->count_lines("flaky 7 try"), 2u);
  EXPECT_EQ(server_->count_lines("flaky 8 try"), 2u);
  // one at a time: 8 is first sent after 7 was acknowledged
  EXPECT_LT(server_->index_of("flaky 7 try 2"), server_->index_of("flaky 8 try 1"));
  // never acknowledged: fails after 1 + retries tries
  auto never = socket->emit_with_ack("no-ack");
  ASSERT_TRUE(ready(never));
  EXPECT_THROW(never.get(), sio::AckError);
}

TEST_P(ClientSuite, GivesUpAfterReconnectionAttempts) {
  server_->kill();  // nothing listens on the port any more
  Recorder r;
  auto o = options();
  o.reconnection_attempts = 2;
  auto manager = sio::Manager::create(url_, o);
  record_manager(manager, r);
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("m:reconnect_failed"));
  // (as in socket.io-client, the last attempt's "reconnect_error" follows "reconnect_failed")
  ASSERT_TRUE(r.wait("m:reconnect_error", 2));
  EXPECT_EQ(r.count("m:reconnect_attempt"), 2u);
  EXPECT_EQ(r.count("m:reconnect_error"), 2u);
  EXPECT_EQ(r.count("connect_error"), 3u);  // the first open + 2 attempts
  EXPECT_EQ(r.count("m:error"), 3u);
  EXPECT_EQ(r.count("connect"), 0u);
  EXPECT_EQ(r.count("m:open"), 0u);
}

TEST_P(ClientSuite, NoReconnectionWhenDisabled) {
  Recorder r;
  auto o = options();
  o.reconnection = false;
  auto manager = sio::Manager::create(url_, o);
  record_manager(manager, r);
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  socket->emit("close-transport");
  auto d = r.wait("disconnect");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)[0], "transport close");
  // a round trip on another connection, then nothing happened on this one
  Recorder r2;
  auto other = sio::Manager::create(url_, options())->socket("/");
  record_lifecycle(other, r2);
  other->connect();
  ASSERT_TRUE(r2.wait("connect"));
  EXPECT_EQ(r.count("m:reconnect_attempt"), 0u);
  EXPECT_EQ(r.count("connect"), 1u);
}

TEST_P(ClientSuite, ConnectTimeout) {
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
  auto o = options();
  o.timeout = 300ms;
  o.reconnection = false;
  {
    Recorder r;
    auto manager = sio::Manager::create("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), o);
    record_manager(manager, r);
    auto socket = manager->socket("/");
    record_lifecycle(socket, r);
    const auto start = Clock::now();
    socket->connect();
    auto err = r.wait("connect_error");
    ASSERT_TRUE(err);
    EXPECT_EQ((*err)[0]["message"], "timeout");
    EXPECT_GE(Clock::now() - start, 300ms);
    auto merr = r.wait("m:error");
    ASSERT_TRUE(merr);
    EXPECT_EQ(*merr, json::array({"timeout"}));
  }
  close(fd);
}

TEST_P(ClientSuite, ExtraHeadersQueryAndAutoConnectThroughIo) {
  Recorder r;
  sio::Options o;
  o.transports = transports_of(GetParam().tr);
  o.force_new = true;
  o.extra_headers["X-Test"] = "header value";
  o.query["extra"] = "q v";
  o.path = "/socket.io";  // the JS default, without the trailing slash
  auto socket = sio::io(url_ + "/admin?room=42", o);
  socket->on("connect", [&r](const json&) { r.add("connect"); });
  // auto_connect: connecting already (the CONNECT round trip is later than this registration)
  ASSERT_TRUE(r.wait("connect"));
  auto who = socket->emit_with_ack("auth");
  ASSERT_TRUE(ready(who));
  const json got = who.get();
  EXPECT_EQ(got[1]["room"], "42");
  EXPECT_EQ(got[1]["extra"], "q v");
  EXPECT_EQ(got[1]["EIO"], "4");
  EXPECT_EQ(got[1]["transport"], first_transport());
  EXPECT_EQ(got[2], "header value");
}

TEST_P(ClientSuite, CustomPath) {
  start({"--path", "/custom-io"});
  Recorder r;
  auto o = options();
  o.path = "/custom-io";
  auto manager = sio::Manager::create(url_, o);
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  expect_transport(socket);
  // the default path is not served there
  Recorder r2;
  auto o2 = options();
  o2.reconnection = false;
  o2.timeout = 1000ms;  // (node leaves a polling request to an unknown path unanswered)
  auto wrong = sio::Manager::create(url_, o2)->socket("/");
  record_lifecycle(wrong, r2);
  wrong->connect();
  ASSERT_TRUE(r2.wait("connect_error"));
  EXPECT_EQ(r2.count("connect"), 0u);
}

TEST_P(ClientSuite, RememberUpgrade) {
  Recorder r1, r2;
  auto o = options();
  o.remember_upgrade = true;
  auto first = sio::Manager::create(url_, o);
  auto s1 = first->socket("/");
  record_lifecycle(s1, r1);
  s1->connect();
  ASSERT_TRUE(r1.wait("connect"));
  ASSERT_TRUE(settle(r1));
  EXPECT_TRUE(server_->wait_line("connect / " + s1->id() + " " + first_transport()));
  // A new connection to the same server: after a successful upgrade it starts on WebSocket;
  // otherwise on the first transport allowed.
  auto second = sio::Manager::create(url_, o);
  auto s2 = second->socket("/");
  record_lifecycle(s2, r2);
  s2->connect();
  ASSERT_TRUE(r2.wait("connect"));
  const std::string expected = GetParam().tr == Tr::polling ? "polling" : "websocket";
  EXPECT_TRUE(server_->wait_line("connect / " + s2->id() + " " + expected));
  expect_transport(s2);
}

TEST_P(ClientSuite, DestroyingAndClosingFromInsideCallbacksIsSafe) {
  Recorder r;
  {
    auto manager = sio::Manager::create(url_, options());
    auto socket = manager->socket("/");
    std::shared_ptr<sio::Socket> holder = socket;
    socket->on("welcome", [&holder, &r](const json&) {
      holder.reset();  // the last reference (and the Manager's) goes away inside its own callback
      r.add("dropped");
    });
    socket->connect();
    socket.reset();
    manager.reset();
    ASSERT_TRUE(r.wait("dropped"));
  }
  EXPECT_TRUE(server_->wait_line("disconnect / "));  // the connection was closed

  // close() and disconnect() from listeners
  {
    auto manager = sio::Manager::create(url_, options());
    auto admin = manager->socket("/admin");
    auto root = manager->socket("/");
    std::weak_ptr<sio::Manager> weak_manager = manager;
    std::weak_ptr<sio::Socket> weak_admin = admin;
    admin->on("welcome-admin", [weak_admin, &r](const json&) {
      if (auto s = weak_admin.lock()) s->disconnect();
      r.add("admin-left");
    });
    root->on("back", [weak_manager, &r](const json&) {
      if (auto m = weak_manager.lock()) m->close();
      r.add("closed");
    });
    root->on("disconnect", [&r](const json& a) { r.add("root-disconnect", a); });
    root->on("connect", [&r](const json&) { r.add("root-connect"); });
    root->connect();  // (first: the connection stays open when /admin leaves)
    ASSERT_TRUE(r.wait("root-connect"));
    admin->connect();
    ASSERT_TRUE(r.wait("admin-left"));
    EXPECT_TRUE(server_->wait_line("disconnect /admin client namespace disconnect")) << server_->dump();
    root->emit("emit-back", 1);
    ASSERT_TRUE(r.wait("closed"));
    auto d = r.wait("root-disconnect");
    ASSERT_TRUE(d);
    EXPECT_EQ((*d)[0], "forced close");
  }
}

// An executor other than an io_context's (a thread pool of two threads): the Manager runs on a
// strand of it, so its handlers run on the pool's threads and never two at a time.
TEST_P(ClientSuite, UserThreadPoolExecutor) {
  boost::asio::thread_pool pool(2);
  {
    Recorder r;
    auto o = options();
    o.executor = sio::asio_executor(pool.get_executor());
    auto manager = sio::Manager::create(url_, o);
    auto socket = manager->socket("/");
    std::atomic<bool> inside{false};
    std::atomic<bool> overlapped{false};
    std::atomic<bool> on_pool{true};
    auto enter = [&] {
      if (inside.exchange(true)) overlapped = true;
      if (!pool.get_executor().running_in_this_thread()) on_pool = false;
    };
    // (Each handler leaves before it records: the test's locals may be gone once it has.)
    socket->on("connect", [&](const json&) {
      enter();
      inside = false;
      r.add("connect");
    });
    socket->connect();
    ASSERT_TRUE(r.wait("connect"));
    std::atomic<int> acked{0};
    for (int i = 0; i < 50; ++i) {
      socket->emit("echo", i, [&, i](std::optional<sio::Error> err, json args) {
        enter();
        if (!err && args == json::array({i})) ++acked;
        inside = false;
        if (i == 49) r.add("last-ack");
      });
    }
    ASSERT_TRUE(r.wait("last-ack"));
    EXPECT_EQ(acked.load(), 50);
    EXPECT_FALSE(overlapped.load());
    EXPECT_TRUE(on_pool.load());
    manager->close();
  }
  pool.join();
}

TEST_P(ClientSuite, UserExecutorAndCallsFromOtherThreads) {
  boost::asio::io_context ctx;
  auto guard = boost::asio::make_work_guard(ctx);
  std::thread runner([&ctx] { ctx.run(); });
  {
    Recorder r;
    auto o = options();
    o.executor = sio::asio_executor(ctx.get_executor());
    auto manager = sio::Manager::create(url_, o);
    auto socket = manager->socket("/");
    std::atomic<bool> on_executor{true};
    socket->on("connect", [&](const json&) {
      if (std::this_thread::get_id() != runner.get_id()) on_executor = false;
      r.add("connect");
    });
    socket->on("upgraded", [&r](const json& a) { r.add("upgraded", a); });
    socket->connect();
    ASSERT_TRUE(r.wait("connect"));
    ASSERT_TRUE(settle(r));
    std::atomic<int> acked{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([socket, t, &acked] {
        for (int i = 0; i < 25; ++i) {
          socket->emit("count", t * 100 + i);
          socket->emit("echo", i, [&acked](std::optional<sio::Error> err, json) {
            if (!err) ++acked;
          });
          (void)socket->connected();
          (void)socket->id();
        }
      });
    }
    for (auto& t : threads) t.join();
    auto counts = socket->emit_with_ack("get-counts");
    ASSERT_TRUE(ready(counts));
    EXPECT_EQ(counts.get()[0].size(), 100u);
    EXPECT_EQ(acked.load(), 100);  // every ack came before the later get-counts answer
    EXPECT_TRUE(on_executor);
    manager->close();
  }
  guard.reset();
  runner.join();
}

// Emits from several threads before and while the connection drops and comes back: every emit is
// delivered exactly once (those made while disconnected are buffered, or sent after the reconnection).
TEST_P(ClientSuite, EmitsFromThreadsAcrossAReconnection) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(settle(r));
  auto burst = [&socket](int base) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([socket, base, t] {
        for (int i = 0; i < 30; ++i) socket->emit("count", base + t * 100 + i);
      });
    }
    for (auto& t : threads) t.join();
  };
  burst(0);
  socket->emit("close-transport");  // after every packet of the first burst
  ASSERT_TRUE(r.wait("disconnect"));
  burst(1000);                      // races with the automatic reconnection
  ASSERT_TRUE(r.wait("connect", 2));
  auto counts = socket->emit_with_ack("get-counts");
  ASSERT_TRUE(ready(counts));
  const json got = counts.get();
  std::vector<int> values;
  for (const auto& v : got[0]) values.push_back(v.get<int>());
  std::sort(values.begin(), values.end());
  std::vector<int> expected;
  for (int base : {0, 1000}) {
    for (int t = 0; t < 3; ++t) {
      for (int i = 0; i < 30; ++i) expected.push_back(base + t * 100 + i);
    }
  }
  EXPECT_EQ(values, expected);
}

TEST_P(ClientSuite, AwaitableEmitWithAck) {
  boost::asio::io_context ctx;
  auto o = options();
  o.executor = sio::asio_executor(ctx.get_executor());
  auto manager = sio::Manager::create(url_, o);
  auto socket = manager->socket("/");
  socket->connect();
  std::optional<sio::Errc> timeout_code;  // (no gtest macros inside the coroutine: g++ 12 chokes)
  auto done = boost::asio::co_spawn(
      ctx,
      // (string literals inside the coroutine body trip g++ 12 too: names and args come in captured)
      [socket, &timeout_code, echo = std::string("echo"), no_ack = std::string("no-ack"),
       args = json::array({"co", 1})]() -> boost::asio::awaitable<json> {
        json first = co_await sio::async_emit_with_ack(*socket, echo, args, boost::asio::use_awaitable);
        try {
          co_await sio::async_emit_with_ack(socket->timeout(100ms), no_ack, json::array(),
                                          boost::asio::use_awaitable);
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
  ctx.run_for(kWait);  // ends as soon as the shutdown is done
  EXPECT_EQ(done.get(), json::array({"co", 1}));
}

TEST_P(ClientSuite, LogSinkAndFilter) {
  Recorder logs;
  sio::set_log_sink([&logs](std::string_view category, std::string_view message) {
    logs.add(std::string(category) + " " + std::string(message));
  });
  sio::set_log_filter("socket.io-client:*,-socket.io-client:manager");
  EXPECT_TRUE(sio::log_enabled("socket.io-client:socket"));
  EXPECT_FALSE(sio::log_enabled("socket.io-client:manager"));
  EXPECT_FALSE(sio::log_enabled("engine.io-client:socket"));
  {
    Recorder r;
    auto manager = sio::Manager::create(url_, options());
    auto socket = manager->socket("/");
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

TEST_P(ClientSuite, IoCachesManagersPerUrl) {
  auto o = options();
  auto a = sio::io(url_ + "/", o);
  auto b = sio::io(url_ + "/admin", o);
  EXPECT_EQ(a->io(), b->io());            // multiplexed
  auto c = sio::io(url_ + "/", o);        // same namespace again: a new Manager
  EXPECT_NE(c->io(), a->io());
  o.multiplex = false;
  auto e = sio::io(url_ + "/secure", o);  // multiplex off: a new Manager
  EXPECT_NE(e->io(), a->io());
  o.multiplex = true;
  o.force_new = true;
  auto d = sio::io(url_ + "/admin", o);
  EXPECT_NE(d->io(), b->io());
  EXPECT_EQ(a->nsp(), "/");
  EXPECT_EQ(b->nsp(), "/admin");
}

// The threads of this process (/proc/self/task).
int thread_count() {
  int n = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] != '.') ++n;
    }
    closedir(dir);
  }
  return n;
}

// By default every Manager of the process runs on one client thread (started with the first,
// ended after the last), and connecting to a numeric host starts no resolver thread.
TEST_P(ClientSuite, ManagersShareOneClientThread) {
  const int before = thread_count();
  {
    Recorder r;
    std::vector<std::shared_ptr<sio::Socket>> sockets;
    for (int i = 0; i < 3; ++i) {
      sio::Options o = options();
      o.force_new = true;
      auto socket = sio::io(url_ + "/", o);
      record_lifecycle(socket, r);
      socket->connect();
      sockets.push_back(socket);
    }
    ASSERT_TRUE(r.wait("connect", 3));
    ASSERT_TRUE(!upgrading() || r.wait("upgraded", 3));
    for (auto& socket : sockets) {
      auto echo = socket->emit_with_ack("echo", 1);
      ASSERT_TRUE(ready(echo));
    }
    EXPECT_EQ(thread_count(), before + 1) << "3 Managers connected";
  }
  EXPECT_EQ(thread_count(), before) << "after the last Manager";
}

// connected() is false as soon as disconnect() returns, whichever thread calls it.
TEST_P(ClientSuite, NotConnectedOnceDisconnectReturns) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  ASSERT_TRUE(socket->connected());
  bool connected_after = true, active_after = true;
  std::thread other([&] {
    socket->disconnect();
    connected_after = socket->connected();
    active_after = socket->active();
  });
  other.join();
  EXPECT_FALSE(connected_after);
  EXPECT_FALSE(active_after);
  auto down = r.wait("disconnect");
  ASSERT_TRUE(down);
  EXPECT_EQ((*down)[0], "io client disconnect");
  EXPECT_FALSE(socket->connected());
}

INSTANTIATE_TEST_SUITE_P(Interop, ClientSuite, ::testing::ValuesIn(all_params()), param_name);

// ---- socket.io-msgpack-parser (Options::parser) --------------------------------------------------
// The client with the MessagePack parser against Node's socket.io 4.8 + socket.io-msgpack-parser
// (server.js --parser msgpack) and against ours (ServerOptions::parser): events, acks both ways,
// binary both ways (inline MessagePack bin), namespaces and CONNECT_ERROR.

class ClientMsgpack : public ClientSuite {};

TEST_P(ClientMsgpack, EventsAcksBinaryNamespaces) {
  Recorder r;
  auto manager = sio::Manager::create(url_, options());
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->on("welcome", [&r](const json& a) { r.add("welcome", a); });
  socket->on("back", [&r](const json& a) { r.add("back", a); });
  socket->on("bin-back", [&r](const json& a) { r.add("bin-back", a); });
  socket->on("answer-was", [&r](const json& a) { r.add("answer-was", a); });
  socket->on("question", [](const json& a, sio::Ack ack) { ack("answer to " + a[0].get<std::string>(), 42); });
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  auto welcome = r.wait("welcome");
  ASSERT_TRUE(welcome);
  EXPECT_EQ((*welcome)[0], socket->id());
  ASSERT_TRUE(settle(r));

  auto reply = socket->emit_with_ack("echo", 1, "two", json{{"k", json::array({true, nullptr, 2.5})}});
  ASSERT_TRUE(ready(reply));
  EXPECT_EQ(reply.get(), json::array({1, "two", {{"k", {true, nullptr, 2.5}}}}));
  socket->emit("emit-back", "x", 2);
  auto back = r.wait("back");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, json::array({"x", 2}));

  ASSERT_NO_FATAL_FAILURE(expect_binary_both_ways(*socket, r));

  // the server asks, the client acknowledges
  socket->emit("ask-me", "q1");
  auto answer = r.wait("answer-was");
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, json::array({"answer to q1", 42}));

  // another namespace on the same connection, and a refused one (CONNECT_ERROR with data)
  auto admin = manager->socket("/admin");
  admin->on("welcome-admin", [&r](const json& a) { r.add("welcome-admin", a); });
  admin->connect();
  ASSERT_TRUE(r.wait("welcome-admin"));
  sio::SocketOptions so;
  so.auth = json{{"token", "bad"}};
  auto secure = manager->socket("/secure", so);
  secure->on("connect_error", [&r](const json& a) { r.add("secure-error", a); });
  secure->connect();
  auto refused = r.wait("secure-error");
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)[0]["message"], "not authorized");
  EXPECT_EQ((*refused)[0]["data"]["code"], 401);
  expect_transport(socket);
}

std::vector<Param> msgpack_params() {
  std::vector<Param> out;
  for (Param p : all_params()) {
    p.msgpack = true;
    out.push_back(p);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Interop, ClientMsgpack, ::testing::ValuesIn(msgpack_params()), param_name);

// ---- HTTP proxy (ProxyOptions): Debian's tinyproxy on loopback ----------------------------------
// tinyproxy runs in the foreground (-d) with a generated configuration on a free port and logs every
// request it relays to stdout ("Request (file descriptor N): GET http://..." / "CONNECT host:port").

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

std::unique_ptr<Process> start_tinyproxy(int port, const std::string& config_path) {
  {
    std::FILE* f = std::fopen(config_path.c_str(), "w");
    if (!f) return nullptr;
    std::fprintf(f, "Port %d\nListen 127.0.0.1\nTimeout 60\nLogLevel Info\nMaxClients 50\nAllow 127.0.0.1\n", port);
    std::fclose(f);
  }
  Process::Spec spec;
  spec.exe = "/usr/bin/tinyproxy";
  spec.args = {"-d", "-c", config_path};
  auto p = std::make_unique<Process>(std::move(spec));
  if (!p->wait_containing("Accepting connections")) return nullptr;
  return p;
}

TEST(ClientProxy, PollingAndWebSocketThroughTinyproxyAndNoProxy) {
  if (access("/usr/bin/tinyproxy", X_OK) != 0) GTEST_FAIL() << "tinyproxy missing (scripts/deps.sh installs it)";
  auto server = start_server(Srv::node);
  const int server_port = server->port();
  ASSERT_GT(server_port, 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(server_port);
  const int proxy_port = free_loopback_port();
  ASSERT_GT(proxy_port, 0);
  char dir_template[] = "/tmp/sio-proxy-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string config = std::string(dir_template) + "/tinyproxy.conf";
  auto proxy = start_tinyproxy(proxy_port, config);
  ASSERT_TRUE(proxy) << "tinyproxy did not start";
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy_port);
  const std::string relayed_get = "GET " + url + "/socket.io/?EIO=4&transport=polling";
  const std::string relayed_connect = "CONNECT 127.0.0.1:" + std::to_string(server_port) + " ";

  auto echo_once = [&](sio::Options o) {
    Recorder r;
    auto manager = sio::Manager::create(url, o);
    auto socket = manager->socket("/");
    record_lifecycle(socket, r);
    socket->connect();
    EXPECT_TRUE(r.wait("connect"));
    auto reply = socket->emit_with_ack("echo", "via");
    EXPECT_TRUE(ready(reply));
    if (reply.wait_for(0s) == std::future_status::ready) {
      EXPECT_EQ(reply.get(), json::array({"via"}));
    }
    // Polling first, then WebSocket: the upgrade completes after the connect, on its own time.
    if (o.transports.size() > 1) {
      EXPECT_TRUE(r.wait("upgraded"));
    }
    const std::string transport = socket->io()->transport();
    socket->disconnect();
    return transport;
  };

  // 1. polling through the explicit option (the environment ignored)
  {
    auto o = base_options();
    o.transports = {"polling"};
    o.proxy.url = proxy_url;
    o.proxy.use_environment = false;
    EXPECT_EQ(echo_once(o), "polling");
    EXPECT_TRUE(proxy->wait_containing(relayed_get)) << proxy->dump();
    EXPECT_TRUE(proxy->wait_containing("POST " + url + "/socket.io/?EIO=4&transport=polling")) << proxy->dump();
  }
  // 2. WebSocket through http_proxy from the environment: an HTTP CONNECT tunnel
  ASSERT_EQ(setenv("http_proxy", proxy_url.c_str(), 1), 0);
  {
    auto o = base_options();
    o.transports = {"websocket"};
    EXPECT_EQ(echo_once(o), "websocket");
    EXPECT_TRUE(proxy->wait_containing(relayed_connect)) << proxy->dump();
  }
  // 3. polling + upgrade, proxied: both transports go through it
  {
    const std::size_t gets = proxy->count_containing(relayed_get);
    const std::size_t connects = proxy->count_containing(relayed_connect);
    auto o = base_options();
    EXPECT_EQ(echo_once(o), "websocket");
    EXPECT_TRUE(proxy->wait_containing(relayed_get, gets + 1)) << proxy->dump();
    EXPECT_TRUE(proxy->wait_containing(relayed_connect, connects + 1)) << proxy->dump();
  }
  // 4. no_proxy (environment, then the option) bypasses it for both transports
  ASSERT_EQ(setenv("no_proxy", "localhost,127.0.0.1", 1), 0);
  {
    const std::size_t requests = proxy->count_containing("Request (file descriptor");
    auto o = base_options();
    EXPECT_EQ(echo_once(o), "websocket");
    auto o2 = base_options();
    o2.proxy.url = proxy_url;
    ASSERT_EQ(unsetenv("no_proxy"), 0);
    o2.proxy.no_proxy = "example.com, 127.0.0.1";
    o2.transports = {"websocket"};
    EXPECT_EQ(echo_once(o2), "websocket");
    EXPECT_EQ(proxy->count_containing("Request (file descriptor"), requests) << proxy->dump();
  }
  ASSERT_EQ(unsetenv("http_proxy"), 0);
  // 5. a proxy that refuses: the connection fails with the proxy's answer
  {
    auto o = base_options();
    o.transports = {"websocket"};
    o.reconnection = false;
    o.proxy.url = "http://127.0.0.1:" + std::to_string(free_loopback_port());  // nobody listens
    Recorder r;
    auto manager = sio::Manager::create(url, o);
    auto socket = manager->socket("/");
    record_lifecycle(socket, r);
    socket->connect();
    EXPECT_TRUE(r.wait("connect_error"));
  }
  proxy.reset();
  std::remove(config.c_str());
  rmdir(dir_template);
}

// ---- cookies (node: the server sets a session cookie, as sticky load balancers do) ---------------

class ClientCookies : public ::testing::TestWithParam<Tr> {};

TEST_P(ClientCookies, SessionCookieSentOnEveryRequest) {
  auto server = start_server(Srv::node);
  const int port = server->port();
  ASSERT_GT(port, 0);
  Recorder r;
  auto o = base_options();
  o.transports = transports_of(GetParam());
  auto manager = sio::Manager::create("http://127.0.0.1:" + std::to_string(port), o);
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect"));
  if (GetParam() == Tr::upgrade) {
    ASSERT_TRUE(r.wait("upgraded"));
  }
  for (int i = 0; i < 3; ++i) {
    auto e = socket->emit_with_ack("echo", i);
    ASSERT_TRUE(ready(e));
  }
  auto c = socket->emit_with_ack("cookies");
  ASSERT_TRUE(ready(c));
  const json got = c.get();
  const std::string sid = got[0].get<std::string>();
  const json& requests = got[1];
  ASSERT_GE(requests.size(), 3u) << requests;
  bool websocket_seen = false;
  for (const auto& line : requests) {
    EXPECT_NE(line.get<std::string>().find("sticky=" + sid), std::string::npos) << line;
    websocket_seen = websocket_seen || line.get<std::string>().find(" websocket ") != std::string::npos;
  }
  EXPECT_EQ(websocket_seen, GetParam() == Tr::upgrade);  // the upgrade request carries it too
}

INSTANTIATE_TEST_SUITE_P(Interop, ClientCookies, ::testing::Values(Tr::polling, Tr::upgrade),
                         [](const auto& info) { return std::string(name_of(info.param)); });

// ---- socket.io 2.x (EIO3 mode) ------------------------------------------------------------------

enum class V2 { node, node_websocket_only, ours };
struct Param3 {
  V2 srv;
  Tr tr;
};

class ClientEio3 : public ::testing::TestWithParam<Param3> {
 protected:
  std::unique_ptr<Process> start() {
    switch (GetParam().srv) {
      case V2::node: return start_node("server_v2.js", {});
      case V2::node_websocket_only: return start_node("server_v2.js", {"--websocket-only"});
      case V2::ours: return start_server(Srv::ours, {"--allow-eio3"});
    }
    return nullptr;
  }
};

TEST_P(ClientEio3, TalksToSocketIo2) {
  auto server = start();
  const int port = server->port();
  ASSERT_GT(port, 0);
  Recorder r, rs;
  auto o = base_options();
  o.eio3 = true;
  o.transports = transports_of(GetParam().tr);
  o.query["fixed"] = "1";
  auto manager = sio::Manager::create("http://127.0.0.1:" + std::to_string(port), o);
  record_manager(manager, r);
  auto root = manager->socket("/");
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
  if (GetParam().tr == Tr::upgrade) {
    ASSERT_TRUE(r.wait("upgraded"));
  }
  auto t = root->emit_with_ack("transport");
  ASSERT_TRUE(ready(t));
  EXPECT_EQ(t.get(), json::array({GetParam().tr == Tr::polling ? "polling" : "websocket"}));
  EXPECT_TRUE(r.wait("m:ping"));  // EIO3: the client pings, the server's pong is reported

  auto echo = root->emit_with_ack("echo", "v2", json{{"a", 1}});
  ASSERT_TRUE(ready(echo));
  EXPECT_EQ(echo.get(), json::array({"v2", {{"a", 1}}}));
  root->emit("ask-me", "q");
  auto answer = r.wait("answer-was");
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, json::array({"re:q"}));
  auto bin = root->emit_with_ack("bin", sio::Bytes{1, 2, 3});
  ASSERT_TRUE(ready(bin));
  EXPECT_EQ(bin.get(), json::array({bytes({9, 8, 7})}));
  auto back = r.wait("bin-back");
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[0], bytes({3, 2, 1}));
  auto q0 = root->emit_with_ack("query");
  ASSERT_TRUE(ready(q0));
  EXPECT_EQ(q0.get()[0]["fixed"], "1");

  // a namespace with auth passed as the namespace query
  sio::SocketOptions bad;
  bad.auth = json{{"token", "nope"}};
  auto secure = manager->socket("/secure", bad);
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
  ASSERT_TRUE(ready(q));
  EXPECT_EQ(q.get()[0]["token"], "secret");

  // server-side disconnect of "/"
  root->emit("disconnect-me");
  auto d = r.wait("disconnect");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)[0], "io server disconnect");
}

TEST(ClientEio3Only, WebSocketOnlyServerRefusesPolling) {
  auto server = start_node("server_v2.js", {"--websocket-only"});
  const int port = server->port();
  ASSERT_GT(port, 0);
  Recorder r;
  auto o = base_options();
  o.eio3 = true;
  o.reconnection = false;
  o.transports = {"polling"};
  auto manager = sio::Manager::create("http://127.0.0.1:" + std::to_string(port), o);
  auto socket = manager->socket("/");
  record_lifecycle(socket, r);
  socket->connect();
  ASSERT_TRUE(r.wait("connect_error"));
  EXPECT_EQ(r.count("connect"), 0u);
}

std::vector<Param3> eio3_params() {
  std::vector<Param3> out;
  for (Tr t : {Tr::polling, Tr::websocket, Tr::upgrade}) out.push_back({V2::node, t});
  out.push_back({V2::node_websocket_only, Tr::websocket});
#ifdef SIO_OUR_SERVER
  for (Tr t : {Tr::polling, Tr::websocket, Tr::upgrade}) out.push_back({V2::ours, t});
#endif
  return out;
}

INSTANTIATE_TEST_SUITE_P(Interop, ClientEio3, ::testing::ValuesIn(eio3_params()), [](const auto& info) {
  const char* s = info.param.srv == V2::node ? "node_v2" : info.param.srv == V2::ours ? "ours_eio3" : "node_v2_wsonly";
  return std::string(s) + "_" + name_of(info.param.tr);
});

// ---- the example program, and DEBUG=socket.io* -------------------------------------------------

class ClientExample : public ::testing::TestWithParam<Srv> {};

TEST_P(ClientExample, ChatClientWithAndWithoutDebug) {
  auto server = start_server(GetParam());
  const int port = server->port();
  ASSERT_GT(port, 0);
  for (const bool debug : {true, false}) {
    SCOPED_TRACE(debug ? "DEBUG=socket.io*" : "no DEBUG");
    Process::Spec spec;
    spec.exe = SIO_CHAT_CLIENT;
    spec.args = {"http://127.0.0.1:" + std::to_string(port), "/"};
    spec.env["DEBUG"] = debug ? "socket.io*" : "";
    spec.pipe_stdin = true;
    spec.capture_stderr = true;
    Process client(std::move(spec));
    ASSERT_TRUE(client.wait_line("* connected as "));
    client.write_stdin("hello there\n");
    ASSERT_TRUE(client.wait_line(R"(* ack ["received","hello there"])"));
    client.write_stdin("/quit\n");
    ASSERT_TRUE(client.wait_exit());
    if (debug) {
      EXPECT_GE(client.count_err_containing("socket.io-client:manager writing packet"), 1u);
      EXPECT_GE(client.count_err_containing("socket.io-client:socket socket connected with id"), 1u);
    } else {
      EXPECT_EQ(client.count_err_containing("socket.io-client"), 0u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Interop, ClientExample, ::testing::ValuesIn([] {
                           std::vector<Srv> v = {Srv::node};
#ifdef SIO_OUR_SERVER
                           v.push_back(Srv::ours);
#endif
                           return v;
                         }()),
                         [](const auto& info) { return std::string(name_of(info.param)); });
