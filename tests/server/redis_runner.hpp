// tests/server/redis_runner.hpp - a private redis-server (Debian's) for one test, on a free
// loopback port, without persistence. Started and waited for ("Ready to accept connections" on its
// output, within a generous bound); stop()/restart() for the failure cases; killed on destruction.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

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
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    const std::string port = std::to_string(port_);
    std::vector<const char*> argv = {"/usr/bin/redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--daemonize", "no",
                                     "--loglevel", "notice", nullptr};
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      dup2(fds[1], 2);
      if (chdir("/tmp") != 0) _exit(126);
      execv(argv[0], const_cast<char* const*>(argv.data()));
      _exit(127);
    }
    close(fds[1]);
    if (pid_ < 0) {
      close(fds[0]);
      return false;
    }
    out_ = fds[0];
    const auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[4096];
    while (output_.find("Ready to accept connections") == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{out_, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) continue;
      const auto n = read(out_, buf, sizeof buf);
      if (n <= 0) return false;  // exited (e.g. port taken)
      output_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  // Kills it (SIGKILL: a crash, not a clean shutdown) and reaps it.
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (out_ >= 0) {
      close(out_);
      out_ = -1;
    }
  }

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
  int out_ = -1;
  std::string output_;
};

}  // namespace sio_test
