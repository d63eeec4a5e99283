// Password checks (bcrypt: tens to hundreds of milliseconds each) on a few worker threads, off the
// server's event loop, with bounds: a client (one Engine.IO connection) may have only a few checks
// pending, and the pool as a whole only so many. A check over a bound is not queued: the caller
// refuses the login at once.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include <boost/asio/thread_pool.hpp>

namespace sio::apps {

struct PasswordCheckLimits {
  std::size_t threads = 2;       // worker threads
  std::size_t per_client = 4;    // checks queued or running for one client key
  std::size_t total = 256;       // checks queued or running in all
};

class PasswordCheckPool {
 public:
  explicit PasswordCheckPool(PasswordCheckLimits limits = {});
  ~PasswordCheckPool();  // stop()
  PasswordCheckPool(const PasswordCheckPool&) = delete;
  PasswordCheckPool& operator=(const PasswordCheckPool&) = delete;

  // Runs `check` on a worker, then `done(result)` on that worker. Returns false, and runs
  // nothing, when `client` already has limits.per_client checks pending or the pool has
  // limits.total (or after stop()).
  bool submit(const std::string& client, std::function<bool()> check, std::function<void(bool)> done);

  // Checks queued or running.
  std::size_t pending() const;
  // Checks finished since construction.
  std::size_t completed() const;

  const PasswordCheckLimits& limits() const { return limits_; }

  // Drops the checks not started (their `done` never runs) and waits for the running ones.
  void stop();

 private:
  void finished(const std::string& client);

  PasswordCheckLimits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, std::size_t> per_client_;
  std::size_t total_ = 0;
  std::size_t completed_ = 0;
  bool stopped_ = false;
  boost::asio::thread_pool pool_;
};

}  // namespace sio::apps
