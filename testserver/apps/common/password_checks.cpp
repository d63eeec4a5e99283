#include "password_checks.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

namespace sio::apps {

PasswordCheckPool::PasswordCheckPool(PasswordCheckLimits limits)
    : limits_(limits), pool_(std::max<std::size_t>(1, limits.threads)) {}

PasswordCheckPool::~PasswordCheckPool() { stop(); }

bool PasswordCheckPool::submit(const std::string& client, std::function<bool()> check,
                               std::function<void(bool)> done) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_ || total_ >= limits_.total) return false;
    auto& mine = per_client_[client];
    if (mine >= limits_.per_client) return false;
    ++mine;
    ++total_;
  }
  boost::asio::post(pool_, [this, client, check = std::move(check), done = std::move(done)] {
    const bool result = check();
    finished(client);
    done(result);
  });
  return true;
}

void PasswordCheckPool::finished(const std::string& client) {
  std::lock_guard lock(mutex_);
  --total_;
  ++completed_;
  if (auto it = per_client_.find(client); it != per_client_.end() && --it->second == 0) per_client_.erase(it);
}

std::size_t PasswordCheckPool::pending() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t PasswordCheckPool::completed() const {
  std::lock_guard lock(mutex_);
  return completed_;
}

void PasswordCheckPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  pool_.stop();
  pool_.join();
}

}  // namespace sio::apps
