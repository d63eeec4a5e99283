// tests/support/event_log.hpp - what a test's callbacks saw (name + JSON data + when), appended
// from any thread and waited for with a bound (never a sleep).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sio/core/json.hpp"

namespace sio_test {

class EventLog {
 public:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::string name;
    sio::json data;
    Clock::time_point at;  // when it was added
  };

  EventLog() = default;
  // `limit`: how long wait() and wait_for() wait when not told (20 s otherwise).
  explicit EventLog(std::chrono::milliseconds limit) : limit_(limit) {}

  void add(std::string name, sio::json data = nullptr) {
    std::lock_guard lock(mu_);
    entries_.push_back({std::move(name), std::move(data), Clock::now()});
    cv_.notify_all();
  }
  // Waits up to `timeout` until `n` entries named `name` exist; the data of the n-th.
  std::optional<sio::json> wait(const std::string& name, std::size_t n, std::chrono::milliseconds timeout) {
    return wait_until(name, [n](const sio::json&, std::size_t k) { return k == n; }, timeout);
  }
  std::optional<sio::json> wait(const std::string& name, std::size_t n = 1) { return wait(name, n, limit_); }
  // Waits up to `timeout` for an entry named `name` whose data satisfies `pred`; its data.
  std::optional<sio::json> wait_for(const std::string& name, const std::function<bool(const sio::json&)>& pred,
                                    std::chrono::milliseconds timeout) {
    return wait_until(name, [&](const sio::json& data, std::size_t) { return pred(data); }, timeout);
  }
  std::optional<sio::json> wait_for(const std::string& name, const std::function<bool(const sio::json&)>& pred) {
    return wait_for(name, pred, limit_);
  }
  std::size_t count(const std::string& name) {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == name; }));
  }
  // The data of every entry named `name`, serialised, in order.
  std::vector<std::string> dumps_of(const std::string& name) {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& e : entries_) {
      if (e.name == name) out.push_back(e.data.dump());
    }
    return out;
  }
  // Every entry, in order.
  std::vector<Entry> entries() {
    std::lock_guard lock(mu_);
    return entries_;
  }
  // The name of every entry, in order.
  std::vector<std::string> names() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
  }
  // Every entry as "\n  <name> <data>", for a failure message.
  std::string dump() {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& e : entries_) out += "\n  " + e.name + " " + e.data.dump();
    return out;
  }

 private:
  // Waits up to `timeout` for the first entry named `name` that `pick(data, k)` accepts (k: its
  // place among the entries named `name`, from 1); its data.
  template <class Pick>
  std::optional<sio::json> wait_until(const std::string& name, Pick pick, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<sio::json> out;
    cv_.wait_for(lock, timeout, [&] {
      std::size_t k = 0;
      for (const auto& e : entries_) {
        if (e.name == name && pick(e.data, ++k)) {
          out = e.data;
          return true;
        }
      }
      return false;
    });
    return out;
  }

  std::chrono::milliseconds limit_ = std::chrono::seconds(20);
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry> entries_;
};

}  // namespace sio_test
