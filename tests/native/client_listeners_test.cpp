// Listeners added right after io() see every event (docs/client.md, "Listeners right after io()"),
// against our server in-process (sio::testing::ServerFixture), whose connection handlers emit
// "welcome" at once - the earliest event a client can get. Each case repeats its connection many
// times, and widens the window in which a missed event would show: a round trip through another
// connection between io() and the listeners.
//   - io(url, options, setup) from the test thread: setup runs before anything starts, for a new
//     Manager and for a cached (already connected) one; a throwing setup leaves nothing behind;
//   - io() inside a callback, on the shared client thread and on a user executor run by two
//     threads (where the new Manager could otherwise run concurrently): it starts when the
//     callback returns, like JavaScript;
//   - the deferred start keeps JavaScript's state: active() and ready_state() "opening" at once,
//     a disconnect() in the same callback cancels it.
#include "sio/client.hpp"
#include "sio/client/asio.hpp"
#include "sio/testing/server_fixture.hpp"

#include "event_log.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using sio::json;

namespace {

constexpr auto kWait = 20s;
constexpr int kRounds = 25;

// What the client's callbacks saw: the shared log, waited for up to kWait.
struct Seen : sio_test::EventLog {
  Seen() : EventLog(kWait) {}
};

enum class Tr { polling, websocket };

class ClientListenersTest : public sio::testing::ServerFixture, public ::testing::WithParamInterface<Tr> {
 protected:
  void configure(sio::server::Server& io) override {
    auto handler = [](sio::server::Socket& s) {
      s.emit("welcome", json::array({s.id()}));
      s.on("echo", [](const json& args, const sio::server::AckFn& ack) {
        if (ack) ack(args);
      });
    };
    io.on_connection(handler);
    io.of("/other", handler);
  }

  sio::Options client_options(bool auto_connect = true) const {
    sio::Options o;
    o.auto_connect = auto_connect;
    o.force_new = true;
    o.reconnection_delay = 100ms;
    o.randomization_factor = 0;
    o.transports = GetParam() == Tr::polling ? std::vector<std::string>{"polling"}
                                             : std::vector<std::string>{"websocket"};
    return o;
  }

  // A connected socket of its own Manager on the shared client thread, for round trips.
  std::shared_ptr<sio::Socket> helper() {
    auto s = sio::io(url(), client_options());
    auto reply = s->emit_with_ack("echo", "ready");
    EXPECT_EQ(reply.wait_for(kWait), std::future_status::ready);
    return s;
  }

  // Full round trips through the server on `via`: the window a missed event would fall in (a
  // connection needs about as many for its handshake, CONNECT and first event).
  static void round_trip(sio::Socket& via, int times = 1) {
    for (int i = 0; i < times; ++i) {
      auto reply = via.emit_with_ack("echo", i);
      ASSERT_EQ(reply.wait_for(kWait), std::future_status::ready);
      EXPECT_EQ(reply.get(), json::array({i}));
    }
  }

  static void listen(sio::Socket& s, Seen& seen) {
    s.io()->on("open", [&seen](const json&) { seen.add("open"); });
    s.on_connect([&seen] { seen.add("connect"); });
    s.on("welcome", [&seen](const json& a) { seen.add("welcome", a); });
  }

  // Every event of the connection came, "welcome" carrying the socket's id.
  static void expect_everything(sio::Socket& s, Seen& seen, bool new_manager = true) {
    auto welcome = seen.wait("welcome");
    ASSERT_TRUE(welcome);
    ASSERT_TRUE(seen.wait("connect"));
    EXPECT_EQ((*welcome)[0], s.id());
    if (new_manager) {
      EXPECT_EQ(seen.count("open"), 1u);
    }
    EXPECT_EQ(seen.count("welcome"), 1u);
  }
};

// An io_context run by two threads, until destroyed (after the Managers on it: their shutdown runs).
struct TwoThreads {
  boost::asio::io_context ctx;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{ctx.get_executor()};
  std::thread t1{[this] { ctx.run(); }};
  std::thread t2{[this] { ctx.run(); }};
  ~TwoThreads() {
    guard.reset();
    t1.join();
    t2.join();
  }
};

std::string tr_name(const ::testing::TestParamInfo<Tr>& info) {
  return info.param == Tr::polling ? "polling" : "websocket";
}

}  // namespace

// From the test thread (not a thread of the client): setup runs before the Manager opens, so its
// listeners see "open", "connect" and the "welcome" the server emits in its connection handler.
TEST_P(ClientListenersTest, SetupFunctionRunsBeforeTheConnectionStarts) {
  auto via = helper();
  for (int round = 0; round < kRounds; ++round) {
    Seen seen;
    auto socket = sio::io(url(), client_options(), [&](sio::Socket& s) {
      EXPECT_TRUE(s.active());
      EXPECT_EQ(s.io()->ready_state(), "opening");
      round_trip(*via, 4);
      EXPECT_EQ(s.io()->engine_id(), "");  // no Engine.IO connection yet
      listen(s, seen);
    });
    ASSERT_NO_FATAL_FAILURE(expect_everything(*socket, seen));
  }
}

// A cached Manager, already connected (io() multiplexes "/other" onto it): the new namespace's
// CONNECT waits for setup.
TEST_P(ClientListenersTest, SetupFunctionOnACachedManager) {
  auto options = client_options();
  options.force_new = false;
  auto root = sio::io(url(), options);
  round_trip(*root);
  for (int round = 0; round < kRounds; ++round) {
    Seen seen;
    auto socket = sio::io(url() + "/other", options, [&](sio::Socket& s) {
      round_trip(*root, 4);  // the Manager runs meanwhile: only this socket waits
      listen(s, seen);
    });
    EXPECT_EQ(socket->io(), root->io());
    ASSERT_NO_FATAL_FAILURE(expect_everything(*socket, seen, /*new_manager=*/false));
  }
}

// Manager::socket(nsp, options, setup): the same for an explicit Manager.
TEST_P(ClientListenersTest, ManagerSocketWithSetup) {
  auto manager = sio::Manager::create(url(), client_options());
  auto root = manager->socket("/");
  round_trip(*root);
  Seen seen;
  auto socket = manager->socket("/other", {}, [&](sio::Socket& s) {
    round_trip(*root, 4);
    listen(s, seen);
  });
  ASSERT_NO_FATAL_FAILURE(expect_everything(*socket, seen, /*new_manager=*/false));
}

// With auto_connect off, setup runs and nothing starts until connect().
TEST_P(ClientListenersTest, SetupWithoutAutoConnect) {
  Seen seen;
  auto socket = sio::io(url(), client_options(false), [&](sio::Socket& s) { listen(s, seen); });
  EXPECT_FALSE(socket->active());
  EXPECT_EQ(socket->io()->ready_state(), "closed");
  socket->connect();
  ASSERT_NO_FATAL_FAILURE(expect_everything(*socket, seen));
}

// A setup that throws: the exception reaches the caller, the socket is gone (nothing connects).
TEST_P(ClientListenersTest, ThrowingSetupLeavesNothingBehind) {
  std::weak_ptr<sio::Socket> weak;
  std::weak_ptr<sio::Manager> manager;
  EXPECT_THROW(sio::io(url(), client_options(),
                       [&](sio::Socket& s) {
                         weak = s.shared_from_this();
                         manager = s.io();
                         throw std::runtime_error("setup failed");
                       }),
               std::runtime_error);
  EXPECT_TRUE(weak.expired());
  EXPECT_TRUE(manager.expired());
  // and the next one works
  Seen seen;
  auto socket = sio::io(url(), client_options(), [&](sio::Socket& s) { listen(s, seen); });
  ASSERT_NO_FATAL_FAILURE(expect_everything(*socket, seen));
}

// io() inside a callback on the shared client thread: listeners added after it, in the callback,
// see everything (the connection starts when the callback returns).
TEST_P(ClientListenersTest, IoInsideACallbackOnTheClientThread) {
  auto via = helper();
  for (int round = 0; round < kRounds; ++round) {
    Seen seen;
    std::promise<std::shared_ptr<sio::Socket>> made;
    via->emit("echo", round, [&](std::optional<sio::Error>, json) {
      auto s = sio::io(url(), client_options());
      EXPECT_TRUE(s->active());  // (no query of another Manager here: it would wait for this thread)
      listen(*s, seen);
      made.set_value(s);
    });
    auto f = made.get_future();
    ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
    auto socket = f.get();
    ASSERT_NO_FATAL_FAILURE(expect_everything(*socket, seen));
  }
}

// The same with a user executor run by two threads, where the new Manager's strand could run on
// the other thread while the callback goes on: the callback waits for round trips on the helper
// (on the shared client thread) between io() and its listeners, and still misses nothing.
TEST_P(ClientListenersTest, IoInsideACallbackOnAMultiThreadedExecutor) {
  TwoThreads executor;
  boost::asio::io_context& ctx = executor.ctx;
  {
    auto via = helper();
    auto options = client_options();
    options.executor = sio::asio_executor(ctx.get_executor());
    auto first = sio::io(url(), options);
    round_trip(*first);
    for (int round = 0; round < kRounds; ++round) {
      Seen seen;
      std::promise<std::shared_ptr<sio::Socket>> made;
      first->emit("echo", round, [&](std::optional<sio::Error>, json) {
        auto s = sio::io(url(), options);
        round_trip(*via, 4);
        EXPECT_EQ(s->io()->transport(), "");  // not started: no Engine.IO connection
        listen(*s, seen);
        made.set_value(s);
      });
      auto f = made.get_future();
      ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
      auto socket = f.get();
      ASSERT_NO_FATAL_FAILURE(expect_everything(*socket, seen));
    }
  }
}

// connect() then disconnect() in one callback: nothing connects (the deferred start is cancelled),
// as in JavaScript; connect() later works.
TEST_P(ClientListenersTest, DisconnectInTheSameCallbackCancelsTheStart) {
  auto via = helper();
  Seen seen;
  std::promise<std::shared_ptr<sio::Socket>> made;
  via->emit("echo", 0, [&](std::optional<sio::Error>, json) {
    auto s = sio::io(url(), client_options());
    listen(*s, seen);
    s->disconnect();
    EXPECT_FALSE(s->active());
    made.set_value(s);
  });
  auto f = made.get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  auto socket = f.get();
  round_trip(*via);
  EXPECT_FALSE(socket->active());
  EXPECT_EQ(seen.count("connect"), 0u);
  socket->connect();
  ASSERT_TRUE(seen.wait("welcome"));
}

INSTANTIATE_TEST_SUITE_P(Transports, ClientListenersTest, ::testing::Values(Tr::polling, Tr::websocket), tr_name);
