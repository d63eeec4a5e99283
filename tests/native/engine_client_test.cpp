// Interop tests of the native EngineClient against the official Node engine.io servers:
// engine.io 6.x (EIO=4) and engine.io 3.x from socket.io-v2 (EIO=3), over polling only, WebSocket
// only, and polling upgraded to WebSocket. The server is tests/native/engine/server.js, spawned per
// test on port 0. Everything runs on the test's io_context, waiting on events with a deadline.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "child_process.hpp"
#include "sio/core/json.hpp"
#include "sio/native/engine_client.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using sio::native::EngineClient;
using sio::native::EngineClientOptions;

namespace {

// Tests wait for events with this generous bound (a busy 2-core machine, sanitizers); never for a speed.
constexpr std::chrono::milliseconds kWait = 30s;

// A node child process running tests/native/engine/server.js; collects its stdout lines.
class NodeServer {
 public:
  NodeServer(asio::io_context& io, const std::string& config)
      : state_(std::make_shared<State>()), child_(options(config)) {
    // The port line, read with a deadline before anything else runs.
    std::string pending;
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (port_ == 0) {
      const auto r = child_.read_some(pending, deadline);
      if (r == sio_test::ChildProcess::Read::timeout) throw std::runtime_error("node server did not print its port");
      if (r == sio_test::ChildProcess::Read::eof) throw std::runtime_error("node server exited before printing its port");
      std::size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        if (port_ == 0 && line.rfind("port:", 0) == 0) {
          port_ = std::stoi(line.substr(5));
        } else {
          state_->lines.push_back(line);
        }
      }
    }
    state_->partial = pending;
    state_->out = std::make_unique<asio::posix::stream_descriptor>(io, child_.release_stdout());
    read_more(state_);
  }

  ~NodeServer() {
    state_->out.reset();  // closes the pipe; the pending read ends with operation_aborted
    child_.close_stdin();
    child_.terminate(kWait);  // SIGTERM (SIGKILL if it is still running after kWait), reaped
  }

  int port() const { return port_; }
  const std::vector<std::string>& lines() const { return state_->lines; }
  bool saw(const std::string& prefix) const {
    for (const auto& line : state_->lines) {
      if (line.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }

 private:
  struct State {
    std::unique_ptr<asio::posix::stream_descriptor> out;
    std::vector<std::string> lines;
    std::string partial;
    char buf[1024];
  };

  static void read_more(const std::shared_ptr<State>& state) {
    state->out->async_read_some(asio::buffer(state->buf), [state](boost::system::error_code ec, std::size_t n) {
      if (ec || !state->out) return;
      state->partial.append(state->buf, n);
      std::size_t nl;
      while ((nl = state->partial.find('\n')) != std::string::npos) {
        state->lines.push_back(state->partial.substr(0, nl));
        state->partial.erase(0, nl + 1);
      }
      read_more(state);
    });
  }

  static sio_test::ChildOptions options(const std::string& config) {
    sio_test::ChildOptions o;
    o.exe = SIO_NODE;
    o.args = {std::string(SIO_TESTS_DIR) + "/native/engine/server.js", config};
    o.pipe_stdin = true;
    return o;
  }

  std::shared_ptr<State> state_;
  sio_test::ChildProcess child_;
  int port_ = 0;
};

// What a client reported, in order.
struct Recorder {
  int opens = 0;
  int pings = 0;
  int calls = 0;  // every callback
  std::vector<std::pair<std::string, bool>> messages;
  std::vector<std::string> closes;
  std::vector<std::string> errors;

  void attach(EngineClient& client) {
    client.on_open = [this] {
      ++calls;
      ++opens;
    };
    client.on_message = [this](std::string_view data, bool binary) {
      ++calls;
      messages.emplace_back(std::string(data), binary);
    };
    client.on_ping = [this] {
      ++calls;
      ++pings;
    };
    client.on_close = [this](std::string_view reason) {
      ++calls;
      closes.emplace_back(reason);
    };
    client.on_error = [this](std::string_view message) {
      ++calls;
      errors.emplace_back(message);
    };
  }
};

// Runs the io_context until pred() holds or the limit passes; returns pred().
bool run_until(asio::io_context& io, const std::function<bool()>& pred, std::chrono::milliseconds limit = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    io.restart();
    if (io.run_one_for(deadline - now) == 0 && io.stopped() && !pred()) {
      return pred();  // nothing left to run: pred() cannot change any more
    }
  }
  return true;
}

struct Param {
  int eio;
  const char* mode;  // "polling", "websocket", "upgrade"
};

void PrintTo(const Param& p, std::ostream* os) { *os << "EIO" << p.eio << " " << p.mode; }

std::string param_name(const ::testing::TestParamInfo<Param>& info) {
  return std::string("EIO") + std::to_string(info.param.eio) + "_" + info.param.mode;
}

class EngineClientTest : public ::testing::TestWithParam<Param> {
 protected:
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = kWait) {
    return ::run_until(io, pred, limit);
  }

  void start_server(sio::json config = sio::json::object()) {
    config["eio"] = GetParam().eio;
    if (!config.contains("pingInterval")) config["pingInterval"] = 300;
    // A generous pingTimeout keeps a loaded machine from closing sessions in tests not about it.
    if (!config.contains("pingTimeout")) config["pingTimeout"] = 1000;
    server = std::make_unique<NodeServer>(io, config.dump());
  }

  EngineClientOptions options() const {
    EngineClientOptions o;
    o.url = "http://127.0.0.1:" + std::to_string(server->port());
    o.path = "/engine.io/";
    o.protocol = GetParam().eio == 3 ? sio::engineio::Protocol::v3 : sio::engineio::Protocol::v4;
    const std::string mode = GetParam().mode;
    if (mode == "polling") o.transports = {"polling"};
    if (mode == "websocket") o.transports = {"websocket"};
    o.upgrade = mode == "upgrade";
    o.timeout = 5000ms;
    return o;
  }

  std::string initial_transport() const {
    return std::string(GetParam().mode) == "websocket" ? "websocket" : "polling";
  }
  std::string final_transport() const { return std::string(GetParam().mode) == "polling" ? "polling" : "websocket"; }

  // Creates, opens and waits for the open event (and the upgrade in "upgrade" mode).
  void connect(bool wait_upgrade = true) {
    client = sio::native::make_engine_client(io.get_executor(), options());
    rec.attach(*client);
    client->open();
    ASSERT_TRUE(run_until([&] { return rec.opens == 1 || !rec.closes.empty(); }));
    ASSERT_EQ(rec.opens, 1) << (rec.errors.empty() ? "" : rec.errors.front());
    ASSERT_FALSE(client->id().empty());
    if (wait_upgrade && final_transport() == "websocket") {
      ASSERT_TRUE(run_until([&] { return client->transport() == "websocket"; }));
    }
  }

  asio::io_context io;  // first member: outlives the server and the client
  std::unique_ptr<NodeServer> server;
  Recorder rec;
  std::unique_ptr<EngineClient> client;

  void TearDown() override { client.reset(); }
};

TEST_P(EngineClientTest, OpenAndEchoTextAndBinary) {
  start_server();
  ASSERT_NO_FATAL_FAILURE(connect(/*wait_upgrade=*/false));
  const std::string id = client->id();
  EXPECT_TRUE(run_until([&] { return server->saw("open:" + id + ":" + initial_transport()); }));

  const std::string binary("\x00\x01\xfe\xff", 4);
  client->send("hello");
  client->send(binary, true);
  client->send("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80");  // héllo € 😀
  ASSERT_TRUE(run_until([&] { return rec.messages.size() == 3; }));
  EXPECT_EQ(rec.messages[0], (std::pair<std::string, bool>{"hello", false}));
  EXPECT_EQ(rec.messages[1], (std::pair<std::string, bool>{binary, true}));
  EXPECT_EQ(rec.messages[2].first, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80");

  if (final_transport() == "websocket" && initial_transport() == "polling") {
    ASSERT_TRUE(run_until([&] { return client->transport() == "websocket"; }));
    EXPECT_TRUE(run_until([&] { return server->saw("upgrade:" + id + ":websocket"); }));
  }
  client->send("transport");
  client->send(std::string("\x07", 1), true);
  ASSERT_TRUE(run_until([&] { return rec.messages.size() == 5; }));
  EXPECT_EQ(rec.messages[3].first, "transport:" + final_transport());
  EXPECT_EQ(rec.messages[4], (std::pair<std::string, bool>{std::string("\x07", 1), true}));
  EXPECT_EQ(client->transport(), final_transport());
  EXPECT_TRUE(rec.closes.empty());
  EXPECT_TRUE(rec.errors.empty());
}

TEST_P(EngineClientTest, ManyMessagesKeepTheirOrder) {
  start_server();
  ASSERT_NO_FATAL_FAILURE(connect(/*wait_upgrade=*/false));
  // Sent while the upgrade (if any) is under way: buffered, batched, then flushed in order.
  for (int i = 0; i < 100; ++i) client->send("c" + std::to_string(i));
  client->send("burst:100");
  ASSERT_TRUE(run_until([&] { return rec.messages.size() == 200; }));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rec.messages[static_cast<std::size_t>(i)].first, "c" + std::to_string(i));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rec.messages[static_cast<std::size_t>(100 + i)].first, "m" + std::to_string(i));
  EXPECT_TRUE(rec.closes.empty());
}

TEST_P(EngineClientTest, LargeMessages) {
  start_server();
  ASSERT_NO_FATAL_FAILURE(connect());
  std::string big(200'000, 'x');
  std::string big_binary(100'000, '\0');
  for (std::size_t i = 0; i < big_binary.size(); ++i) big_binary[i] = static_cast<char>(i * 7);
  client->send(big);
  client->send(big_binary, true);
  ASSERT_TRUE(run_until([&] { return rec.messages.size() == 2; }));
  EXPECT_EQ(rec.messages[0].first, big);
  EXPECT_EQ(rec.messages[1].first, big_binary);
  EXPECT_TRUE(rec.messages[1].second);
}

TEST_P(EngineClientTest, ServerInitiatedClose) {
  start_server();
  ASSERT_NO_FATAL_FAILURE(connect());
  client->send("close");
  ASSERT_TRUE(run_until([&] { return !rec.closes.empty(); }));
  EXPECT_EQ(rec.closes, std::vector<std::string>{"transport close"});
  EXPECT_TRUE(rec.errors.empty());
  EXPECT_TRUE(run_until([&] { return server->saw("close:" + client->id() + ":"); }));
  // Nothing else is reported afterwards.
  const int calls = rec.calls;
  client->send("late");
  io.restart();
  io.run_for(200ms);
  EXPECT_EQ(rec.calls, calls);
}

TEST_P(EngineClientTest, ClientClose) {
  start_server();
  ASSERT_NO_FATAL_FAILURE(connect());
  const std::string id = client->id();
  client->close();
  EXPECT_EQ(rec.closes, std::vector<std::string>{"forced close"});  // synchronously
  ASSERT_TRUE(run_until([&] { return server->saw("close:" + id + ":"); }));
  // The server saw the client go away, not a timeout.
  for (const auto& line : server->lines()) {
    if (line.rfind("close:" + id + ":", 0) == 0) {
      EXPECT_EQ(line, "close:" + id + ":transport close");
    }
  }
  client->close();  // idempotent
  EXPECT_EQ(rec.closes.size(), 1u);
  EXPECT_EQ(client->transport(), "");
}

TEST_P(EngineClientTest, HeartbeatKeepsTheConnectionAlive) {
  start_server();  // pingInterval 300 ms, pingTimeout 1000 ms
  ASSERT_NO_FATAL_FAILURE(connect(/*wait_upgrade=*/false));
  // Five heartbeats (1.5 s): longer than pingInterval + pingTimeout, after which either side would
  // close a session whose heartbeat is not answered.
  ASSERT_TRUE(run_until([&] { return rec.pings >= 5 || !rec.closes.empty(); }));
  EXPECT_GE(rec.pings, 5);
  EXPECT_TRUE(rec.closes.empty()) << (rec.closes.empty() ? "" : rec.closes.front());
  EXPECT_FALSE(server->saw("close:"));
  client->send("still here");
  ASSERT_TRUE(run_until([&] { return !rec.messages.empty(); }));
  EXPECT_EQ(rec.messages.back().first, "still here");
  EXPECT_EQ(client->transport(), final_transport());
}

TEST_P(EngineClientTest, PingTimeoutWhenTheServerGoesSilent) {
  start_server({{"pingInterval", 300}, {"pingTimeout", 200}});
  ASSERT_NO_FATAL_FAILURE(connect());
  client->send("freeze");
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until([&] { return !rec.closes.empty(); }));
  EXPECT_EQ(rec.closes, std::vector<std::string>{"ping timeout"});
  // Detected by the client's own timer (pingInterval + pingTimeout, 500 ms; the exact instant is
  // tested with a fake clock in tests/unit), not by anything slower: a generous bound, not speed.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST_P(EngineClientTest, DestroyFromMessageCallback) {
  start_server();
  ASSERT_NO_FATAL_FAILURE(connect());
  const std::string id = client->id();
  int messages = 0;
  int at_destroy = 0;  // every callback so far (heartbeats too), when the client was destroyed
  int after = 0;
  client->on_message = [&](std::string_view, bool) {
    ++messages;
    at_destroy = ++rec.calls;
    client.reset();  // destroys the client from inside its own callback
  };
  client->on_close = [&](std::string_view) { ++after; };
  client->on_error = [&](std::string_view) { ++after; };
  client->send("burst:5");
  ASSERT_TRUE(run_until([&] { return client == nullptr; }));
  EXPECT_EQ(messages, 1);
  EXPECT_EQ(rec.calls, at_destroy);
  // The destroyed client still said goodbye: the server sees the session end.
  ASSERT_TRUE(run_until([&] { return server->saw("close:" + id + ":"); }));
  io.restart();
  io.run_for(200ms);
  EXPECT_EQ(after, 0);
  EXPECT_EQ(messages, 1);
  EXPECT_EQ(rec.calls, at_destroy);  // no callback of any kind after the destruction
}

TEST_P(EngineClientTest, CloseFromOpenCallback) {
  start_server();
  client = sio::native::make_engine_client(io.get_executor(), options());
  rec.attach(*client);
  client->on_open = [&] {
    ++rec.opens;
    client->close();
  };
  client->open();
  ASSERT_TRUE(run_until([&] { return !rec.closes.empty(); }));
  EXPECT_EQ(rec.opens, 1);
  EXPECT_EQ(rec.closes, std::vector<std::string>{"forced close"});
  const std::string id = client->id();
  ASSERT_TRUE(run_until([&] { return server->saw("close:" + id + ":"); }));
  io.restart();
  io.run_for(200ms);
  EXPECT_EQ(rec.closes.size(), 1u);
  EXPECT_TRUE(rec.messages.empty());
}

TEST_P(EngineClientTest, DestroyWithoutClosing) {
  start_server();
  ASSERT_NO_FATAL_FAILURE(connect());
  const std::string id = client->id();
  const int calls = rec.calls;
  client.reset();
  ASSERT_TRUE(run_until([&] { return server->saw("close:" + id + ":"); }));
  EXPECT_EQ(rec.calls, calls);
}

TEST_P(EngineClientTest, HeadersCookiesAndQuery) {
  sio::json config;
  config["cookie"] = true;
  start_server(config);
  auto o = options();
  o.extra_headers["X-Test"] = "forty two";
  o.query["foo"] = "b a&r";
  client = sio::native::make_engine_client(io.get_executor(), o);
  rec.attach(*client);
  client->open();
  ASSERT_TRUE(run_until([&] { return rec.opens == 1; }));
  if (final_transport() == "websocket") {
    ASSERT_TRUE(run_until([&] { return client->transport() == "websocket"; }));
  }
  client->send("headers");
  client->send("query");
  ASSERT_TRUE(run_until([&] { return rec.messages.size() == 2; }));
  const auto headers = sio::json::parse(rec.messages[0].first);
  EXPECT_EQ(headers["xtest"], "forty two");
  if (initial_transport() == "polling") {
    // The cookie set by the handshake response comes back on later requests, including the upgrade.
    EXPECT_NE(headers["cookie"].get<std::string>().find("io=" + client->id()), std::string::npos) << headers.dump();
  }
  if (std::string(GetParam().mode) == "upgrade") {
    EXPECT_NE(headers["upgradeCookie"].get<std::string>().find("io=" + client->id()), std::string::npos)
        << headers.dump();
    EXPECT_EQ(headers["upgradeXtest"], "forty two");
  } else if (std::string(GetParam().mode) == "websocket") {
    EXPECT_EQ(headers["upgradeXtest"], "forty two");
  }
  const auto query = sio::json::parse(rec.messages[1].first);
  EXPECT_EQ(query["foo"], "b a&r");
  EXPECT_EQ(query["EIO"], std::to_string(GetParam().eio));
}

INSTANTIATE_TEST_SUITE_P(Interop, EngineClientTest,
                         ::testing::Values(Param{4, "polling"}, Param{4, "websocket"}, Param{4, "upgrade"},
                                           Param{3, "polling"}, Param{3, "websocket"}, Param{3, "upgrade"}),
                         param_name);

// ---- single-configuration tests ---------------------------------------------------------------

TEST(EngineClientV4, PostBodiesRespectMaxPayload) {
  asio::io_context io;
  NodeServer server(io, R"({"eio":4,"pingInterval":300,"pingTimeout":1000,"transports":["polling"],"maxHttpBufferSize":1000})");
  EngineClientOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(server.port());
  o.path = "/engine.io/";
  o.transports = {"polling"};
  auto client = sio::native::make_engine_client(io.get_executor(), o);
  Recorder rec;
  rec.attach(*client);
  client->open();
  ASSERT_TRUE(run_until(io, [&] { return rec.opens == 1; }));
  // 40 x 101 bytes in one burst: over the server's 1000-byte limit (HTTP 413 and a closed session) if
  // sent in one POST; the handshake's maxPayload makes the client split them.
  for (int i = 0; i < 40; ++i) client->send(std::string(100, static_cast<char>('a' + i % 26)) + "!");
  ASSERT_TRUE(run_until(io, [&] { return rec.messages.size() == 40 || !rec.closes.empty(); }));
  EXPECT_TRUE(rec.closes.empty()) << (rec.errors.empty() ? "" : rec.errors.front());
  ASSERT_EQ(rec.messages.size(), 40u);
  EXPECT_EQ(rec.messages[39].first, std::string(100, static_cast<char>('a' + 39 % 26)) + "!");
}

TEST(EngineClientV4, RememberUpgradeStartsOnWebSocket) {
  asio::io_context io;
  NodeServer server(io, R"({"eio":4,"pingInterval":300,"pingTimeout":1000})");
  EngineClientOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(server.port());
  o.path = "/engine.io/";
  o.remember_upgrade = true;
  for (int round = 0; round < 2; ++round) {
    auto client = sio::native::make_engine_client(io.get_executor(), o);
    Recorder rec;
    rec.attach(*client);
    client->open();
    ASSERT_TRUE(run_until(io, [&] { return rec.opens == 1 && client->transport() == "websocket"; }));
    const std::string id = client->id();
    // First round: handshake on polling, then the upgrade. Second: straight to WebSocket.
    ASSERT_TRUE(run_until(io, [&] { return server.saw("open:" + id + ":"); }));
    EXPECT_TRUE(server.saw("open:" + id + (round == 0 ? ":polling" : ":websocket"))) << round;
    client->close();
  }
}

// ---- TLS (https / wss) against a Node server with a certificate made for the test ----------------

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/sio-engine-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // good: valid for 127.0.0.1 and localhost; other: valid only for other.example.
    for (const auto& [name, san] : {std::pair<std::string, std::string>{"good", "DNS:localhost,IP:127.0.0.1"},
                                    std::pair<std::string, std::string>{"other", "DNS:other.example"}}) {
      const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + name +
                              " -addext subjectAltName=" + san + " -keyout " + dir_ + "/" + name + ".key -out " +
                              dir_ + "/" + name + ".pem > /dev/null 2>&1";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    }
  }
  static void TearDownTestSuite() { std::system(("rm -rf " + dir_).c_str()); }

  void start_server(const std::string& cert, int eio = 4) {
    sio::json config;
    config["eio"] = eio;
    // (a relaxed heartbeat: TLS handshakes under ThreadSanitizer can take longer than the suite's
    // default 300 ms + 200 ms; the heartbeat itself is tested without TLS)
    config["pingInterval"] = 1000;
    config["pingTimeout"] = 2000;
    config["tls"] = {{"key", dir_ + "/" + cert + ".key"}, {"cert", dir_ + "/" + cert + ".pem"}};
    server = std::make_unique<NodeServer>(io, config.dump());
  }

  EngineClientOptions options(std::vector<std::string> transports) const {
    EngineClientOptions o;
    o.url = "https://127.0.0.1:" + std::to_string(server->port());
    o.path = "/engine.io/";
    o.transports = std::move(transports);
    o.timeout = 5000ms;
    return o;
  }

  // Opens a client; true when it opened, false when it closed first.
  bool open(EngineClientOptions o) {
    client = sio::native::make_engine_client(io.get_executor(), std::move(o));
    rec = Recorder{};
    rec.attach(*client);
    client->open();
    EXPECT_TRUE(run_until(io, [&] { return rec.opens == 1 || !rec.closes.empty(); }));
    return rec.opens == 1;
  }

  void echo_once() {
    const std::size_t n = rec.messages.size();
    client->send("secure");
    client->send(std::string("\x00\x01", 2), true);
    ASSERT_TRUE(run_until(io, [&] { return rec.messages.size() == n + 2; }));
    EXPECT_EQ(rec.messages[n].first, "secure");
    EXPECT_EQ(rec.messages[n + 1], (std::pair<std::string, bool>{std::string("\x00\x01", 2), true}));
  }

  static std::string dir_;
  asio::io_context io;
  std::unique_ptr<NodeServer> server;
  Recorder rec;
  std::unique_ptr<EngineClient> client;
};

std::string TlsTest::dir_;

TEST_F(TlsTest, VerifiedWithCaFileOverPollingWebSocketAndUpgrade) {
  for (int eio : {4, 3}) {
    start_server("good", eio);
    const auto protocol = eio == 3 ? sio::engineio::Protocol::v3 : sio::engineio::Protocol::v4;
    for (const auto& transports : {std::vector<std::string>{"polling"}, std::vector<std::string>{"websocket"},
                                   std::vector<std::string>{"polling", "websocket"}}) {
      auto o = options(transports);
      o.protocol = protocol;
      o.tls.ca_file = dir_ + "/good.pem";
      ASSERT_TRUE(open(o)) << (rec.errors.empty() ? "" : rec.errors.front());
      const std::string expected = transports.size() == 1 ? transports[0] : "websocket";
      ASSERT_TRUE(run_until(io, [&] { return client->transport() == expected; }))
          << "EIO" << eio << " " << transports.size() << " transport(s); now " << client->transport() << "; server: "
          << testing::PrintToString(server->lines());
      echo_once();
      client->close();
    }
    client.reset();
    server.reset();
  }
}

TEST_F(TlsTest, UntrustedCertificateIsRejected) {
  start_server("good");
  for (const char* transport : {"polling", "websocket"}) {
    EXPECT_FALSE(open(options({transport}))) << transport;  // verification on by default, CA unknown
    EXPECT_EQ(rec.closes, std::vector<std::string>{"transport error"}) << transport;
    EXPECT_EQ(rec.errors.size(), 1u) << transport;
  }
  EXPECT_FALSE(server->saw("open:"));
}

TEST_F(TlsTest, HostNameMismatchIsRejected) {
  start_server("other");  // trusted through ca_file, but issued for other.example, not 127.0.0.1
  for (const char* transport : {"polling", "websocket"}) {
    auto o = options({transport});
    o.tls.ca_file = dir_ + "/other.pem";
    EXPECT_FALSE(open(o)) << transport;
    EXPECT_EQ(rec.closes, std::vector<std::string>{"transport error"}) << transport;
  }
  EXPECT_FALSE(server->saw("open:"));
}

TEST_F(TlsTest, VerificationCanBeTurnedOff) {
  start_server("other");
  auto o = options({"polling", "websocket"});
  o.tls.verify_peer = false;
  ASSERT_TRUE(open(o)) << (rec.errors.empty() ? "" : rec.errors.front());
  ASSERT_TRUE(run_until(io, [&] { return client->transport() == "websocket"; }));
  echo_once();
}

// ---- failures without a server -------------------------------------------------------------------

// A port nothing listens on (bound, then released).
int closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(EngineClientFailure, ConnectionRefusedPollingAndWebSocket) {
  for (const char* transport : {"polling", "websocket"}) {
    asio::io_context io;
    EngineClientOptions o;
    o.url = "http://127.0.0.1:" + std::to_string(closed_port());
    o.transports = {transport};
    auto client = sio::native::make_engine_client(io.get_executor(), o);
    Recorder rec;
    rec.attach(*client);
    client->open();
    io.run_for(kWait);  // ends as soon as there is nothing left to do
    EXPECT_EQ(rec.opens, 0);
    EXPECT_EQ(rec.errors.size(), 1u) << transport;
    EXPECT_EQ(rec.closes, std::vector<std::string>{"transport error"}) << transport;
  }
}

TEST(EngineClientFailure, InvalidUrl) {
  asio::io_context io;
  EngineClientOptions o;
  o.url = "ftp://127.0.0.1:1";
  auto client = sio::native::make_engine_client(io.get_executor(), o);
  Recorder rec;
  rec.attach(*client);
  client->open();
  EXPECT_TRUE(rec.closes.empty());  // never from inside open()
  io.run_for(kWait);  // ends as soon as there is nothing left to do
  EXPECT_EQ(rec.errors.size(), 1u);
  EXPECT_EQ(rec.closes, std::vector<std::string>{"transport error"});
}

TEST(EngineClientFailure, HandshakeTimeout) {
  // A TCP listener that accepts and never answers.
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::vector<std::shared_ptr<asio::ip::tcp::socket>> accepted;
  std::function<void()> accept = [&] {
    auto sock = std::make_shared<asio::ip::tcp::socket>(io);
    acceptor.async_accept(*sock, [&, sock](boost::system::error_code ec) {
      if (ec) return;
      accepted.push_back(sock);
      accept();
    });
  };
  accept();
  for (const char* transport : {"polling", "websocket"}) {
    EngineClientOptions o;
    o.url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
    o.transports = {transport};
    o.timeout = 300ms;
    auto client = sio::native::make_engine_client(io.get_executor(), o);
    Recorder rec;
    rec.attach(*client);
    client->open();
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (rec.closes.empty() && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
    EXPECT_EQ(rec.opens, 0);
    EXPECT_EQ(rec.closes, std::vector<std::string>{"transport error"}) << transport;
    ASSERT_FALSE(rec.errors.empty());
  }
}

}  // namespace
