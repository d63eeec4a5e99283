// What sio-coordinator decodes, as pure functions (no sockets; fuzzed by tests/fuzz): the rules of
// its configuration file and the body of POST /api/emit. main.cpp does the I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sio/core/json.hpp"

namespace sio::apps::coordinator {

struct NodeRule {
  std::int64_t id = 0;  // the node's integer id (vantage6's node.id): "id", else the sub when it is a number
  std::string name;
  std::int64_t collaboration = 0;
  std::int64_t organization = 0;
};

struct UserRule {
  std::string name;  // shown in the room notices ("name", default the sub)
  std::int64_t organization = 0;
  std::vector<std::pair<std::int64_t, std::string>> scopes;  // collaboration, "collaboration"|"organization"
};

struct Rules {
  std::string secret;
  std::string api_key;
  std::map<std::string, NodeRule> nodes;
  std::map<std::string, UserRule> users;
};

// jwt_secret, api_key, nodes and users of the configuration object; ConfigError naming `path`
// (also when jwt_secret or api_key still is the example's "change-me" placeholder).
Rules load_rules(const json& config, const std::string& path);

std::string collab_room(std::int64_t cid);
std::string org_room(std::int64_t cid, std::int64_t oid);

// The answer to POST /api/emit with this body ({event, data, collaboration_id,
// organization_id?} or {event, data, room: "all_nodes"}). status 200: emit `event` with the
// arguments `args` (`[data]`, or `[]` when the body has no "data": vantage6 sends `sync` without
// an argument) to `room`, reply `reply`; else reply `reply` ({"error"}) with status 400.
struct EmitOutcome {
  unsigned status = 400;
  json reply = json::object();
  std::string event;
  std::string room;
  json args = json::array();
};
EmitOutcome handle_emit(const std::string& body);

}  // namespace sio::apps::coordinator
