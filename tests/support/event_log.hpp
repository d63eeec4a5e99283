// tests/support/event_log.hpp - what a test's callbacks saw (name + JSON data), appended from any
// thread and waited for with a bound (never a sleep).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sio/core/json.hpp"

namespace sio_test {

class EventLog {
 public:
  void add(std::string name, sio::json data = nullptr) {
    std::lock_guard lock(mu_);
    entries_.emplace_back(std::move(name), std::move(data));
    cv_.notify_all();
  }
  // Waits up to `timeout` until `n` entries named `name` exist; the data of the n-th.
  std::optional<sio::json> wait(const std::string& name, std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<sio::json> out;
    cv_.wait_for(lock, timeout, [&] {
      std::size_t seen = 0;
      for (const auto& [k, v] : entries_) {
        if (k == name && ++seen == n) {
          out = v;
          return true;
        }
      }
      return false;
    });
    return out;
  }
  std::size_t count(const std::string& name) {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == name; }));
  }
  // The data of every entry named `name`, serialised, in order.
  std::vector<std::string> dumps_of(const std::string& name) {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [k, v] : entries_) {
      if (k == name) out.push_back(v.dump());
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, sio::json>> entries_;
};

}  // namespace sio_test
