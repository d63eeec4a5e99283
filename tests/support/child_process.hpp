// tests/support/child_process.hpp - the one launcher of the tests' child processes (node scripts,
// redis-server, nginx, sio-testserver, the apps), on Boost.Process v2 (header-only in Boost 1.81):
// start an argv with environment additions and a working directory, its stdout (optionally with
// stderr merged) and stderr in pipes the test reads with a deadline, a stdin pipe, a non-blocking
// exit check, terminate (SIGTERM, SIGKILL after a grace) and kill. The destructor kills and reaps.
// The child inherits only stdin/stdout/stderr (Boost.Process closes every other descriptor, e.g.
// a server's listening socket of the test process).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/connect_pipe.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace sio_test {

struct ChildOptions {
  std::string exe;                        // an absolute path
  std::vector<std::string> args;          // after argv[0]
  std::map<std::string, std::string> env;  // set (a value) or removed (empty) in the child
  bool inherit_env = true;                // false: only `env`
  std::string working_dir;                // empty: the test's
  bool capture_stdout = true;             // false: the test's stdout
  enum class Stderr { inherit, merge, capture } stderr_mode = Stderr::inherit;  // merge: into stdout
  bool pipe_stdin = false;
  rlim_t nofile = 0;  // > 0: the child's RLIMIT_NOFILE
};

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Read { data, eof, timeout };

  // Throws boost::system::system_error when it cannot start (e.g. no such executable).
  explicit ChildProcess(const ChildOptions& o) : proc_(launch(o)) {}
  ~ChildProcess() { kill(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Appends what the child wrote to stdout (stderr: from_stderr, with Stderr::capture) to `into`,
  // waiting for output until `deadline`.
  Read read_some(std::string& into, Clock::time_point deadline, bool from_stderr = false) {
    auto& pipe = from_stderr ? err_ : out_;
    if (!pipe.is_open()) return Read::eof;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return Read::timeout;
      pollfd p{pipe.native_handle(), POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) continue;
      char buf[65536];
      boost::system::error_code ec;
      const std::size_t n = pipe.read_some(boost::asio::buffer(buf), ec);
      if (ec || n == 0) return Read::eof;
      into.append(buf, n);
      return Read::data;
    }
  }
  // Blocking read (for a reader thread): false at the end of the output.
  bool read_blocking(std::string& into, bool from_stderr = false) {
    return read_some(into, Clock::time_point::max() - std::chrono::hours(1), from_stderr) == Read::data;
  }

  // Closes the test's end of the stdout pipe (the child's further writes fail with EPIPE).
  void close_stdout() {
    boost::system::error_code ignored;
    out_.close(ignored);
  }
  // Hands over the stdout pipe's descriptor (e.g. to an asio stream_descriptor), which then owns it.
  int release_stdout() { return out_.release(); }

  void write_stdin(std::string_view text) {
    if (in_.is_open()) boost::asio::write(in_, boost::asio::buffer(text));
  }
  void close_stdin() {
    boost::system::error_code ignored;
    in_.close(ignored);
  }

  // Non-blocking: the exit code (-1: ended by a signal) once it ended (and was reaped).
  std::optional<int> exited() {
    if (!done_) {
      boost::system::error_code ec;
      if (proc_.running(ec) || ec) return std::nullopt;
      done_ = true;
    }
    return code();
  }
  // Waits until it ends; its exit code (-1: ended by a signal).
  int wait() {
    if (!done_) {
      boost::system::error_code ec;
      proc_.wait(ec);
      done_ = true;
    }
    return code();
  }
  // Waits up to `limit` for it to end (retrying the non-blocking check; not a synchronisation).
  std::optional<int> wait_for(std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    for (;;) {
      if (auto c = exited()) return c;
      if (Clock::now() >= end) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // SIGTERM, without waiting.
  void request_exit() {
    if (done_) return;
    boost::system::error_code ec;
    proc_.request_exit(ec);
  }
  // SIGTERM; SIGKILL if it is still running after `grace`. The exit code, or nullopt when killed.
  std::optional<int> terminate(std::chrono::milliseconds grace) {
    if (done_) return code();
    request_exit();
    if (auto c = wait_for(grace)) return c;
    kill();
    return std::nullopt;
  }
  // SIGKILL and reap (nothing when it already ended).
  void kill() {
    if (done_) return;
    boost::system::error_code ec;
    if (proc_.running(ec)) proc_.terminate(ec);
    done_ = true;
  }
  // The raw wait status (as waitpid reports it) once it ended.
  int native_status() const { return proc_.native_exit_code(); }

 private:
  int code() const {
    const int s = proc_.native_exit_code();
    return WIFEXITED(s) ? WEXITSTATUS(s) : -1;
  }

  // RLIMIT_NOFILE, set in the child between fork and exec.
  struct NofileLimit {
    rlim_t nofile;
    template <typename Launcher>
    boost::system::error_code on_exec_setup(Launcher&, const boost::process::v2::filesystem::path&,
                                            const char* const*) const {
      if (nofile > 0) {
        rlimit rl{nofile, nofile};
        ::setrlimit(RLIMIT_NOFILE, &rl);
      }
      return {};
    }
  };

  // The child's environment (Boost 1.81's process_environment::on_setup is only in its compiled
  // source, so the launcher's environment is set here).
  struct Environment {
    std::vector<const char*> entries;
    template <typename Launcher>
    boost::system::error_code on_setup(Launcher& launcher, const boost::process::v2::filesystem::path&,
                                       const char* const*) const {
      launcher.env = entries.data();
      return {};
    }
  };

  boost::process::v2::process launch(const ChildOptions& o) {
    namespace bp = boost::process::v2;
    std::vector<std::string> env;
    if (o.inherit_env) {
      for (char** e = environ; *e; ++e) {
        std::string entry(*e);
        if (!o.env.count(entry.substr(0, entry.find('=')))) env.push_back(std::move(entry));
      }
    }
    for (const auto& [name, value] : o.env) {
      if (!value.empty()) env.push_back(name + "=" + value);
    }
    // Pipes: the test's ends are members; the child's ends are closed here once it started.
    boost::asio::writable_pipe out_w(io_);
    boost::asio::writable_pipe err_w(io_);
    boost::asio::readable_pipe in_r(io_);
    int out_fd = STDOUT_FILENO;
    if (o.capture_stdout) {
      boost::asio::connect_pipe(out_, out_w);
      out_fd = out_w.native_handle();
    }
    int err_fd = STDERR_FILENO;
    int in_fd = STDIN_FILENO;
    using Err = ChildOptions::Stderr;
    if (o.stderr_mode == Err::merge) err_fd = out_fd;
    if (o.stderr_mode == Err::capture) {
      boost::asio::connect_pipe(err_, err_w);
      err_fd = err_w.native_handle();
    }
    if (o.pipe_stdin) {
      boost::asio::connect_pipe(in_r, in_);
      in_fd = in_r.native_handle();
    }
    for (int fd : {out_.native_handle(), out_w.native_handle(), err_.native_handle(), err_w.native_handle(),
                   in_.native_handle(), in_r.native_handle()}) {
      if (fd >= 0) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    bp::process_stdio stdio{in_fd, out_fd, err_fd};
    Environment environment;
    for (const auto& e : env) environment.entries.push_back(e.c_str());
    environment.entries.push_back(nullptr);
    const std::string dir = o.working_dir.empty() ? std::string(".") : o.working_dir;
    bp::process p(io_, o.exe, o.args, std::move(stdio), environment,
                  bp::process_start_dir(dir), NofileLimit{o.nofile});
    pid_ = p.id();
    return p;
  }

  boost::asio::io_context io_;
  boost::asio::readable_pipe out_{io_};
  boost::asio::readable_pipe err_{io_};
  boost::asio::writable_pipe in_{io_};
  pid_t pid_ = -1;
  bool done_ = false;
  boost::process::v2::process proc_;
};

}  // namespace sio_test
