// tests/server/node_runner.hpp - runs a node script from tests/server/ (the official npm clients
// in tests/node_modules) and captures its output; shared by the server's interop tests.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

namespace sio_test {

struct NodeResult {
  int exit_code = -1;  // -2: killed after the time limit
  std::string output;  // stdout and stderr
};

// Runs `node tests/server/<script> <args...>` in the script's directory with NODE_PATH set to
// tests/node_modules; captures stdout+stderr; kills it after `limit`.
inline NodeResult run_node(const std::string& script, const std::vector<std::string>& args,
                           std::chrono::seconds limit = std::chrono::seconds(90)) {
  NodeResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return result;
  const std::string tests_dir = SIO_TESTS_DIR;
  const std::string node_path = "NODE_PATH=" + tests_dir + "/node_modules";
  const std::string script_path = tests_dir + "/server/" + script;
  const std::string script_dir = script_path.substr(0, script_path.rfind('/'));
  std::vector<const char*> argv = {SIO_NODE, script_path.c_str()};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    if (chdir(script_dir.c_str()) != 0) _exit(126);
    const char* envp[] = {node_path.c_str(), "PATH=/usr/bin:/bin", nullptr};
    execve(SIO_NODE, const_cast<char* const*>(argv.data()), const_cast<char* const*>(envp));
    _exit(127);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return result;
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  bool killed = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    const auto n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    result.output.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (killed) {
    result.output += "\n[killed after timeout]\n";
    result.exit_code = -2;
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace sio_test
