// What sio-jobmanager decodes from clients, as pure functions (no sockets; fuzzed by
// tests/fuzz/fuzz_app_http_api.cpp): the /subscription request of a socket and the body of
// POST /api/updates/<kind>. main.cpp does the I/O: authentication, joining rooms, emitting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sio/core/json.hpp"

namespace sio::apps::jobmanager {

// A UUID string (8-4-4-4-12 hexadecimal digits).
bool is_uuid(const json& v);

// The room a /subscription request {op, type, uuid?} names; "" with `error` set otherwise.
std::string subscription_room(const json& request, std::string& error);

// The answer to POST /api/updates/<kind> with this body. status 200: emit `event` with the
// argument `payload` (the body) to `rooms`, and reply `reply`; else reply `reply` ({"error"}) with
// `status` (400 bad body, 404 unknown kind).
struct UpdateOutcome {
  unsigned status = 400;
  json reply = json::object();
  std::string event;
  std::vector<std::string> rooms;
  json payload;
};
UpdateOutcome handle_update(std::string_view kind, const std::string& body);

}  // namespace sio::apps::jobmanager
