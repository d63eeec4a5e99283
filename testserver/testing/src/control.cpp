// The test server's loopback-only HTTP control endpoint (sio/testing/control.hpp).
#include "sio/testing/control.hpp"

#include <charconv>

namespace sio::testing {
namespace {

constexpr std::size_t kMaxJobs = 16;

server::HttpResponse answer(unsigned status, json body) {
  server::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.body = dump_json(body) + "\n";
  return r;
}

server::HttpResponse error(unsigned status, const std::string& message) {
  return answer(status, json{{"ok", false}, {"error", message}});
}

bool loopback(const std::string& address) {
  return address == "127.0.0.1" || address == "::1" || address == "::ffff:127.0.0.1";
}

std::optional<std::string> param(const server::HttpRequest& r, const std::string& key) {
  auto it = r.query.find(key);
  if (it == r.query.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint64_t> number(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v > 86'400'000) return std::nullopt;
  return v;
}

}  // namespace

ControlEndpoint::ControlEndpoint(TestServer& server) : server_(server) {
  thread_ = std::thread([this] { worker(); });
  server_.setup([this](server::Server& io) {
    io.engine().on_http_request = [this](const server::HttpRequest& request, server::HttpResponder respond) {
      return handle(request, respond);
    };
  });
}

void ControlEndpoint::close() {
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ControlEndpoint::~ControlEndpoint() { close(); }

void ControlEndpoint::worker() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return done_ || !jobs_.empty(); });
      if (done_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

// On the io thread: TestServer's fault calls run there at once.
bool ControlEndpoint::handle(const server::HttpRequest& request, const server::HttpResponder& respond) {
  if (request.path.rfind(kControlPrefix, 0) != 0) return false;
  if (!loopback(request.remote_address)) {
    respond(error(403, "the control endpoint answers loopback clients only"));
    return true;
  }
  const std::string action = request.path.substr(std::string(kControlPrefix).size());
  if (action == "sessions") {
    json list = json::array();
    for (const auto& sid : server_.sessions()) list.push_back(sid);
    respond(answer(200, json{{"ok", true}, {"sessions", list}}));
    return true;
  }
  if (action == "restart") {
    {
      std::lock_guard lock(mu_);
      if (done_ || jobs_.size() >= kMaxJobs) {
        respond(error(503, "no restart now (closing, or too many pending)"));
        return true;
      }
      jobs_.push_back([this] { server_.restart(); });
    }
    // Answered before the restart closes this connection.
    respond(answer(200, json{{"ok", true}, {"restarting", true}}));
    cv_.notify_all();
    return true;
  }
  if (action == "refuse-websocket") {
    const bool on = param(request, "on").value_or("1") != "0";
    server_.refuse_websocket(on);
    respond(answer(200, json{{"ok", true}, {"refuse-websocket", on}}));
    return true;
  }
  if (action == "refuse-handshakes" || action == "refuse-connects") {
    auto message = param(request, "message");
    if (action == "refuse-handshakes") {
      server_.refuse_handshakes(message);
    } else {
      server_.refuse_connects(message);
    }
    respond(answer(200, json{{"ok", true}, {"refusing", message ? json(*message) : json(nullptr)}}));
    return true;
  }
  if (action == "miss-recovery") {
    const auto count = number(param(request, "count").value_or("1"));
    if (!count) {
      respond(error(400, "count: a number"));
      return true;
    }
    server_.miss_recoveries(static_cast<std::size_t>(*count));
    respond(answer(200, json{{"ok", true}}));
    return true;
  }
  // Session faults: sid=, socket= or the newest session.
  std::string sid;
  if (auto s = param(request, "sid")) {
    sid = *s;
  } else if (auto id = param(request, "socket")) {
    sid = server_.sid_of(*id);
  } else {
    auto all = server_.sessions();
    if (!all.empty()) sid = all.back();
  }
  bool found = false;
  if (action == "drop") {
    found = server_.drop_transport(sid);
  } else if (action == "stop-heartbeat") {
    found = server_.stop_heartbeat(sid);
  } else if (action == "delay") {
    const auto ms = number(param(request, "ms"));
    if (!ms) {
      respond(error(400, "ms: a number of milliseconds"));
      return true;
    }
    found = server_.delay_packets(sid, std::chrono::milliseconds(*ms));
  } else if (action == "reorder") {
    const auto count = number(param(request, "count").value_or("2"));
    if (!count || *count > 1000) {
      respond(error(400, "count: a number up to 1000"));
      return true;
    }
    found = server_.reorder_packets(sid, static_cast<std::size_t>(*count));
  } else {
    respond(error(404, "unknown action: " + action));
    return true;
  }
  if (!found) {
    respond(error(404, "no such session: " + sid));
    return true;
  }
  respond(answer(200, json{{"ok", true}, {"sid", sid}}));
  return true;
}

}  // namespace sio::testing
