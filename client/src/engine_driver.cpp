// engine_driver.cpp - the client's Engine.IO session loop: a sans-I/O ClientSession (sdk/) driven
// by a Backend's HTTP and WebSocket transports and one timer, the loop of docs/architecture.md
// ("How a transport plugs in"). The same code runs natively and in the browser.
//
// Lifetime: the public EngineClient owns a shared Core; every asynchronous completion holds only a
// weak_ptr to it. User callbacks are copied before they are invoked and the Core keeps itself alive
// across them, so a callback may call close() or destroy the EngineClient. Destroying the client
// closes the session (best effort: the final POST or WebSocket close frame still goes out) and no
// callback runs afterwards.
#include "engine_driver.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "sio/engineio/client_session.hpp"
#include "sio/engineio/client_url.hpp"

namespace sio::detail {

using engineio::ClientEvent;
using engineio::ClientSession;
using engineio::TransportKind;

namespace {

// Base URLs (scheme://host:port + path) where a WebSocket upgrade succeeded: remember_upgrade.
std::mutex g_upgraded_mutex;
std::set<std::string> g_upgraded;

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(std::shared_ptr<Backend> backend, EngineClientOptions options, EngineClient* owner)
      : backend_(std::move(backend)),
        options_(std::move(options)),
        owner_(owner),
        timer_(backend_->loop().make_timer()),
        goodbye_timer_(backend_->loop().make_timer()),
        session_(session_options()) {
    auto parsed = engineio::parse_server_url(options_.url);
    if (parsed) {
      url_ = std::move(*parsed);
    } else {
      url_error_ = parsed.error().message;
    }
    if (options_.path.empty() || options_.path.front() != '/') options_.path.insert(options_.path.begin(), '/');
    if (!contains(options_.transports, "polling") && !contains(options_.transports, "websocket")) {
      url_error_ = "no usable transport (expected \"polling\" and/or \"websocket\")";
    }
  }

  void open() {
    if (opened_) return;
    opened_ = true;
    if (!url_error_.empty()) {
      // Reported like any failed open, but never from inside open() itself.
      backend_->loop().post([weak = weak_from_this()] {
        if (auto self = weak.lock()) self->fail_before_start();
      });
      return;
    }
    TransportOptions transport;
    transport.tls = options_.tls;
    transport.proxy = options_.proxy;
    transport.with_credentials = options_.with_credentials;
    http_ = backend_->make_http(transport);
    session_.start(Clock::now());
    drive();
  }

  void close() {
    if (!opened_) {
      opened_ = true;  // a later open() does nothing
      return;
    }
    if (closed_reported_) return;
    if (session_.state() == ClientSession::State::open && session_.transport() == TransportKind::polling &&
        (posts_in_flight_ > 0 || driving_)) {
      // Like engine.io-client, wait for the POSTs in flight or about to start (send() from a
      // callback is flushed when the callback returns) - the "drain" - so that what was sent last
      // (e.g. a Socket.IO DISCONNECT) is not in the same payload as the close packet: Node's
      // socket.io would handle the close first. The close is reported now.
      close_deferred_ = true;
      closed_reported_ = true;
      auto self = shared_from_this();
      if (owner_) {
        if (auto cb = owner_->on_close) cb("forced close");
      }
      return;
    }
    session_.close(Clock::now());
    drive();
  }

  void send(std::string data, bool binary) {
    if (closed_reported_) return;
    session_.send(std::move(data), binary, Clock::now());
    drive();
  }

  // The EngineClient is going away: no more callbacks; say goodbye to the server if connected.
  void detach() {
    owner_ = nullptr;
    detached_ = true;
    if (opened_ && !close_deferred_) session_.close(Clock::now());
    drive();
  }

  std::string_view transport() const {
    switch (session_.state()) {
      case ClientSession::State::open:
      case ClientSession::State::upgrading:
      case ClientSession::State::closing:
        return engineio::to_string(session_.transport());
      default:
        return "";
    }
  }

  const std::string& id() const { return session_.sid(); }

 private:
  engineio::ClientSessionOptions session_options() const {
    engineio::ClientSessionOptions o;
    o.protocol = options_.protocol;
    const bool polling = contains(options_.transports, "polling");
    const bool websocket = contains(options_.transports, "websocket");
    o.initial_transport = polling ? TransportKind::polling : TransportKind::websocket;
    if (polling && websocket && options_.remember_upgrade) {
      std::lock_guard lock(g_upgraded_mutex);
      if (g_upgraded.count(remember_key())) o.initial_transport = TransportKind::websocket;
    }
    o.upgrade = options_.upgrade && polling && websocket;
    o.open_timeout = options_.timeout;
    return o;
  }

  std::string remember_key() const { return options_.url + "|" + options_.path; }

  void fail_before_start() {
    if (!owner_) return;
    auto self = shared_from_this();
    if (auto on_error = owner_->on_error) on_error(url_error_);
    if (!owner_) return;
    if (auto on_close = owner_->on_close) on_close("transport error");
  }

  // ---- the loop: events out, then I/O actions, then the timer ----

  void drive() {
    if (driving_) {
      redrive_ = true;
      return;
    }
    auto self = shared_from_this();  // callbacks may drop the last outside reference
    driving_ = true;
    do {
      redrive_ = false;
      dispatch_events();
      act();
      if (close_deferred_ && posts_in_flight_ == 0) {
        close_deferred_ = false;
        session_.close(Clock::now());
        redrive_ = true;
      }
    } while (redrive_);
    driving_ = false;
    arm_timer();
    if (detached_) finish_detached();
  }

  void dispatch_events() {
    while (auto event = session_.poll_event()) {
      if (event->type == ClientEvent::Type::upgrade && options_.remember_upgrade) {
        std::lock_guard lock(g_upgraded_mutex);
        g_upgraded.insert(remember_key());
      }
      if (!owner_ || closed_reported_) continue;  // detached or closed: drain silently
      switch (event->type) {
        case ClientEvent::Type::open:
          if (auto cb = owner_->on_open) cb();
          break;
        case ClientEvent::Type::message:
          if (auto cb = owner_->on_message) cb(event->data, event->binary);
          break;
        case ClientEvent::Type::ping:
          if (auto cb = owner_->on_ping) cb();
          break;
        case ClientEvent::Type::upgrade:
          if (auto cb = owner_->on_upgrade) cb();
          break;
        case ClientEvent::Type::error:
          if (auto cb = owner_->on_error) cb(event->data);
          break;
        case ClientEvent::Type::close:
          if (auto cb = owner_->on_close) cb(event->data);
          break;
      }
    }
  }

  void act() {
    if (session_.take_ws_connect()) connect_ws();
    while (auto frame = session_.take_ws_frame()) {
      if (ws_) ws_->send(std::move(*frame));
    }
    if (session_.take_ws_close()) {
      if (ws_) ws_->close();
      ws_.reset();
      ++ws_generation_;
    }
    if (http_) {
      if (session_.take_get()) start_get();
      if (auto body = session_.take_post()) start_post(std::move(*body));
    }
    const auto state = session_.state();
    // The pending GET is dropped once the last POSTs (a DISCONNECT, the close packet) are through:
    // aborting it earlier could make the server see the connection go away before them.
    if ((state == ClientSession::State::closed || state == ClientSession::State::closing) && posts_in_flight_ == 0) {
      if (get_id_ != 0 && http_) http_->cancel(get_id_);
      get_id_ = 0;
    }
    if (state == ClientSession::State::closed && ws_) {
      ws_->abort();
      ws_.reset();
      ++ws_generation_;
    }
  }

  void arm_timer() {
    const auto next = detached_ ? std::nullopt : session_.next_timeout();
    if (next == armed_) return;
    armed_ = next;
    if (!next) {
      timer_->cancel();
      return;
    }
    timer_->set(*next, [weak = weak_from_this()] {
      auto self = weak.lock();
      if (!self) return;
      self->armed_.reset();
      self->session_.handle_timeout(Clock::now());
      self->drive();
    });
  }

  // Detached (the EngineClient is gone): the goodbye (last POSTs) still goes out; the Core keeps
  // itself alive until then, at most kGoodbye.
  void finish_detached() {
    timer_->cancel();
    if (session_.state() != ClientSession::State::closed || posts_in_flight_ > 0) {
      if (!goodbye_armed_) {
        // The timer's callback holds the Core (released when it runs, is cancelled, or the Loop
        // goes away first).
        goodbye_armed_ = true;
        goodbye_timer_->set(Clock::now() + kGoodbye, [self = shared_from_this()] { self->finish_now(); });
      }
      return;
    }
    finish_now();
  }

  void finish_now() {
    goodbye_timer_->cancel();
    if (http_) {
      if (get_id_ != 0) http_->cancel(get_id_);
      get_id_ = 0;
      http_->finish_then_shutdown();
    }
    http_.reset();
    if (ws_ && session_.state() == ClientSession::State::closed) {
      ws_->abort();
      ws_.reset();
    }
  }

  // ---- polling ----

  std::string request_url(TransportKind kind) {
    std::string buster;
    if (kind == TransportKind::polling) {
      // Cache buster, unique per request.
      static std::atomic<std::uint64_t> counter{0};
      const auto stamp = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count());
      buster = std::to_string(stamp) + "-" + std::to_string(++counter);
    }
    return engineio::request_url(url_, options_.path, options_.protocol, kind, options_.query, session_.sid(), buster);
  }

  std::string request_target(TransportKind kind) {
    return options_.path + "?" + engineio::request_query(options_.protocol, kind, options_.query, session_.sid(), {});
  }

  Headers headers() const {
    Headers h;
    for (const auto& [name, value] : options_.extra_headers) h.emplace_back(name, value);
    return h;
  }

  void start_get() {
    HttpRequest request;
    request.url = request_url(TransportKind::polling);
    request.headers = headers();
    request.connect_timeout = options_.timeout;
    get_id_ = http_->start(std::move(request), [weak = weak_from_this()](HttpResult result) {
      auto self = weak.lock();
      if (!self) return;
      self->get_id_ = 0;
      const auto now = Clock::now();
      if (!result.error.empty()) {
        self->session_.on_get_failed("GET: " + result.error, now);
      } else if (result.status != 200) {
        self->session_.on_get_failed("GET: HTTP " + std::to_string(result.status) + " " + result.body.substr(0, 200),
                                     now);
      } else {
        self->session_.on_get_response(result.body, is_binary_body(result.content_type), now);
      }
      self->drive();
    });
  }

  void start_post(engineio::Body body) {
    HttpRequest request;
    request.post = true;
    request.url = request_url(TransportKind::polling);
    request.body = std::move(body.bytes);
    request.content_type = body.binary ? "application/octet-stream" : "text/plain;charset=UTF-8";
    request.headers = headers();
    request.connect_timeout = options_.timeout;
    request.timeout = options_.timeout;
    ++posts_in_flight_;
    const auto id = http_->start(std::move(request), [weak = weak_from_this()](HttpResult result) {
      auto self = weak.lock();
      if (!self) return;
      --self->posts_in_flight_;
      const auto now = Clock::now();
      if (!result.error.empty()) {
        self->session_.on_post_failed("POST: " + result.error, now);
      } else if (result.status != 200) {
        self->session_.on_post_failed(
            "POST: HTTP " + std::to_string(result.status) + " " + result.body.substr(0, 200), now);
      } else {
        self->session_.on_post_done(now);
      }
      self->drive();
    });
    if (id == 0) --posts_in_flight_;  // not started (the HTTP client is shutting down)
  }

  static bool is_binary_body(std::string_view content_type) {
    return content_type.rfind("application/octet-stream", 0) == 0;
  }

  // ---- WebSocket ----

  void connect_ws() {
    if (ws_) ws_->abort();
    const std::uint64_t generation = ++ws_generation_;
    WebSocketHandlers handlers;
    std::weak_ptr<Core> weak = weak_from_this();
    handlers.on_open = [weak, generation] {
      auto self = weak.lock();
      if (!self || self->ws_generation_ != generation) return;
      self->session_.on_ws_open(Clock::now());
      self->drive();
    };
    handlers.on_frame = [weak, generation](std::string_view data, bool binary) {
      auto self = weak.lock();
      if (!self || self->ws_generation_ != generation) return;
      self->session_.on_ws_frame(data, binary, Clock::now());
      self->drive();
    };
    handlers.on_closed = [weak, generation](bool error, std::string what) {
      auto self = weak.lock();
      if (!self || self->ws_generation_ != generation) return;
      self->ws_.reset();
      ++self->ws_generation_;
      self->session_.on_ws_closed(error, what, Clock::now());
      self->drive();
    };
    TransportOptions transport;
    transport.tls = options_.tls;
    transport.proxy = options_.proxy;
    transport.with_credentials = options_.with_credentials;
    ws_ = backend_->make_websocket(transport, std::move(handlers), url_.secure, url_.host);

    WebSocketTarget target;
    target.secure = url_.secure;
    target.host = url_.host;
    target.port = url_.port;
    target.target = request_target(TransportKind::websocket);
    target.headers = headers();
    target.timeout = options_.timeout;
    if (http_) {
      // Cookies set on the polling requests (sticky sessions) go along with the upgrade request.
      const std::string cookies = http_->cookie_header(url_.host, options_.path, url_.secure);
      if (!cookies.empty()) {
        auto it = std::find_if(target.headers.begin(), target.headers.end(), [](const auto& h) {
          std::string lower = h.first;
          std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
          return lower == "cookie";
        });
        if (it == target.headers.end()) {
          target.headers.emplace_back("Cookie", cookies);
        } else {
          it->second += "; " + cookies;
        }
      }
    }
    ws_->connect(std::move(target));
  }

  std::shared_ptr<Backend> backend_;
  EngineClientOptions options_;
  EngineClient* owner_;
  std::unique_ptr<Timer> timer_;
  std::unique_ptr<Timer> goodbye_timer_;
  std::optional<Clock::time_point> armed_;
  ClientSession session_;
  engineio::ServerUrl url_;
  std::string url_error_;
  std::shared_ptr<HttpClient> http_;
  std::shared_ptr<WebSocket> ws_;
  std::uint64_t ws_generation_ = 0;
  std::uint64_t get_id_ = 0;
  int posts_in_flight_ = 0;
  bool goodbye_armed_ = false;
  bool close_deferred_ = false;   // close() waits for the POSTs in flight
  bool closed_reported_ = false;  // on_close("forced close") already given by a deferred close
  // (shorter than the 2 s the last Manager waits for the client thread to finish)
  static constexpr std::chrono::milliseconds kGoodbye{1500};
  bool opened_ = false;
  bool detached_ = false;
  bool driving_ = false;
  bool redrive_ = false;
};

class EngineClientImpl final : public EngineClient {
 public:
  EngineClientImpl(std::shared_ptr<Backend> backend, EngineClientOptions options)
      : core_(std::make_shared<Core>(std::move(backend), std::move(options), this)) {}
  ~EngineClientImpl() override { core_->detach(); }

  void open() override { core_->open(); }
  void close() override { core_->close(); }
  void send(std::string data, bool binary) override { core_->send(std::move(data), binary); }
  std::string_view transport() const override { return core_->transport(); }
  const std::string& id() const override { return core_->id(); }

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace

std::unique_ptr<EngineClient> make_engine_driver(std::shared_ptr<Backend> backend, EngineClientOptions options) {
  return std::make_unique<EngineClientImpl>(std::move(backend), std::move(options));
}

}  // namespace sio::detail
