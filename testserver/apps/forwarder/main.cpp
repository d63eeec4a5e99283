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
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "../common/app.hpp"
#include "../common/bcrypt.hpp"
#include "admin_ui.hpp"
#include "sio/server/server.hpp"

#ifndef SIO_DEFAULT_CLIENT_BUNDLE
#define SIO_DEFAULT_CLIENT_BUNDLE ""
#endif
#ifndef SIO_DEFAULT_ADMIN_UI
#define SIO_DEFAULT_ADMIN_UI ""
#endif

namespace {

using sio::json;
using sio::apps::ConfigError;
using sio::server::ConnectError;
using sio::server::Next;
using sio::server::Socket;

constexpr std::string_view kApp = "forwarder";

struct Credential {
  std::string username;
  std::string password;  // plain or bcrypt hash
};

std::vector<Credential> load_credentials(const std::string& path) {
  const json j = sio::apps::read_json_file(path);
  if (!j.is_array()) throw ConfigError(path + ": expected an array of {\"username\", \"password\"}");
  std::vector<Credential> out;
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("username") || !e["username"].is_string() || !e.contains("password") ||
        !e["password"].is_string()) {
      throw ConfigError(path + ": every entry needs string \"username\" and \"password\"");
    }
    const std::string pw = e["password"].get<std::string>();
    if (pw.rfind("$2", 0) == 0 && pw.size() == 60 && !sio::apps::is_bcrypt_hash(pw)) {
      throw ConfigError(path + ": the password of \"" + e["username"].get<std::string>() +
                        "\" looks like a bcrypt hash we cannot check ($2a$/$2b$/$2y$, cost 04-16)");
    }
    out.push_back({e["username"].get<std::string>(), pw});
  }
  return out;
}

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
  boost::asio::thread_pool verifier(1);  // bcrypt checks off the server's thread
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
    const auto credentials = std::make_shared<const std::vector<Credential>>(
        load_credentials(args.get("credentials").value_or(dir + "/credentials.json")));
    const auto env = sio::apps::read_env_file(args.get("env").value_or(dir + "/.env"), args.has("env"));
    const std::string host = sio::apps::env_value(env, "HOST", "127.0.0.1");
    const std::uint16_t port = sio::apps::parse_port(sio::apps::env_value(env, "PORT", "8080"));

    sio::server::ServerOptions options;
    sio::apps::apply_node_options(options, config, kApp);
    options.client_bundle_file = args.get("client-bundle").value_or(
        sio::apps::env_value(env, "CLIENT_BUNDLE", SIO_DEFAULT_CLIENT_BUNDLE));

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
      admin_options.ui_dir = sio::apps::env_value(env, "ADMIN_UI", SIO_DEFAULT_ADMIN_UI);
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
    try {
      server = std::make_unique<sio::server::Server>(*io, options, host, port);
    } catch (const std::exception& e) {
      throw ConfigError("cannot listen on " + host + ":" + std::to_string(port) + ": " + e.what());
    }
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
      const std::string user = auth["username"].get<std::string>();
      const std::string password = auth["password"].get<std::string>();
      if (auth.contains("type") && auth["type"].is_string() &&
          (auth["type"] == "controller" || auth["type"] == "view")) {
        socket.data["type"] = auth["type"];
      }
      std::vector<std::string> stored;
      for (const auto& c : *credentials) {
        if (c.username == user) stored.push_back(c.password);
      }
      const std::string nsp = socket.nsp().name();
      boost::asio::post(verifier, [next, stored, password, user, nsp] {
        for (const auto& s : stored) {
          if (sio::apps::password_matches(password, s)) {
            next(std::nullopt);
            return;
          }
        }
        sio::apps::log(kApp, "refused \"" + user + "\" on " + nsp + ": bad credentials");
        next(ConnectError{"UNAUTHORIZED"});
      });
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
    verifier.join();
    return 2;
  }
  verifier.stop();
  verifier.join();
  admin.reset();
  server.reset();
  return 0;
}
