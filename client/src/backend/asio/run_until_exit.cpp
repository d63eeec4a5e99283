// run_until_exit.cpp - sio::run_until_exit / sio::exit_main natively (sio/client.hpp): the main
// thread waits; the client thread does the work.
#include <condition_variable>
#include <mutex>
#include <optional>

#include "sio/client.hpp"

namespace sio {

namespace {
std::mutex g_mutex;
std::condition_variable g_changed;
std::optional<int> g_code;
}  // namespace

int run_until_exit() {
  std::unique_lock lock(g_mutex);
  g_changed.wait(lock, [] { return g_code.has_value(); });
  return *g_code;
}

void exit_main(int code) {
  {
    std::lock_guard lock(g_mutex);
    if (!g_code) g_code = code;
  }
  g_changed.notify_all();
}

}  // namespace sio
