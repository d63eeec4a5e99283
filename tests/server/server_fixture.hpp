// server_fixture.hpp - the GoogleTest fixture base of the server tests that run a Server in this
// process on an io thread of their own: the server and its thread, running code on that thread,
// bounded waits, and the disconnect reason of each socket. Each test file derives its fixture
// from it and adds its own handlers and checks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "server_thread.hpp"
#include "sio/server/server.hpp"

namespace sio_test {

class ServerThreadTest : public ::testing::Test {
 protected:
  using Clock = std::chrono::steady_clock;

  // `reason_limit`: how long reason_of(id) waits for a disconnect reason by default.
  explicit ServerThreadTest(std::chrono::milliseconds reason_limit = std::chrono::seconds(60))
      : reason_limit_(reason_limit) {}

  // Makes server_ on io_ with `options`, listening on 127.0.0.1 on a free port (port_). The
  // caller installs its handlers, then calls run_io_thread().
  void make_server(sio::server::ServerOptions options) {
    server_ = std::make_unique<sio::server::Server>(io_, std::move(options), "127.0.0.1", 0);
    port_ = server_->port();
  }

  // Runs io_ on thread_ (its id in io_thread_ once this returns).
  void run_io_thread() {
    thread_ = std::thread([this] {
      io_thread_ = std::this_thread::get_id();
      started_.set_value();
      io_.run();
    });
    started_.get_future().wait();
  }

  // Closes the server on its thread and ends the thread (stop_server_thread); server_ is kept
  // (for checks of what happened before the loop ended). Returns whether the server's loop ended
  // by itself within `limit`.
  bool stop_io_thread(std::chrono::seconds limit) {
    return stop_server_thread(io_, work_, thread_, [this] { server_->close(); }, limit);
  }

  // stop_io_thread, then destroys the server.
  bool stop_server(std::chrono::seconds limit) {
    const bool stopped = stop_io_thread(limit);
    server_.reset();
    return stopped;
  }

  // Runs `f` on the server's thread and returns what it returned.
  template <class F>
  auto on_server(F f) {
    std::promise<decltype(f())> p;
    auto fut = p.get_future();
    boost::asio::post(io_, [&] {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        p.set_value();
      } else {
        p.set_value(f());
      }
    });
    return fut.get();
  }

  // The Engine.IO server's sessions (engine().client_count()).
  std::size_t client_count() { return on_server([this] { return server_->engine().client_count(); }); }

  // Polls `pred` (generous bound: these are waits for events, not speed checks).
  static bool eventually(const std::function<bool()>& pred,
                         std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    const auto end = Clock::now() + limit;
    while (Clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
  }

  // Records `reason` (and when it came) as the disconnect reason of the socket `id`.
  void note_reason(const std::string& id, const std::string& reason) {
    std::lock_guard lock(mutex_);
    reasons_[id] = reason;
    reason_times_[id] = Clock::now();
    cv_.notify_all();
  }

  // Records the disconnect reason of `s` (note_reason).
  void record_disconnect(sio::server::Socket& s) {
    s.on_disconnect([this, id = s.id()](const std::string& reason) { note_reason(id, reason); });
  }

  // The disconnect reason of the socket `id` ("" if none within the limit).
  std::string reason_of(const std::string& id) { return reason_of(id, reason_limit_); }
  std::string reason_of(const std::string& id, std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, limit, [&] { return reasons_.count(id) != 0; });
    auto it = reasons_.find(id);
    return it == reasons_.end() ? std::string() : it->second;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<sio::server::Server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::thread::id io_thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, std::string> reasons_;
  std::map<std::string, Clock::time_point> reason_times_;

 private:
  std::promise<void> started_;
  std::chrono::milliseconds reason_limit_;
};

}  // namespace sio_test
