// The server with several I/O threads (ServerOptions::io_threads): sessions spread over the
// threads, every handler on the executor's thread, rooms, broadcasts and acks across threads,
// polling requests that land on another thread than their session's, disconnect races, and
// operations from other threads. Run under TSan by scripts/test.sh (stage_tsan).
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "raw_peer.hpp"
#include "server_fixture.hpp"
#include "sio/server/server.hpp"

namespace {

using namespace std::chrono_literals;
using sio::json;
using sio::server::AckFn;
using sio::server::ServerOptions;
using sio::server::Socket;
using sio_test::Raw;

constexpr unsigned kThreads = 3;  // more than the round-robin's first pass, so every kind of hop occurs

class IoThreadsTest : public sio_test::ServerThreadTest {
 protected:
  void start(ServerOptions options = {}) {
    options.io_threads = kThreads;
    make_server(std::move(options));
    server_->on_connection([this](Socket& s) {
      note_thread();
      auto weak = std::weak_ptr<Socket>(s.shared_from_this());
      {
        std::lock_guard lock(mutex_);
        sockets_[s.id()] = weak;
      }
      s.on("echo", [this](const json& args, const AckFn& ack) {
        note_thread();
        if (ack) ack(args);
      });
      s.on("join", [this, weak](const json& args, const AckFn& ack) {
        note_thread();
        if (auto sp = weak.lock()) sp->join(args.at(0).get<std::string>());
        if (ack) ack(json::array());
      });
      s.on("shout", [this, weak](const json& args, const AckFn&) {
        note_thread();
        if (auto sp = weak.lock()) sp->broadcast().emit("shouted", args);
      });
      s.on_disconnect([this, id = s.id()](const std::string& reason) {
        note_thread();
        note_reason(id, reason);
      });
    });
    run_io_thread();
  }

  void TearDown() override {
    if (!server_) return;
    EXPECT_TRUE(stop_server(60s)) << "the server's loop did not end within 60 s of close()";
    EXPECT_EQ(wrong_thread_.load(), 0) << "a handler ran off the executor's thread";
  }

  void note_thread() {
    if (std::this_thread::get_id() != io_thread_) ++wrong_thread_;
  }

  std::size_t reasons_count() {
    std::lock_guard lock(mutex_);
    return reasons_.size();
  }

  std::shared_ptr<Socket> socket_of(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = sockets_.find(id);
    return it == sockets_.end() ? nullptr : it->second.lock();
  }

  // n WebSocket clients connected to the main namespace (accepted round-robin over the threads,
  // the first on the executor's), their Socket.IO ids in `ids` if given. Stops at the first that
  // fails (a failure of the test): the caller asserts the count.
  std::vector<std::unique_ptr<Raw>> connect_clients(int n, std::vector<std::string>* ids = nullptr) {
    std::vector<std::unique_ptr<Raw>> out;
    for (int i = 0; i < n; ++i) {
      auto c = std::make_unique<Raw>(port_);
      const auto id = sio_test::ws_connect(*c);
      EXPECT_FALSE(id.empty()) << "client " << i << " did not connect";
      if (id.empty()) break;
      if (ids) ids->push_back(id);
      out.push_back(std::move(c));
    }
    return out;
  }

  // The next data frame that is not a ping.
  static std::string next_data(Raw& c) {
    auto f = c.ws_read_data(true, 30s);
    return f ? f->payload : std::string();
  }

  std::atomic<int> wrong_thread_{0};
  std::map<std::string, std::weak_ptr<Socket>> sockets_;
};

// Many WebSocket clients, spread over the threads: each one's event is acked with its own
// arguments, the handlers all run on the executor's thread, and the count covers every thread.
TEST_F(IoThreadsTest, ManyClientsEchoWithAcksOverSeveralThreads) {
  start();
  constexpr int kClients = 12;
  auto clients = connect_clients(kClients);
  ASSERT_EQ(clients.size(), static_cast<std::size_t>(kClients));
  EXPECT_EQ(client_count(), static_cast<std::size_t>(kClients));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kClients; ++i) {
      clients[i]->ws_send("42" + std::to_string(round) + "[\"echo\"," + std::to_string(i) + ",\"x\"]");
    }
    for (int i = 0; i < kClients; ++i) {
      EXPECT_EQ(next_data(*clients[i]), "43" + std::to_string(round) + "[" + std::to_string(i) + ",\"x\"]");
    }
  }
}

// Room members on every thread get a room broadcast exactly once, the others none; a client's
// socket.broadcast reaches every other client, whatever thread it is on.
TEST_F(IoThreadsTest, RoomsAndBroadcastsAcrossThreads) {
  start();
  constexpr int kClients = 9;
  auto clients = connect_clients(kClients);
  ASSERT_EQ(clients.size(), static_cast<std::size_t>(kClients));
  // Even clients join "even" (acked, so the join is done before the broadcast).
  for (int i = 0; i < kClients; i += 2) {
    clients[i]->ws_send("421[\"join\",\"even\"]");
    ASSERT_EQ(next_data(*clients[i]), "431[]");
  }
  on_server([this] {
    for (int n = 0; n < 50; ++n) server_->to("even").emit("tick", json::array({n}));
    server_->emit("end");
  });
  for (int i = 0; i < kClients; ++i) {
    if (i % 2 == 0) {
      for (int n = 0; n < 50; ++n) ASSERT_EQ(next_data(*clients[i]), "42[\"tick\"," + std::to_string(n) + "]");
    }
    EXPECT_EQ(next_data(*clients[i]), "42[\"end\"]") << "client " << i;
  }
  clients[1]->ws_send("42[\"shout\",\"hi\"]");
  for (int i = 0; i < kClients; ++i) {
    if (i == 1) continue;
    EXPECT_EQ(next_data(*clients[i]), "42[\"shouted\",\"hi\"]") << "client " << i;
  }
}

// Polling: every request is a new TCP connection, so the round-robin hands most of them to a
// thread other than the session's; they are moved there and the session sees them in order.
// Then the upgrade (also on a new connection) and an event over the WebSocket.
TEST_F(IoThreadsTest, PollingRequestsAndUpgradeReachTheSessionsThread) {
  start();
  auto hs = sio_test::http(port_, "GET", "/socket.io/?EIO=4&transport=polling");
  ASSERT_TRUE(hs && hs->status == 200);
  ASSERT_EQ(hs->body.rfind("0{", 0), 0u);
  const auto open = sio::parse_json(std::string_view(hs->body).substr(1));
  ASSERT_TRUE(open && open->is_object());
  const std::string sid = open->value("sid", "");
  const std::string q = "/socket.io/?EIO=4&transport=polling&sid=" + sid;
  auto post = sio_test::http(port_, "POST", q, "40");
  ASSERT_TRUE(post && post->status == 200);
  auto get = sio_test::http(port_, "GET", q);
  ASSERT_TRUE(get && get->status == 200);
  EXPECT_EQ(get->body.rfind("40{", 0), 0u) << get->body;
  for (int i = 0; i < 6; ++i) {
    post = sio_test::http(port_, "POST", q, "42" + std::to_string(i) + "[\"echo\"," + std::to_string(i) + "]");
    ASSERT_TRUE(post && post->status == 200) << i;
    get = sio_test::http(port_, "GET", q);
    ASSERT_TRUE(get && get->status == 200);
    EXPECT_EQ(get->body, "43" + std::to_string(i) + "[" + std::to_string(i) + "]");
  }
  Raw ws(port_);
  auto up = ws.ws_handshake("/socket.io/?EIO=4&transport=websocket&sid=" + sid);
  ASSERT_TRUE(up && up->status == 101);
  ws.ws_send("2probe");
  EXPECT_EQ(next_data(ws), "3probe");
  ws.ws_send("5");
  ws.ws_send("429[\"echo\",\"ws\"]");
  EXPECT_EQ(next_data(ws), "439[\"ws\"]");
  EXPECT_TRUE(eventually([&] {
    return on_server([&] { return std::string(server_->engine().client_count() == 1 ? "ok" : ""); }) == "ok";
  }));
  // An unknown sid is still refused, from any thread.
  auto bad = sio_test::http(port_, "GET", "/socket.io/?EIO=4&transport=polling&sid=nope");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

// While another thread broadcasts and emits to single sockets without pause, a third of the
// clients vanish (TCP reset), a third are disconnected by the server from yet another thread,
// and a third leave with a Socket.IO disconnect: every socket gets exactly one disconnect, the
// server ends with no session, and nothing races (TSan).
TEST_F(IoThreadsTest, DisconnectRacesWithBroadcastsFromOtherThreads) {
  start();
  constexpr int kClients = 15;
  std::vector<std::string> ids;
  auto clients = connect_clients(kClients, &ids);
  ASSERT_EQ(clients.size(), static_cast<std::size_t>(kClients));
  std::atomic<bool> stop{false};
  std::thread emitter([&] {
    int n = 0;
    while (!stop) {
      server_->emit("noise", json::array({n}));  // thread-safe operations
      for (const auto& id : ids) {
        if (auto s = socket_of(id)) s->emit("direct", json::array({n}));
      }
      ++n;
      std::this_thread::sleep_for(1ms);  // pacing only; nothing waits on it
    }
  });
  std::thread disconnector([&] {
    for (int i = 1; i < kClients; i += 3) {
      if (auto s = socket_of(ids[i])) s->disconnect(true);
    }
  });
  for (int i = 0; i < kClients; i += 3) clients[i]->reset();
  for (int i = 2; i < kClients; i += 3) clients[i]->ws_send("41");
  disconnector.join();
  EXPECT_TRUE(eventually([&] { return reasons_count() == static_cast<std::size_t>(kClients); }))
      << reasons_count() << " of " << kClients;
  stop = true;
  emitter.join();
  // The clients that left the namespace still hold their Engine.IO sessions: they go now.
  for (int i = 2; i < kClients; i += 3) clients[i]->close();
  {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < kClients; ++i) {
      const auto& r = reasons_[ids[i]];
      if (i % 3 == 1) {
        EXPECT_EQ(r, "server namespace disconnect") << i;
      } else if (i % 3 == 2) {
        EXPECT_EQ(r, "client namespace disconnect") << i;
      } else {
        EXPECT_TRUE(r == "transport close" || r == "transport error") << i << ": " << r;
      }
    }
  }
  EXPECT_TRUE(eventually([&] { return client_count() == 0; }));
}

// HTTP requests that are not Engine.IO reach on_http_request on the executor's thread, whatever
// thread accepted their connection.
TEST_F(IoThreadsTest, OtherHttpRequestsAreAnsweredOnTheExecutor) {
  start();
  server_->engine().on_http_request = [this](const sio::server::HttpRequest& req, sio::server::HttpResponder respond) {
    note_thread();
    if (req.path != "/hello") return false;
    sio::server::HttpResponse res;
    res.body = "hi";
    respond(std::move(res));
    return true;
  };
  for (int i = 0; i < 6; ++i) {
    auto r = sio_test::http(port_, "GET", "/hello");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hi");
  }
}

// Closing the server closes the sessions of every thread: the executor's loop ends only once
// every socket has had its disconnect (there, on the executor's thread), and each client sees
// its connection end.
TEST_F(IoThreadsTest, DestroyingTheServerClosesEveryThreadsSessions) {
  start();
  auto clients = connect_clients(6);
  ASSERT_EQ(clients.size(), 6u);
  EXPECT_TRUE(stop_io_thread(60s));
  EXPECT_EQ(reasons_count(), clients.size()) << "disconnects delivered before the loop ended";
  server_.reset();
  for (auto& c : clients) EXPECT_TRUE(c->wait_closed(30s));
  EXPECT_EQ(wrong_thread_.load(), 0);
}

// The executor's loop ends only after the sessions of the other threads have reported their end:
// with no session left on the executor's own thread (the two there leave first; connections go
// round-robin, the first to shard 0), close() leaves it nothing of its own to wait for, and the
// disconnects of the four others still run on it before run() returns.
TEST_F(IoThreadsTest, ExecutorsLoopEndsAfterTheOtherThreadsDisconnects) {
  start();
  auto clients = connect_clients(6);
  ASSERT_EQ(clients.size(), 6u);
  clients[0]->close();
  clients[3]->close();
  ASSERT_TRUE(eventually([&] { return reasons_count() == 2; }));
  EXPECT_TRUE(stop_io_thread(60s));
  EXPECT_EQ(reasons_count(), clients.size()) << "disconnects delivered before the loop ended";
  server_.reset();
  EXPECT_EQ(wrong_thread_.load(), 0);
}

}  // namespace
