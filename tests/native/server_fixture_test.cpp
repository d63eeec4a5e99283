// Our native client (sio::client) against our server in-process through the test fixture
// sio::testing::ServerFixture (sio/testing/server_fixture.hpp): the packets the server recorded,
// and every fault of the fixture driving the client into the behaviour it must show (reconnect,
// ping timeout, recovery, a refused upgrade or handshake), over polling and WebSocket.
#include "sio/client.hpp"
#include "sio/testing/server_fixture.hpp"

#include "event_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using sio::json;
using Clock = std::chrono::steady_clock;
using sio::testing::RecordedPacket;

namespace {

constexpr auto kWait = 20s;

// What the client's callbacks saw: the shared log, waited for up to kWait.
struct Seen : sio_test::EventLog {
  Seen() : EventLog(kWait) {}
};

enum class Tr { polling, websocket };

class ServerFixtureClientTest : public sio::testing::ServerFixture, public ::testing::WithParamInterface<Tr> {
 protected:
  sio::server::ServerOptions server_options() const override {
    auto o = sio::testing::TestServer::default_options();
    if (recovery_) o.connection_state_recovery = sio::server::ConnectionStateRecoveryOptions{};
    return o;
  }

  void configure(sio::server::Server& io) override {
    io.on_connection([](sio::server::Socket& s) {
      s.on("echo", [](const json& args, const sio::server::AckFn& ack) {
        if (ack) ack(args);
      });
      s.on("join", [weak = s.weak_from_this()](const json& args, const sio::server::AckFn& ack) {
        if (auto self = weak.lock()) self->join(args.at(0).get<std::string>());
        if (ack) ack(json::array());
      });
      s.on("two", [weak = s.weak_from_this()](const json&, const sio::server::AckFn&) {
        if (auto self = weak.lock()) {
          self->emit("first", json::array({1}));
          self->emit("second", json::array({2}));
        }
      });
    });
  }

  sio::Options client_options() const {
    sio::Options o;
    o.auto_connect = false;
    o.reconnection_delay = 100ms;
    o.reconnection_delay_max = 300ms;
    o.randomization_factor = 0;
    o.transports = GetParam() == Tr::polling ? std::vector<std::string>{"polling"}
                                             : std::vector<std::string>{"websocket"};
    return o;
  }

  // A connected client socket recording its lifecycle in `seen`.
  std::shared_ptr<sio::Socket> connect(Seen& seen, std::shared_ptr<sio::Manager>& manager,
                                       sio::Options o) {
    manager = sio::Manager::create(url(), std::move(o));
    auto socket = manager->socket("/");
    socket->on("connect", [&seen](const json&) { seen.add("connect"); });
    socket->on("disconnect", [&seen](const json& a) { seen.add("disconnect", a); });
    socket->on("connect_error", [&seen](const json& a) { seen.add("connect_error", a); });
    manager->on("reconnect", [&seen](const json&) { seen.add("reconnect"); });
    socket->connect();
    return socket;
  }
  std::shared_ptr<sio::Socket> connect(Seen& seen, std::shared_ptr<sio::Manager>& manager) {
    return connect(seen, manager, client_options());
  }

  bool recovery_ = false;
};

std::string tr_name(const ::testing::TestParamInfo<Tr>& info) {
  return info.param == Tr::polling ? "polling" : "websocket";
}

// The record: the CONNECT the client sent, the server's answer, the event and its ack.
TEST_P(ServerFixtureClientTest, RecordsEveryPacketBothWays) {
  Seen seen;
  std::shared_ptr<sio::Manager> manager;
  auto socket = connect(seen, manager);
  ASSERT_TRUE(seen.wait("connect"));
  auto reply = socket->emit_with_ack("echo", 1, "two");
  ASSERT_EQ(reply.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(reply.get(), json::array({1, "two"}));

  auto event = server().wait_event("echo");
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["args"], json::array({1, "two"}));
  const std::string sid = manager->engine_id();
  EXPECT_EQ(server().sid_of(socket->id()), sid);
  auto conn = server().wait_for("connection");
  ASSERT_TRUE(conn);
  EXPECT_EQ((*conn)["transport"], GetParam() == Tr::polling ? "polling" : "websocket");

  // the ack went out before the client saw it: everything is recorded by now
  std::vector<std::string> in, out;
  for (const auto& p : server().packets(sid)) {
    (p.direction == RecordedPacket::Direction::received ? in : out).push_back(p.data);
  }
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0], "0");                       // CONNECT to "/"
  EXPECT_EQ(in[1], R"(20["echo",1,"two"])");  // EVENT with ack id 0
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rfind("0{\"sid\":\"" + socket->id() + "\"", 0), 0u) << out[0];
  EXPECT_EQ(out[1], R"(30[1,"two"])");
  EXPECT_EQ(server().sessions(), std::vector<std::string>{sid});
}

// drop_transport: the client sees its transport fail and reconnects on its own.
TEST_P(ServerFixtureClientTest, DroppedTransportMakesTheClientReconnect) {
  Seen seen;
  std::shared_ptr<sio::Manager> manager;
  auto socket = connect(seen, manager);
  ASSERT_TRUE(seen.wait("connect"));
  const std::string first_id = socket->id();
  ASSERT_TRUE(server().drop_transport(manager->engine_id()));
  auto d = seen.wait("disconnect");
  ASSERT_TRUE(d);
  EXPECT_TRUE((*d)[0] == "transport close" || (*d)[0] == "transport error") << d->dump();
  ASSERT_TRUE(seen.wait("connect", 2));
  ASSERT_TRUE(seen.wait("reconnect"));
  EXPECT_NE(socket->id(), first_id);
  EXPECT_FALSE(socket->recovered());
  auto closed = server().wait_for("close");
  ASSERT_TRUE(closed);
  EXPECT_EQ((*closed)["reason"], "transport error");
  auto reply = socket->emit_with_ack("echo", "again");
  ASSERT_EQ(reply.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(reply.get(), json::array({"again"}));
}

// stop_heartbeat: no more pings, the client's ping timeout fires, then it reconnects.
TEST_P(ServerFixtureClientTest, SilentHeartbeatEndsInAPingTimeout) {
  Seen seen;
  std::shared_ptr<sio::Manager> manager;
  auto socket = connect(seen, manager);
  ASSERT_TRUE(seen.wait("connect"));
  ASSERT_TRUE(server().stop_heartbeat(manager->engine_id()));
  auto d = seen.wait("disconnect");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)[0], "ping timeout");
  ASSERT_TRUE(seen.wait("connect", 2));
}

// delay_packets: what the server sends arrives late, in order.
TEST_P(ServerFixtureClientTest, DelayedPacketsArriveLateInOrder) {
  Seen seen;
  std::shared_ptr<sio::Manager> manager;
  auto socket = connect(seen, manager);
  socket->on("first", [&seen](const json&) { seen.add("order", "first"); });
  socket->on("second", [&seen](const json&) { seen.add("order", "second"); });
  ASSERT_TRUE(seen.wait("connect"));
  ASSERT_TRUE(server().delay_packets(manager->engine_id(), 600ms));
  const auto before = Clock::now();
  auto reply = socket->emit_with_ack("echo", "late");
  ASSERT_EQ(reply.wait_for(kWait), std::future_status::ready);
  EXPECT_GE(Clock::now() - before, 600ms);
  socket->emit("two");
  ASSERT_TRUE(seen.wait("order", 2));
  EXPECT_EQ(seen.dumps_of("order"), (std::vector<std::string>{"\"first\"", "\"second\""}));
}

// reorder_packets: the next two packets arrive swapped.
TEST_P(ServerFixtureClientTest, ReorderedPacketsArriveSwapped) {
  Seen seen;
  std::shared_ptr<sio::Manager> manager;
  auto socket = connect(seen, manager);
  socket->on("first", [&seen](const json&) { seen.add("order", "first"); });
  socket->on("second", [&seen](const json&) { seen.add("order", "second"); });
  ASSERT_TRUE(seen.wait("connect"));
  ASSERT_TRUE(server().reorder_packets(manager->engine_id(), 2));
  socket->emit("two");
  ASSERT_TRUE(seen.wait("order", 2));
  EXPECT_EQ(seen.dumps_of("order"), (std::vector<std::string>{"\"second\"", "\"first\""}));
}

// refuse_handshakes: connect_error while refused, connected once lifted (the client keeps trying).
TEST_P(ServerFixtureClientTest, RefusedHandshakeIsRetriedUntilAccepted) {
  server().refuse_handshakes("go away");
  Seen seen;
  std::shared_ptr<sio::Manager> manager;
  auto socket = connect(seen, manager);
  ASSERT_TRUE(seen.wait("connect_error", 2));
  EXPECT_EQ(seen.count("connect"), 0u);
  server().refuse_handshakes(std::nullopt);
  ASSERT_TRUE(seen.wait("connect"));
}

// refuse_connects: the Socket.IO CONNECT gets CONNECT_ERROR with the message (no retry: the
// client's socket stays down, as socket.io-client's does).
TEST_P(ServerFixtureClientTest, RefusedConnectReportsTheMessage) {
  server().refuse_connects("not today");
  Seen seen;
  std::shared_ptr<sio::Manager> manager;
  auto socket = connect(seen, manager);
  auto err = seen.wait("connect_error");
  ASSERT_TRUE(err);
  EXPECT_NE(err->dump().find("not today"), std::string::npos) << err->dump();
  EXPECT_FALSE(socket->connected());
}

// restart(): the server goes away and comes back on the same port; the client reconnects.
TEST_P(ServerFixtureClientTest, RestartOnTheSamePortIsSurvived) {
  Seen seen;
  std::shared_ptr<sio::Manager> manager;
  auto socket = connect(seen, manager);
  ASSERT_TRUE(seen.wait("connect"));
  const auto port_before = port();
  server().restart();
  EXPECT_EQ(port(), port_before);
  ASSERT_TRUE(seen.wait("disconnect"));
  ASSERT_TRUE(seen.wait("connect", 2));
  auto reply = socket->emit_with_ack("echo", "back");
  ASSERT_EQ(reply.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(reply.get(), json::array({"back"}));
  EXPECT_EQ(server().count("connection"), 2u);
}

INSTANTIATE_TEST_SUITE_P(Transports, ServerFixtureClientTest, ::testing::Values(Tr::polling, Tr::websocket), tr_name);

// refuse_websocket: a WebSocket-only client cannot connect; one that may poll stays on polling.
class ServerFixtureWebSocketTest : public sio::testing::ServerFixture {};

TEST_F(ServerFixtureWebSocketTest, RefusedWebSocketLeavesPollingOnly) {
  server().refuse_websocket(true);
  Seen seen;
  sio::Options ws_only;
  ws_only.auto_connect = false;
  ws_only.transports = {"websocket"};
  ws_only.reconnection = false;
  auto ws_manager = sio::Manager::create(url(), ws_only);
  auto ws_socket = ws_manager->socket("/");
  ws_socket->on("connect_error", [&seen](const json& a) { seen.add("ws-connect_error", a); });
  ws_socket->connect();
  ASSERT_TRUE(seen.wait("ws-connect_error"));

  sio::Options both;
  both.auto_connect = false;
  auto manager = sio::Manager::create(url(), both);
  auto socket = manager->socket("/");
  socket->on("connect", [&seen](const json&) { seen.add("connect"); });
  socket->connect();
  ASSERT_TRUE(seen.wait("connect"));
  // the upgrade is refused: a round trip later the client is still (only) polling
  socket->emit("noop-probe");
  EXPECT_TRUE(server().wait_event("noop-probe"));
  EXPECT_EQ(manager->transport(), "polling");
  server().refuse_websocket(false);
}

// Connection state recovery: drop_transport leads to a recovery (same id, missed packet
// replayed); miss_recoveries to a fresh session.
class ServerFixtureRecoveryTest : public ServerFixtureClientTest {
 protected:
  void SetUp() override {
    recovery_ = true;
    ServerFixtureClientTest::SetUp();
  }
};

TEST_P(ServerFixtureRecoveryTest, DroppedTransportIsRecovered) {
  Seen seen;
  std::shared_ptr<sio::Manager> manager;
  auto o = client_options();
  o.reconnection_delay = 400ms;  // room to broadcast while the client is away
  o.reconnection_delay_max = 400ms;
  auto socket = connect(seen, manager, o);
  socket->on("news", [&seen](const json& a) { seen.add("news", a); });
  ASSERT_TRUE(seen.wait("connect"));
  auto joined = socket->emit_with_ack("join", "r");
  ASSERT_EQ(joined.wait_for(kWait), std::future_status::ready);
  // a first broadcast gives the client an offset (without one there is nothing to recover from)
  server().run([](sio::server::Server& io) { io.to("r").emit("news", json::array({"before"})); });
  ASSERT_TRUE(seen.wait("news"));
  const std::string id = socket->id();
  ASSERT_TRUE(server().drop_transport(manager->engine_id()));
  // the server saw the disconnect; what goes to the room now is kept for the recovery
  ASSERT_TRUE(server().wait_for("disconnect"));
  server().run([](sio::server::Server& io) { io.to("r").emit("news", json::array({"missed"})); });
  ASSERT_TRUE(seen.wait("connect", 2));
  EXPECT_TRUE(socket->recovered());
  EXPECT_EQ(socket->id(), id);
  auto news = seen.wait("news", 2);
  ASSERT_TRUE(news);
  EXPECT_EQ((*news)[0], "missed");
  auto second = server().wait_for("connection", 2);
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)["recovered"], true);
}

TEST_P(ServerFixtureRecoveryTest, RecoveryMissGivesAFreshSession) {
  Seen seen;
  std::shared_ptr<sio::Manager> manager;
  auto socket = connect(seen, manager);
  socket->on("news", [&seen](const json& a) { seen.add("news", a); });
  ASSERT_TRUE(seen.wait("connect"));
  server().run([](sio::server::Server& io) { io.emit("news", json::array({"offset"})); });
  ASSERT_TRUE(seen.wait("news"));  // the client has a pid and an offset: it will try to recover
  const std::string id = socket->id();
  server().miss_recoveries(1);
  ASSERT_TRUE(server().drop_transport(manager->engine_id()));
  ASSERT_TRUE(seen.wait("connect", 2));
  EXPECT_FALSE(socket->recovered());
  EXPECT_NE(socket->id(), id);
  EXPECT_TRUE(server().wait_for("recovery-missed"));
  auto second = server().wait_for("connection", 2);
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)["recovered"], false);
}

INSTANTIATE_TEST_SUITE_P(Transports, ServerFixtureRecoveryTest, ::testing::Values(Tr::polling, Tr::websocket), tr_name);

}  // namespace
