// tests/server/node_runner.hpp - runs a node script from tests/server/ (the official npm clients
// in tests/node_modules) and captures its output; shared by the server's interop tests.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "child_process.hpp"

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
  const std::string tests_dir = SIO_TESTS_DIR;
  const std::string script_path = tests_dir + "/server/" + script;
  ChildOptions options;
  options.exe = SIO_NODE;
  options.args = {script_path};
  options.args.insert(options.args.end(), args.begin(), args.end());
  options.inherit_env = false;
  options.env = {{"NODE_PATH", tests_dir + "/node_modules"}, {"PATH", "/usr/bin:/bin"}};
  options.working_dir = script_path.substr(0, script_path.rfind('/'));
  options.stderr_mode = ChildOptions::Stderr::merge;
  ChildProcess child(options);
  const auto deadline = ChildProcess::Clock::now() + limit;
  ChildProcess::Read r;
  while ((r = child.read_some(result.output, deadline)) == ChildProcess::Read::data) {
  }
  if (r == ChildProcess::Read::timeout) {
    child.kill();
    result.output += "\n[killed after timeout]\n";
    result.exit_code = -2;
  } else {
    const int code = child.wait();
    if (code >= 0) result.exit_code = code;
  }
  return result;
}

}  // namespace sio_test
