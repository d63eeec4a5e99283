// sio/cli/options.hpp - the command line of the project's programs, on Boost.Program_options.
//
//   std::uint16_t port = 3000;
//   std::string host = "127.0.0.1";
//   sio::cli::Options cli("sio-testserver", "sio-testserver [options]");
//   cli.add_port("port", &port, "port to listen on (0: a free one)", sio::cli::Port::allow_zero);
//   cli.add().operator()("host", sio::cli::value(&host), "address to listen on");
//   if (auto exit_code = cli.parse(argc, argv)) return *exit_code;   // --help, or an error
//
// parse() prints the usage on --help (exit code 0) and "<program>: <error>" plus the usage on a
// bad command line (exit code 2); it returns std::nullopt when the program should go on.
// Options take their value as "--name value" or "--name=value". Integers are range-checked
// (from_chars, the whole text: "12x", "-1", "1e3" and 70000 for a port are errors, never a
// wrapped or truncated value).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace sio::cli {

namespace po = boost::program_options;

enum class Port { from_1, allow_zero /* 0: the OS picks a free port (listeners) */ };

// A string option stored into *out, with *out's current value as the default shown by --help.
po::typed_value<std::string>* value(std::string* out);

// Parses an integer in [min, max]: the whole text, decimal. Throws po::error naming the option.
std::int64_t parse_integer(const std::string& option, const std::string& text, std::int64_t min, std::int64_t max);

class Options {
 public:
  // synopsis: the first line of --help, e.g. "sio-testserver [options]".
  Options(std::string program, std::string synopsis);

  // Adds options (Boost's builder): cli.add()("name", po::value<...>(), "help")("flag", "help").
  po::options_description_easy_init add();

  // An integer option in [min, max] stored into *out; *out's value is the default.
  template <class Int>
  void add_integer(const char* name, Int* out, std::int64_t min, std::int64_t max, const char* help) {
    add_integer_text(name, std::to_string(*out), min, max, help,
                     [out](std::int64_t v) { *out = static_cast<Int>(v); });
  }
  // A TCP port: 1-65535, or 0-65535 with Port::allow_zero.
  void add_port(const char* name, std::uint16_t* out, const char* help, Port range = Port::from_1);
  // A flag (no value) that sets *out to true; in a --config file: "name = true".
  void add_flag(const char* name, bool* out, const char* help);
  // --config FILE: "name = value" lines with the same options (no leading "--"); the command
  // line wins over the file.
  void allow_config_file(const char* help = "read options from FILE (name = value lines)");

  // Parses argv (and the --config file). nullopt: go on; otherwise the exit code to return.
  std::optional<int> parse(int argc, const char* const* argv);
  std::optional<int> parse(int argc, char** argv) { return parse(argc, const_cast<const char* const*>(argv)); }
  // Same, with the streams given (tests); --help goes to out, errors to err.
  std::optional<int> parse(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

  // Operands without a "--name": the next max_count of them are values of option name (which
  // must have been added with a value).
  void positional(const char* name, int max_count);

  // Given on the command line or in the config file (not just its default).
  bool has(const char* name) const;
  const po::variables_map& values() const { return values_; }
  void print_usage(std::ostream& os) const;
  const std::string& program() const { return program_; }

 private:
  void add_integer_text(const char* name, const std::string& default_text, std::int64_t min, std::int64_t max,
                        const char* help, std::function<void(std::int64_t)> store);

  std::string program_;
  std::string synopsis_;
  po::options_description desc_;
  po::positional_options_description positional_;
  po::variables_map values_;
  bool config_file_ = false;
};

}  // namespace sio::cli
