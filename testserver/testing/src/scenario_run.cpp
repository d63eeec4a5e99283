// Running a scenario: its handlers on the server, then the wait for its expectations.
#include <algorithm>
#include <memory>

#include <boost/asio/steady_timer.hpp>

#include "sio/testing/scenario.hpp"

namespace sio::testing {
namespace {

using Clock = std::chrono::steady_clock;

// "$args" -> the incoming arguments; in an array, "$0", "$1", ... -> one of them, "$id" -> the
// socket id; anything else as written.
json resolve_value(const json& value, const json& args, const std::string& id) {
  if (!value.is_string()) return value;
  const auto& s = value.get_ref<const std::string&>();
  if (s == "$id") return id;
  if (s.size() > 1 && s[0] == '$' && std::all_of(s.begin() + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const auto i = std::stoul(s.substr(1));
    return args.is_array() && i < args.size() ? args[i] : json(nullptr);
  }
  return value;
}

json resolve_args(const json& tmpl, const json& args, const std::string& id) {
  if (tmpl.is_string() && tmpl.get<std::string>() == "$args") return args.is_array() ? args : json::array();
  json out = json::array();
  for (const auto& v : tmpl) out.push_back(resolve_value(v, args, id));
  return out;
}

std::string resolve_room(const std::string& room, const json& args, const std::string& id) {
  const json v = resolve_value(json(room), args, id);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

void perform(server::Socket& socket, const std::vector<Action>& actions, const json& args,
             const server::AckFn* ack) {
  const std::string& id = socket.id();
  for (const auto& a : actions) {
    switch (a.kind) {
      case Action::Kind::emit:
        socket.emit(a.event, resolve_args(a.args, args, id));
        break;
      case Action::Kind::ack:
        if (ack && *ack) (*ack)(resolve_args(a.args, args, id));
        break;
      case Action::Kind::broadcast:
        if (a.room.empty()) {
          socket.nsp().emit(a.event, resolve_args(a.args, args, id));
        } else {
          socket.nsp().to(resolve_room(a.room, args, id)).emit(a.event, resolve_args(a.args, args, id));
        }
        break;
      case Action::Kind::join:
        socket.join(resolve_room(a.room, args, id));
        break;
      case Action::Kind::leave:
        socket.leave(resolve_room(a.room, args, id));
        break;
      case Action::Kind::disconnect:
        socket.disconnect();
        return;
    }
  }
}

void run_timer(std::weak_ptr<server::Socket> weak, std::shared_ptr<boost::asio::steady_timer> timer,
               std::shared_ptr<const Timer> spec, std::size_t done) {
  timer->expires_after(spec->every);
  timer->async_wait([weak, timer, spec, done](boost::system::error_code ec) {
    if (ec) return;
    auto socket = weak.lock();
    if (!socket || !socket->connected()) return;
    perform(*socket, spec->actions, json::array(), nullptr);
    if (spec->times == 0 || done + 1 < spec->times) run_timer(weak, timer, spec, done + 1);
  });
}

// Where the expectations stand at `now`: all settled (met, or past their time), and the next
// moment one of them settles by time.
struct Standing {
  bool settled = true;
  Clock::time_point next = Clock::time_point::max();
};

Standing standing(const Scenario& scenario, const std::vector<Note>& notes, Clock::time_point now) {
  Standing out;
  const auto report = evaluate_scenario(scenario, notes);
  for (std::size_t i = 0; i < scenario.expectations.size(); ++i) {
    if (report.results[i].met) continue;
    const auto& x = scenario.expectations[i];
    auto first = std::find_if(notes.begin(), notes.end(), [&](const Note& n) {
      return n.name == "connection" && n.data.value("nsp", "") == x.nsp;
    });
    if (first == notes.end()) {
      out.settled = false;  // no client yet: open until the scenario's timeout
      continue;
    }
    const auto deadline = first->at + x.within;
    if (deadline > now) {
      out.settled = false;
      out.next = std::min(out.next, deadline);
    }
  }
  return out;
}

}  // namespace

void install_scenario(const Scenario& scenario, server::Server& io) {
  for (const auto& script : scenario.namespaces) {
    auto ns = std::make_shared<const NamespaceScript>(script);
    auto nsp = io.of(ns->name);
    if (ns->auth_equals) {
      nsp->use([ns](server::Socket& socket, server::Next next) {
        const json& auth = socket.handshake().auth;
        for (const auto& [key, value] : ns->auth_equals->items()) {
          if (!auth.is_object() || !auth.contains(key) || auth.at(key) != value) {
            return next(server::ConnectError{ns->auth_message});
          }
        }
        next(std::nullopt);
      });
    }
    nsp->on_connection([ns](server::Socket& socket) {
      for (const auto& room : ns->rooms) socket.join(room);
      std::weak_ptr<server::Socket> weak = socket.weak_from_this();
      for (const auto& entry : ns->on_event) {
        const auto* actions = &entry.second;  // owned by ns, which the handler keeps alive
        socket.on(entry.first, [weak, ns, actions](const json& args, const server::AckFn& ack) {
          if (auto self = weak.lock()) perform(*self, *actions, args, &ack);
        });
      }
      perform(socket, ns->on_connect, json::array(), nullptr);
      for (const auto& t : ns->timers) {
        auto timer = std::make_shared<boost::asio::steady_timer>(socket.executor());
        // The timer stops with the socket (it is checked at every tick).
        run_timer(weak, timer, std::make_shared<const Timer>(t), 0);
      }
    });
  }
}

ScenarioReport await_scenario(const Scenario& scenario, TestServer& server) {
  const auto end = Clock::now() + scenario.timeout;
  for (;;) {
    const auto now = Clock::now();
    const auto s = standing(scenario, server.notes(), now);
    if (s.settled || now >= end) break;
    const auto wake = std::min(s.next, end);
    server.wait_until(
        [&](const std::vector<Note>& notes) { return standing(scenario, notes, Clock::now()).settled; },
        std::chrono::duration_cast<std::chrono::milliseconds>(wake - now) + std::chrono::milliseconds(1));
  }
  return evaluate_scenario(scenario, server.notes());
}

}  // namespace sio::testing
