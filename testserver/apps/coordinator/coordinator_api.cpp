#include "coordinator_api.hpp"

#include <optional>
#include <set>

#include "../common/app.hpp"

namespace sio::apps::coordinator {
namespace {

std::int64_t int_field(const json& o, const char* key, const std::string& where) {
  if (!o.contains(key) || !o[key].is_number_integer()) throw ConfigError(where + ": \"" + key + "\" must be an integer");
  return o[key].get<std::int64_t>();
}

const std::set<std::string>& http_events() {
  static const std::set<std::string> e = {"new_task",      "new_task_update", "kill_containers", "status_update",
                                          "sync",          "message",         "delete_dataframe"};
  return e;
}

// The example configuration's values ("change-me: ..."): a server must not run with them.
bool is_placeholder(const std::string& value) { return value.rfind("change-me", 0) == 0; }

// A sub that is a decimal integer (vantage6's node ids are integers; a token's sub is the id).
std::optional<std::int64_t> decimal(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

EmitOutcome error(std::string text) {
  EmitOutcome out;
  out.status = 400;
  out.reply = {{"error", std::move(text)}};
  return out;
}

}  // namespace

Rules load_rules(const json& config, const std::string& path) {
  Rules r;
  if (!config.is_object()) throw ConfigError(path + ": expected a JSON object");
  if (!config.contains("jwt_secret") || !config["jwt_secret"].is_string() || config["jwt_secret"].get<std::string>().empty()) {
    throw ConfigError(path + ": \"jwt_secret\" must be a non-empty string");
  }
  r.secret = config["jwt_secret"].get<std::string>();
  if (is_placeholder(r.secret)) {
    throw ConfigError(path + ": \"jwt_secret\" is still the example's placeholder; set a secret of your own (e.g. the output of `openssl rand -hex 32`)");
  }
  if (!config.contains("api_key") || !config["api_key"].is_string() || config["api_key"].get<std::string>().empty()) {
    throw ConfigError(path + ": \"api_key\" must be a non-empty string (bearer token of POST /api/emit)");
  }
  r.api_key = config["api_key"].get<std::string>();
  if (is_placeholder(r.api_key)) {
    throw ConfigError(path + ": \"api_key\" is still the example's placeholder; set a key of your own (e.g. the output of `openssl rand -hex 32`)");
  }
  const json nodes = config.value("nodes", json::object());
  const json users = config.value("users", json::object());
  if (!nodes.is_object() || !users.is_object()) throw ConfigError(path + ": \"nodes\" and \"users\" must be objects");
  for (const auto& [sub, n] : nodes.items()) {
    const std::string where = path + ": nodes." + sub;
    if (!n.is_object()) throw ConfigError(where + " must be an object");
    NodeRule rule;
    if (n.contains("id")) {
      rule.id = int_field(n, "id", where);
    } else if (auto id = decimal(sub)) {
      rule.id = *id;
    } else {
      throw ConfigError(where + ": give \"id\" (the node's integer id) when the key is not a number");
    }
    rule.name = n.value("name", json(sub)).is_string() ? n.value("name", sub) : sub;
    rule.collaboration = int_field(n, "collaboration", where);
    rule.organization = int_field(n, "organization", where);
    r.nodes[sub] = rule;
  }
  for (const auto& [sub, u] : users.items()) {
    const std::string where = path + ": users." + sub;
    if (!u.is_object()) throw ConfigError(where + " must be an object");
    UserRule rule;
    rule.name = u.value("name", json(sub)).is_string() ? u.value("name", sub) : sub;
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

EmitOutcome handle_emit(const std::string& body_text) {
  std::string why;
  auto parsed = parse_json_body(body_text, why);
  if (!parsed) return error(why);
  const json& body = *parsed;
  const std::string event = body.value("event", json()).is_string() ? body["event"].get<std::string>() : "";
  if (!http_events().count(event)) {
    return error("event must be one of new_task, new_task_update, kill_containers, status_update, sync, message, delete_dataframe");
  }
  std::string room;
  if (body.contains("room")) {
    if (body["room"] != "all_nodes") return error("room: only \"all_nodes\"; else give collaboration_id");
    room = "all_nodes";
  } else if (body.contains("collaboration_id") && body["collaboration_id"].is_number_integer()) {
    const auto cid = body["collaboration_id"].get<std::int64_t>();
    if (body.contains("organization_id")) {
      if (!body["organization_id"].is_number_integer()) return error("organization_id must be an integer");
      room = org_room(cid, body["organization_id"].get<std::int64_t>());
    } else {
      room = collab_room(cid);
    }
  } else {
    return error("give collaboration_id (integer) or room");
  }
  EmitOutcome out;
  out.status = 200;
  out.event = event;
  out.room = room;
  out.reply = {{"event", event}, {"room", room}};
  if (body.contains("data")) out.args.push_back(body["data"]);
  return out;
}

}  // namespace sio::apps::coordinator
