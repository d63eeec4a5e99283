// Scenario files: JSON to sio::testing::Scenario (format: docs/testing.md "Scenario files").
#include <stdexcept>

#include "sio/testing/scenario.hpp"

namespace sio::testing {
namespace {

// Scenario files are small: nesting deeper than this is a mistake, not a scenario.
constexpr std::size_t kMaxScenarioDepth = 32;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::invalid_argument("scenario: " + where + ": " + what);
}

const json& member(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) fail(where, std::string("missing \"") + key + "\"");
  return object.at(key);
}

std::string string_of(const json& value, const std::string& where) {
  if (!value.is_string()) fail(where, "must be a string");
  return value.get<std::string>();
}

std::chrono::milliseconds ms_of(const json& value, const std::string& where) {
  if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 86'400'000) {
    fail(where, "must be a number of milliseconds (0 to 86400000)");
  }
  return std::chrono::milliseconds(value.get<std::int64_t>());
}

// An argument list: an array, or "$args".
json args_of(const json& value, const std::string& where) {
  if (value.is_array() || (value.is_string() && value.get<std::string>() == "$args")) return value;
  fail(where, "must be an array of arguments or \"$args\"");
}

Action action_of(const json& a, const std::string& where) {
  if (!a.is_object() || a.empty()) fail(where, "must be an object with one of emit, ack, broadcast, join, leave, disconnect");
  Action out;
  if (a.contains("emit")) {
    out.kind = Action::Kind::emit;
    out.event = string_of(a.at("emit"), where + ".emit");
    if (a.contains("args")) out.args = args_of(a.at("args"), where + ".args");
  } else if (a.contains("ack")) {
    out.kind = Action::Kind::ack;
    out.args = args_of(a.at("ack"), where + ".ack");
  } else if (a.contains("broadcast")) {
    out.kind = Action::Kind::broadcast;
    out.event = string_of(a.at("broadcast"), where + ".broadcast");
    if (a.contains("room")) out.room = string_of(a.at("room"), where + ".room");
    if (a.contains("args")) out.args = args_of(a.at("args"), where + ".args");
  } else if (a.contains("join")) {
    out.kind = Action::Kind::join;
    out.room = string_of(a.at("join"), where + ".join");
  } else if (a.contains("leave")) {
    out.kind = Action::Kind::leave;
    out.room = string_of(a.at("leave"), where + ".leave");
  } else if (a.contains("disconnect")) {
    out.kind = Action::Kind::disconnect;
  } else {
    fail(where, "unknown action (emit, ack, broadcast, join, leave, disconnect)");
  }
  return out;
}

std::vector<Action> actions_of(const json& list, const std::string& where) {
  if (!list.is_array()) fail(where, "must be an array of actions");
  std::vector<Action> out;
  for (std::size_t i = 0; i < list.size(); ++i) out.push_back(action_of(list[i], where + "[" + std::to_string(i) + "]"));
  return out;
}

NamespaceScript namespace_of(const std::string& name, const json& n) {
  const std::string where = "namespaces[\"" + name + "\"]";
  if (name.empty() || name[0] != '/') fail(where, "a namespace name starts with '/'");
  if (!n.is_object()) fail(where, "must be an object");
  NamespaceScript out;
  out.name = name;
  if (n.contains("auth")) {
    const auto& auth = n.at("auth");
    const auto& equals = member(auth, "equals", where + ".auth");
    if (!equals.is_object()) fail(where + ".auth.equals", "must be an object");
    out.auth_equals = equals;
    if (auth.contains("message")) out.auth_message = string_of(auth.at("message"), where + ".auth.message");
  }
  if (n.contains("rooms")) {
    const auto& rooms = n.at("rooms");
    if (!rooms.is_array()) fail(where + ".rooms", "must be an array of room names");
    for (const auto& r : rooms) out.rooms.push_back(string_of(r, where + ".rooms[]"));
  }
  if (n.contains("onConnect")) out.on_connect = actions_of(n.at("onConnect"), where + ".onConnect");
  if (n.contains("timers")) {
    const auto& timers = n.at("timers");
    if (!timers.is_array()) fail(where + ".timers", "must be an array");
    for (std::size_t i = 0; i < timers.size(); ++i) {
      const std::string w = where + ".timers[" + std::to_string(i) + "]";
      Timer t;
      t.every = ms_of(member(timers[i], "every", w), w + ".every");
      if (t.every.count() < 10) fail(w + ".every", "at least 10 ms");
      if (timers[i].contains("times")) t.times = static_cast<std::size_t>(ms_of(timers[i].at("times"), w + ".times").count());
      t.actions = actions_of(member(timers[i], "do", w), w + ".do");
      out.timers.push_back(std::move(t));
    }
  }
  if (n.contains("events")) {
    const auto& events = n.at("events");
    if (!events.is_object()) fail(where + ".events", "must be an object: event name -> actions");
    for (const auto& [event, list] : events.items()) {
      out.on_event.emplace_back(event, actions_of(list, where + ".events[\"" + event + "\"]"));
    }
  }
  return out;
}

}  // namespace

Scenario parse_scenario(std::string_view text) {
  auto parsed = parse_json(text, kMaxScenarioDepth);
  if (!parsed) throw std::invalid_argument("scenario: not valid JSON: " + parsed.error().message);
  const json& root = *parsed;
  if (!root.is_object()) fail("(top level)", "must be an object");
  Scenario out;
  if (root.contains("name")) out.name = string_of(root.at("name"), "name");
  if (root.contains("timeout")) out.timeout = ms_of(root.at("timeout"), "timeout");
  if (root.contains("server")) {
    const auto& s = root.at("server");
    if (!s.is_object()) fail("server", "must be an object");
    if (s.contains("pingInterval")) out.ping_interval = ms_of(s.at("pingInterval"), "server.pingInterval");
    if (s.contains("pingTimeout")) out.ping_timeout = ms_of(s.at("pingTimeout"), "server.pingTimeout");
    if (s.contains("recovery")) {
      if (!s.at("recovery").is_boolean()) fail("server.recovery", "must be true or false");
      out.recovery = s.at("recovery").get<bool>();
    }
  }
  if (root.contains("namespaces")) {
    const auto& nsps = root.at("namespaces");
    if (!nsps.is_object()) fail("namespaces", "must be an object: namespace name -> script");
    for (const auto& [name, n] : nsps.items()) out.namespaces.push_back(namespace_of(name, n));
  }
  if (root.contains("expect")) {
    const auto& list = root.at("expect");
    if (!list.is_array()) fail("expect", "must be an array");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string w = "expect[" + std::to_string(i) + "]";
      const auto& e = list[i];
      Expectation x;
      x.event = string_of(member(e, "event", w), w + ".event");
      x.name = e.contains("name") ? string_of(e.at("name"), w + ".name") : "emit " + x.event;
      if (e.contains("nsp")) x.nsp = string_of(e.at("nsp"), w + ".nsp");
      if (e.contains("args")) {
        if (!e.at("args").is_array()) fail(w + ".args", "must be an array");
        x.args = e.at("args");
      }
      if (e.contains("within")) x.within = ms_of(e.at("within"), w + ".within");
      if (e.contains("times")) x.times = static_cast<std::size_t>(ms_of(e.at("times"), w + ".times").count());
      if (x.times == 0) fail(w + ".times", "at least 1");
      out.expectations.push_back(std::move(x));
    }
  }
  return out;
}

}  // namespace sio::testing
