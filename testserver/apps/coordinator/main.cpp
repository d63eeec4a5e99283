// sio-coordinator: the coordinator deployment (a Python Socket.IO server of a federated-analysis
// platform) on the reference server. See docs/deployments.md.
//
//   sio-coordinator [--config FILE]       (default ./coordinator.json)
//                   [--static DIR] [--client-bundle FILE]   (web demo: files of DIR, bundle at /socket.io.js)
//
// Namespace /tasks, as vantage6's server (websockets.py) to its nodes (socket.py). The handshake's
// "Authorization: Bearer <JWT>" (HS256, claims sub and client_type "node" | "user", exp) is checked
// at namespace connect: a bad token gets invalid_token / expired_token (no argument), stays
// connected and joins no room. A node gets sync (no argument), node-online goes to its rooms
// (all_nodes, collaboration_<cid>, collaboration_<cid>_organization_<oid>), then it joins them; a
// user joins the collaboration or organization rooms its rules allow; each join (and leave) is told
// to the room as a "message" text (never to all_nodes). Clients cannot join rooms.
//   node -> server: algorithm_status_change, algorithm_log (re-broadcast to the node's collaboration
//     room, with node_id/collaboration_id/organization_id set by the server), node_info_update,
//     node_metrics_update (kept), ping (acked "pong" when asked). Users' events are ignored.
//   server -> rooms: node-online / node-offline {id, name, org_id, collaboration_id} (integers but
//     name); HTTP POST /api/emit {event, data?, collaboration_id, organization_id?} or {event,
//     data?, room: "all_nodes"} with "Authorization: Bearer <api_key>": new_task,
//     new_task_update, kill_containers, status_update, sync, message, delete_dataframe (no "data":
//     no argument).
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "../common/app.hpp"
#include "../common/jwt.hpp"
#include "coordinator_api.hpp"
#include "sio/server/server.hpp"

namespace {

using sio::json;
using sio::apps::ConfigError;
using sio::apps::coordinator::collab_room;
using sio::apps::coordinator::org_room;
using sio::apps::coordinator::NodeRule;
using sio::apps::coordinator::Rules;
using sio::apps::coordinator::UserRule;
using sio::server::AckFn;
using sio::server::Socket;

constexpr std::string_view kApp = "coordinator";

std::string claim_string(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  std::unique_ptr<boost::asio::io_context> io;
  std::unique_ptr<sio::server::Server> server;
  try {
    const auto start = sio::apps::json_app_start(
        argc, argv, "usage: sio-coordinator [--config coordinator.json] [--static DIR] [--client-bundle FILE]",
        "coordinator.json", 7601);
    if (!start) return 0;
    const json& config = start->config;
    const auto rules = std::make_shared<const Rules>(sio::apps::coordinator::load_rules(config, start->config_path));
    const std::string& host = start->host;
    const std::string& static_dir = start->static_dir;

    sio::server::ServerOptions options;
    options.ping_timeout = std::chrono::milliseconds(60000);
    const json server_config = config.value("server", json::object());
    sio::apps::apply_node_options(options, server_config, kApp);
    options.client_bundle_file = start->client_bundle;
    io = std::make_unique<boost::asio::io_context>();
    server = sio::apps::listen(*io, options, server_config, host, start->port);

    auto tasks = server->of("/tasks");
    auto weak_tasks = std::weak_ptr<sio::server::Namespace>(tasks);
    tasks->on_connection([rules, weak_tasks](Socket& socket) {
      auto weak = std::weak_ptr<Socket>(socket.shared_from_this());
      // Liveness for everyone (acked so that a client can tell its connection works).
      socket.on("ping", [weak](const json&, const AckFn& ack) {
        if (auto s = weak.lock(); s && s->data.contains("type")) s->data["last_seen"] = sio::apps::now_ms();
        if (ack) ack(json::array({"pong"}));
      });

      std::string token = sio::apps::bearer_token(socket.handshake().headers);
      if (token.empty() && socket.handshake().auth.is_object()) {
        token = socket.handshake().auth.value("token", json("")).is_string() ? socket.handshake().auth.value("token", "") : "";
      }
      const auto result = sio::apps::jwt_verify_hs256(token, rules->secret, sio::apps::now_s());
      std::string sub;
      std::string type;
      if (result.status == sio::apps::JwtStatus::ok) {
        sub = claim_string(result.claims.value("sub", json()));
        type = result.claims.value("client_type", json()).is_string() ? result.claims["client_type"].get<std::string>() : "";
      }
      // As vantage6: expired_token / invalid_token without an argument (its node's handlers take
      // none); the socket stays connected in no room.
      if (result.status == sio::apps::JwtStatus::expired) {
        sio::apps::log(kApp, "expired token on " + socket.id() + ": " + result.error);
        socket.emit("expired_token");
        return;
      }
      const bool known = (type == "node" && rules->nodes.count(sub)) || (type == "user" && rules->users.count(sub));
      if (result.status != sio::apps::JwtStatus::ok || !known) {
        const std::string why = token.empty() ? "missing bearer token"
                                : result.status != sio::apps::JwtStatus::ok ? result.error
                                                                            : "unknown identity";
        sio::apps::log(kApp, "invalid token on " + socket.id() + ": " + why);
        socket.emit("invalid_token");
        return;
      }

      // Joins each room and tells the room ("message"; never all_nodes, whose nodes belong to
      // different collaborations); on disconnect the same for leaving, as vantage6's
      // __join_room_and_notify / __leave_room_and_notify.
      auto join_and_notify = [&socket, weak_tasks](const std::vector<std::string>& rooms, const std::string& title,
                                                   const std::string& name) {
        for (const auto& room : rooms) {
          socket.join(room);
          if (room != "all_nodes") {
            socket.nsp().to(room).emit("message", json::array({title + " <" + name + "> joined room <" + room + ">"}));
          }
        }
        socket.on_disconnect([weak_tasks, rooms, name](const std::string&) {
          auto t = weak_tasks.lock();
          if (!t) return;
          for (const auto& room : rooms) {
            if (room != "all_nodes") t->to(room).emit("message", json::array({name + " left room " + room}));
          }
        });
      };

      if (type == "user") {
        const UserRule& u = rules->users.at(sub);
        socket.data = {{"type", "user"}, {"id", sub}, {"organization", u.organization}};
        std::vector<std::string> rooms;
        for (const auto& [cid, scope] : u.scopes) {
          rooms.push_back(scope == "collaboration" ? collab_room(cid) : org_room(cid, u.organization));
        }
        join_and_notify(rooms, "User", u.name);
        return;  // users' events lead to no action
      }

      const NodeRule n = rules->nodes.at(sub);
      socket.data = {{"type", "node"}, {"id", n.id}, {"name", n.name}, {"collaboration", n.collaboration},
                     {"organization", n.organization}};
      // vantage6's order: sync to the node, node-online to the node's rooms (before it joins
      // them), then the joins. Its payload {id, name, org_id}, plus collaboration_id.
      socket.emit("sync");
      const std::vector<std::string> rooms{"all_nodes", collab_room(n.collaboration), org_room(n.collaboration, n.organization)};
      const json status = {{"id", n.id}, {"name", n.name}, {"org_id", n.organization}, {"collaboration_id", n.collaboration}};
      socket.to(rooms[0]).to(std::vector<std::string>(rooms.begin() + 1, rooms.end())).emit("node-online", json::array({status}));
      join_and_notify(rooms, "Node", n.name);
      socket.on_disconnect([weak_tasks, status, rooms](const std::string&) {
        if (auto t = weak_tasks.lock()) t->to(rooms).emit("node-offline", json::array({status}));
      });

      auto rebroadcast = [weak, n](const std::string& event) {
        return [weak, n, event](const json& args, const AckFn& ack) {
          auto s = weak.lock();
          if (!s) return;
          json data = !args.empty() && args[0].is_object() ? args[0] : json::object();
          if (!args.empty() && !args[0].is_object()) data["data"] = args[0];
          data["node_id"] = n.id;
          data["collaboration_id"] = n.collaboration;
          data["organization_id"] = n.organization;
          s->nsp().to(collab_room(n.collaboration)).emit(event, json::array({data}));
          if (ack) ack(json::array({"ok"}));
        };
      };
      socket.on("algorithm_status_change", rebroadcast("algorithm_status_change"));
      socket.on("algorithm_log", rebroadcast("algorithm_log"));
      for (const char* ev : {"node_info_update", "node_metrics_update"}) {
        const std::string key = std::string(ev) == "node_info_update" ? "info" : "metrics";
        socket.on(ev, [weak, key](const json& args, const AckFn& ack) {
          if (auto s = weak.lock()) s->data[key] = args.empty() ? json() : args[0];
          if (ack) ack(json::array({"ok"}));
        });
      }
    });

    server->engine().on_http_request = [rules, tasks](const sio::server::HttpRequest& req,
                                                      sio::server::HttpResponder respond) {
      if (req.path != "/api/emit") return false;
      if (req.method != "POST") {
        respond(sio::apps::json_response(405, {{"error", "use POST"}}));
        return true;
      }
      if (!sio::apps::secret_equals(sio::apps::bearer_token(req.headers), rules->api_key)) {
        respond(sio::apps::json_response(401, {{"error", "bad or missing bearer token"}}));
        return true;
      }
      auto outcome = sio::apps::coordinator::handle_emit(req.body);
      if (outcome.status == 200) tasks->to(outcome.room).emit(outcome.event, std::move(outcome.args));
      respond(sio::apps::json_response(outcome.status, outcome.reply));
      return true;
    };
    if (!static_dir.empty()) sio::apps::serve_static_files_after(*server, static_dir);  // after the API

    sio::apps::run_until_signal(*io, *server, host, kApp);
  } catch (const ConfigError& e) {
    std::cerr << "sio-coordinator: " << e.what() << std::endl;
    return 2;
  }
  server.reset();
  return 0;
}
