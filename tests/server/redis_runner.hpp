// tests/server/redis_runner.hpp - a private redis-server (Debian's) for one test, on a free
// loopback port, without persistence. Started and waited for ("Ready to accept connections" on its
// output, within a generous bound); stop()/restart() for the failure cases; killed on destruction.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "child_process.hpp"

namespace sio_test {

// A port nothing listens on right now (bound to port 0, then released).
inline std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

class RedisServer {
 public:
  explicit RedisServer(std::uint16_t port = 0) : port_(port ? port : free_loopback_port()) {}
  ~RedisServer() { stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& output() const { return output_; }

  // Starts redis-server and waits until it accepts connections; false (see output()) otherwise.
  bool start(std::chrono::seconds limit = std::chrono::seconds(30)) {
    ChildOptions options;
    options.exe = "/usr/bin/redis-server";
    options.args = {"--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--daemonize", "no", "--loglevel", "notice"};
    options.working_dir = "/tmp";
    options.stderr_mode = ChildOptions::Stderr::merge;
    child_ = std::make_unique<ChildProcess>(options);
    const auto deadline = ChildProcess::Clock::now() + limit;
    while (output_.find("Ready to accept connections") == std::string::npos) {
      // Timed out, or the output ended (it exited, e.g. the port is taken).
      if (child_->read_some(output_, deadline) != ChildProcess::Read::data) return false;
    }
    return true;
  }

  // Kills it (SIGKILL: a crash, not a clean shutdown) and reaps it.
  void stop() { child_.reset(); }

 private:
  std::uint16_t port_;
  std::unique_ptr<ChildProcess> child_;
  std::string output_;
};

}  // namespace sio_test
