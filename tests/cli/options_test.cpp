// sio::cli (cli/): the programs' command line on Boost.Program_options - range checks, --help,
// --config with the command line winning, errors instead of wrapped values.
#include "sio/cli/options.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

struct Outcome {
  std::optional<int> exit_code;
  std::string out, err;
};

struct Fixture {
  std::uint16_t port = 3000;
  std::string host = "127.0.0.1";
  long interval = 25000;
  bool flag = false;
  sio::cli::Options cli{"prog", "prog [options]"};
  Fixture() {
    cli.add()("host", sio::cli::value(&host), "address");
    cli.add_port("port", &port, "port", sio::cli::Port::allow_zero);
    cli.add_integer("interval", &interval, 1, 86'400'000, "ms");
    cli.add_flag("flag", &flag, "a flag");
    cli.allow_config_file();
  }
  Outcome run(std::vector<const char*> args) {
    args.insert(args.begin(), "prog");
    std::ostringstream out, err;
    Outcome r;
    r.exit_code = cli.parse(static_cast<int>(args.size()), args.data(), out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }
};

TEST(CliOptions, DefaultsStayWhenNothingIsGiven) {
  Fixture f;
  const Outcome r = f.run({});
  EXPECT_FALSE(r.exit_code.has_value()) << r.err;
  EXPECT_EQ(f.port, 3000);
  EXPECT_EQ(f.host, "127.0.0.1");
  EXPECT_EQ(f.interval, 25000);
  EXPECT_FALSE(f.flag);
  EXPECT_FALSE(f.cli.has("port"));
}

TEST(CliOptions, ValuesInBothSpellings) {
  Fixture f;
  const Outcome r = f.run({"--port", "8080", "--host=0.0.0.0", "--interval=5", "--flag"});
  ASSERT_FALSE(r.exit_code.has_value()) << r.err;
  EXPECT_EQ(f.port, 8080);
  EXPECT_EQ(f.host, "0.0.0.0");
  EXPECT_EQ(f.interval, 5);
  EXPECT_TRUE(f.flag);
  EXPECT_TRUE(f.cli.has("port"));
}

TEST(CliOptions, PortBoundsAreChecked) {
  for (const char* good : {"0", "1", "65535"}) {
    Fixture f;
    EXPECT_FALSE(f.run({"--port", good}).exit_code.has_value()) << good;
  }
  // 70000 used to become 4464 (70000 mod 65536); -1 would wrap to 65535.
  for (const char* bad : {"70000", "65536", "-1", "12x", "", " 80", "1e3", "99999999999999999999999"}) {
    Fixture f;
    const Outcome r = f.run({"--port", bad});
    ASSERT_TRUE(r.exit_code.has_value()) << bad;
    EXPECT_EQ(*r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("prog: --port"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("0-65535"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("usage: prog [options]"), std::string::npos) << r.err;
    EXPECT_EQ(f.port, 3000) << bad;
  }
}

TEST(CliOptions, PortFromOneRefusesZero) {
  std::uint16_t port = 1;
  sio::cli::Options cli("prog", "prog");
  cli.add_port("port", &port, "port");
  const char* args[] = {"prog", "--port", "0"};
  std::ostringstream out, err;
  EXPECT_EQ(cli.parse(3, args, out, err), 2);
  EXPECT_NE(err.str().find("1-65535"), std::string::npos) << err.str();
}

TEST(CliOptions, IntegerBoundsAreChecked) {
  Fixture f;
  const Outcome r = f.run({"--interval", "0"});
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_EQ(*r.exit_code, 2);
  EXPECT_NE(r.err.find("--interval: 0 is out of range (1-86400000)"), std::string::npos) << r.err;
}

TEST(CliOptions, HelpListsEveryOptionAndExitsZero) {
  for (const char* help : {"--help", "-h"}) {
    Fixture f;
    const Outcome r = f.run({help});
    ASSERT_TRUE(r.exit_code.has_value());
    EXPECT_EQ(*r.exit_code, 0);
    EXPECT_TRUE(r.err.empty()) << r.err;
    for (const char* name : {"usage: prog [options]", "--help", "--host", "--port", "--interval", "--flag", "--config"}) {
      EXPECT_NE(r.out.find(name), std::string::npos) << name << " in:\n" << r.out;
    }
    EXPECT_NE(r.out.find("3000"), std::string::npos) << "the default is shown:\n" << r.out;
  }
}

TEST(CliOptions, UnknownOptionsAndOperandsAreErrors) {
  for (std::vector<const char*> args : {std::vector<const char*>{"--nope"}, {"stray"}, {"--port"}}) {
    Fixture f;
    const Outcome r = f.run(args);
    ASSERT_TRUE(r.exit_code.has_value()) << args[0];
    EXPECT_EQ(*r.exit_code, 2) << args[0];
    EXPECT_NE(r.err.find("usage:"), std::string::npos);
  }
}

TEST(CliOptions, ConfigFileWithTheCommandLineWinning) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("sio_cli_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".conf");
  {
    std::ofstream file(path);
    file << "# comment\nhost = 10.0.0.1\nport = 4000\nflag = true\n";
  }
  Fixture f;
  const std::string config = path.string();
  const Outcome r = f.run({"--config", config.c_str(), "--port", "5000"});
  std::filesystem::remove(path);
  ASSERT_FALSE(r.exit_code.has_value()) << r.err;
  EXPECT_EQ(f.host, "10.0.0.1");
  EXPECT_EQ(f.port, 5000);
  EXPECT_TRUE(f.flag);
}

TEST(CliOptions, BadConfigFileIsAnError) {
  Fixture f;
  const Outcome missing = f.run({"--config", "/nonexistent/sio.conf"});
  ASSERT_TRUE(missing.exit_code.has_value());
  EXPECT_NE(missing.err.find("cannot read /nonexistent/sio.conf"), std::string::npos) << missing.err;

  const auto path = std::filesystem::temp_directory_path() / "sio_cli_test_bad.conf";
  {
    std::ofstream file(path);
    file << "port = 70000\n";
  }
  Fixture g;
  const std::string config = path.string();
  const Outcome r = g.run({"--config", config.c_str()});
  std::filesystem::remove(path);
  ASSERT_TRUE(r.exit_code.has_value());
  EXPECT_NE(r.err.find("out of range"), std::string::npos) << r.err;
}

}  // namespace
