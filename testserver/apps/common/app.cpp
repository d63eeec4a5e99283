#include "app.hpp"

#include "sio/redis/adapter.hpp"
#include "sio/redis/url.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>


#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include "sio/server/static_files.hpp"

namespace sio::apps {

json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = parse_json(ss.str());
  if (!parsed) throw ConfigError(path + ": not valid JSON (" + parsed.error().message + ")");
  return std::move(parsed.value());
}

namespace {

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::map<std::string, std::string> read_env_file(const std::string& path, bool required) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  if (!in) {
    if (required) throw ConfigError("cannot read " + path);
    return out;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError(path + ":" + std::to_string(number) + ": expected KEY=VALUE");
    }
    const std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      const bool dbl = value.front() == '"';
      value = value.substr(1, value.size() - 2);
      if (dbl) {
        std::string unescaped;
        for (std::size_t i = 0; i < value.size(); ++i) {
          if (value[i] == '\\' && i + 1 < value.size() && value[i + 1] == 'n') {
            unescaped += '\n';
            ++i;
          } else {
            unescaped += value[i];
          }
        }
        value = unescaped;
      }
    } else {
      const auto hash = value.find(" #");  // inline comment after an unquoted value
      if (hash != std::string::npos) value = trim(value.substr(0, hash));
    }
    out[key] = value;
  }
  return out;
}

std::string env_value(const std::map<std::string, std::string>& file_values, const std::string& key,
                      const std::string& fallback) {
  if (const char* v = std::getenv(key.c_str())) return v;
  if (auto it = file_values.find(key); it != file_values.end()) return it->second;
  return fallback;
}

server::CorsOptions cors_from_json(const json& cors) {
  server::CorsOptions out;
  if (!cors.is_object()) throw ConfigError("cors must be an object");
  if (cors.contains("origin")) {
    const json& o = cors["origin"];
    if (o.is_string()) {
      out.origins.push_back(o.get<std::string>());
    } else if (o.is_boolean()) {
      out.reflect_origin = o.get<bool>();  // Node's cors: true reflects the request's origin
    } else if (o.is_array()) {
      for (const auto& e : o) {
        if (!e.is_string()) throw ConfigError("cors.origin entries must be strings");
        out.origins.push_back(e.get<std::string>());
      }
    } else {
      throw ConfigError("cors.origin must be a string, an array of strings or a boolean");
    }
  }
  if (cors.contains("credentials")) {
    if (!cors["credentials"].is_boolean()) throw ConfigError("cors.credentials must be a boolean");
    out.credentials = cors["credentials"].get<bool>();
  }
  return out;
}

void apply_node_options(server::ServerOptions& options, const json& config, std::string_view app) {
  if (!config.is_object()) throw ConfigError("server options must be a JSON object");
  // Node's timers take at most 2^31-1 ms; larger values would overflow our clocks.
  constexpr long long kMaxMs = 2147483647;
  auto ms = [&](const char* key) {
    const json& v = config[key];
    const bool in_range = (v.is_number_unsigned() && v.get<unsigned long long>() <= kMaxMs) ||
                          (v.is_number_integer() && !v.is_number_unsigned() && v.get<long long>() >= 0 &&
                           v.get<long long>() <= kMaxMs);
    if (!in_range) throw ConfigError(std::string(key) + " must be an integer from 0 to 2147483647 (milliseconds)");
    return std::chrono::milliseconds(v.get<long long>());
  };
  auto boolean = [&](const char* key) {
    if (!config[key].is_boolean()) throw ConfigError(std::string(key) + " must be a boolean");
    return config[key].get<bool>();
  };
  for (const auto& [key, value] : config.items()) {
    if (key == "path") {
      if (!value.is_string() || value.get<std::string>().empty() || value.get<std::string>()[0] != '/') {
        throw ConfigError("path must be a string starting with '/'");
      }
      options.path = value.get<std::string>();
    } else if (key == "maxHttpBufferSize") {
      // Up to 2^53 bytes (exact in a double, far past any memory): a larger number would not
      // convert to a size.
      if (!value.is_number() || !(value.get<double>() >= 1 && value.get<double>() <= 9007199254740992.0)) {
        throw ConfigError("maxHttpBufferSize must be a number from 1 to 2^53");
      }
      options.max_http_buffer_size = static_cast<std::size_t>(value.get<double>());
    } else if (key == "cors") {
      options.cors = cors_from_json(value);
    } else if (key == "pingInterval") {
      options.ping_interval = ms("pingInterval");
    } else if (key == "pingTimeout") {
      options.ping_timeout = ms("pingTimeout");
    } else if (key == "connectTimeout") {
      options.connect_timeout = ms("connectTimeout");
    } else if (key == "upgradeTimeout") {
      options.upgrade_timeout = ms("upgradeTimeout");
    } else if (key == "transports") {
      if (!value.is_array() || value.empty()) throw ConfigError("transports must be a non-empty array");
      options.transports.clear();
      for (const auto& t : value) {
        if (t != "polling" && t != "websocket") throw ConfigError("transports: \"polling\" or \"websocket\"");
        options.transports.push_back(t.get<std::string>());
      }
    } else if (key == "allowUpgrades") {
      options.allow_upgrades = boolean("allowUpgrades");
    } else if (key == "allowEIO3") {
      options.allow_eio3 = boolean("allowEIO3");
    } else if (key == "serveClient") {
      options.serve_client = boolean("serveClient");
    } else if (key == "cleanupEmptyChildNamespaces") {
      options.cleanup_empty_child_namespaces = boolean("cleanupEmptyChildNamespaces");
    } else if (key == "redis") {
      // apply_redis_option (it needs the io_context)
    } else {
      log(app, "ignoring unknown server option \"" + key + "\"");
    }
  }
}

void apply_redis_option(server::ServerOptions& options, const json& config, boost::asio::io_context& io) {
  if (!config.is_object() || !config.contains("redis")) return;
  const json& value = config["redis"];
  if (!value.is_string()) throw ConfigError("redis must be a string: redis://HOST:PORT");
  auto endpoint = redis::parse_redis_url(value.get<std::string>());
  if (!endpoint) throw ConfigError("redis: " + endpoint.error().message);
  if (options.connection_state_recovery) throw ConfigError("redis cannot be combined with connection state recovery");
  redis::ClusterOptions cluster;
  cluster.host = endpoint->host;
  cluster.port = endpoint->port;
  options.adapter = redis::Cluster::create(io.get_executor(), cluster)->adapter_factory();
}

std::uint16_t parse_port(const std::string& text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw ConfigError("bad port \"" + text + "\"");
  }
  const unsigned long v = std::stoul(text);
  if (v > 65535) throw ConfigError("bad port \"" + text + "\"");
  return static_cast<std::uint16_t>(v);
}

std::optional<JsonAppStart> json_app_start(int argc, char** argv, std::string_view usage,
                                           const std::string& default_config, std::uint16_t default_port) {
  Args args(argc, argv, {{"config", true}, {"static", true}, {"client-bundle", true}, {"help", false}});
  if (args.has("help")) {
    std::cout << usage << "\n";
    return std::nullopt;
  }
  JsonAppStart start;
  start.config_path = args.get("config").value_or(default_config);
  start.config = read_json_file(start.config_path);
  if (!start.config.is_object()) throw ConfigError(start.config_path + ": expected a JSON object");
  const json host = start.config.value("host", json("127.0.0.1"));
  if (!host.is_string()) throw ConfigError("host must be a string");
  start.host = host.get<std::string>();
  if (start.config.contains("port") && !start.config["port"].is_number_unsigned()) {
    throw ConfigError("port must be a number");
  }
  start.port = parse_port(std::to_string(start.config.value("port", static_cast<unsigned>(default_port))));
  start.client_bundle = args.get("client-bundle").value_or("");
  start.static_dir = args.get("static").value_or("");
  if (!start.static_dir.empty() && !std::filesystem::is_directory(start.static_dir)) {
    throw ConfigError("--static " + start.static_dir + ": not a directory");
  }
  return start;
}

std::unique_ptr<server::Server> listen(boost::asio::io_context& io, server::ServerOptions options,
                                       const json& server_config, const std::string& host,
                                       std::uint16_t port) {
  apply_redis_option(options, server_config, io);
  try {
    return std::make_unique<server::Server>(io, std::move(options), host, port);
  } catch (const std::exception& e) {
    throw ConfigError("cannot listen on " + host + ":" + std::to_string(port) + ": " + e.what());
  }
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t now_s() { return now_ms() / 1000; }

std::string bearer_token(const std::map<std::string, std::string>& headers) {
  const auto it = headers.find("authorization");
  if (it == headers.end()) return "";
  const std::string& v = it->second;
  if (v.size() < 7) return "";
  std::string scheme = v.substr(0, 7);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ") return "";
  return trim(v.substr(7));
}

std::optional<json> parse_json_body(const std::string& body, std::string& error) {
  auto parsed = parse_json(body);
  if (!parsed) {
    error = parsed.error().code == Errc::too_deep
                ? "body nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"
                : "body is not valid JSON";
    return std::nullopt;
  }
  if (!parsed.value().is_object()) {
    error = "body must be a JSON object";
    return std::nullopt;
  }
  return std::move(parsed.value());
}

server::HttpResponse json_response(unsigned status, const json& body) {
  server::HttpResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/json"});
  r.body = body.dump();
  return r;
}

void serve_static_files_after(server::Server& server, const std::string& dir) {
  auto first = std::move(server.engine().on_http_request);
  auto files = server::make_static_handler(dir);
  server.engine().on_http_request = [first, files](const server::HttpRequest& req,
                                                   server::HttpResponder respond) {
    return (first && first(req, respond)) || files(req, respond);
  };
}

std::string log_line(std::string_view app, std::string_view message) {
  std::string line = "[" + std::string(app) + "] ";
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      line += "\\x";
      line += kHex[byte >> 4];
      line += kHex[byte & 0xf];
    } else {
      line += c;
    }
  }
  return line;
}

void log(std::string_view app, std::string_view message) { std::cerr << log_line(app, message) << std::endl; }

std::string installed_asset(std::string_view relative) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto dir = ec ? std::filesystem::current_path(ec) : exe.parent_path();
  // The build tree: beside the executable. An installed tree (cmake --install, the .deb):
  // <prefix>/share/sio/apps-assets beside <prefix>/bin.
  const auto beside = dir / "sio-apps-assets";
  const auto shared = dir.parent_path() / "share" / "sio" / "apps-assets";
  const bool installed = !std::filesystem::exists(beside, ec) && std::filesystem::exists(shared, ec);
  return ((installed ? shared : beside) / std::filesystem::path(relative)).string();
}

void run_until_signal(boost::asio::io_context& io, server::Server& server, const std::string& host,
                      std::string_view app) {
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    log(app, "shutting down");
    server.close();
    io.stop();
  });
  std::cout << "listening on http://" << host << ":" << server.port() << "/" << std::endl;
  io.run();
  // The close started writes (WebSocket close frames, the answers to held polling GETs): let
  // them go out, so that clients see a closed transport and reconnect; at most one second.
  io.restart();
  io.run_for(std::chrono::seconds(1));
}

Args::Args(int argc, char** argv, std::map<std::string, bool> known) {
  // Boost.Program_options (through sio::cli's conventions: "--name value" or "--name=value").
  namespace po = boost::program_options;
  po::options_description desc;
  for (const auto& [name, takes_value] : known) {
    if (takes_value) {
      desc.add_options()(name.c_str(), po::value<std::string>());
    } else {
      desc.add_options()(name.c_str(), "");
    }
  }
  try {
    po::variables_map vm;
    // No positional operands: an empty description makes each one an error.
    const po::positional_options_description no_operands;
    po::store(po::command_line_parser(argc, argv).options(desc).positional(no_operands).run(), vm);
    for (const auto& [name, value] : vm) {
      values_[name] = value.value().empty() ? std::string() : value.as<std::string>();
    }
  } catch (const po::error& e) {
    throw ConfigError(e.what());
  }
}

std::optional<std::string> Args::get(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

}  // namespace sio::apps
