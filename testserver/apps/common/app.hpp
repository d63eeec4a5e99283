// Shared plumbing of the deployment apps (testserver/apps/*): configuration files, Node-style
// server options, HTTP helpers and the run loop.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "sio/core/json.hpp"
#include "sio/server/engine.hpp"
#include "sio/server/secrets.hpp"
#include "sio/server/server.hpp"

namespace sio::apps {

// A configuration problem: the app prints it and exits with status 2.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads a JSON file (sio::parse_json: nesting deeper than kMaxJsonDepth is refused); ConfigError
// naming the file on a missing file, bad JSON or too deep JSON.
json read_json_file(const std::string& path);

// Reads a dotenv file (KEY=VALUE lines, '#' comments, optional "export ", single/double quotes;
// "\n" escapes in double quotes). Variables already in the process environment win, as dotenv.
// A missing file gives only the environment's values for the keys asked later (see env_value).
std::map<std::string, std::string> read_env_file(const std::string& path, bool required);

// The value of `key`: the process environment first, then `file_values`, then `fallback`.
std::string env_value(const std::map<std::string, std::string>& file_values, const std::string& key,
                      const std::string& fallback = "");

// Node's `cors` option ({origin: "*" | string | [strings] | true, credentials: bool}).
server::CorsOptions cors_from_json(const json& cors);

// Applies Node socket.io Server options given as JSON (path, maxHttpBufferSize, cors, pingInterval,
// pingTimeout, connectTimeout, upgradeTimeout, transports, allowUpgrades, allowEIO3, serveClient,
// cleanupEmptyChildNamespaces). Unknown keys are reported on stderr and ignored; wrong types are
// a ConfigError.
void apply_node_options(server::ServerOptions& options, const json& config, std::string_view app);

// The "redis" server option ("redis://HOST:PORT", not one of Node's: there the adapter is code):
// every namespace joins the cluster on that Redis server through the Redis adapter
// (docs/scaling.md). Absent: nothing changes. Call with the same JSON as apply_node_options and
// the io_context the server will run on; ConfigError on a bad URL or with connection state
// recovery on.
void apply_redis_option(server::ServerOptions& options, const json& config, boost::asio::io_context& io);

// A port number from text ("0" picks a free port); ConfigError otherwise.
std::uint16_t parse_port(const std::string& text);

// What the JSON-configured apps (coordinator, job manager) start from: their command line
// (--config FILE, --static DIR, --client-bundle FILE, --help), the configuration file (a JSON
// object), its "host" (default 127.0.0.1) and "port", and the --static folder (checked).
struct JsonAppStart {
  std::string config_path;
  json config;
  std::string host;
  std::uint16_t port = 0;
  std::string static_dir;     // "" when not given
  std::string client_bundle;  // "" when not given
};
// ConfigError on anything wrong; nullopt when --help printed `usage`.
std::optional<JsonAppStart> json_app_start(int argc, char** argv, std::string_view usage,
                                           const std::string& default_config, std::uint16_t default_port);

// The server listening on host:port with `options`, after apply_redis_option with `server_config`
// (the config's "server" block; the forwarder's .env values); ConfigError "cannot listen on ..."
// when it cannot.
std::unique_ptr<server::Server> listen(boost::asio::io_context& io, server::ServerOptions options,
                                       const json& server_config, const std::string& host,
                                       std::uint16_t port);

// Milliseconds since the Unix epoch / seconds.
std::int64_t now_ms();
std::int64_t now_s();

// "Bearer <token>" -> token ("" when absent or another scheme).
std::string bearer_token(const std::map<std::string, std::string>& headers);

// Secrets given by a peer (API tokens and keys, plain passwords) are compared with
// sio::server::secret_equals (sio/server/secrets.hpp): constant time.
using sio::server::secret_equals;

// The JSON object of an HTTP API request body, through sio::parse_json (depth-limited);
// nullopt with `error` set ("body is not valid JSON", "... nested deeper ...", "body must be a
// JSON object") otherwise.
std::optional<json> parse_json_body(const std::string& body, std::string& error);

// An HTTP response with a JSON body.
server::HttpResponse json_response(unsigned status, const json& body);

// Serves the files of `dir` (an existing directory: the web demo's pages) for HTTP requests that
// the handler already installed on the server's engine, if any, does not take.
void serve_static_files_after(server::Server& server, const std::string& dir);

// Prints "[app] message" on stderr, one line: control characters of the message (which may carry
// what a client sent: user names, namespaces) are written as \xNN (log_line).
void log(std::string_view app, std::string_view message);
std::string log_line(std::string_view app, std::string_view message);

// A file or directory the build puts beside the apps' executables (sio-apps-assets/ next to the
// running executable, found through /proc/self/exe), or, installed, <prefix>/share/sio/apps-assets
// (when <bindir>/sio-apps-assets is not there): e.g. installed_asset("admin-ui").
std::string installed_asset(std::string_view relative);

// Prints "listening on http://host:port/" (what tests and scripts wait for) and runs io until
// SIGINT/SIGTERM, which close the server.
void run_until_signal(boost::asio::io_context& io, server::Server& server, const std::string& host,
                      std::string_view app);

// The command line: "--name value" pairs and flags; ConfigError on an unknown option.
class Args {
 public:
  Args(int argc, char** argv, std::map<std::string, bool> known /* name -> takes a value */);
  std::optional<std::string> get(const std::string& name) const;
  bool has(const std::string& name) const { return values_.count(name) > 0; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace sio::apps
