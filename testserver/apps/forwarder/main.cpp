// sio-forwarder: the forwarder deployment (a Node socket.io 4 service that re-broadcasts every
// event) on the reference server. See docs/deployments.md.
//
//   sio-forwarder [--dir DIR] [--config FILE] [--credentials FILE] [--env FILE] [--client-bundle FILE]
//
// DIR (default ".") holds config.json (Node Server options: cors, maxHttpBufferSize, path, ...),
// credentials.json ([{"username", "password"}], password plain or a bcrypt hash) and .env (HOST,
// PORT, USERNAME, PASSWORD; the process environment wins, as with dotenv).
//
// Namespaces: "/" refuses everyone (UNAUTHORIZED); "/sharedsocket" has no auth (deprecated);
// every namespace matching ^/do-.+$ needs auth {username, password} from credentials.json and is
// isolated from the others. Every event a client sends is re-broadcast to its namespace, sender
// included. Sockets with auth.type "controller" or "view": a controller's __count__ is answered
// with __count__(number of views); a view connecting broadcasts __connect__({id}) to the others,
// a view leaving broadcasts __disconnect__({id}).
#include <filesystem>
#include <iostream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "../common/app.hpp"
#include "../common/credentials.hpp"
#include "../common/password_checks.hpp"
#include "admin_ui.hpp"
#include "sio/server/server.hpp"


namespace {

using sio::json;
using sio::apps::ConfigError;
using sio::server::ConnectError;
using sio::server::Next;
using sio::server::Socket;

constexpr std::string_view kApp = "forwarder";

std::string socket_type(const Socket& socket) {
  const auto it = socket.data.find("type");
  if (it == socket.data.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::size_t count_views(const sio::server::Namespace& nsp) {
  std::size_t n = 0;
  for (const auto& [id, s] : nsp.sockets()) {
    if (socket_type(*s) == "view") ++n;
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  std::unique_ptr<boost::asio::io_context> io;
  std::unique_ptr<sio::server::Server> server;
  std::unique_ptr<sio::admin::AdminUi> admin;  // the /admin namespace and UI (before the server dies)
  // bcrypt checks off the server's thread, bounded per connection and in all.
  sio::apps::PasswordCheckPool verifier;
  try {
    sio::apps::Args args(argc, argv,
                         {{"dir", true}, {"config", true}, {"credentials", true}, {"env", true},
                          {"client-bundle", true}, {"static", true}, {"help", false}});
    if (args.has("help")) {
      std::cout << "usage: sio-forwarder [--dir DIR] [--config FILE] [--credentials FILE] [--env FILE]\n"
                   "                     [--client-bundle FILE] [--static DIR]\n";
      return 0;
    }
    const std::string dir = args.get("dir").value_or(".");
    const json config = sio::apps::read_json_file(args.get("config").value_or(dir + "/config.json"));
    const auto credentials = std::make_shared<const sio::apps::Credentials>(
        sio::apps::Credentials::load(args.get("credentials").value_or(dir + "/credentials.json")));
    const auto env = sio::apps::read_env_file(args.get("env").value_or(dir + "/.env"), args.has("env"));
    const std::string host = sio::apps::env_value(env, "HOST", "127.0.0.1");
    const std::uint16_t port = sio::apps::parse_port(sio::apps::env_value(env, "PORT", "8080"));

    sio::server::ServerOptions options;
    sio::apps::apply_node_options(options, config, kApp);
    // Defaults: the files the build installs beside the executable (sio-apps-assets/).
    options.client_bundle_file = args.get("client-bundle").value_or(
        sio::apps::env_value(env, "CLIENT_BUNDLE", sio::apps::installed_asset("socket.io-client/socket.io.js")));
    if (!std::filesystem::is_regular_file(options.client_bundle_file)) {
      sio::apps::log(kApp, "no client bundle at " + options.client_bundle_file +
                               ": /socket.io.js answers 404 (give --client-bundle FILE or CLIENT_BUNDLE)");
    }

    // Admin UI (@socket.io/admin-ui): enabled by USERNAME + PASSWORD (a bcrypt hash) in .env.
    const std::string admin_user = sio::apps::env_value(env, "USERNAME");
    const std::string admin_password = sio::apps::env_value(env, "PASSWORD");
    if (!admin_password.empty() && admin_user.empty()) {
      throw ConfigError("PASSWORD (the admin UI login) is set but USERNAME is not");
    }
    if (!admin_password.empty()) {
      sio::admin::AdminOptions admin_options;
      admin_options.username = admin_user;
      admin_options.password_hash = admin_password;
      admin_options.mode = sio::apps::env_value(env, "NODE_ENV", "development");
      admin_options.ui_dir = sio::apps::env_value(env, "ADMIN_UI", sio::apps::installed_asset("admin-ui"));
      if (const std::string cap = sio::apps::env_value(env, "ADMIN_STATS_NAMESPACES"); !cap.empty()) {
        if (cap.size() > 9 || cap.find_first_not_of("0123456789") != std::string::npos || std::stoul(cap) == 0) {
          throw ConfigError("ADMIN_STATS_NAMESPACES must be a positive integer");
        }
        admin_options.max_stats_namespaces = std::stoul(cap);
      }
      try {
        admin = std::make_unique<sio::admin::AdminUi>(admin_options);
      } catch (const std::invalid_argument& e) {
        throw ConfigError(e.what());
      }
      admin->prepare(options);
    } else {
      sio::apps::log(kApp, "no PASSWORD in .env: the admin UI is off");
    }

    io = std::make_unique<boost::asio::io_context>();
    server = sio::apps::listen(*io, options, config, host, port);
    if (admin) admin->attach(*server);  // first, so that it sees every namespace

    // "/": nobody.
    server->use([](Socket&, Next next) { next(ConnectError{"UNAUTHORIZED"}); });

    // Every event re-broadcast to the namespace (sender included), as the original's onAny.
    auto forward_all = [](Socket& socket) {
      auto weak = std::weak_ptr<Socket>(socket.shared_from_this());
      socket.on_any([weak](const std::string& event, const json& args) {
        auto s = weak.lock();
        if (!s) return;
        if (event == "__count__" && socket_type(*s) == "controller") {
          s->emit("__count__", json::array({count_views(s->nsp())}));
          return;
        }
        s->nsp().emit(event, args);
      });
    };

    // "/sharedsocket": open, deprecated.
    sio::apps::log(kApp, "warning: the /sharedsocket namespace is deprecated; use a do- namespace");
    server->of("/sharedsocket", [forward_all](Socket& socket) {
      sio::apps::log(kApp, "warning: " + socket.id() +
                               " connected to the deprecated /sharedsocket namespace (no authentication)");
      forward_all(socket);
    });

    // ^/do-.+$: credentials, then the controller/view protocol.
    auto dynamic = server->of(std::regex("^/do-.+$"));
    dynamic->use([credentials, &verifier](Socket& socket, Next next) {
      const json& auth = socket.handshake().auth;
      if (!auth.is_object() || !auth.contains("username") || !auth["username"].is_string() ||
          !auth.contains("password") || !auth["password"].is_string()) {
        next(ConnectError{"UNAUTHORIZED"});
        return;
      }
      const auto& user_ref = auth["username"].get_ref<const std::string&>();
      const auto& password_ref = auth["password"].get_ref<const std::string&>();
      const std::string nsp = socket.nsp().name();
      // Over bcrypt's 72 bytes (or a huge username): refused before anything is copied or hashed.
      if (const auto why = sio::apps::Credentials::refuse_unchecked(user_ref, password_ref)) {
        sio::apps::log(kApp, "refused a login on " + nsp + ": " + *why);
        next(ConnectError{"UNAUTHORIZED"});
        return;
      }
      if (auth.contains("type") && auth["type"].is_string() &&
          (auth["type"] == "controller" || auth["type"] == "view")) {
        socket.data["type"] = auth["type"];
      }
      const auto conn = socket.conn();
      const std::string client = conn ? conn->id() : socket.id();
      const bool queued = verifier.submit(
          client,
          [credentials, user = user_ref, password = password_ref] { return credentials->check(user, password); },
          [next, user = user_ref, nsp](bool ok) {
            if (ok) return next(std::nullopt);
            sio::apps::log(kApp, "refused \"" + user + "\" on " + nsp + ": bad credentials");
            next(ConnectError{"UNAUTHORIZED"});
          });
      if (!queued) {
        sio::apps::log(kApp, "refused a login on " + nsp + ": too many password checks pending");
        next(ConnectError{"UNAUTHORIZED", json{{"reason", "too many password checks pending"}}});
      }
    });
    dynamic->on_connection([forward_all](Socket& socket) {
      forward_all(socket);
      if (socket_type(socket) != "view") return;
      socket.broadcast().emit("__connect__", json::array({{{"id", socket.id()}}}));
      auto nsp = std::weak_ptr<sio::server::Namespace>(socket.nsp().shared_from_this());
      const std::string id = socket.id();
      socket.on_disconnect([nsp, id](const std::string&) {
        if (auto n = nsp.lock()) n->emit("__disconnect__", json::array({{{"id", id}}}));
      });
    });

    // --static DIR: the web demo's files (web-demo/), after any other HTTP handler.
    if (const auto static_dir = args.get("static")) {
      if (!std::filesystem::is_directory(*static_dir)) throw ConfigError("--static " + *static_dir + ": not a directory");
      sio::apps::serve_static_files_after(*server, *static_dir);
    }

    sio::apps::run_until_signal(*io, *server, host, kApp);
  } catch (const ConfigError& e) {
    std::cerr << "sio-forwarder: " << e.what() << std::endl;
    admin.reset();
    verifier.stop();
    return 2;
  }
  verifier.stop();
  admin.reset();
  server.reset();
  return 0;
}
