// Redis adapter interop: a mixed cluster of two C++ servers (sio::redis::Adapter) and one Node
// socket.io 4.8 server with @socket.io/redis-adapter 8.x, on a private redis-server, driven by
// official socket.io-client 4.8 clients on every server (tests/server/redis/cluster.js): room
// broadcasts, except, namespace-wide and binary emits, socketsJoin/socketsLeave/disconnectSockets,
// fetchSockets, allRooms, serverSideEmit with and without acks, broadcasts with acks, in every
// direction (ours to Node, Node to ours, ours to ours).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "sio/redis/adapter.hpp"
#include "sio/redis/emitter.hpp"
#include "sio/server/server.hpp"

#include "nginx_runner.hpp"
#include "node_runner.hpp"
#include "redis_runner.hpp"

using namespace std::chrono_literals;
using namespace std::string_literals;
using sio::json;
using sio::server::AckFn;
using sio::server::Socket;

namespace {

sio::redis::Adapter& redis_adapter(sio::server::Namespace& nsp) {
  return dynamic_cast<sio::redis::Adapter&>(nsp.adapter());
}

std::vector<std::string> strings(const json& o, const char* key) {
  std::vector<std::string> out;
  if (o.is_object() && o.contains(key) && o[key].is_array()) {
    for (const auto& v : o[key]) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

// The control events of tests/server/redis/node_server.js, on a C++ server.
// With an emitter: "use-emitter" {op, to, except, event, args, room} runs it (the emitter is not
// part of the server: its own Redis connection, no adapter).
void install_handlers(sio::server::Server& server, const std::string& name,
                      std::shared_ptr<sio::redis::Emitter> emitter = nullptr) {
  auto nsp = server.sockets();
  std::weak_ptr<sio::server::Namespace> weak = nsp;
  nsp->on_server_side("hello", [weak, name](const json& args) {
    if (auto n = weak.lock()) n->local().emit("got-hello", json::array({name, args.empty() ? json() : args[0]}));
  });
  nsp->on_server_side("hello-ack", sio::server::ServerSideHandler([name](const json& args, const AckFn& ack) {
    if (ack) ack(json::array({name + ":" + (args.empty() || !args[0].is_string() ? "" : args[0].get<std::string>())}));
  }));
  nsp->on_connection([weak, name, emitter](Socket& socket) {
    socket.data = {{"server", name}, {"client", socket.handshake().auth.value("name", "")}};
    auto op = [weak](const json& o) {
      auto target = weak.lock()->all();
      for (const auto& r : strings(o, "to")) target = target.to(r);
      for (const auto& r : strings(o, "except")) target = target.except(r);
      return target;
    };
    auto arg0 = [](const json& args) { return args.empty() ? json::object() : args[0]; };
    auto* s = &socket;
    socket.on("whoami", [name](const json&, const AckFn& ack) { ack(json::array({name})); });
    socket.on("join", [s](const json& args, const AckFn& ack) {
      s->join(args.at(0).get<std::string>());
      ack(json::array());
    });
    socket.on("leave", [s](const json& args, const AckFn& ack) {
      s->leave(args.at(0).get<std::string>());
      ack(json::array());
    });
    socket.on("emit", [op, arg0](const json& args, const AckFn& ack) {
      const json o = arg0(args);
      op(o).emit(o["event"].get<std::string>(), o.value("args", json::array()));
      ack(json::array());
    });
    socket.on("emit-ack", [op, arg0](const json& args, const AckFn& ack) {
      const json o = arg0(args);
      op(o).timeout(std::chrono::milliseconds(o["timeout"].get<long long>()))
          .emit(o["event"].get<std::string>(), o.value("args", json::array()),
                [ack](std::optional<sio::Error> error, json responses) {
                  ack(json::array({{{"err", error.has_value()}, {"responses", responses}}}));
                });
    });
    socket.on("sockets-join", [op, arg0](const json& args, const AckFn& ack) {
      const json o = arg0(args);
      op(o).sockets_join(o["room"].get<std::string>());
      ack(json::array());
    });
    socket.on("sockets-leave", [op, arg0](const json& args, const AckFn& ack) {
      const json o = arg0(args);
      op(o).sockets_leave(o["room"].get<std::string>());
      ack(json::array());
    });
    socket.on("disconnect-sockets", [op, arg0](const json& args, const AckFn& ack) {
      op(arg0(args)).disconnect_sockets();
      ack(json::array());
    });
    socket.on("fetch", [weak, op, arg0](const json& args, const AckFn& ack) {
      auto nsp = weak.lock();
      redis_adapter(*nsp).fetch_remote_sockets(
          op(arg0(args)).options(), [ack](std::optional<sio::Error> error, std::vector<sio::redis::RemoteSocket> sockets) {
            json out = json::array();
            for (const auto& r : sockets) {
              json rooms = json::array();
              for (const auto& room : r.rooms) rooms.push_back(room);
              out.push_back({{"id", r.id}, {"data", r.data}, {"rooms", rooms}});
            }
            ack(json::array({out, error.has_value()}));
          });
    });
    socket.on("all-rooms", [weak](const json&, const AckFn& ack) {
      redis_adapter(*weak.lock()).all_rooms([ack](std::optional<sio::Error>, std::set<std::string> rooms) {
        json out = json::array();
        for (const auto& r : rooms) out.push_back(r);
        ack(json::array({out}));
      });
    });
    socket.on("server-count", [weak](const json&, const AckFn& ack) {
      weak.lock()->adapter().server_count([ack](std::size_t n) { ack(json::array({n})); });
    });
    if (emitter) {
      socket.on("use-emitter", [emitter, arg0](const json& args, const AckFn& ack) {
        const json o = arg0(args);
        auto e = *emitter;
        for (const auto& r : strings(o, "to")) e = e.to(r);
        for (const auto& r : strings(o, "except")) e = e.except(r);
        const auto op = o.value("op", "");
        if (op == "emit") e.emit(o["event"].get<std::string>(), o.value("args", json::array()));
        if (op == "join") e.sockets_join(o["room"].get<std::string>());
        if (op == "leave") e.sockets_leave(o["room"].get<std::string>());
        if (op == "disconnect") e.disconnect_sockets(true);
        if (op == "server-side-emit") e.server_side_emit(o["event"].get<std::string>(), o.value("args", json::array()));
        ack(json::array());
      });
    }
    socket.on("server-side-emit", [weak, arg0](const json& args, const AckFn& ack) {
      const json o = arg0(args);
      weak.lock()->server_side_emit(o["event"].get<std::string>(), o.value("args", json::array()));
      ack(json::array());
    });
    socket.on("server-side-emit-ack", [weak, arg0](const json& args, const AckFn& ack) {
      const json o = arg0(args);
      weak.lock()->server_side_emit(o["event"].get<std::string>(), o.value("args", json::array()),
                                    [ack](std::optional<sio::Error> error, json responses) {
                                      ack(json::array({{{"err", error.has_value()}, {"responses", responses}}}));
                                    });
    });
  });
}

class RedisClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.start()) << redis_.output();
    sio::redis::ConnectionOptions eopts;
    eopts.port = redis_.port();
    eopts.name = "emitter";
    emitter_connection_ = sio::redis::Connection::create(io_.get_executor(), eopts);
    emitter_connection_->start();
    emitter_ = std::make_shared<sio::redis::Emitter>(emitter_connection_);
    for (const char* name : {"A", "B"}) {
      sio::redis::ClusterOptions copts;
      copts.host = "127.0.0.1";
      copts.port = redis_.port();
      copts.requests_timeout = requests_timeout();
      copts.log = [this](std::string_view line) {
        std::lock_guard<std::mutex> lock(log_mutex_);
        log_.emplace_back(line);
      };
      auto cluster = sio::redis::Cluster::create(io_.get_executor(), copts);
      sio::server::ServerOptions options;
      options.adapter = cluster->adapter_factory();
      auto server = std::make_unique<sio::server::Server>(io_, options, "127.0.0.1", 0);
      const bool first = servers_.empty();
      install_handlers(*server, name, first ? emitter_ : nullptr);
      if (first) install_extra_handlers(*server);
      servers_.push_back(std::move(server));
    }
    thread_ = std::thread([this] { io_.run(); });
  }

  virtual std::chrono::milliseconds requests_timeout() const { return 5000ms; }
  virtual void install_extra_handlers(sio::server::Server&) {}

  void TearDown() override {
    boost::asio::post(io_, [this] {
      for (auto& s : servers_) s->close();
      if (emitter_connection_) emitter_connection_->close();
      work_.reset();
    });
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!io_.stopped() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(io_.stopped()) << "the servers (and their Redis connections) did not close";
    io_.stop();
    if (thread_.joinable()) thread_.join();
    for (auto& t : helpers_) t.join();
    servers_.clear();
  }

  std::string ours() const {
    return std::to_string(servers_[0]->port()) + "," + std::to_string(servers_[1]->port());
  }

  sio_test::RedisServer redis_;
  boost::asio::io_context io_;
  std::shared_ptr<sio::redis::Connection> emitter_connection_;
  std::shared_ptr<sio::redis::Emitter> emitter_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::vector<std::unique_ptr<sio::server::Server>> servers_;
  std::thread thread_;
  std::vector<std::thread> helpers_;  // started by handlers (e.g. restarting Redis)
  std::mutex log_mutex_;
  std::vector<std::string> log_;  // the adapters' log lines
};

const std::vector<std::string> kClusterChecks = {
    "server-count", "room-broadcast-every-direction", "except-every-direction",
    "namespace-wide-and-multi-room", "binary-every-direction", "sockets-join-leave-every-direction",
    "fetch-sockets-every-direction", "all-rooms", "server-side-emit-every-direction",
    "server-side-emit-with-ack-every-direction", "broadcast-with-acks-every-direction",
    "disconnect-sockets-every-direction"};

void expect_all_pass(const sio_test::NodeResult& r, const std::vector<std::string>& checks) {
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const auto& c : checks) {
    EXPECT_NE(r.output.find("PASS " + c + "\n"), std::string::npos) << "check " << c << ":\n" << r.output;
  }
  EXPECT_NE(r.output.find("DONE ok"), std::string::npos) << r.output;
}

TEST_F(RedisClusterTest, MixedClusterWebSocket) {
  expect_all_pass(sio_test::run_node("redis/cluster.js",
                                     {"--redis-port", std::to_string(redis_.port()), "--ours", ours(), "--mode", "websocket"},
                                     180s),
                  kClusterChecks);
}

TEST_F(RedisClusterTest, MixedClusterPolling) {
  expect_all_pass(sio_test::run_node("redis/cluster.js",
                                     {"--redis-port", std::to_string(redis_.port()), "--ours", ours(), "--mode", "polling"},
                                     180s),
                  kClusterChecks);
}

const std::vector<std::string> kEmitterChecks = {"emitter-namespace-wide", "emitter-room-except",
                                                 "emitter-binary", "emitter-sockets-join-leave",
                                                 "emitter-server-side-emit", "emitter-disconnect-sockets"};

TEST_F(RedisClusterTest, EmitterReachesEveryServer) {
  expect_all_pass(sio_test::run_node("redis/emitter.js",
                                     {"--redis-port", std::to_string(redis_.port()), "--ours", ours(), "--mode", "websocket"},
                                     120s),
                  kEmitterChecks);
}

const std::vector<std::string> kBalancerChecks = {"polling-through-balancer", "broadcasts-through-balancer"};

// nginx in front of servers A and B: sticky by client address (what docs/scaling.md shows; every
// test client is 127.0.0.1, so all land on one server), and sticky by a per-client header
// (clients spread over both servers).
TEST_F(RedisClusterTest, NginxIpHashPollingOnly) {
  sio_test::NginxBalancer nginx("ip_hash;", {servers_[0]->port(), servers_[1]->port()});
  ASSERT_TRUE(nginx.start()) << nginx.error_log();
  expect_all_pass(sio_test::run_node("redis/balancer.js", {"--lb-port", std::to_string(nginx.port())}, 120s),
                  kBalancerChecks);
}

TEST_F(RedisClusterTest, NginxHeaderHashPollingOnlySpread) {
  sio_test::NginxBalancer nginx("hash $http_x_client_id consistent;", {servers_[0]->port(), servers_[1]->port()});
  ASSERT_TRUE(nginx.start()) << nginx.error_log();
  expect_all_pass(sio_test::run_node("redis/balancer.js", {"--lb-port", std::to_string(nginx.port()), "--spread"}, 120s),
                  kBalancerChecks);
}

// Redis restart, dead peer, malformed messages (tests/server/redis/failure.js), on servers A and B.
class RedisFailureTest : public RedisClusterTest {
 protected:
  std::chrono::milliseconds requests_timeout() const override { return 1000ms; }

  void install_extra_handlers(sio::server::Server& server) override {
    server.sockets()->on_connection([this](Socket& socket) {
      socket.on("redis-restart", [this](const json&, const AckFn& ack) {
        // Off the executor: the servers keep running while Redis is down.
        helpers_.emplace_back([this, ack] {
          redis_.stop();
          const bool ok = redis_.start();
          ack(json::array({ok}));
        });
      });
      socket.on("publish-garbage", [this](const json&, const AckFn& ack) { publish_garbage(ack); });
      socket.on("fake-peer", [this](const json& args, const AckFn& ack) {
        if (!args.empty() && args[0] == "start") {
          sio::redis::ConnectionOptions o;
          o.port = redis_.port();
          o.name = "dead-peer";
          fake_peer_ = sio::redis::Connection::create(io_.get_executor(), o);
          fake_peer_->start();
          fake_peer_->subscribe("socket.io-request#/#");  // counted as a server, never answers
        } else if (fake_peer_) {
          fake_peer_->close();
          fake_peer_.reset();
        }
        ack(json::array());
      });
    });
  }

  // Foreign and malformed payloads on every channel of "/"; acknowledged once Redis took them all.
  void publish_garbage(const AckFn& ack) {
    sio::redis::ConnectionOptions o;
    o.port = redis_.port();
    o.name = "garbage";
    garbage_ = sio::redis::Connection::create(io_.get_executor(), o);
    garbage_->start();
    std::string deep(300, '\x91');  // 300 nested one-element arrays
    deep.push_back('\xc0');
    const std::vector<std::pair<std::string, std::string>> messages = {
        {"socket.io#/#", "not msgpack \xc1"},
        {"socket.io#/#", std::string("\x92\x01\x02")},                          // [1, 2]
        {"socket.io#/#", "\x93\xa3" "abc" "\x81\xa4type\x00\x80"s},         // packet type 0
        {"socket.io#/#", deep},
        {"socket.io#/#", "\x93\xa3" "abc"s},                                    // truncated
        {"socket.io#/#", "{\"json\":\"on the broadcast channel\"}"},
        {"socket.io-request#/#", "{not json"},
        {"socket.io-request#/#", "{\"type\":7}"},
        {"socket.io-request#/#", "{\"type\":99,\"requestId\":\"x\"}"},
        {"socket.io-request#/#", "\xff\x00"s},
        {"socket.io-request#/#", "{\"type\":2,\"opts\":5,\"rooms\":\"x\"}"},
        {"socket.io-request#/#", "{\"type\":6,\"data\":\"x\"}"},
        {"socket.io-request#/#", "{\"type\":5,\"requestId\":\"r\",\"opts\":{\"rooms\":7}}"},
        {"socket.io-request#/#", "{\"type\":0,\"requestId\":\"r\",\"rooms\":[[[[1]]]]}"},
        {"socket.io-response#/#", "{"},
        {"socket.io-response#/#", "{\"requestId\":5}"},
        {"socket.io-response#/#", std::string("\x80", 1)},
    };
    auto left = std::make_shared<std::size_t>(messages.size());
    for (const auto& [channel, payload] : messages) {
      garbage_->command({"PUBLISH", channel, payload}, [left, ack](std::optional<sio::redis::Reply>) {
        if (--*left == 0) ack(json::array());
      });
    }
  }

  std::size_t ignored_lines() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    std::size_t n = 0;
    for (const auto& l : log_) n += l.find("ignored") != std::string::npos;
    return n;
  }

  std::shared_ptr<sio::redis::Connection> fake_peer_;
  std::shared_ptr<sio::redis::Connection> garbage_;
};

const std::vector<std::string> kFailureChecks = {"cluster-works", "malformed-messages-ignored", "redis-restart",
                                                 "dead-peer"};

TEST_F(RedisFailureTest, RestartDeadPeerMalformed) {
  expect_all_pass(sio_test::run_node("redis/failure.js",
                                     {"--redis-port", std::to_string(redis_.port()), "--ours", ours(), "--mode", "websocket"},
                                     150s),
                  kFailureChecks);
  // Every malformed message was logged by both servers (and nothing crashed).
  EXPECT_GE(ignored_lines(), 2u * 10u);
  boost::asio::post(io_, [this] {
    if (garbage_) garbage_->close();
    if (fake_peer_) fake_peer_->close();
  });
}

}  // namespace

// sio-testserver --redis: two processes of the demo server on one Redis pass chat messages between
// their clients (tests/server/redis/testserver_cli.js).
TEST(RedisTestServer, TwoProcessesOnOneRedisShareTheChat) {
  sio_test::RedisServer redis;
  ASSERT_TRUE(redis.start()) << redis.output();
  const auto r = sio_test::run_node("redis/testserver_cli.js",
                                    {"--redis-port", std::to_string(redis.port()), "--server", SIO_TESTSERVER}, 120s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("PASS testserver-redis-chat-crosses-processes\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DONE ok"), std::string::npos) << r.output;
}
