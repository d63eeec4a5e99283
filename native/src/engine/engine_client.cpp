// engine_client.cpp - the native Engine.IO client: a sans-I/O ClientSession driven by the libcurl
// polling transport and the Beast WebSocket transport (transports.hpp), on one asio executor.
//
// Lifetime: the public EngineClient owns a shared Core; every asynchronous completion holds only a
// weak_ptr to it. User callbacks are copied before they are invoked and the Core keeps itself alive
// across them, so a callback may call close() or destroy the EngineClient. Destroying the client
// closes the session (best effort: the final POST or WebSocket close frame still goes out) and no
// callback runs afterwards.
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

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sio/engineio/client_session.hpp"
#include "sio/native/engine_client.hpp"
#include "transports.hpp"

namespace sio::native {

namespace asio = boost::asio;
using engineio::ClientEvent;
using engineio::ClientSession;
using engineio::TransportKind;

namespace {

using Clock = std::chrono::steady_clock;

struct ParsedUrl {
  bool secure = false;
  std::string host;  // without brackets
  std::string port;
};

// http(s)://host[:port][/...] or ws(s)://...; the path part is ignored (options.path is used).
std::optional<ParsedUrl> parse_url(std::string_view url, std::string& error) {
  ParsedUrl out;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    error = "url without a scheme";
    return std::nullopt;
  }
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme == "http" || scheme == "ws") {
    out.secure = false;
  } else if (scheme == "https" || scheme == "wss") {
    out.secure = true;
  } else {
    error = "unsupported url scheme: " + scheme;
    return std::nullopt;
  }
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      error = "bad IPv6 address in url";
      return std::nullopt;
    }
    out.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        error = "bad url authority";
        return std::nullopt;
      }
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = rest.find(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (out.host.empty()) {
    error = "url without a host";
    return std::nullopt;
  }
  if (port.empty()) {
    out.port = out.secure ? "443" : "80";
  } else {
    if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) || port.size() > 5) {
      error = "bad port in url";
      return std::nullopt;
    }
    out.port = std::string(port);
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// Base URLs (scheme://host:port + path) where a WebSocket upgrade succeeded: remember_upgrade.
std::mutex g_upgraded_mutex;
std::set<std::string> g_upgraded;

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(asio::any_io_executor executor, EngineClientOptions options, EngineClient* owner)
      : executor_(std::move(executor)), options_(std::move(options)), owner_(owner), timer_(executor_),
        session_(session_options()) {
    url_ = parse_url(options_.url, url_error_);
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
      asio::post(executor_, [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->fail_before_start();
      });
      return;
    }
    http_ = detail::make_http_client(executor_, options_.tls);
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
    if (state == ClientSession::State::closed || state == ClientSession::State::closing) {
      if (state == ClientSession::State::closed && ws_) {
        ws_->abort();
        ws_.reset();
        ++ws_generation_;
      }
    }
  }

  void arm_timer() {
    const auto next = detached_ ? std::nullopt : session_.next_timeout();
    if (next == armed_) return;
    armed_ = next;
    if (!next) {
      timer_.cancel();
      return;
    }
    timer_.expires_at(*next);
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
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
    timer_.cancel();
    if (session_.state() != ClientSession::State::closed || posts_in_flight_ > 0) {
      if (!goodbye_armed_) {
        // The wait's handler holds the Core (dropped with the handler if the io_context goes first).
        goodbye_armed_ = true;
        goodbye_timer_.expires_after(kGoodbye);
        goodbye_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
          if (!ec) self->finish_now();
        });
      }
      return;
    }
    finish_now();
  }

  void finish_now() {
    goodbye_timer_.cancel();
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

  std::string query(TransportKind kind) {
    std::string q = "EIO=";
    q += options_.protocol == engineio::Protocol::v3 ? "3" : "4";
    q += "&transport=";
    q += engineio::to_string(kind);
    for (const auto& [key, value] : options_.query) {
      if (key == "EIO" || key == "transport" || key == "sid" || key == "t") continue;
      q += "&" + url_encode(key) + "=" + url_encode(value);
    }
    if (!session_.sid().empty()) q += "&sid=" + url_encode(session_.sid());
    if (kind == TransportKind::polling) {
      // Cache buster, unique per request.
      static std::atomic<std::uint64_t> counter{0};
      const auto stamp = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count());
      q += "&t=" + std::to_string(stamp) + "-" + std::to_string(++counter);
    }
    return q;
  }

  std::string polling_url() {
    std::string host = url_->host.find(':') != std::string::npos ? "[" + url_->host + "]" : url_->host;
    return std::string(url_->secure ? "https://" : "http://") + host + ":" + url_->port + options_.path + "?" +
           query(TransportKind::polling);
  }

  detail::Headers headers() const {
    detail::Headers h;
    for (const auto& [name, value] : options_.extra_headers) h.emplace_back(name, value);
    return h;
  }

  void start_get() {
    detail::HttpRequest request;
    request.url = polling_url();
    request.headers = headers();
    request.connect_timeout = options_.timeout;
    get_id_ = http_->start(std::move(request), [weak = weak_from_this()](detail::HttpResult result) {
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
    detail::HttpRequest request;
    request.post = true;
    request.url = polling_url();
    request.body = std::move(body.bytes);
    request.content_type = body.binary ? "application/octet-stream" : "text/plain;charset=UTF-8";
    request.headers = headers();
    request.connect_timeout = options_.timeout;
    request.timeout = options_.timeout;
    ++posts_in_flight_;
    const auto id = http_->start(std::move(request), [weak = weak_from_this()](detail::HttpResult result) {
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
    detail::WebSocketHandlers handlers;
    std::weak_ptr<Core> weak = weak_from_this();
    handlers.on_open = [weak, generation] {
      auto self = weak.lock();
      if (!self || self->ws_generation_ != generation) return;
      self->session_.on_ws_open(Clock::now());
      self->drive();
    };
    handlers.on_frame = [weak, generation](std::string data, bool binary) {
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
    ws_ = detail::make_websocket(executor_, options_.tls, std::move(handlers), url_->secure, url_->host);

    detail::WebSocketTarget target;
    target.secure = url_->secure;
    target.host = url_->host;
    target.port = url_->port;
    target.target = options_.path + "?" + query(TransportKind::websocket);
    target.headers = headers();
    target.timeout = options_.timeout;
    if (http_) {
      // Cookies set on the polling requests (sticky sessions) go along with the upgrade request.
      const std::string cookies = http_->cookie_header(url_->host, options_.path, url_->secure);
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

  asio::any_io_executor executor_;
  EngineClientOptions options_;
  EngineClient* owner_;
  asio::steady_timer timer_;
  std::optional<Clock::time_point> armed_;
  ClientSession session_;
  std::optional<ParsedUrl> url_;
  std::string url_error_;
  std::shared_ptr<detail::HttpClient> http_;
  std::shared_ptr<detail::WebSocket> ws_;
  std::uint64_t ws_generation_ = 0;
  std::uint64_t get_id_ = 0;
  int posts_in_flight_ = 0;
  asio::steady_timer goodbye_timer_{executor_};
  bool goodbye_armed_ = false;
  bool close_deferred_ = false;   // close() waits for the POSTs in flight
  bool closed_reported_ = false;  // on_close("forced close") already given by a deferred close  // a detached Core finishing its goodbye keeps itself alive
  // (shorter than the 2 s a Manager waits for its own thread to finish)
  static constexpr std::chrono::milliseconds kGoodbye{1500};
  bool opened_ = false;
  bool detached_ = false;
  bool driving_ = false;
  bool redrive_ = false;
};

class EngineClientImpl final : public EngineClient {
 public:
  EngineClientImpl(asio::any_io_executor executor, EngineClientOptions options)
      : core_(std::make_shared<Core>(std::move(executor), std::move(options), this)) {}
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

std::unique_ptr<EngineClient> make_engine_client(asio::any_io_executor executor, EngineClientOptions options) {
  return std::make_unique<EngineClientImpl>(std::move(executor), std::move(options));
}

}  // namespace sio::native
