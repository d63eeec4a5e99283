// Interop: the C++ Socket.IO server (in-process, port 0) driven by the official socket.io-client
// 4.8 and 2.5 npm packages (tests/server/interop/*.js) over polling, websocket and
// polling+upgrade, against sio::server::DemoApp (the handlers of sio-testserver). Each script
// prints "PASS <check>" / "FAIL <check>: ..." and exits non-zero on any failure; the tests assert
// every expected check passed.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "sio/server/demo.hpp"
#include "sio/server/server.hpp"

#include "node_runner.hpp"
#include "server_fixture.hpp"

using namespace std::chrono_literals;
using sio::json;
using sio::server::AckFn;
using sio::server::Socket;

namespace {

using sio_test::NodeResult;

// Runs `node interop/<script> --port <port> --mode <mode> --parser <parser>`.
NodeResult run_node(const std::string& script, std::uint16_t port, const std::string& mode,
                    std::chrono::seconds limit = 90s, const std::string& parser = "default") {
  return sio_test::run_node("interop/" + script,
                            {"--port", std::to_string(port), "--mode", mode, "--parser", parser}, limit);
}

class InteropTest : public sio_test::ServerThreadTest {
 protected:
  virtual bool recovery() const { return false; }
  virtual std::shared_ptr<const sio::socketio::Parser> parser() const { return nullptr; }

  void SetUp() override {
    sio::server::ServerOptions options;
    options.allow_eio3 = true;
    if (recovery()) options.connection_state_recovery = sio::server::ConnectionStateRecoveryOptions{};
    options.connect_timeout = 10s;
    options.parser = parser();
    options.metrics = metrics_;
    make_server(std::move(options));
    demo_ = std::make_unique<sio::server::DemoApp>(*server_);
    run_io_thread();
  }

  void TearDown() override {
    stop_server(5s);
    demo_.reset();
  }

  void expect_all_pass(const NodeResult& r, const std::vector<std::string>& checks) {
    EXPECT_EQ(r.exit_code, 0) << r.output;
    for (const auto& c : checks) {
      EXPECT_NE(r.output.find("PASS " + c + "\n"), std::string::npos) << "check " << c << ":\n" << r.output;
    }
    EXPECT_NE(r.output.find("DONE ok"), std::string::npos) << r.output;
  }

  std::unique_ptr<sio::server::DemoApp> demo_;  // the handlers the scripts drive
  std::shared_ptr<sio::server::ServerMetrics> metrics_ = std::make_shared<sio::server::ServerMetrics>();
};

const std::vector<std::string> kV4Checks = {
    "connect", "events-and-acks", "server-to-client-ack", "server-to-client-ack-timeout",
    "client-to-server-ack-timeout", "binary-both-ways", "catch-all", "emit-from-another-thread",
    "static-namespace", "invalid-namespace", "dynamic-namespace", "middleware-refusal", "auth",
    "handshake-in-middleware", "reserved-event-names", "server-side-socket-ops",
    "rooms-broadcast-except", "broadcast-with-acks", "disconnect-reasons"};

const std::vector<std::string> kV2Checks = {
    "connect", "events-and-acks", "server-to-client-ack", "binary-both-ways",
    "namespace-with-query-auth", "middleware-refusal", "dynamic-namespace", "rooms-broadcast",
    "disconnect-reasons"};

TEST_F(InteropTest, ClientV4Polling) { expect_all_pass(run_node("client_v4.js", port_, "polling"), kV4Checks); }
TEST_F(InteropTest, ClientV4WebSocket) { expect_all_pass(run_node("client_v4.js", port_, "websocket"), kV4Checks); }
TEST_F(InteropTest, ClientV4Upgrade) { expect_all_pass(run_node("client_v4.js", port_, "upgrade"), kV4Checks); }
TEST_F(InteropTest, ClientV2Polling) { expect_all_pass(run_node("client_v2.js", port_, "polling"), kV2Checks); }
TEST_F(InteropTest, ClientV2WebSocket) { expect_all_pass(run_node("client_v2.js", port_, "websocket"), kV2Checks); }
TEST_F(InteropTest, ClientV2Upgrade) { expect_all_pass(run_node("client_v2.js", port_, "upgrade"), kV2Checks); }

// The same suite with socket.io-msgpack-parser on both ends (the server's ServerOptions::parser).
class MsgpackInteropTest : public InteropTest {
 protected:
  std::shared_ptr<const sio::socketio::Parser> parser() const override {
    return sio::socketio::msgpack_parser();
  }
};

TEST_F(MsgpackInteropTest, ClientV4Polling) {
  expect_all_pass(run_node("client_v4.js", port_, "polling", 90s, "msgpack"), kV4Checks);
}
TEST_F(MsgpackInteropTest, ClientV4WebSocket) {
  expect_all_pass(run_node("client_v4.js", port_, "websocket", 90s, "msgpack"), kV4Checks);
  // ServerMetrics saw the traffic (read from this thread while the server's thread runs).
  const auto m = metrics_->snapshot();
  EXPECT_GT(m.connections_total, 10u);
  EXPECT_GT(m.packets_in, 30u);
  EXPECT_GT(m.packets_out, 30u);
  EXPECT_GT(m.bytes_in, m.packets_in);  // a MessagePack packet is more than one byte
  EXPECT_GT(m.bytes_out, m.packets_out);
  EXPECT_LE(m.connections_open, m.connections_total);
}
TEST_F(MsgpackInteropTest, ClientV4Upgrade) {
  expect_all_pass(run_node("client_v4.js", port_, "upgrade", 90s, "msgpack"), kV4Checks);
}

class RecoveryInteropTest : public InteropTest {
 protected:
  bool recovery() const override { return true; }
};

const std::vector<std::string> kRecoveryChecks = {"recovery", "no-recovery-after-client-disconnect"};

TEST_F(RecoveryInteropTest, ClientV4Polling) {
  expect_all_pass(run_node("recovery_v4.js", port_, "polling"), kRecoveryChecks);
}
TEST_F(RecoveryInteropTest, ClientV4WebSocket) {
  expect_all_pass(run_node("recovery_v4.js", port_, "websocket"), kRecoveryChecks);
}
// With recovery on, every emitted event carries an extra offset argument (as with Node), so the
// checks comparing event arguments exactly do not apply; the others must still pass.
TEST_F(RecoveryInteropTest, V4SuiteWithRecoveryOn) {
  auto r = run_node("client_v4.js", port_, "websocket");
  EXPECT_NE(r.output.find("PASS connect\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("PASS server-to-client-ack\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("PASS middleware-refusal\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("PASS broadcast-with-acks\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("PASS disconnect-reasons\n"), std::string::npos) << r.output;
}

}  // namespace
