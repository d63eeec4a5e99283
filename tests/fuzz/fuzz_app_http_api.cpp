// libFuzzer target: the bodies of the deployment apps' HTTP APIs, as the apps decode them
// (testserver/apps/jobmanager/jobmanager_api.hpp: POST /api/updates/<kind> and the /subscription
// request; testserver/apps/coordinator/coordinator_api.hpp: POST /api/emit).
//
// Input: byte 0 picks the update kind (of six, or an unknown one), the rest is the body.
// Invariants (abort on violation): no crash, no sanitizer report, no exception; every reply is
// an object that dumps; a 200 comes with an event and rooms/room, anything else with an "error".
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "coordinator/coordinator_api.hpp"
#include "jobmanager/jobmanager_api.hpp"
#include "sio/core/json.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_app_http_api: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void check_reply(unsigned status, const sio::json& reply, bool has_target, std::string_view body) {
  if (!reply.is_object()) fail("reply is not an object", body);
  (void)sio::dump_json(reply);
  if (status == 200) {
    if (!has_target) fail("200 without a target", body);
  } else if (!reply.contains("error") || !reply["error"].is_string()) {
    fail("error reply without an error text", body);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* kinds[] = {"job", "task", "last-rendered", "tasklog", "worker", "workertag", "nope", ""};
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);

  const auto update = sio::apps::jobmanager::handle_update(kinds[data[0] % 8], body);
  check_reply(update.status, update.reply, !update.event.empty() && !update.rooms.empty(), body);
  if (update.status == 200 && !update.payload.is_object()) fail("payload is not the body object", body);

  const auto emit = sio::apps::coordinator::handle_emit(body);
  check_reply(emit.status, emit.reply, !emit.event.empty() && !emit.room.empty(), body);

  // The same text as a /subscription request of the job manager's sockets.
  if (auto request = sio::parse_json(body)) {
    std::string error;
    const std::string room = sio::apps::jobmanager::subscription_room(request.value().is_object() ? request.value() : sio::json::object(), error);
    if (room.empty() == error.empty()) fail("subscription: neither a room nor an error", body);
  }
  return 0;
}
