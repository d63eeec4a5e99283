// libFuzzer target: the deployment apps' configuration readers (testserver/apps/common): JSON
// configuration files through read_json_file (sio::parse_json), Node server options
// (apply_node_options, cors_from_json), the coordinator's rules (load_rules), the forwarder's
// credentials.json (Credentials::from_json) and dotenv files (read_env_file).
//
// Input: the file's bytes, read as each kind of file in turn. Invariants (abort on violation): no
// crash, no sanitizer report, no exception other than ConfigError.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "app.hpp"
#include "coordinator/coordinator_api.hpp"
#include "credentials.hpp"

namespace {

using sio::apps::ConfigError;

// The file each input is written to (the readers take paths); removed at exit.
struct ScratchFile {
  std::string path = "/tmp/fuzz_app_config." + std::to_string(getpid());
  ~ScratchFile() { std::remove(path.c_str()); }
};

const std::string& scratch_file() {
  static const ScratchFile file;
  return file.path;
}

template <class F>
void expect_only_config_errors(F&& f) {
  try {
    f();
  } catch (const ConfigError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    std::ofstream out(scratch_file(), std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  expect_only_config_errors([] { sio::apps::read_env_file(scratch_file(), true); });
  sio::json config;
  try {
    config = sio::apps::read_json_file(scratch_file());
  } catch (const ConfigError&) {
    return 0;
  }
  expect_only_config_errors([&] {
    sio::server::ServerOptions options;
    sio::apps::apply_node_options(options, config, "fuzz");
  });
  if (config.is_object() && config.contains("cors")) {
    expect_only_config_errors([&] { sio::apps::cors_from_json(config["cors"]); });
  }
  expect_only_config_errors([&] { sio::apps::coordinator::load_rules(config, "coordinator.json"); });
  // A bcrypt hash in credentials.json makes a dummy hash at its cost (up to 16: seconds); such
  // inputs are left to the unit tests.
  if (text.find("$2") == std::string_view::npos) {
    expect_only_config_errors([&] { sio::apps::Credentials::from_json(config, "credentials.json"); });
  }
  return 0;
}
