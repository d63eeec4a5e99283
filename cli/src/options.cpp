// The command line of the project's programs: Boost.Program_options with range checks, --help
// and --config (sio/cli/options.hpp).
#include "sio/cli/options.hpp"

#include <charconv>
#include <fstream>
#include <iostream>
#include <utility>

namespace sio::cli {

po::typed_value<std::string>* value(std::string* out) {
  auto* v = po::value<std::string>(out);
  if (!out->empty()) v->default_value(*out);
  return v;
}

std::int64_t parse_integer(const std::string& option, const std::string& text, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  const char* first = text.data();
  const char* last = first + text.size();
  const auto [end, ec] = std::from_chars(first, last, v);
  const std::string range = std::to_string(min) + "-" + std::to_string(max);
  if (text.empty() || ec == std::errc::invalid_argument || end != last) {
    throw po::error("--" + option + ": \"" + text + "\" is not an integer (" + range + ")");
  }
  if (ec == std::errc::result_out_of_range || v < min || v > max) {
    throw po::error("--" + option + ": " + text + " is out of range (" + range + ")");
  }
  return v;
}

Options::Options(std::string program, std::string synopsis)
    : program_(std::move(program)), synopsis_(std::move(synopsis)), desc_("options") {
  desc_.add_options()("help,h", "print this help and exit");
}

po::options_description_easy_init Options::add() { return desc_.add_options(); }

void Options::add_integer_text(const char* name, const std::string& default_text, std::int64_t min,
                               std::int64_t max, const char* help, std::function<void(std::int64_t)> store) {
  const std::string option = name;
  auto* v = po::value<std::string>()->default_value(default_text)->notifier(
      [option, min, max, store = std::move(store)](const std::string& text) {
        store(parse_integer(option, text, min, max));
      });
  v->value_name(std::to_string(min) + "-" + std::to_string(max));
  desc_.add_options()(name, v, help);
}

void Options::add_port(const char* name, std::uint16_t* out, const char* help, Port range) {
  add_integer(name, out, range == Port::allow_zero ? 0 : 1, 65535, help);
}

void Options::add_flag(const char* name, bool* out, const char* help) {
  desc_.add_options()(name, po::bool_switch(out)->default_value(*out), help);
}

void Options::allow_config_file(const char* help) {
  config_file_ = true;
  desc_.add_options()("config", po::value<std::string>()->value_name("FILE"), help);
}

void Options::positional(const char* name, int max_count) { positional_.add(name, max_count); }

bool Options::has(const char* name) const {
  const auto it = values_.find(name);
  return it != values_.end() && !it->second.defaulted();
}

void Options::print_usage(std::ostream& os) const { os << "usage: " << synopsis_ << "\n" << desc_; }

std::optional<int> Options::parse(int argc, const char* const* argv) { return parse(argc, argv, std::cout, std::cerr); }

std::optional<int> Options::parse(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  try {
    // The command line first: what it sets, the config file does not change.
    po::store(po::command_line_parser(argc, argv).options(desc_).positional(positional_).run(), values_);
    if (values_.count("help")) {
      print_usage(out);
      return 0;
    }
    if (config_file_ && values_.count("config")) {
      const std::string path = values_["config"].as<std::string>();
      std::ifstream file(path);
      if (!file) throw po::error("--config: cannot read " + path);
      po::store(po::parse_config_file(file, desc_), values_);
    }
    po::notify(values_);  // runs the range checks
    return std::nullopt;
  } catch (const po::error& e) {
    err << program_ << ": " << e.what() << "\n";
    print_usage(err);
    return 2;
  }
}

}  // namespace sio::cli
