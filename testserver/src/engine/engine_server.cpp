// The Engine.IO server over Boost.Beast: HTTP/1.1 keep-alive connections, long-polling,
// WebSocket (direct and upgrade), CORS, the client bundle, and a hook for other HTTP requests.
// One io_context, no threads of its own. Session logic is engineio::ServerSession (sans I/O);
// this file only moves bytes and time in and out of it.
#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <deque>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fcntl.h>
#include <openssl/rand.h>

#include "sio/core/json.hpp"
#include "sio/engineio/server_session.hpp"
#include "sio/server/engine.hpp"

namespace sio::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr auto kWriteTimeout = std::chrono::seconds(30);  // writing a response
constexpr std::size_t kHeaderLimit = 16 * 1024;            // Node's default maxHeaderSize

// ---- small helpers ------------------------------------------------------------------------

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::multimap<std::string, std::string> parse_query(std::string_view q) {
  std::multimap<std::string, std::string> out;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace(percent_decode(part, true), std::string{});
    } else {
      out.emplace(percent_decode(part.substr(0, eq), true), percent_decode(part.substr(eq + 1), true));
    }
  }
  return out;
}

std::optional<std::string> query_get(const std::multimap<std::string, std::string>& q,
                                     const std::string& key) {
  auto it = q.find(key);
  if (it == q.end()) return std::nullopt;
  return it->second;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::map<std::string, std::string> header_map(const Request& req) {
  std::map<std::string, std::string> out;
  for (const auto& field : req) {
    auto name = lower(field.name_string());
    auto [it, inserted] = out.emplace(name, std::string(field.value()));
    if (!inserted) {
      it->second += ", ";
      it->second += std::string(field.value());
    }
  }
  return out;
}

std::string header(const Request& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string{} : std::string(it->value());
}

// Child processes (tests spawn node) must not inherit the server's sockets: a listening socket
// kept open by a child would keep accepting connections nobody serves after close().
void set_cloexec(int fd) {
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

std::string new_session_id() {
  unsigned char raw[15];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    // CSPRNG failure is not expected; fall back to the clock so ids stay unique per process.
    const auto t = Clock::now().time_since_epoch().count();
    for (std::size_t i = 0; i < sizeof raw; ++i) raw[i] = static_cast<unsigned char>(t >> ((i % 8) * 8));
  }
  std::string id = engineio::base64_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
  for (auto& c : id) {
    if (c == '/') c = '_';
    if (c == '+') c = '-';
  }
  return id;
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string fnv_etag(std::string_view data) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  std::ostringstream os;
  os << '"' << std::hex << h << '-' << std::dec << data.size() << '"';
  return os.str();
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Engine.IO error codes, as Node's engine.io numbers them.
enum class EngineError { unknown_transport = 0, unknown_sid = 1, bad_handshake_method = 2,
                         bad_request = 3, forbidden = 4, unsupported_protocol_version = 5 };

const char* error_message(EngineError e) {
  switch (e) {
    case EngineError::unknown_transport: return "Transport unknown";
    case EngineError::unknown_sid: return "Session ID unknown";
    case EngineError::bad_handshake_method: return "Bad handshake method";
    case EngineError::bad_request: return "Bad request";
    case EngineError::forbidden: return "Forbidden";
    case EngineError::unsupported_protocol_version: return "Unsupported protocol version";
  }
  return "Bad request";
}

class Core;
class SessionImpl;

// Something Core::close() must shut down.
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void shutdown() = 0;
};

// ---- WebSocket connection -------------------------------------------------------------------

class WsConnection : public Closable, public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(std::shared_ptr<Core> core, beast::tcp_stream stream);
  ~WsConnection() override;

  void start(Request req, std::function<void(std::shared_ptr<WsConnection>)> on_open);
  void attach(std::weak_ptr<SessionImpl> s) { session_ = std::move(s); }
  void detach() { session_.reset(); }
  void send(engineio::Frame frame);
  void close();  // after queued writes
  void shutdown() override { close(); }

 private:
  void do_read();
  void do_write();
  void do_close();

  std::shared_ptr<Core> core_;
  std::uint64_t id_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<engineio::Frame> out_;
  bool writing_ = false;
  bool close_requested_ = false;
  bool closing_ = false;
  bool open_ = false;
  std::weak_ptr<SessionImpl> session_;
};

// ---- HTTP connection ------------------------------------------------------------------------

class HttpConnection : public Closable, public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(std::shared_ptr<Core> core, tcp::socket socket);
  ~HttpConnection() override;
  void start();
  void shutdown() override;
  // The held GET's answer (from the session).
  void respond_poll(const engineio::Body& body);

 private:
  enum class State { reading, handling, held, writing, closed };
  void do_read();
  void on_header(beast::error_code ec);
  void on_body(beast::error_code ec);
  void handle(Request req);
  void handle_engine(Request& req, const std::string& path,
                     std::multimap<std::string, std::string> query);
  void handle_bundle(const Request& req);
  void handle_other(Request req, const std::string& path, std::multimap<std::string, std::string> query);
  void engine_error(EngineError e, bool upgrade, std::string message = {});
  void handshake(Request& req, std::multimap<std::string, std::string> query, bool upgrade);
  void fail_oversized_post();
  void add_cors(Response& res, bool preflight);
  Response make(http::status status, std::string body, std::string content_type);
  void write(Response res, bool close_after = false);
  void close_socket();
  void linger();
  void linger_more(std::shared_ptr<std::array<char, 4096>> buf);
  void watch_held();

  std::shared_ptr<Core> core_;
  std::uint64_t id_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  State state_ = State::reading;
  bool keep_alive_ = true;
  bool shutdown_ = false;
  unsigned version_ = 11;
  bool head_ = false;
  std::string origin_;
  std::string request_headers_;  // access-control-request-headers
  std::weak_ptr<SessionImpl> held_session_;
  std::uint64_t watch_gen_ = 0;
  std::string remote_address_;
  bool moved_ = false;  // the socket went to a WsConnection
  bool lingering_ = false;
  friend class Core;
};

// ---- one Engine.IO session ------------------------------------------------------------------

class SessionImpl : public EngineSocket, public std::enable_shared_from_this<SessionImpl> {
 public:
  SessionImpl(std::shared_ptr<Core> core, std::string sid, engineio::Protocol protocol,
              engineio::ServerTransport transport, engineio::ServerSessionOptions options,
              HandshakeInfo info);

  const std::string& id() const override { return session_.sid(); }
  const HandshakeInfo& handshake() const override { return info_; }
  engineio::Protocol protocol() const override { return session_.protocol(); }
  std::string_view transport() const override { return engineio::to_string(session_.transport()); }
  void send(std::string data, bool binary) override {
    session_.send(binary ? engineio::Packet::bytes(std::move(data))
                         : engineio::Packet::message(std::move(data)),
                  Clock::now());
    pump();
  }
  void close() override {
    session_.close(Clock::now());
    pump();
  }

  void server_close() {
    session_.close(Clock::now(), /*discard=*/true);
    pump();
  }

  // Moves the session's outputs to the connections and its events to the application.
  void pump();

  engineio::ServerSession session_;
  HandshakeInfo info_;
  std::weak_ptr<HttpConnection> held_;
  std::shared_ptr<WsConnection> ws_;

 private:
  void schedule();

  std::shared_ptr<Core> core_;
  net::steady_timer timer_;
  std::optional<Clock::time_point> timer_at_;
  bool pumping_ = false;
  bool again_ = false;
  bool closed_ = false;
};

// ---- the server state, shared by everything that may outlive the facade ----------------------

class EngineServerImpl;

class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(net::io_context& io, EngineOptions options) : io_(io), options_(std::move(options)), acceptor_(io) {}

  void listen(const std::string& address, std::uint16_t port) {
    tcp::endpoint ep(net::ip::make_address(address), port);
    acceptor_.open(ep.protocol());
    set_cloexec(acceptor_.native_handle());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(net::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    do_accept();
  }

  void do_accept() {
    acceptor_.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (self->closed_) return;
      if (!ec) {
        set_cloexec(socket.native_handle());
        std::make_shared<HttpConnection>(self, std::move(socket))->start();
      }
      if (ec == net::error::operation_aborted) return;
      self->do_accept();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    acceptor_.close(ec);
    auto sessions = sessions_;
    for (auto& [sid, s] : sessions) s->server_close();
    sessions_.clear();
    std::vector<std::shared_ptr<Closable>> conns;
    for (auto& [id, weak] : conns_) {
      if (auto c = weak.lock()) conns.push_back(std::move(c));
    }
    for (auto& c : conns) c->shutdown();
  }

  std::uint64_t add_conn(std::weak_ptr<Closable> c) {
    const auto id = next_conn_id_++;
    conns_.emplace(id, std::move(c));
    return id;
  }
  void remove_conn(std::uint64_t id) { conns_.erase(id); }

  std::shared_ptr<SessionImpl> find(const std::string& sid) {
    auto it = sessions_.find(sid);
    return it == sessions_.end() ? nullptr : it->second;
  }
  void remove_session(const std::string& sid) { sessions_.erase(sid); }

  std::shared_ptr<SessionImpl> create_session(engineio::Protocol protocol,
                                              engineio::ServerTransport transport,
                                              HandshakeInfo info, bool supports_binary) {
    std::string sid;
    do {
      sid = new_session_id();
    } while (sessions_.count(sid) != 0);
    engineio::ServerSessionOptions so;
    so.ping_interval = options_.ping_interval;
    so.ping_timeout = options_.ping_timeout;
    so.upgrade_timeout = options_.upgrade_timeout;
    so.max_payload = options_.max_http_buffer_size;
    so.allow_upgrades = options_.allow_upgrades && options_.allow_websocket;
    so.supports_binary = supports_binary;
    auto s = std::make_shared<SessionImpl>(shared_from_this(), sid, protocol, transport, so,
                                           std::move(info));
    sessions_.emplace(sid, s);
    return s;
  }

  void connected(const std::shared_ptr<SessionImpl>& s);

  net::io_context& io_;
  EngineOptions options_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  bool closed_ = false;
  EngineServerImpl* facade_ = nullptr;
  std::unordered_map<std::string, std::shared_ptr<SessionImpl>> sessions_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> conns_;
  std::uint64_t next_conn_id_ = 1;
};

class EngineServerImpl final : public EngineServer {
 public:
  explicit EngineServerImpl(std::shared_ptr<Core> core) : core_(std::move(core)) { core_->facade_ = this; }
  ~EngineServerImpl() override {
    core_->close();
    core_->facade_ = nullptr;
  }
  boost::asio::any_io_executor executor() const override { return core_->io_.get_executor(); }
  std::uint16_t port() const override { return core_->port_; }
  std::size_t client_count() const override { return core_->sessions_.size(); }
  void close() override { core_->close(); }

 private:
  std::shared_ptr<Core> core_;
};

void Core::connected(const std::shared_ptr<SessionImpl>& s) {
  if (facade_ && facade_->on_connection) facade_->on_connection(s);
  s->pump();
}

// ---- SessionImpl ----------------------------------------------------------------------------

SessionImpl::SessionImpl(std::shared_ptr<Core> core, std::string sid, engineio::Protocol protocol,
                         engineio::ServerTransport transport, engineio::ServerSessionOptions options,
                         HandshakeInfo info)
    : session_(std::move(sid), protocol, transport, options, Clock::now()),
      info_(std::move(info)),
      core_(std::move(core)),
      timer_(core_->io_) {
  info_.protocol = protocol;
}

void SessionImpl::pump() {
  if (pumping_) {
    again_ = true;
    return;
  }
  auto self = shared_from_this();
  pumping_ = true;
  do {
    again_ = false;
    if (auto body = session_.take_poll_response()) {
      if (auto conn = held_.lock()) conn->respond_poll(*body);
      held_.reset();
    }
    auto frames = session_.take_frames();
    if (ws_) {
      for (auto& f : frames) ws_->send(std::move(f));
    }
    if (session_.take_websocket_close() && ws_) {
      ws_->detach();
      ws_->close();
      ws_.reset();
    }
    for (auto& event : session_.take_events()) {
      using Type = engineio::ServerSession::Event::Type;
      if (event.type == Type::message) {
        if (on_message && !closed_) on_message(event.data, event.binary);
      } else if (event.type == Type::closed && !closed_) {
        closed_ = true;
        core_->remove_session(session_.sid());
        auto cb = std::move(on_close);
        on_close = nullptr;
        on_message = nullptr;
        if (cb) cb(event.data);
      }
    }
  } while (again_);
  pumping_ = false;
  schedule();
}

void SessionImpl::schedule() {
  auto next = session_.next_timeout();
  if (closed_ || !next) {
    if (timer_at_) {
      timer_.cancel();
      timer_at_.reset();
    }
    return;
  }
  if (timer_at_ && *timer_at_ == *next) return;
  timer_at_ = next;
  timer_.expires_at(*next);
  timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self) return;
    self->timer_at_.reset();
    self->session_.handle_timeout(Clock::now());
    self->pump();
  });
}

// ---- WsConnection ---------------------------------------------------------------------------

WsConnection::WsConnection(std::shared_ptr<Core> core, beast::tcp_stream stream)
    : core_(std::move(core)), ws_(std::move(stream)) {
  id_ = core_->add_conn(std::weak_ptr<Closable>());
}

WsConnection::~WsConnection() { core_->remove_conn(id_); }

void WsConnection::start(Request req, std::function<void(std::shared_ptr<WsConnection>)> on_open) {
  core_->conns_[id_] = weak_from_this();
  websocket::stream_base::timeout opt{};
  opt.handshake_timeout = std::chrono::seconds(30);
  opt.idle_timeout = websocket::stream_base::none();  // Engine.IO's heartbeat watches liveness
  opt.keep_alive_pings = false;
  ws_.set_option(opt);
  beast::get_lowest_layer(ws_).expires_never();
  ws_.read_message_max(core_->options_.max_http_buffer_size);
  auto req_ptr = std::make_shared<Request>(std::move(req));
  ws_.async_accept(*req_ptr, [self = shared_from_this(), req_ptr, on_open = std::move(on_open)](
                                 beast::error_code ec) {
    if (ec || self->core_->closed_) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
      return;
    }
    self->open_ = true;
    on_open(self);
    self->do_read();
  });
}

void WsConnection::do_read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      self->open_ = false;
      if (auto s = self->session_.lock()) {
        // As Node's ws: the connection ending or being reset without a close frame is a close
        // ("transport close"); only a WebSocket protocol error (bad frame, message too big) is
        // an error ("transport error").
        const bool clean = ec == websocket::error::closed || ec == net::error::eof ||
                           ec == net::error::connection_reset || ec == net::error::broken_pipe;
        self->session_.reset();
        s->session_.on_websocket_closed(!clean, Clock::now());
        s->pump();
      }
      return;
    }
    std::string data = beast::buffers_to_string(self->buffer_.data());
    self->buffer_.consume(self->buffer_.size());
    const bool binary = self->ws_.got_binary();
    if (auto s = self->session_.lock()) {
      s->session_.on_frame(data, binary, Clock::now());
      s->pump();
    }
    self->do_read();
  });
}

void WsConnection::send(engineio::Frame frame) {
  if (!open_ || close_requested_) return;
  out_.push_back(std::move(frame));
  if (!writing_) do_write();
}

void WsConnection::do_write() {
  if (out_.empty()) {
    writing_ = false;
    if (close_requested_) do_close();
    return;
  }
  writing_ = true;
  ws_.text(!out_.front().binary);
  ws_.async_write(net::buffer(out_.front().bytes),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    self->out_.pop_front();
                    if (ec) {
                      self->out_.clear();
                      self->writing_ = false;
                      return;  // the read side reports the failure
                    }
                    self->do_write();
                  });
}

void WsConnection::close() {
  if (close_requested_) return;
  close_requested_ = true;
  if (!open_) {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    return;
  }
  if (!writing_) do_close();
}

void WsConnection::do_close() {
  if (closing_ || !open_) return;
  closing_ = true;
  beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(5));
  ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
    // The pending read completes with `closed` (or an error) and ends the loop.
  });
}

// ---- HttpConnection -------------------------------------------------------------------------

HttpConnection::HttpConnection(std::shared_ptr<Core> core, tcp::socket socket)
    : core_(std::move(core)), stream_(std::move(socket)) {
  id_ = core_->add_conn(std::weak_ptr<Closable>());
  beast::error_code ec;
  auto ep = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_address_ = ep.address().to_string();
}

HttpConnection::~HttpConnection() { core_->remove_conn(id_); }

void HttpConnection::start() {
  core_->conns_[id_] = weak_from_this();
  do_read();
}

void HttpConnection::shutdown() {
  shutdown_ = true;
  if (state_ == State::writing && !lingering_) return;  // closes after this response
  close_socket();
}

void HttpConnection::close_socket() {
  state_ = State::closed;
  if (moved_) return;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

void HttpConnection::do_read() {
  if (shutdown_ || core_->closed_) {
    close_socket();
    return;
  }
  state_ = State::reading;
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(core_->options_.max_http_buffer_size);
  stream_.expires_after(core_->options_.request_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            self->on_header(ec);
                          });
}

void HttpConnection::on_header(beast::error_code ec) {
  if (state_ == State::closed) return;
  if (ec == http::error::header_limit) {
    write(make(http::status::request_header_fields_too_large, "", "text/plain"), true);
    return;
  }
  // The parser refuses a Content-Length above body_limit while reading the header.
  const bool too_large = ec == http::error::body_limit ||
                         (!ec && parser_->content_length() &&
                          *parser_->content_length() > core_->options_.max_http_buffer_size);
  if (too_large) {
    keep_alive_ = false;
    fail_oversized_post();
    write(make(http::status::payload_too_large, "", "text/plain"), true);
    return;
  }
  if (ec) {
    close_socket();
    return;
  }
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
}

void HttpConnection::on_body(beast::error_code ec) {
  if (state_ == State::closed) return;
  if (ec == http::error::body_limit) {
    keep_alive_ = false;
    fail_oversized_post();
    write(make(http::status::payload_too_large, "", "text/plain"), true);
    return;
  }
  if (ec) {
    close_socket();
    return;
  }
  stream_.expires_never();
  state_ = State::handling;
  handle(parser_->release());
}

// A polling POST past max_http_buffer_size (answered 413): its session is closed with
// "transport error", as engine.io does with "payload too large" (its uWebSockets.js transport;
// the client fails its POST and closes anyway).
void HttpConnection::fail_oversized_post() {
  if (!parser_ || parser_->get().method() != http::verb::post) return;
  const std::string target(parser_->get().target());
  const auto qpos = target.find('?');
  const auto& path = core_->options_.path;
  if (qpos == std::string::npos || target.compare(0, path.size(), path) != 0) return;
  const auto query = parse_query(std::string_view(target).substr(qpos + 1));
  const auto sid = query_get(query, "sid");
  if (!sid) return;
  auto session = core_->find(*sid);
  if (!session || session->session_.transport() != engineio::ServerTransport::polling) return;
  session->session_.on_transport_error(Clock::now());
  session->pump();
}

Response HttpConnection::make(http::status status, std::string body, std::string content_type) {
  Response res{status, version_};
  if (!content_type.empty()) res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

void HttpConnection::write(Response res, bool close_after) {
  if (state_ == State::closed) return;
  const bool keep = keep_alive_ && !close_after && !shutdown_ && !core_->closed_;
  res.keep_alive(keep);
  const auto status = res.result_int();
  if (status != 304 && status != 204 && !res.has_content_length()) {
    res.content_length(res.body().size());
  }
  if (head_) {
    // HEAD: headers (with the GET's Content-Length) only.
    res.body().clear();
  }
  if (status == 204 || status == 304) res.body().clear();
  state_ = State::writing;
  stream_.expires_after(kWriteTimeout);
  auto sp = std::make_shared<Response>(std::move(res));
  http::async_write(stream_, *sp, [self = shared_from_this(), sp, keep](beast::error_code ec, std::size_t) {
    if (ec) {
      self->close_socket();
      return;
    }
    if (!keep || self->shutdown_) {
      self->linger();
      return;
    }
    self->do_read();
  });
}

void HttpConnection::linger() {
  // Closing with unread request bytes would reset the connection and could destroy the response
  // in flight (e.g. a 413 before the body was read): half-close, then drain for a moment.
  state_ = State::writing;
  lingering_ = true;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    close_socket();
    return;
  }
  stream_.expires_after(std::chrono::seconds(2));
  auto buf = std::make_shared<std::array<char, 4096>>();
  stream_.async_read_some(net::buffer(*buf), [self = shared_from_this(), buf](beast::error_code ec, std::size_t) {
    if (ec) {
      self->close_socket();
      return;
    }
    self->linger_more(buf);
  });
}

void HttpConnection::linger_more(std::shared_ptr<std::array<char, 4096>> buf) {
  stream_.async_read_some(net::buffer(*buf), [self = shared_from_this(), buf](beast::error_code ec, std::size_t) {
    if (ec) {
      self->close_socket();
      return;
    }
    self->linger_more(buf);
  });
}

void HttpConnection::add_cors(Response& res, bool preflight) {
  const auto& cors = core_->options_.cors;
  if (cors.origins.empty()) return;
  const bool any = std::find(cors.origins.begin(), cors.origins.end(), "*") != cors.origins.end();
  if (any) {
    res.set(http::field::access_control_allow_origin, "*");
  } else {
    if (!origin_.empty() &&
        std::find(cors.origins.begin(), cors.origins.end(), origin_) != cors.origins.end()) {
      res.set(http::field::access_control_allow_origin, origin_);
    }
    res.set(http::field::vary, "Origin");
  }
  if (cors.credentials) res.set(http::field::access_control_allow_credentials, "true");
  if (preflight) {
    res.set(http::field::access_control_allow_methods, "GET,HEAD,PUT,PATCH,POST,DELETE");
    if (!request_headers_.empty()) {
      res.set(http::field::access_control_allow_headers, request_headers_);
      auto vary = std::string(res[http::field::vary]);
      res.set(http::field::vary, vary.empty() ? "Access-Control-Request-Headers"
                                              : vary + ", Access-Control-Request-Headers");
    }
  }
}

void HttpConnection::engine_error(EngineError e, bool upgrade, std::string message) {
  if (message.empty()) message = error_message(e);
  if (upgrade) {
    // Node's abortUpgrade: a plain-text 400 and the connection closed.
    Response res = make(http::status::bad_request, std::move(message), "text/html");
    write(std::move(res), true);
    return;
  }
  json body = {{"code", static_cast<int>(e)}, {"message", std::move(message)}};
  Response res = make(e == EngineError::forbidden ? http::status::forbidden : http::status::bad_request,
                      body.dump(), "application/json");
  add_cors(res, false);
  write(std::move(res));
}

void HttpConnection::handle(Request req) {
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  head_ = req.method() == http::verb::head;
  origin_ = header(req, "Origin");
  request_headers_ = header(req, "Access-Control-Request-Headers");
  const std::string target(req.target());
  const auto qpos = target.find('?');
  const std::string raw_path = target.substr(0, qpos);
  auto query = qpos == std::string::npos ? std::multimap<std::string, std::string>{}
                                         : parse_query(std::string_view(target).substr(qpos + 1));
  const auto& opts = core_->options_;
  if (!opts.client_bundle_file.empty() &&
      (raw_path == "/socket.io.js" || raw_path == opts.path + "socket.io.js")) {
    handle_bundle(req);
    return;
  }
  if (raw_path.compare(0, opts.path.size(), opts.path) == 0) {
    handle_engine(req, raw_path, std::move(query));
    return;
  }
  handle_other(std::move(req), percent_decode(raw_path, false), std::move(query));
}

void HttpConnection::handle_bundle(const Request& req) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    write(make(http::status::not_found, "Not Found", "text/plain"));
    return;
  }
  auto file = read_file(core_->options_.client_bundle_file);
  if (!file) {
    write(make(http::status::not_found, "Not Found", "text/plain"));
    return;
  }
  const auto etag = fnv_etag(*file);
  const auto inm = header(req, "If-None-Match");
  if (!inm.empty() && (inm == etag || inm == "W/" + etag)) {
    Response res = make(http::status::not_modified, "", "");
    res.set(http::field::etag, etag);
    write(std::move(res));
    return;
  }
  std::string body = std::move(*file);
  bool gzip = false;
  if (lower(header(req, "Accept-Encoding")).find("gzip") != std::string::npos) {
    if (auto gz = read_file(core_->options_.client_bundle_file + ".gz")) {
      body = std::move(*gz);
      gzip = true;
    }
  }
  Response res = make(http::status::ok, std::move(body), "application/javascript; charset=utf-8");
  res.set(http::field::cache_control, "public, max-age=0");
  res.set(http::field::etag, etag);
  res.set(http::field::vary, "Accept-Encoding");
  if (gzip) res.set(http::field::content_encoding, "gzip");
  write(std::move(res));
}

void HttpConnection::handle_other(Request req, const std::string& path,
                                  std::multimap<std::string, std::string> query) {
  EngineServerImpl* facade = core_->facade_;
  if (facade && facade->on_http_request) {
    HttpRequest hr;
    hr.method = std::string(req.method_string());
    hr.target = std::string(req.target());
    hr.path = path;
    hr.query = std::move(query);
    hr.headers = header_map(req);
    hr.body = std::move(req.body());
    hr.remote_address = remote_address_;
    auto weak = weak_from_this();
    auto responded = std::make_shared<bool>(false);
    HttpResponder responder = [weak, responded](HttpResponse r) {
      if (*responded) return;
      *responded = true;
      auto self = weak.lock();
      if (!self || self->state_ != State::handling) return;
      Response res{static_cast<http::status>(r.status), self->version_};
      for (auto& [name, value] : r.headers) res.set(name, value);
      res.body() = std::move(r.body);
      res.content_length(res.body().size());
      self->write(std::move(res));
    };
    // Keep the connection alive until the responder has run (or is dropped).
    HttpResponder keep = [self = shared_from_this(), responder](HttpResponse r) { responder(std::move(r)); };
    if (facade->on_http_request(hr, keep)) return;
  }
  write(make(http::status::not_found, "Not Found", "text/plain"));
}

void HttpConnection::handle_engine(Request& req, const std::string& /*path*/,
                                   std::multimap<std::string, std::string> query) {
  const auto& opts = core_->options_;
  const bool upgrade = websocket::is_upgrade(req);
  if (req.method() == http::verb::options && !opts.cors.origins.empty() && !upgrade) {
    Response res = make(http::status::no_content, "", "");
    add_cors(res, true);
    res.content_length(0);
    write(std::move(res));
    return;
  }
  const auto transport = query_get(query, "transport").value_or("");
  const bool polling = transport == "polling" && opts.allow_polling;
  const bool ws = transport == "websocket" && opts.allow_websocket;
  if (!polling && !ws) {
    engine_error(EngineError::unknown_transport, upgrade);
    return;
  }
  const auto sid = query_get(query, "sid");
  const auto now = Clock::now();
  if (sid) {
    auto session = core_->find(*sid);
    if (!session) {
      engine_error(EngineError::unknown_sid, upgrade);
      return;
    }
    if (!upgrade && session->transport() != transport) {
      engine_error(EngineError::bad_request, false);
      return;
    }
    // Node's PROTOCOL_MISMATCH: EIO=4 means v4, anything else v3.
    const auto protocol = query_get(query, "EIO").value_or("") == "4" ? engineio::Protocol::v4
                                                                      : engineio::Protocol::v3;
    if (protocol != session->protocol()) {
      engine_error(EngineError::bad_request, upgrade);
      return;
    }
    if (upgrade) {
      if (!ws) {
        engine_error(EngineError::bad_request, true);
        return;
      }
      auto conn = std::make_shared<WsConnection>(core_, std::move(stream_));
      state_ = State::closed;
      moved_ = true;
      std::string sid_copy = *sid;
      conn->start(std::move(req), [core = core_, sid_copy](std::shared_ptr<WsConnection> c) {
        auto s = core->find(sid_copy);
        if (!s || s->ws_ || !s->session_.begin_upgrade(Clock::now())) {
          c->close();  // Node: the upgrade attempt is refused by closing the WebSocket
          return;
        }
        s->ws_ = c;
        c->attach(s);
        s->pump();
      });
      return;
    }
    // polling with a session
    if (req.method() == http::verb::get) {
      auto r = session->session_.on_poll_request(now);
      using A = engineio::ServerSession::PollAction;
      if (r.action == A::respond) {
        respond_poll(r.body);
      } else if (r.action == A::hold) {
        state_ = State::held;
        session->held_ = weak_from_this();
        held_session_ = session;
        watch_held();
      } else {
        Response res = make(http::status::bad_request, "", "");
        add_cors(res, false);
        write(std::move(res));
      }
      session->pump();
      return;
    }
    if (req.method() == http::verb::post) {
      const bool binary = lower(header(req, "Content-Type")) == "application/octet-stream";
      auto r = session->session_.on_post(req.body(), binary, now);
      if (r == engineio::ServerSession::PostResult::rejected) {
        json body = {{"code", 3}, {"message", "Bad request"}};
        Response res = make(http::status::bad_request, body.dump(), "application/json");
        add_cors(res, false);
        write(std::move(res));
      } else {
        Response res = make(http::status::ok, "ok", "text/html");
        res.set(http::field::cache_control, "no-store");
        add_cors(res, false);
        write(std::move(res));
      }
      session->pump();
      return;
    }
    Response res = make(http::status::internal_server_error, "", "");
    add_cors(res, false);
    write(std::move(res));
    return;
  }
  // handshake
  if (req.method() != http::verb::get) {
    engine_error(EngineError::bad_handshake_method, upgrade);
    return;
  }
  if (ws && !upgrade) {
    engine_error(EngineError::bad_request, false);
    return;
  }
  if (polling && upgrade) {
    engine_error(EngineError::bad_request, true);
    return;
  }
  if (opts.allow_request) {
    HttpRequest hr;
    hr.method = std::string(req.method_string());
    hr.target = std::string(req.target());
    hr.path = percent_decode(hr.target.substr(0, hr.target.find('?')), false);
    hr.query = query;
    hr.headers = header_map(req);
    hr.remote_address = remote_address_;
    auto req_ptr = std::make_shared<Request>(std::move(req));
    auto called = std::make_shared<std::atomic<bool>>(false);
    // Holds the connection until the hook answers (or drops `done`).
    AllowRequestDone done = [self = shared_from_this(), req_ptr, query, upgrade, called](
                                std::string message, bool success) mutable {
      if (called->exchange(true)) return;
      net::dispatch(self->core_->io_.get_executor(),
                    [self, req_ptr, query = std::move(query), upgrade, message = std::move(message),
                     success]() mutable {
                      if (self->state_ != State::handling || self->core_->closed_) return;
                      if (!success) {
                        self->engine_error(EngineError::forbidden, upgrade, std::move(message));
                        return;
                      }
                      self->handshake(*req_ptr, std::move(query), upgrade);
                    });
    };
    opts.allow_request(hr, std::move(done));
    return;
  }
  handshake(req, std::move(query), upgrade);
}

void HttpConnection::handshake(Request& req, std::multimap<std::string, std::string> query,
                               bool upgrade) {
  const auto& opts = core_->options_;
  const auto now = Clock::now();
  const auto eio = query_get(query, "EIO");
  engineio::Protocol protocol = engineio::Protocol::v4;
  if (!eio || *eio != "4") {
    if (!opts.allow_eio3) {
      engine_error(EngineError::unsupported_protocol_version, upgrade);
      return;
    }
    protocol = engineio::Protocol::v3;
  }
  HandshakeInfo info;
  info.headers = header_map(req);
  info.url = std::string(req.target());
  info.query = query;
  info.remote_address = remote_address_;
  info.secure = false;
  info.protocol = protocol;
  info.issued_ms = unix_ms();
  const bool supports_binary = !query_get(query, "b64").has_value();

  if (upgrade) {
    auto conn = std::make_shared<WsConnection>(core_, std::move(stream_));
    state_ = State::closed;
    moved_ = true;
    conn->start(std::move(req), [core = core_, protocol, info = std::move(info)](
                                    std::shared_ptr<WsConnection> c) mutable {
      if (core->closed_) {
        c->close();
        return;
      }
      auto s = core->create_session(protocol, engineio::ServerTransport::websocket, std::move(info), true);
      s->ws_ = c;
      c->attach(s);
      s->pump();  // the open packet
      core->connected(s);
    });
    return;
  }
  auto s = core_->create_session(protocol, engineio::ServerTransport::polling, std::move(info),
                                 supports_binary);
  auto r = s->session_.on_poll_request(now);
  if (r.action == engineio::ServerSession::PollAction::respond) {
    respond_poll(r.body);
  }
  core_->connected(s);
}

void HttpConnection::respond_poll(const engineio::Body& body) {
  if (state_ != State::handling && state_ != State::held) return;
  if (state_ == State::held) {
    ++watch_gen_;
    beast::error_code ec;
    stream_.socket().cancel(ec);
    held_session_.reset();
  }
  Response res = make(http::status::ok, body.bytes,
                      body.binary ? "application/octet-stream" : "text/plain; charset=UTF-8");
  res.set(http::field::cache_control, "no-store");
  add_cors(res, false);
  write(std::move(res));
}

void HttpConnection::watch_held() {
  // A held GET whose client goes away: the socket becomes readable with nothing to read.
  const auto gen = ++watch_gen_;
  stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this(), gen](beast::error_code ec) {
    if (ec || gen != self->watch_gen_ || self->state_ != State::held) return;
    beast::error_code aec;
    const auto avail = self->stream_.socket().available(aec);
    if (!aec && avail > 0) return;  // a pipelined request: leave it for later
    auto s = self->held_session_.lock();
    self->held_session_.reset();
    self->close_socket();
    if (s) {
      s->held_.reset();
      s->session_.on_poll_aborted(Clock::now());
      s->pump();
    }
  });
}

}  // namespace

std::unique_ptr<EngineServer> make_engine_server(boost::asio::io_context& io, EngineOptions options,
                                                 std::string address, std::uint16_t port) {
  if (options.path.empty() || options.path.back() != '/') options.path += '/';
  auto core = std::make_shared<Core>(io, std::move(options));
  core->listen(address, port);
  return std::make_unique<EngineServerImpl>(core);
}

}  // namespace sio::server
