// Debug output like the JS `debug` module (sio/core/debug_log.hpp).
#include "sio/core/debug_log.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace sio {

namespace {

// -1: DEBUG not read yet; 0: nothing enabled (the fast path of every log_enabled call); 1: some.
std::atomic<int> g_any_enabled{-1};

struct LogState {
  std::mutex mu;
  LogSink sink;
  bool filter_set = false;
  std::vector<std::string> include, exclude;
};

LogState& log_state() {
  static LogState state;
  return state;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // '*' matches any run of characters.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

void parse_filter(LogState& s, std::string_view patterns) {
  s.include.clear();
  s.exclude.clear();
  std::string current;
  auto flush = [&] {
    if (current.empty()) return;
    if (current.front() == '-') {
      s.exclude.push_back(current.substr(1));
    } else {
      s.include.push_back(current);
    }
    current.clear();
  };
  for (char c : patterns) {
    if (c == ',' || c == ' ') {
      flush();
    } else {
      current.push_back(c);
    }
  }
  flush();
  s.filter_set = true;
  g_any_enabled.store(s.include.empty() ? 0 : 1, std::memory_order_release);
}

}  // namespace

void set_log_sink(LogSink sink) {
  std::lock_guard lock(log_state().mu);
  log_state().sink = std::move(sink);
}

void set_log_filter(std::string patterns) {
  std::lock_guard lock(log_state().mu);
  parse_filter(log_state(), patterns);
}

bool log_enabled(std::string_view category) {
  if (g_any_enabled.load(std::memory_order_acquire) == 0) return false;
  auto& s = log_state();
  std::lock_guard lock(s.mu);
  if (!s.filter_set) {
    const char* env = std::getenv("DEBUG");
    parse_filter(s, env ? env : "");
  }
  for (const auto& e : s.exclude) {
    if (glob_match(e, category)) return false;
  }
  for (const auto& i : s.include) {
    if (glob_match(i, category)) return true;
  }
  return false;
}

void debug_log(std::string_view category, std::string_view message) {
  if (!log_enabled(category)) return;
  LogSink sink;
  {
    std::lock_guard lock(log_state().mu);
    sink = log_state().sink;
  }
  if (sink) {
    sink(category, message);
  } else {
    const std::string line = "  " + std::string(category) + " " + std::string(message) + "\n";
    std::fputs(line.c_str(), stderr);
  }
}

}  // namespace sio
