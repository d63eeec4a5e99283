// sio-jobmanager: the job manager deployment (a Go server whose web app runs socket.io-client 2)
// on the reference server. See docs/deployments.md.
//
//   sio-jobmanager [--config FILE]        (default ./jobmanager.json)
//                  [--static DIR] [--client-bundle FILE]   (web demo: files of DIR, bundle at /socket.io.js)
//
// Socket.IO v2 (Engine.IO 3) straight over WebSocket at /socket.io/?EIO=3&transport=websocket,
// root namespace, ping interval 30 s / timeout 60 s. Every client joins "Chat" and "Jobs" on connect.
//   client -> server  /subscription {op: subscribe|unsubscribe, type, uuid?}  acked "ok" or an error
//                     /chat {name, text}  re-broadcast as /message to Chat, acked "message sent successfully."
//   HTTP POST /api/updates/<kind> (the manager's own updates, from outside any socket):
//     job -> /jobs to Jobs; task -> /task to job-<job_id>; last-rendered -> /last-rendered to
//     job-<job_id> and Last-Rendered; tasklog -> /tasklog to tasklog-<task_id>;
//     worker -> /workers to Workers; workertag -> /workertags to WorkerTags.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "../common/app.hpp"
#include "jobmanager_api.hpp"
#include "sio/server/server.hpp"

namespace {

using sio::json;
using sio::apps::ConfigError;
using sio::apps::jobmanager::subscription_room;
using sio::server::AckFn;
using sio::server::Socket;

constexpr std::string_view kApp = "jobmanager";

}  // namespace

int main(int argc, char** argv) {
  std::unique_ptr<boost::asio::io_context> io;
  std::unique_ptr<sio::server::Server> server;
  try {
    const auto start = sio::apps::json_app_start(
        argc, argv, "usage: sio-jobmanager [--config jobmanager.json] [--static DIR] [--client-bundle FILE]",
        "jobmanager.json", 8080);
    if (!start) return 0;
    const json& config = start->config;
    const std::string& host = start->host;
    const std::string& static_dir = start->static_dir;
    std::string api_token;
    if (config.contains("api_token")) {
      if (!config["api_token"].is_string()) throw ConfigError("api_token must be a string");
      api_token = config["api_token"].get<std::string>();
    }

    sio::server::ServerOptions options;
    options.allow_eio3 = true;
    options.transports = {"websocket"};
    options.ping_interval = std::chrono::milliseconds(30000);
    options.ping_timeout = std::chrono::milliseconds(60000);
    const json server_config = config.value("server", json::object());
    sio::apps::apply_node_options(options, server_config, kApp);
    options.client_bundle_file = start->client_bundle;
    io = std::make_unique<boost::asio::io_context>();
    server = sio::apps::listen(*io, options, server_config, host, start->port);
    auto root = server->sockets();

    // The root namespace keeps this handler: hold it weakly, or the two keep each other alive.
    server->on_connection([weak_root = std::weak_ptr(root)](Socket& socket) {
      // Flamenco Manager: "by default every client joins the job updates and chat rooms".
      socket.join(std::vector<std::string>{"Chat", "Jobs"});
      auto weak = std::weak_ptr<Socket>(socket.shared_from_this());
      socket.on("/subscription", [weak](const json& args, const AckFn& ack) {
        auto s = weak.lock();
        if (!s) return;
        const json req = args.empty() ? json() : args[0];
        std::string reply = "ok";
        if (!req.is_object()) {
          reply = "invalid subscription request: expected an object";
        } else {
          const std::string op = req.value("op", json()).is_string() ? req["op"].get<std::string>() : "";
          std::string error;
          const std::string room = subscription_room(req, error);
          if (op != "subscribe" && op != "unsubscribe") {
            reply = "unknown subscription operation " + (req.contains("op") ? sio::dump_json(req["op"]) : std::string("(missing)"));
          } else if (room.empty()) {
            reply = error;
          } else if (op == "subscribe") {
            s->join(room);
          } else {
            s->leave(room);
          }
        }
        if (ack) ack(json::array({reply}));
      });
      socket.on("/chat", [weak_root](const json& args, const AckFn& ack) {
        const auto root = weak_root.lock();
        if (!root) return;
        const json msg = args.empty() ? json() : args[0];
        if (!msg.is_object() || !msg.value("name", json()).is_string() || !msg.value("text", json()).is_string()) {
          sio::apps::log(kApp, "ignoring a /chat message without string name and text");
          return;
        }
        root->to("Chat").emit("/message", json::array({{{"name", msg["name"]}, {"text", msg["text"]}}}));
        if (ack) ack(json::array({"message sent successfully."}));  // what Flamenco's handler returns
      });
    });

    server->engine().on_http_request = [root, api_token](const sio::server::HttpRequest& req,
                                                         sio::server::HttpResponder respond) {
      static const std::string prefix = "/api/updates/";
      if (req.path.rfind(prefix, 0) != 0) return false;
      if (req.method != "POST") {
        respond(sio::apps::json_response(405, {{"error", "use POST"}}));
        return true;
      }
      if (!api_token.empty() && !sio::apps::secret_equals(sio::apps::bearer_token(req.headers), api_token)) {
        respond(sio::apps::json_response(401, {{"error", "bad or missing bearer token"}}));
        return true;
      }
      auto outcome = sio::apps::jobmanager::handle_update(std::string_view(req.path).substr(prefix.size()), req.body);
      if (outcome.status == 200) root->to(outcome.rooms).emit(outcome.event, json::array({std::move(outcome.payload)}));
      respond(sio::apps::json_response(outcome.status, outcome.reply));
      return true;
    };
    if (!static_dir.empty()) sio::apps::serve_static_files_after(*server, static_dir);  // after the API

    sio::apps::run_until_signal(*io, *server, host, kApp);
  } catch (const ConfigError& e) {
    std::cerr << "sio-jobmanager: " << e.what() << std::endl;
    return 2;
  }
  server.reset();
  return 0;
}
