// sio/testing/scenario.hpp - scripted server behaviour without code: a JSON scenario file
// (sio-testserver --scenario FILE) describes namespaces, auth rules, rooms, replies to events,
// emits on connect or on a timer, and expectations on what the client must emit; the run ends
// with a report of what was met and what was not. Format: docs/testing.md "Scenario files".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sio/core/json.hpp"
#include "sio/server/server.hpp"
#include "sio/testing/test_server.hpp"

namespace sio::testing {

// One thing the server does (on connect, on a timer, in reply to an event). Argument templates:
// "$args" (the whole array) and "$0", "$1", ... (one argument) stand for the incoming event's
// arguments, "$id" for the socket id.
struct Action {
  enum class Kind { emit, ack, broadcast, join, leave, disconnect };
  Kind kind = Kind::emit;
  std::string event;  // emit, broadcast
  json args = json::array();  // emit, ack, broadcast (an array, or the string "$args")
  std::string room;   // broadcast (empty: the whole namespace), join, leave
};

struct Timer {
  std::chrono::milliseconds every{1000};
  std::size_t times = 0;  // 0: until the socket disconnects
  std::vector<Action> actions;
};

// "the client must emit `event` (with exactly `args`, when given) on `nsp` within `within` of
// its first connection to that namespace"; with `ack`, the event must ask for an acknowledgement.
struct Expectation {
  std::string name;
  std::string nsp = "/";
  std::string event;
  std::optional<json> args;
  std::chrono::milliseconds within{5000};
  std::size_t times = 1;  // at least this many matching emits
};

struct NamespaceScript {
  std::string name = "/";
  // Socket.IO auth: every member must equal the client's auth member; refused with `auth_message`.
  std::optional<json> auth_equals;
  std::string auth_message = "unauthorized";
  std::vector<std::string> rooms;             // joined on connect
  std::vector<Action> on_connect;
  std::vector<Timer> timers;
  std::vector<std::pair<std::string, std::vector<Action>>> on_event;
};

struct Scenario {
  std::string name;
  std::vector<NamespaceScript> namespaces;
  std::vector<Expectation> expectations;
  // The run ends when every expectation is settled (met, or its time is up) or after `timeout`.
  std::chrono::milliseconds timeout{30000};
  // Server options the scenario asks for (the command line may set them too).
  std::optional<std::chrono::milliseconds> ping_interval, ping_timeout;
  bool recovery = false;
};

// Parses a scenario (JSON, depth-limited sio::parse_json); throws std::invalid_argument with a
// message naming the offending field.
Scenario parse_scenario(std::string_view text);

struct ExpectationResult {
  std::string name;
  bool met = false;
  std::string detail;  // what was expected, and what the client emitted when unmet
};

struct ScenarioReport {
  std::string scenario;
  std::vector<ExpectationResult> results;
  bool passed() const;
  std::string text() const;  // "MET <name>" / "UNMET <name>: ..." lines and a summary line
  json to_json() const;      // {"scenario", "passed", "expectations": [{"name","met","detail"}]}
};

// Installs the scenario's handlers on the server (a TestServer::setup step).
void install_scenario(const Scenario& scenario, server::Server& io);

// Waits until every expectation is settled (or the scenario's timeout), from the server's notes.
ScenarioReport await_scenario(const Scenario& scenario, TestServer& server);

// The report as it stands now (unsettled expectations count as unmet).
ScenarioReport evaluate_scenario(const Scenario& scenario, const std::vector<Note>& notes);

}  // namespace sio::testing
