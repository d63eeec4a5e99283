// Engine.IO server (testserver/src/engine) against the OFFICIAL engine.io-client (v4: engine.io-client
// 6.x; v3: the engine.io-client bundled with socket.io-client@2.5.0) and raw HTTP requests.
// The server runs on its io_context in a background thread; node scripts from tests/server/engine/
// are spawned as child processes and print JSON lines that the tests assert on.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "sio/core/json.hpp"
#include "sio/server/engine.hpp"

namespace {

using sio::json;
using namespace std::chrono_literals;
namespace net = boost::asio;

struct NodeResult {
  int exit_code = -1;
  std::vector<json> lines;
  std::string raw;
  // First line with "event" == name (or a null json).
  json event(const std::string& name) const {
    for (const auto& l : lines) {
      if (l.is_object() && l.value("event", "") == name) return l;
    }
    return {};
  }
};

// A node child process whose stdout lines (JSON) are collected; killed if still running at the end.
// It inherits no descriptor but stdin/stdout/stderr (e.g. not the server's listening socket).
class NodeProcess {
 public:
  NodeProcess(const std::string& script, const json& args) : child_(options(script, args)) {}

  // Reads output until a line has "event" == name (true) or the output ends / time runs out.
  bool wait_event(const std::string& name, std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!result_.event(name).is_object()) {
      if (!read_some(deadline)) return result_.event(name).is_object();
    }
    return true;
  }

  // Reads everything, then reaps the process (killed after `timeout`).
  NodeResult finish(std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read_some(deadline)) {
    }
    if (!eof_) {
      child_.kill();
      result_.exit_code = -2;
    } else {
      result_.exit_code = child_.wait();
    }
    return result_;
  }

 private:
  static sio_test::ChildOptions options(const std::string& script, const json& args) {
    sio_test::ChildOptions o;
    o.exe = SIO_NODE;
    o.args = {std::string(SIO_TESTS_DIR) + "/server/engine/" + script, args.dump()};
    o.env = {{"NODE_PATH", std::string(SIO_TESTS_DIR) + "/node_modules"}};
    return o;
  }

  // One read; false at end of output or deadline.
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    const auto r = child_.read_some(result_.raw, deadline);
    if (r == sio_test::ChildProcess::Read::eof) eof_ = true;
    if (r != sio_test::ChildProcess::Read::data) return false;
    std::size_t nl;
    while ((nl = result_.raw.find('\n', parsed_)) != std::string::npos) {
      auto j = json::parse(result_.raw.substr(parsed_, nl - parsed_), nullptr, false);
      if (!j.is_discarded()) result_.lines.push_back(std::move(j));
      parsed_ = nl + 1;
    }
    return true;
  }

  sio_test::ChildProcess child_;
  bool eof_ = false;
  std::size_t parsed_ = 0;
  NodeResult result_;
};

// Runs `node <script> <args>` to the end and collects its stdout lines (killed after `timeout`).
NodeResult run_node(const std::string& script, const json& args, std::chrono::milliseconds timeout = 30s) {
  NodeProcess p(script, args);
  return p.finish(timeout);
}

class EngineServerTest : public ::testing::Test {
 protected:
  void start(sio::server::EngineOptions options,
             std::function<bool(const sio::server::HttpRequest&, sio::server::HttpResponder)> hook = {}) {
    server_ = sio::server::make_engine_server(io_, std::move(options));
    server_->on_http_request = std::move(hook);
    port_ = server_->port();
    server_->on_connection = [this](std::shared_ptr<sio::server::EngineSocket> socket) {
      {
        std::lock_guard lock(mutex_);
        connections_ += 1;
        transports_.emplace_back(socket->transport());
        protocols_.push_back(static_cast<int>(socket->protocol()));
        ids_.push_back(socket->id());
        handshakes_.push_back(socket->handshake());
      }
      std::weak_ptr<sio::server::EngineSocket> weak = socket;
      socket->on_message = [this, weak](std::string_view data, bool binary) {
        auto s = weak.lock();
        if (!s) return;
        {
          std::lock_guard lock(mutex_);
          messages_ += 1;
          if (binary) binary_messages_ += 1;
          last_transport_ = std::string(s->transport());
        }
        if (data == "close-me") {
          s->close();
        } else {
          s->send(std::string(data), binary);
        }
      };
      socket->on_close = [this](std::string_view reason) {
        std::lock_guard lock(mutex_);
        closes_.emplace_back(reason);
        close_times_.push_back(std::chrono::steady_clock::now());
        cv_.notify_all();
      };
    };
    thread_ = std::thread([this] {
      io_.run();
      std::lock_guard lock(mutex_);
      io_done_ = true;
      cv_.notify_all();
    });
  }

  void TearDown() override {
    if (!server_) return;
    std::promise<void> closed;
    net::post(io_, [&] {
      server_->close();
      closed.set_value();
    });
    closed.get_future().wait();
    guard_.reset();
    {
      std::unique_lock lock(mutex_);
      const bool done = cv_.wait_for(lock, 10s, [&] { return io_done_; });
      EXPECT_TRUE(done) << "io_context still busy 10 s after close(): something was not shut down";
      if (!done) io_.stop();
    }
    thread_.join();
    server_.reset();
  }

  // Waits until `n` sessions have closed.
  bool wait_closes(std::size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return closes_.size() >= n; });
  }
  std::vector<std::string> closes() {
    std::lock_guard lock(mutex_);
    return closes_;
  }
  std::size_t client_count() {
    std::promise<std::size_t> p;
    net::post(io_, [&] { p.set_value(server_->client_count()); });
    return p.get_future().get();
  }

  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> guard_{io_.get_executor()};
  std::unique_ptr<sio::server::EngineServer> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool io_done_ = false;
  int connections_ = 0;
  int messages_ = 0;
  int binary_messages_ = 0;
  std::string last_transport_;
  std::vector<std::string> transports_;
  std::vector<int> protocols_;
  std::vector<std::string> ids_;
  std::vector<sio::server::HandshakeInfo> handshakes_;
  std::vector<std::string> closes_;
  std::vector<std::chrono::steady_clock::time_point> close_times_;
};

sio::server::EngineOptions fast_options() {
  sio::server::EngineOptions o;
  o.ping_interval = 300ms;
  o.ping_timeout = 200ms;
  return o;
}

// ---- official client: v4 ---------------------------------------------------------------------

TEST_F(EngineServerTest, PollingOnlyEcho) {
  start({});
  auto r = run_node("client.js", {{"port", port_}, {"protocol", 4}, {"transports", {"polling"}},
                                  {"scenario", "echo"}, {"large", 300000}});
  ASSERT_EQ(r.exit_code, 0) << r.raw;
  EXPECT_EQ(r.event("open")["transport"], "polling");
  EXPECT_EQ(r.event("echoed")["count"], 5);
  EXPECT_EQ(r.event("echoed")["transport"], "polling");
  ASSERT_TRUE(wait_closes(1));
  EXPECT_EQ(closes()[0], "transport close");
  std::lock_guard lock(mutex_);
  EXPECT_EQ(connections_, 1);
  EXPECT_EQ(transports_[0], "polling");
  EXPECT_EQ(ids_[0].size(), 20u);
  EXPECT_EQ(r.event("open")["id"], ids_[0]);
  EXPECT_EQ(messages_, 5);
  EXPECT_EQ(binary_messages_, 2);
  const auto& hs = handshakes_[0];
  EXPECT_EQ(hs.remote_address, "127.0.0.1");
  EXPECT_EQ(hs.query.find("EIO")->second, "4");
  EXPECT_EQ(hs.query.find("transport")->second, "polling");
  EXPECT_TRUE(hs.headers.count("host"));
  EXPECT_EQ(hs.url.rfind("/socket.io/?", 0), 0u);
  EXPECT_GT(hs.issued_ms, 1'600'000'000'000);
}

TEST_F(EngineServerTest, WebSocketOnlyEcho) {
  start({});
  auto r = run_node("client.js", {{"port", port_}, {"protocol", 4}, {"transports", {"websocket"}},
                                  {"scenario", "echo"}, {"large", 300000}});
  ASSERT_EQ(r.exit_code, 0) << r.raw;
  EXPECT_EQ(r.event("open")["transport"], "websocket");
  EXPECT_EQ(r.event("echoed")["count"], 5);
  ASSERT_TRUE(wait_closes(1));
  EXPECT_EQ(closes()[0], "transport close");
  std::lock_guard lock(mutex_);
  EXPECT_EQ(transports_[0], "websocket");
  EXPECT_EQ(binary_messages_, 2);
}

// The server reads a WebSocket message in two steps (a first read of at most 256 bytes, then the
// rest); messages just under, at and over that size, over Beast's 1,536-byte frame buffer and
// the 4 KiB after which the read buffer is given back, with UTF-8 characters split across those
// boundaries, come back whole and in order.
TEST_F(EngineServerTest, WebSocketMessagesAroundTheReadSizes) {
  start({});
  const json sizes = {1, 254, 255, 256, 257, 258, 511, 512, 513, 1534, 1535, 1536, 1537, 3000,
                      4095, 4096, 4097, 70000, 3, 300};
  auto r = run_node("client.js", {{"port", port_}, {"protocol", 4}, {"transports", {"websocket"}},
                                  {"scenario", "echo"}, {"sizes", sizes}});
  ASSERT_EQ(r.exit_code, 0) << r.raw;
  EXPECT_EQ(r.event("echoed")["count"], 3 + 4 * sizes.size());
  EXPECT_EQ(r.event("echoed")["transport"], "websocket");
}

TEST_F(EngineServerTest, PollingUpgradesToWebSocket) {
  start({});
  auto r = run_node("client.js", {{"port", port_}, {"protocol", 4}, {"transports", {"polling", "websocket"}},
                                  {"scenario", "echo"}, {"expectUpgrade", true}, {"large", 100000}});
  ASSERT_EQ(r.exit_code, 0) << r.raw;
  EXPECT_EQ(r.event("open")["transport"], "polling");
  EXPECT_EQ(r.event("upgrade")["transport"], "websocket");
  EXPECT_EQ(r.event("echoed-after-upgrade")["transport"], "websocket");
  ASSERT_TRUE(wait_closes(1));
  EXPECT_EQ(closes()[0], "transport close");
  std::lock_guard lock(mutex_);
  EXPECT_EQ(last_transport_, "websocket");
  EXPECT_EQ(messages_, 7);
}

TEST_F(EngineServerTest, HeartbeatSurvivesSeveralIntervals) {
  // Pings every 300 ms, so that 5 heartbeats take little time; a generous ping timeout, because
  // what is checked is that the heartbeat goes on, and on a loaded machine (the ASan tests run
  // beside two other streams) a client or server held off the CPU for 200 ms is no failure of it.
  auto options = fast_options();
  options.ping_timeout = 5000ms;
  start(options);
  for (const char* t : {"polling", "websocket"}) {
    auto r = run_node("client.js", {{"port", port_}, {"protocol", 4}, {"transports", {t}},
                                    {"scenario", "heartbeat"}, {"pings", 5}});
    ASSERT_EQ(r.exit_code, 0) << t << ": " << r.raw;
    EXPECT_EQ(r.event("heartbeats")["count"], 5) << t;
  }
  ASSERT_TRUE(wait_closes(2));
  EXPECT_EQ(closes()[0], "transport close");
  EXPECT_EQ(closes()[1], "transport close");
}

TEST_F(EngineServerTest, ServerCloseReachesTheClient) {
  start({});
  int n = 0;
  for (const char* t : {"polling", "websocket"}) {
    auto r = run_node("client.js", {{"port", port_}, {"protocol", 4}, {"transports", {t}},
                                    {"scenario", "server-close"}});
    ASSERT_EQ(r.exit_code, 0) << t << ": " << r.raw;
    EXPECT_EQ(r.event("close")["reason"], "transport close") << t;
    ASSERT_TRUE(wait_closes(++n));
    EXPECT_EQ(closes().back(), "forced close") << t;
  }
  auto r = run_node("client.js", {{"port", port_}, {"protocol", 4}, {"transports", {"polling", "websocket"}},
                                  {"scenario", "server-close"}, {"expectUpgrade", true}});
  ASSERT_EQ(r.exit_code, 0) << r.raw;
  ASSERT_TRUE(wait_closes(3));
  EXPECT_EQ(closes().back(), "forced close");
  EXPECT_EQ(client_count(), 0u);
}

TEST_F(EngineServerTest, EngineServerCloseEndsEverySession) {
  start({});
  NodeProcess polling("client.js", {{"port", port_}, {"protocol", 4}, {"transports", {"polling"}}, {"scenario", "wait-close"}});
  NodeProcess ws("client.js", {{"port", port_}, {"protocol", 4}, {"transports", {"websocket"}}, {"scenario", "wait-close"}});
  ASSERT_TRUE(polling.wait_event("open"));
  ASSERT_TRUE(ws.wait_event("open"));
  EXPECT_EQ(client_count(), 2u);
  std::promise<void> closed;
  net::post(io_, [&] {
    server_->close();
    closed.set_value();
  });
  closed.get_future().wait();
  auto rp = polling.finish();
  auto rw = ws.finish();
  EXPECT_EQ(rp.exit_code, 0) << rp.raw;
  EXPECT_EQ(rw.exit_code, 0) << rw.raw;
  // A held GET is answered with a close packet ("transport close"); when close() comes while the
  // client is between two GETs, its next GET fails ("transport error"), as with Node's engine.io.
  const std::string polling_reason = rp.event("close").value("reason", "");
  EXPECT_TRUE(polling_reason == "transport close" || polling_reason == "transport error") << rp.raw;
  EXPECT_EQ(rw.event("close")["reason"], "transport close");
  ASSERT_TRUE(wait_closes(2));
  EXPECT_EQ(closes(), (std::vector<std::string>{"forced close", "forced close"}));
  EXPECT_EQ(client_count(), 0u);
  // Not listening any more.
  auto refused = run_node("raw.js", {{"port", port_}, {"steps", json::array({json{{"method", "GET"}, {"path", "/socket.io/?EIO=4&transport=polling"}}})}});
  ASSERT_EQ(refused.lines.size(), 1u) << refused.raw;
  EXPECT_TRUE(refused.lines[0].contains("error")) << refused.raw;
}

// ---- official client: v3 (socket.io-client@2's engine.io-client) -----------------------------

TEST_F(EngineServerTest, Eio3PollingWebSocketAndUpgrade) {
  auto o = fast_options();
  o.allow_eio3 = true;
  start(o);
  auto r1 = run_node("client.js", {{"port", port_}, {"protocol", 3}, {"transports", {"polling"}},
                                   {"scenario", "echo"}, {"large", 100000}});
  ASSERT_EQ(r1.exit_code, 0) << r1.raw;
  auto r2 = run_node("client.js", {{"port", port_}, {"protocol", 3}, {"transports", {"polling"}},
                                   {"scenario", "echo"}, {"forceBase64", true}});
  ASSERT_EQ(r2.exit_code, 0) << r2.raw;
  auto r3 = run_node("client.js", {{"port", port_}, {"protocol", 3}, {"transports", {"websocket"}},
                                   {"scenario", "echo"}, {"large", 100000}});
  ASSERT_EQ(r3.exit_code, 0) << r3.raw;
  auto r4 = run_node("client.js", {{"port", port_}, {"protocol", 3}, {"transports", {"polling", "websocket"}},
                                   {"scenario", "echo"}, {"expectUpgrade", true}});
  ASSERT_EQ(r4.exit_code, 0) << r4.raw;
  EXPECT_EQ(r4.event("upgrade")["transport"], "websocket");
  auto r5 = run_node("client.js", {{"port", port_}, {"protocol", 3}, {"transports", {"polling"}},
                                   {"scenario", "heartbeat"}, {"pings", 3}});
  ASSERT_EQ(r5.exit_code, 0) << r5.raw;
  ASSERT_TRUE(wait_closes(5));
  std::lock_guard lock(mutex_);
  for (int p : protocols_) EXPECT_EQ(p, 3);
}

// ---- raw HTTP ----------------------------------------------------------------------------------

json raw(std::uint16_t port, json steps) {
  auto r = run_node("raw.js", {{"port", port}, {"steps", std::move(steps)}});
  EXPECT_EQ(r.exit_code, 0) << r.raw;
  return r.lines;
}

json step(std::string method, std::string path, json extra = json::object()) {
  json s = {{"method", std::move(method)}, {"path", std::move(path)}};
  s.update(extra);
  return s;
}

const json kUpgrade = {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Version", "13"},
                       {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};

void expect_error(const json& res, int code, const std::string& message, int status = 400) {
  EXPECT_EQ(res["status"], status) << res.dump();
  EXPECT_EQ(res["headers"].value("content-type", ""), "application/json") << res.dump();
  auto body = json::parse(res["body"].get<std::string>(), nullptr, false);
  EXPECT_EQ(body, (json{{"code", code}, {"message", message}})) << res.dump();
}

TEST_F(EngineServerTest, RawErrorCodes) {
  start({});
  auto out = raw(port_, {
      step("GET", "/socket.io/?EIO=4&transport=foo"),
      step("GET", "/socket.io/?EIO=4&transport=polling&sid=nope"),
      step("POST", "/socket.io/?EIO=4&transport=polling", {{"body", "4x"}}),
      step("GET", "/socket.io/?EIO=4&transport=websocket"),
      step("GET", "/socket.io/?EIO=3&transport=polling"),
      step("GET", "/socket.io/?transport=polling"),
      step("GET", "/socket.io/?EIO=abc&transport=polling"),
      step("GET", "/elsewhere"),
      step("GET", "/socket.io/?EIO=4&transport=websocket&sid=nope", {{"headers", kUpgrade}}),
      step("GET", "/socket.io/?EIO=3&transport=websocket", {{"headers", kUpgrade}}),
  });
  ASSERT_EQ(out.size(), 10u);
  expect_error(out[0], 0, "Transport unknown");
  expect_error(out[1], 1, "Session ID unknown");
  expect_error(out[2], 2, "Bad handshake method");
  expect_error(out[3], 3, "Bad request");
  expect_error(out[4], 5, "Unsupported protocol version");
  expect_error(out[5], 5, "Unsupported protocol version");
  expect_error(out[6], 5, "Unsupported protocol version");
  EXPECT_EQ(out[7]["status"], 404);
  // WebSocket upgrades are refused like Node's abortUpgrade: 400, plain-text message.
  EXPECT_EQ(out[8]["status"], 400);
  EXPECT_EQ(out[8]["body"], "Session ID unknown");
  EXPECT_EQ(out[9]["status"], 400);
  EXPECT_EQ(out[9]["body"], "Unsupported protocol version");
  EXPECT_EQ(client_count(), 0u);
}

TEST_F(EngineServerTest, RawPollingSession) {
  start(fast_options());
  auto out = raw(port_, {
      step("GET", "/socket.io/?EIO=4&transport=polling", {{"saveSid", true}}),
      step("POST", "/socket.io/?EIO=4&transport=polling&sid=$SID", {{"body", "4hello\x1e" "bAQIDBA=="}}),
      step("GET", "/socket.io/?EIO=4&transport=polling&sid=$SID"),
      step("GET", "/socket.io/?EIO=4&transport=websocket&sid=$SID"),  // not an upgrade: bad request
      step("POST", "/socket.io/?EIO=4&transport=polling&sid=$SID", {{"body", "1"}}),
      step("GET", "/socket.io/?EIO=4&transport=polling&sid=$SID"),
  });
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0]["status"], 200);
  EXPECT_EQ(out[0]["headers"]["content-type"], "text/plain; charset=UTF-8");
  EXPECT_EQ(out[0]["headers"]["cache-control"], "no-store");
  const std::string open = out[0]["body"];
  ASSERT_EQ(open.substr(0, 1), "0");
  auto hs = json::parse(open.substr(1));
  EXPECT_EQ(hs["sid"].get<std::string>().size(), 20u);
  EXPECT_EQ(hs["upgrades"], json::array({"websocket"}));
  EXPECT_EQ(hs["pingInterval"], 300);
  EXPECT_EQ(hs["pingTimeout"], 200);
  EXPECT_EQ(hs["maxPayload"], 1000000);
  EXPECT_EQ(hs.size(), 5u);
  EXPECT_EQ(out[1]["status"], 200);
  EXPECT_EQ(out[1]["body"], "ok");
  EXPECT_EQ(out[1]["headers"]["content-type"], "text/html");
  EXPECT_EQ(out[2]["status"], 200);
  EXPECT_EQ(out[2]["body"], "4hello\x1e" "bAQIDBA==");
  expect_error(out[3], 3, "Bad request");
  EXPECT_EQ(out[4]["status"], 200);
  expect_error(out[5], 1, "Session ID unknown");
  ASSERT_TRUE(wait_closes(1));
  EXPECT_EQ(closes()[0], "transport close");
}

TEST_F(EngineServerTest, RawPingTimeoutWhenClientIsSilent) {
  start(fast_options());
  const auto t0 = std::chrono::steady_clock::now();
  auto out = raw(port_, json::array({step("GET", "/socket.io/?EIO=4&transport=polling", {{"saveSid", true}})}));
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(wait_closes(1));
  EXPECT_EQ(closes()[0], "ping timeout");
  std::lock_guard lock(mutex_);
  const auto elapsed = close_times_[0] - t0;
  EXPECT_GE(elapsed, 500ms);  // pingInterval + pingTimeout after the handshake
  EXPECT_LT(elapsed, 20s);     // generous (a busy machine): only tells it from the defaults' 45 s
}

TEST_F(EngineServerTest, RawDuplicateGetClosesTheSession) {
  start({});
  const std::string get = "/socket.io/?EIO=4&transport=polling&sid=$SID";
  auto out = raw(port_, {
      step("GET", "/socket.io/?EIO=4&transport=polling", {{"saveSid", true}}),
      {{"parallel", {step("GET", get), step("GET", get)}}},
      step("GET", get),
  });
  ASSERT_EQ(out.size(), 3u);
  // One of the two (whichever arrived second) is refused; the held one gets a close packet.
  auto a = out[1][0];
  auto b = out[1][1];
  if (a["status"] == 400) std::swap(a, b);
  EXPECT_EQ(a["status"], 200) << out.dump();
  EXPECT_EQ(a["body"], "1");
  EXPECT_EQ(b["status"], 400);
  expect_error(out[2], 1, "Session ID unknown");
  ASSERT_TRUE(wait_closes(1));
  EXPECT_EQ(closes()[0], "transport error");
}

TEST_F(EngineServerTest, RawInvalidPostClosesTheSession) {
  start({});
  auto out = raw(port_, {
      step("GET", "/socket.io/?EIO=4&transport=polling", {{"saveSid", true}}),
      step("POST", "/socket.io/?EIO=4&transport=polling&sid=$SID", {{"body", "abc"}}),
      step("GET", "/socket.io/?EIO=4&transport=polling&sid=$SID"),
  });
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1]["status"], 400);
  expect_error(out[2], 1, "Session ID unknown");
  ASSERT_TRUE(wait_closes(1));
  EXPECT_EQ(closes()[0], "parse error");
}

TEST_F(EngineServerTest, RawOversizedPostIs413) {
  auto o = fast_options();
  o.max_http_buffer_size = 1000;
  start(o);
  auto out = raw(port_, {
      step("GET", "/socket.io/?EIO=4&transport=polling", {{"saveSid", true}}),
      step("POST", "/socket.io/?EIO=4&transport=polling&sid=$SID", {{"body", "4" + std::string(1000, 'x')}}),
      step("POST", "/socket.io/?EIO=4&transport=polling&sid=$SID", {{"body", "4" + std::string(999, 'y')}}),
      step("GET", "/socket.io/?EIO=4&transport=polling", {{"saveSid", true}}),
      step("POST", "/socket.io/?EIO=4&transport=polling&sid=$SID", {{"body", "4" + std::string(999, 'y')}}),
  });
  ASSERT_EQ(out.size(), 5u);
  const std::string open = out[0]["body"];
  EXPECT_EQ(json::parse(open.substr(1))["maxPayload"], 1000);
  EXPECT_EQ(out[1]["status"], 413) << out[1].dump();
  // The oversized POST closed its session ("transport error"): the sid is gone.
  expect_error(out[2], 1, "Session ID unknown");
  ASSERT_TRUE(wait_closes(1));
  EXPECT_EQ(closes()[0], "transport error");
  EXPECT_EQ(out[4]["status"], 200) << out[4].dump();  // at the limit: accepted
}

TEST_F(EngineServerTest, RawCors) {
  auto o = fast_options();
  o.cors.origins = {"http://example.com"};
  o.cors.credentials = true;
  start(o);
  auto out = raw(port_, {
      step("GET", "/socket.io/?EIO=4&transport=polling", {{"headers", {{"Origin", "http://example.com"}}}}),
      step("OPTIONS", "/socket.io/?EIO=4&transport=polling",
           {{"headers", {{"Origin", "http://example.com"}, {"Access-Control-Request-Headers", "x-foo"},
                         {"Access-Control-Request-Method", "POST"}}}}),
      step("GET", "/socket.io/?EIO=4&transport=foo", {{"headers", {{"Origin", "http://evil.com"}}}}),
  });
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["status"], 200);
  EXPECT_EQ(out[0]["headers"]["access-control-allow-origin"], "http://example.com");
  EXPECT_EQ(out[0]["headers"]["access-control-allow-credentials"], "true");
  EXPECT_EQ(out[0]["headers"]["vary"], "Origin");
  EXPECT_EQ(out[1]["status"], 204);
  EXPECT_EQ(out[1]["headers"]["access-control-allow-origin"], "http://example.com");
  EXPECT_EQ(out[1]["headers"]["access-control-allow-methods"], "GET,HEAD,PUT,PATCH,POST,DELETE");
  EXPECT_EQ(out[1]["headers"]["access-control-allow-headers"], "x-foo");
  EXPECT_EQ(out[2]["status"], 400);
  EXPECT_FALSE(out[2]["headers"].contains("access-control-allow-origin"));
}

TEST_F(EngineServerTest, RawCorsWildcard) {
  auto o = fast_options();
  o.cors.origins = {"*"};
  start(o);
  auto out = raw(port_, json::array({step("GET", "/socket.io/?EIO=4&transport=polling", {{"headers", {{"Origin", "http://a.b"}}}})}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["headers"]["access-control-allow-origin"], "*");
}

TEST_F(EngineServerTest, RawClientBundleAndHttpHook) {
  const std::string file = testing::TempDir() + "sio-engine-test-bundle.js";
  {
    std::ofstream f(file, std::ios::binary);
    f << "console.log('bundle');\n";
  }
  auto o = fast_options();
  o.client_bundle_file = file;
  start(o, [](const sio::server::HttpRequest& req, sio::server::HttpResponder respond) {
    if (req.path != "/hello world") return false;
    sio::server::HttpResponse res;
    res.headers = {{"Content-Type", "text/plain"}};
    res.body = "hi " + req.query.find("name")->second + " " + req.method;
    respond(std::move(res));
    return true;
  });
  auto out = raw(port_, {
      step("GET", "/socket.io.js"),
      step("GET", "/socket.io/socket.io.js"),
      step("GET", "/hello%20world?name=a%2Bb+c"),
      step("GET", "/other"),
  });
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0]["status"], 200);
  EXPECT_EQ(out[0]["body"], "console.log('bundle');\n");
  EXPECT_EQ(out[0]["headers"]["content-type"], "application/javascript; charset=utf-8");
  const std::string etag = out[0]["headers"].value("etag", "");
  EXPECT_FALSE(etag.empty());
  EXPECT_EQ(out[1]["status"], 200);
  EXPECT_EQ(out[1]["headers"]["etag"], etag);
  EXPECT_EQ(out[2]["status"], 200);
  EXPECT_EQ(out[2]["body"], "hi a+b c GET");
  EXPECT_EQ(out[3]["status"], 404);
  auto again = raw(port_, {step("GET", "/socket.io.js", {{"headers", {{"If-None-Match", etag}}}}),
                           step("GET", "/socket.io.js", {{"headers", {{"If-None-Match", "\"other\""}}}}),
                           step("GET", "/socket.io.js", {{"headers", {{"Accept-Encoding", "gzip, deflate"}}}})});
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0]["status"], 304);
  EXPECT_EQ(again[0]["body"], "");
  EXPECT_EQ(again[1]["status"], 200);
  EXPECT_EQ(again[1]["body"], "console.log('bundle');\n");
  EXPECT_FALSE(again[1]["headers"].contains("content-encoding"));
  EXPECT_EQ(again[2]["status"], 200);
  EXPECT_EQ(again[2]["headers"]["content-encoding"], "gzip");  // compressed on the fly, as Node
  EXPECT_NE(again[2]["body"], "console.log('bundle');\n");
  EXPECT_EQ(again[2]["headers"]["etag"], etag);
  std::remove(file.c_str());
}

// Our bundle's WebAssembly, served from beside the bundle file as application/wasm (what
// WebAssembly.instantiateStreaming requires), with an ETag and compressed when accepted.
TEST_F(EngineServerTest, RawClientBundleWasm) {
  const std::string dir = testing::TempDir();
  const std::string file = dir + "socket.io.js";
  const std::string wasm = dir + "socket.io.wasm";
  const std::string bytes = std::string("\0asm\1\0\0\0", 8) + " and some code code code code code code";
  {
    std::ofstream f(file, std::ios::binary);
    f << "console.log('bundle');\n";
    std::ofstream w(wasm, std::ios::binary);
    w << bytes;
  }
  auto o = fast_options();
  o.client_bundle_file = file;
  start(o);
  auto out = raw(port_, {step("GET", "/socket.io.wasm"), step("GET", "/socket.io/socket.io.wasm"),
                         step("GET", "/socket.io.wasm", {{"headers", {{"Accept-Encoding", "br"}}}})});
  ASSERT_EQ(out.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(out[i]["status"], 200);
    EXPECT_EQ(out[i]["headers"]["content-type"], "application/wasm");
    EXPECT_EQ(out[i]["body"].get<std::string>().size(), bytes.size());
    EXPECT_FALSE(out[i]["headers"].value("etag", "").empty());
  }
  EXPECT_EQ(out[2]["status"], 200);
  EXPECT_EQ(out[2]["headers"]["content-encoding"], "br");
  EXPECT_EQ(out[2]["headers"]["content-type"], "application/wasm");
  std::remove(file.c_str());
  std::remove(wasm.c_str());
}

TEST_F(EngineServerTest, RawEio3Handshake) {
  auto o = fast_options();
  o.allow_eio3 = true;
  start(o);
  auto out = raw(port_, {step("GET", "/socket.io/?EIO=3&transport=polling", {{"saveSid", true}}),
                         step("POST", "/socket.io/?EIO=3&transport=polling&sid=$SID", {{"body", "6:4héllo"}}),
                         step("GET", "/socket.io/?EIO=3&transport=polling&sid=$SID")});
  ASSERT_EQ(out.size(), 3u);
  const std::string body = out[0]["body"];
  const auto colon = body.find(':');
  ASSERT_NE(colon, std::string::npos);
  EXPECT_EQ(std::stoul(body.substr(0, colon)), body.size() - colon - 1);
  EXPECT_EQ(body.substr(colon + 1, 2), "0{");
  EXPECT_EQ(out[1]["body"], "ok");
  EXPECT_EQ(out[2]["body"], "6:4héllo");
}

}  // namespace
