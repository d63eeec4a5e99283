// sio-coordinator: the coordinator deployment (a Python Socket.IO server of a federated-analysis
// platform) on the reference server. See docs/deployments.md.
//
//   sio-coordinator [--config FILE]       (default ./coordinator.json)
//                   [--static DIR] [--client-bundle FILE]   (web demo: files of DIR, bundle at /socket.io.js)
//
// Namespace /tasks. The handshake's "Authorization: Bearer <JWT>" (HS256, claims sub and
// client_type "node" | "user", exp) is checked at namespace connect: a bad token gets an
// invalid_token / expired_token event, stays connected and joins no room. The rules in the config
// file put nodes in all_nodes, collaboration_<cid> and collaboration_<cid>_organization_<oid>, and
// users in the collaboration or organization rooms their rules allow. Clients cannot join rooms.
//   node -> server: algorithm_status_change, algorithm_log (re-broadcast to the node's collaboration
//     room, with node_id/collaboration_id/organization_id set by the server), node_info_update,
//     node_metrics_update (kept), ping (acked "pong" when asked). Users' events are ignored.
//   server -> room: node-online / node-offline (to the node's collaboration room);
//     HTTP POST /api/emit {event, data, collaboration_id, organization_id?} or {event, data, room:
//     "all_nodes"} with "Authorization: Bearer <api_key>": new_task, kill_containers,
//     status_update, sync, message.
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "../common/app.hpp"
#include "../common/jwt.hpp"
#include "sio/server/server.hpp"

namespace {

using sio::json;
using sio::apps::ConfigError;
using sio::server::AckFn;
using sio::server::Socket;

constexpr std::string_view kApp = "coordinator";

struct NodeRule {
  std::string name;
  std::int64_t collaboration = 0;
  std::int64_t organization = 0;
};

struct UserRule {
  std::int64_t organization = 0;
  std::vector<std::pair<std::int64_t, std::string>> scopes;  // collaboration, "collaboration"|"organization"
};

struct Rules {
  std::string secret;
  std::string api_key;
  std::map<std::string, NodeRule> nodes;
  std::map<std::string, UserRule> users;
};

std::int64_t int_field(const json& o, const char* key, const std::string& where) {
  if (!o.contains(key) || !o[key].is_number_integer()) throw ConfigError(where + ": \"" + key + "\" must be an integer");
  return o[key].get<std::int64_t>();
}

Rules load_rules(const json& config, const std::string& path) {
  Rules r;
  if (!config.contains("jwt_secret") || !config["jwt_secret"].is_string() || config["jwt_secret"].get<std::string>().empty()) {
    throw ConfigError(path + ": \"jwt_secret\" must be a non-empty string");
  }
  r.secret = config["jwt_secret"].get<std::string>();
  if (!config.contains("api_key") || !config["api_key"].is_string() || config["api_key"].get<std::string>().empty()) {
    throw ConfigError(path + ": \"api_key\" must be a non-empty string (bearer token of POST /api/emit)");
  }
  r.api_key = config["api_key"].get<std::string>();
  const json nodes = config.value("nodes", json::object());
  const json users = config.value("users", json::object());
  if (!nodes.is_object() || !users.is_object()) throw ConfigError(path + ": \"nodes\" and \"users\" must be objects");
  for (const auto& [sub, n] : nodes.items()) {
    const std::string where = path + ": nodes." + sub;
    if (!n.is_object()) throw ConfigError(where + " must be an object");
    NodeRule rule;
    rule.name = n.value("name", json(sub)).is_string() ? n.value("name", sub) : sub;
    rule.collaboration = int_field(n, "collaboration", where);
    rule.organization = int_field(n, "organization", where);
    r.nodes[sub] = rule;
  }
  for (const auto& [sub, u] : users.items()) {
    const std::string where = path + ": users." + sub;
    if (!u.is_object()) throw ConfigError(where + " must be an object");
    UserRule rule;
    rule.organization = int_field(u, "organization", where);
    const json rules = u.value("rules", json::array());
    if (!rules.is_array()) throw ConfigError(where + ".rules must be an array");
    for (const auto& e : rules) {
      if (!e.is_object()) throw ConfigError(where + ".rules entries must be objects");
      const std::string scope = e.value("scope", json()).is_string() ? e["scope"].get<std::string>() : "";
      if (scope != "collaboration" && scope != "organization") {
        throw ConfigError(where + ".rules: scope must be \"collaboration\" or \"organization\"");
      }
      rule.scopes.push_back({int_field(e, "collaboration", where + ".rules"), scope});
    }
    r.users[sub] = rule;
  }
  return r;
}

std::string collab_room(std::int64_t cid) { return "collaboration_" + std::to_string(cid); }
std::string org_room(std::int64_t cid, std::int64_t oid) {
  return collab_room(cid) + "_organization_" + std::to_string(oid);
}

std::string claim_string(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  return "";
}

const std::set<std::string>& http_events() {
  static const std::set<std::string> e = {"new_task", "kill_containers", "status_update", "sync", "message"};
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  std::unique_ptr<boost::asio::io_context> io;
  std::unique_ptr<sio::server::Server> server;
  try {
    sio::apps::Args args(argc, argv, {{"config", true}, {"static", true}, {"client-bundle", true}, {"help", false}});
    if (args.has("help")) {
      std::cout << "usage: sio-coordinator [--config coordinator.json] [--static DIR] [--client-bundle FILE]\n";
      return 0;
    }
    const std::string path = args.get("config").value_or("coordinator.json");
    const json config = sio::apps::read_json_file(path);
    if (!config.is_object()) throw ConfigError(path + ": expected a JSON object");
    const auto rules = std::make_shared<const Rules>(load_rules(config, path));
    const json host_v = config.value("host", json("127.0.0.1"));
    if (!host_v.is_string()) throw ConfigError("host must be a string");
    const std::string host = host_v.get<std::string>();
    if (config.contains("port") && !config["port"].is_number_unsigned()) throw ConfigError("port must be a number");
    const std::uint16_t port = sio::apps::parse_port(std::to_string(config.value("port", 7601u)));

    sio::server::ServerOptions options;
    options.ping_timeout = std::chrono::milliseconds(60000);
    sio::apps::apply_node_options(options, config.value("server", json::object()), kApp);
    options.client_bundle_file = args.get("client-bundle").value_or("");
    const std::string static_dir = args.get("static").value_or("");
    if (!static_dir.empty() && !std::filesystem::is_directory(static_dir)) {
      throw ConfigError("--static " + static_dir + ": not a directory");
    }

    io = std::make_unique<boost::asio::io_context>();
    try {
      server = std::make_unique<sio::server::Server>(*io, options, host, port);
    } catch (const std::exception& e) {
      throw ConfigError("cannot listen on " + host + ":" + std::to_string(port) + ": " + e.what());
    }

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
      if (result.status == sio::apps::JwtStatus::expired) {
        socket.emit("expired_token", json::array({{{"message", result.error}}}));
        return;
      }
      const bool known = (type == "node" && rules->nodes.count(sub)) || (type == "user" && rules->users.count(sub));
      if (result.status != sio::apps::JwtStatus::ok || !known) {
        const std::string why = token.empty() ? "missing bearer token"
                                : result.status != sio::apps::JwtStatus::ok ? result.error
                                                                            : "unknown identity";
        sio::apps::log(kApp, "invalid token on " + socket.id() + ": " + why);
        socket.emit("invalid_token", json::array({{{"message", why}}}));
        return;
      }

      if (type == "user") {
        const UserRule& u = rules->users.at(sub);
        socket.data = {{"type", "user"}, {"id", sub}, {"organization", u.organization}};
        std::vector<std::string> rooms;
        for (const auto& [cid, scope] : u.scopes) {
          rooms.push_back(scope == "collaboration" ? collab_room(cid) : org_room(cid, u.organization));
        }
        socket.join(rooms);
        return;  // users' events lead to no action
      }

      const NodeRule n = rules->nodes.at(sub);
      socket.data = {{"type", "node"}, {"id", sub}, {"name", n.name}, {"collaboration", n.collaboration},
                     {"organization", n.organization}};
      socket.join(std::vector<std::string>{"all_nodes", collab_room(n.collaboration), org_room(n.collaboration, n.organization)});
      const json status = {{"id", sub}, {"name", n.name}, {"org_id", n.organization}, {"collaboration_id", n.collaboration}};
      socket.to(collab_room(n.collaboration)).emit("node-online", json::array({status}));
      socket.on_disconnect([weak_tasks, status, room = collab_room(n.collaboration)](const std::string&) {
        if (auto t = weak_tasks.lock()) t->to(room).emit("node-offline", json::array({status}));
      });

      auto rebroadcast = [weak, n, sub](const std::string& event) {
        return [weak, n, sub, event](const json& args, const AckFn& ack) {
          auto s = weak.lock();
          if (!s) return;
          json data = !args.empty() && args[0].is_object() ? args[0] : json::object();
          if (!args.empty() && !args[0].is_object()) data["data"] = args[0];
          data["node_id"] = sub;
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
      if (sio::apps::bearer_token(req.headers) != rules->api_key) {
        respond(sio::apps::json_response(401, {{"error", "bad or missing bearer token"}}));
        return true;
      }
      const json body = json::parse(req.body, nullptr, false);
      if (!body.is_object()) {
        respond(sio::apps::json_response(400, {{"error", "body must be a JSON object"}}));
        return true;
      }
      const std::string event = body.value("event", json()).is_string() ? body["event"].get<std::string>() : "";
      if (!http_events().count(event)) {
        respond(sio::apps::json_response(400, {{"error", "event must be one of new_task, kill_containers, "
                                                          "status_update, sync, message"}}));
        return true;
      }
      std::string room;
      if (body.contains("room")) {
        if (body["room"] != "all_nodes") {
          respond(sio::apps::json_response(400, {{"error", "room: only \"all_nodes\"; else give collaboration_id"}}));
          return true;
        }
        room = "all_nodes";
      } else if (body.contains("collaboration_id") && body["collaboration_id"].is_number_integer()) {
        const auto cid = body["collaboration_id"].get<std::int64_t>();
        if (body.contains("organization_id")) {
          if (!body["organization_id"].is_number_integer()) {
            respond(sio::apps::json_response(400, {{"error", "organization_id must be an integer"}}));
            return true;
          }
          room = org_room(cid, body["organization_id"].get<std::int64_t>());
        } else {
          room = collab_room(cid);
        }
      } else {
        respond(sio::apps::json_response(400, {{"error", "give collaboration_id (integer) or room"}}));
        return true;
      }
      tasks->to(room).emit(event, json::array({body.value("data", json::object())}));
      respond(sio::apps::json_response(200, {{"event", event}, {"room", room}}));
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
