// The Engine.IO server over Boost.Beast: HTTP/1.1 keep-alive connections, long-polling,
// WebSocket (direct and upgrade), CORS, the client bundle, and a hook for other HTTP requests.
// One io_context per I/O thread (EngineOptions::io_threads): the given one, and N-1 run by the
// server's own threads. Session logic is engineio::ServerSession (sans I/O); this file only moves
// bytes and time in and out of it, and, with several threads, between them.
#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/intrusive/list.hpp>
#include <fcntl.h>
#include <unistd.h>
#include <openssl/rand.h>

#include "sio/core/debug_log.hpp"
#include "sio/core/json.hpp"
#include "sio/engineio/server_session.hpp"
#include "sio/engineio/websocket_frame.hpp"
#include "sio/server/engine.hpp"
#include "sio/server/secrets.hpp"
#include "client_files.hpp"
#include "request.hpp"
#include "ws_transport.hpp"

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

// Accepting while out of file descriptors (EMFILE/ENFILE) or memory fails at once; wait this
// long before the next accept instead of spinning.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
constexpr std::size_t kHeaderLimit = 16 * 1024;            // Node's default maxHeaderSize
// Destroying a server with several I/O threads: how long its other threads may take to finish
// closing their connections (close frames, final responses) before they are stopped.
constexpr auto kThreadEndGrace = std::chrono::seconds(2);

// What a request asks for (request.hpp: pure, fuzzed).
using detail::EngineError;
using detail::EngineKind;
using detail::RequestInfo;
using detail::Route;
using detail::error_message;
using detail::header;
using detail::header_map;
using detail::lower;
using detail::parse_query;
using detail::query_get;

// ---- small helpers ------------------------------------------------------------------------

// Child processes (tests spawn node) must not inherit the server's sockets: a listening socket
// kept open by a child would keep accepting connections nobody serves after close().
// (FD_CLOEXEC is the only descriptor flag: set, not read and or-ed, which saves a system call per
// connection.)
void set_cloexec(int fd) { ::fcntl(fd, F_SETFD, FD_CLOEXEC); }

std::string new_session_id() { return random_id(15); }

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

class Core;
class SessionImpl;
class RemoteSocket;

// ---- several I/O threads ----------------------------------------------------------------------
// Shard 0 is the given io_context: the Socket.IO layer and every callback run there. A session on
// shard k > 0 is seen there through a RemoteSocket; what crosses goes through the ShardLink of
// shard k, in batches (one post per batch, not per message: a broadcast to many sessions of one
// shard is one post carrying the shared bytes).

// A send/close from shard 0 to a session of shard k.
struct OutOp {
  enum class Kind : std::uint8_t { send, send_shared, close };
  Kind kind = Kind::send;
  bool binary = false;
  bool droppable = false;
  std::shared_ptr<RemoteSocket> socket;
  std::string data;
  std::shared_ptr<const std::string> shared;
  std::vector<std::string> attachments;
};

// A new session, a message or a close, from shard k to shard 0.
struct InOp {
  enum class Kind : std::uint8_t { connection, message, closed };
  Kind kind = Kind::message;
  bool binary = false;
  std::shared_ptr<RemoteSocket> socket;
  std::string data;
};

class ShardLink : public std::enable_shared_from_this<ShardLink> {
 public:
  ShardLink(std::weak_ptr<Core> main, net::any_io_executor main_ex, net::any_io_executor shard_ex)
      : main_(std::move(main)), main_ex_(std::move(main_ex)), shard_ex_(std::move(shard_ex)) {}

  void to_shard(OutOp op) {
    bool post = false;
    {
      std::lock_guard<std::mutex> lock(m_);
      if (stopped_) return;
      out_.push_back(std::move(op));
      post = !out_posted_;
      out_posted_ = true;
    }
    if (post) net::post(shard_ex_, [self = shared_from_this()] { self->run_out(); });
  }
  void to_main(InOp op) {
    bool post = false;
    {
      std::lock_guard<std::mutex> lock(m_);
      in_.push_back(std::move(op));
      post = !in_posted_;
      in_posted_ = true;
    }
    if (post) net::post(main_ex_, [self = shared_from_this()] { self->run_in(); });
  }
  // Called once shard k's thread has ended: later sends are dropped. What was never delivered
  // goes too: an InOp owns its RemoteSocket, which owns this link (a cycle otherwise).
  void stop() {
    std::vector<OutOp> out;
    std::vector<InOp> in;
    {
      std::lock_guard<std::mutex> lock(m_);
      stopped_ = true;
      out.swap(out_);
      in.swap(in_);
    }
  }
  // Something to run on shard k (false once stopped).
  template <class Fn>
  bool run_on_shard(Fn fn) {
    std::lock_guard<std::mutex> lock(m_);
    if (stopped_) return false;
    net::post(shard_ex_, std::move(fn));
    return true;
  }

 private:
  void run_out();  // on shard k
  void run_in();   // on shard 0

  std::weak_ptr<Core> main_;
  net::any_io_executor main_ex_;
  net::any_io_executor shard_ex_;
  std::mutex m_;
  std::vector<OutOp> out_;
  std::vector<InOp> in_;
  bool out_posted_ = false;
  bool in_posted_ = false;
  bool stopped_ = false;
};

// The shards of one server: who owns which session id. Only exists with io_threads > 1.
struct Shards {
  std::vector<std::weak_ptr<Core>> cores;  // set before any thread starts; read-only afterwards
  std::atomic<std::size_t> next{0};        // round-robin of accepted connections
  std::mutex m;
  std::unordered_map<std::string, std::size_t> owner;  // sid -> shard
};

// Something Core::close() must shut down.
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void shutdown() = 0;
};

// ---- WebSocket connection -------------------------------------------------------------------

class WsConnection : public Closable,
                     public detail::WsByteSink,
                     public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(std::shared_ptr<Core> core, beast::tcp_stream stream);
  ~WsConnection() override;

  void start(Request req, std::function<void(std::shared_ptr<WsConnection>)> on_open);
  void attach(std::weak_ptr<SessionImpl> s) { session_ = std::move(s); }
  void detach() { session_.reset(); }
  void send(engineio::Frame frame);
  void close();  // after queued writes
  void shutdown() override { close(); }
  void drop() { abort_socket(); }  // the TCP connection closed at once (fault injection)

  // detail::WsByteSink: what Beast writes itself (handshake response, pongs, close frames).
  void write_raw(std::string bytes) override;
  void close_after_flush() override;
  void reading_from_socket() override;

  // Links the connection into its Core's list of writes in flight while one is (Core::watch_write).
  boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> write_watch;
  Clock::time_point write_started{};
  void abort_socket();  // closes the TCP socket: every pending operation ends

 private:
  // One entry of the write queue: a data frame (its header and payload) or Beast's raw bytes.
  struct Out {
    engineio::WebSocketFrameHeader head;  // size 0 for raw bytes
    std::string body;
    std::shared_ptr<const std::string> shared;  // a broadcast's bytes, after body
    // The bytes after the header: a data frame's payload, or Beast's raw bytes.
    std::size_t payload_size() const { return body.size() + (shared ? shared->size() : 0); }
  };

  void do_read();
  void on_read_error(beast::error_code ec);
  void on_message();  // buffer_ holds a whole message
  void do_write();
  void write_done();    // the write of inflight_ completed
  void write_failed();  // a write failed: the socket is closed
  void do_close();
  tcp::socket& socket() { return beast::get_lowest_layer(ws_).socket(); }

  std::shared_ptr<Core> core_;
  std::uint64_t id_;
  websocket::stream<detail::WsTransport> ws_;
  beast::flat_buffer buffer_;
  // The write queue: entries from out_head_ on wait for a write; inflight_ holds those of the
  // write in flight. Vectors, not a std::deque (which allocates a 512-byte block and its map as
  // soon as it is constructed): an idle connection keeps room for a few entries only.
  std::vector<Out> out_;
  std::size_t out_head_ = 0;
  bool out_empty() const { return out_head_ == out_.size(); }
  void release_taken();
  std::vector<Out> inflight_;
  std::vector<net::const_buffer> batch_;  // the gather write in flight, over inflight_
  bool writing_ = false;
  bool close_requested_ = false;
  bool closing_ = false;
  bool close_after_flush_ = false;
  bool open_ = false;
  // Frames read from the socket are being delivered: send() waits for Beast's next socket read,
  // so the answers to every frame of one read leave in one write.
  bool delivering_ = false;
  bool flush_posted_ = false;  // a do_write is posted for frames sent outside a delivery
  std::weak_ptr<SessionImpl> session_;
};

// ---- HTTP connection ------------------------------------------------------------------------

class HttpConnection : public Closable, public std::enable_shared_from_this<HttpConnection> {
 public:
  // remote_address: the peer's address as accept() reported it (no getpeername per connection).
  HttpConnection(std::shared_ptr<Core> core, tcp::socket socket, std::string remote_address);
  ~HttpConnection() override;
  void start();
  void shutdown() override;
  // The held GET's answer (from the session).
  void respond_poll(const engineio::Body& body);
  void drop() { close_socket(); }  // closed unanswered (fault injection)

 private:
  enum class State { reading, handling, held, writing, closed };
  void do_read();
  void on_header(beast::error_code ec);
  void on_body(beast::error_code ec);
  void handle(Request req);
  void handle_engine(Request& req, RequestInfo info);
  void handle_bundle(const Request& req, const std::string& name);
  void handle_other(Request req, RequestInfo info);
  void engine_error(EngineError e, bool upgrade, std::string message = {});
  void handshake(Request& req, RequestInfo info);
  void fail_oversized_post();
  void add_cors(Response& res, bool preflight);
  Response make(http::status status, std::string body, std::string content_type);
  void write(Response res, bool close_after = false);
  void close_socket();
  void linger();
  void linger_more(std::shared_ptr<std::array<char, 4096>> buf);
  void watch_held();
  // Hands the connection (its socket, unread bytes and this request) to the thread of `to`,
  // which handles the request there.
  void migrate(Request req, std::shared_ptr<Core> to);

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
  bool send(std::string data, bool binary, bool droppable) override {
    const auto result = session_.send(binary ? engineio::Packet::bytes(std::move(data))
                                             : engineio::Packet::message(std::move(data)),
                                      Clock::now(), droppable);
    pump();
    return result == engineio::ServerSession::SendResult::queued;
  }
  bool send_shared(std::shared_ptr<const std::string> text, bool droppable) override {
    const auto result = session_.send_shared(std::move(text), Clock::now(), droppable);
    pump();
    return result == engineio::ServerSession::SendResult::queued;
  }
  void close() override {
    session_.close(Clock::now());
    pump();
  }

  void server_close() {
    session_.close(Clock::now(), /*discard=*/true);
    pump();
  }

  // Fault injection: the transport's TCP connections go away without a word (EngineServer).
  void drop_transport() {
    if (auto conn = held_.lock()) conn->drop();
    held_.reset();
    if (ws_) {
      ws_->detach();
      ws_->drop();
      ws_.reset();
    }
    session_.on_transport_error(Clock::now());
    pump();
  }
  void stop_heartbeat() {
    session_.stop_heartbeat();
    pump();
  }

  // Moves the session's outputs to the connections and its events to the application.
  void pump();
  void forward(std::vector<engineio::ServerSession::Event>& events);

  engineio::ServerSession session_;
  HandshakeInfo info_;
  std::weak_ptr<HttpConnection> held_;
  std::shared_ptr<WsConnection> ws_;
  std::shared_ptr<RemoteSocket> remote_;  // how shard 0 sees this session (shards k > 0 only)

 private:
  void schedule();

  std::shared_ptr<Core> core_;
  net::steady_timer timer_;
  std::optional<Clock::time_point> timer_at_;
  bool pumping_ = false;
  bool again_ = false;
  bool closed_ = false;
  // pump()'s buffers for the session's outputs, reused from one message to the next (and given
  // back after a burst, see kKeepOutputs).
  std::vector<engineio::Frame> frames_;
  std::vector<engineio::ServerSession::Event> events_;
};

// ---- a session of another I/O thread, as shard 0 sees it ----------------------------------------

class RemoteSocket final : public EngineSocket, public std::enable_shared_from_this<RemoteSocket> {
 public:
  RemoteSocket(std::shared_ptr<ShardLink> link, std::string sid, HandshakeInfo info,
               engineio::Protocol protocol, bool websocket)
      : link_(std::move(link)), websocket_(websocket), sid_(std::move(sid)), info_(std::move(info)),
        protocol_(protocol) {}

  const std::string& id() const override { return sid_; }
  const HandshakeInfo& handshake() const override { return info_; }
  engineio::Protocol protocol() const override { return protocol_; }
  // As of the last message or transport change that reached this thread.
  std::string_view transport() const override {
    return websocket_.load(std::memory_order_relaxed) ? "websocket" : "polling";
  }
  // Queued for the session's thread; whether the session queued it is only known there, so the
  // answer is "queued" unless the session is known to be closed (a volatile packet dropped there
  // is dropped with its attachments all the same).
  bool send(std::string data, bool binary, bool droppable) override {
    return send_packet(std::move(data), binary, droppable, {});
  }
  bool send_shared(std::shared_ptr<const std::string> text, bool droppable) override {
    return send_shared_packet(std::move(text), false, droppable, {});
  }
  bool send_packet(std::string first, bool binary, bool droppable,
                   std::vector<std::string> attachments) override {
    if (closed_.load(std::memory_order_relaxed)) return false;
    link_->to_shard(OutOp{OutOp::Kind::send, binary, droppable, shared_from_this(), std::move(first), nullptr,
                          std::move(attachments)});
    return true;
  }
  bool send_shared_packet(std::shared_ptr<const std::string> first, bool binary, bool droppable,
                          const std::vector<std::string>& attachments) override {
    if (closed_.load(std::memory_order_relaxed)) return false;
    if (binary) return send_packet(first ? *first : std::string(), true, droppable, attachments);
    link_->to_shard(OutOp{OutOp::Kind::send_shared, false, droppable, shared_from_this(), {}, std::move(first),
                          attachments});
    return true;
  }
  void close() override {
    if (closed_.load(std::memory_order_relaxed)) return;
    link_->to_shard(OutOp{OutOp::Kind::close, false, false, shared_from_this(), {}, nullptr, {}});
  }

  std::shared_ptr<ShardLink> link_;
  std::weak_ptr<SessionImpl> session_;  // used on the session's thread only
  std::atomic<bool> websocket_;
  std::atomic<bool> closed_{false};

 private:
  std::string sid_;
  HandshakeInfo info_;
  engineio::Protocol protocol_;
};

// ---- the server state, shared by everything that may outlive the facade ----------------------

class EngineServerImpl;

class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(net::io_context& io, EngineOptions options)
      : io_(io), options_(std::move(options)), acceptor_(io), accept_timer_(io), write_sweep_(io) {}

  // Write deadlines: one timer per Core, not one per connection. A WebSocket connection with a
  // write in flight is linked in writes_ (no allocation) with the time the write began; every
  // sweep period the timer closes those whose write is older than write_timeout, so a stalled
  // write ends between write_timeout and write_timeout + the period. Arming and cancelling a
  // timer per write cost a timer-queue insert and a cancelled wait run through the event loop
  // (one more epoll_wait per round trip), and a timer per connection about 100 bytes.
  void watch_write(WsConnection& c) {
    c.write_started = Clock::now();
    if (!c.write_watch.is_linked()) writes_.push_back(c);
    if (!sweeping_) arm_write_sweep();
  }
  void unwatch_write(WsConnection& c) {
    if (c.write_watch.is_linked()) c.write_watch.unlink();
    end_write_sweep_if_closed();
  }
  // Once closed, the io_context runs out of work when the last write is done: no sweep waits.
  void end_write_sweep_if_closed() {
    if (closed_ && writes_.empty() && sweeping_) {
      sweeping_ = false;
      write_sweep_.cancel();
    }
  }
  std::chrono::milliseconds write_sweep_period() const {
    return std::clamp(options_.write_timeout / 4, std::chrono::milliseconds(1), std::chrono::milliseconds(1000));
  }
  void arm_write_sweep() {
    sweeping_ = true;
    write_sweep_.expires_after(write_sweep_period());
    write_sweep_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      self->sweeping_ = false;
      const auto now = Clock::now();
      for (auto it = self->writes_.begin(); it != self->writes_.end();) {
        WsConnection& c = *it++;
        if (now - c.write_started >= self->options_.write_timeout) {
          c.write_watch.unlink();
          c.abort_socket();
        }
      }
      if (!self->writes_.empty()) self->arm_write_sweep();
    });
  }

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
    if (shards_) {
      // Round-robin: the next connection is accepted straight onto its thread's io_context.
      const auto n = shards_->cores.size();
      auto target = shards_->cores[shards_->next.fetch_add(1, std::memory_order_relaxed) % n].lock();
      if (!target) return;
      acceptor_.async_accept(target->io_, accept_peer_, [self = shared_from_this(), target](beast::error_code ec,
                                                                                          tcp::socket socket) {
        if (self->closed_) return;
        if (!ec) {
          set_cloexec(socket.native_handle());
          std::string address = self->accept_peer_.address().to_string();
          if (target.get() == self.get()) {
            std::make_shared<HttpConnection>(self, std::move(socket), std::move(address))->start();
          } else {
            net::post(target->io_, [target, socket = std::move(socket), address = std::move(address)]() mutable {
              if (!target->closed_) {
                std::make_shared<HttpConnection>(target, std::move(socket), std::move(address))->start();
              }
            });
          }
        }
        self->accepted(ec);
      });
      return;
    }
    acceptor_.async_accept(accept_peer_, [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (self->closed_) return;
      if (!ec) {
        set_cloexec(socket.native_handle());
        std::make_shared<HttpConnection>(self, std::move(socket), self->accept_peer_.address().to_string())->start();
      }
      self->accepted(ec);
    });
  }

  void accepted(const beast::error_code& ec) {
    if (ec == net::error::operation_aborted) return;
    if (accept_must_wait(ec)) {
      // The pending connection stays in the backlog; retrying now would fail again at once
      // and spin the loop. Try again once descriptors may have been freed.
      accept_timer_.expires_after(kAcceptBackoff);
      accept_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec && !self->closed_) self->do_accept();
      });
      return;
    }
    do_accept();
  }

  // Errors of accept() that the next accept() would repeat at once: out of descriptors or memory.
  static bool accept_must_wait(const beast::error_code& ec) {
    return ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
           ec == net::error::no_memory ||
           ec == boost::system::errc::too_many_files_open_in_system;
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    acceptor_.close(ec);
    accept_timer_.cancel();
    end_write_sweep_if_closed();
    auto sessions = sessions_;
    for (auto& [sid, s] : sessions) s->server_close();
    for (auto& [sid, s] : sessions) remove_session(sid);
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
  void remove_session(const std::string& sid) {
    if (sessions_.erase(sid) == 0) return;
    session_count_.fetch_sub(1, std::memory_order_relaxed);
    if (shards_) {
      std::lock_guard<std::mutex> lock(shards_->m);
      shards_->owner.erase(sid);
    }
  }
  // The shard that owns session `sid`, when it is another one than this (io_threads > 1).
  std::shared_ptr<Core> other_owner(const std::string& sid) {
    if (!shards_) return nullptr;
    std::size_t shard = 0;
    {
      std::lock_guard<std::mutex> lock(shards_->m);
      auto it = shards_->owner.find(sid);
      if (it == shards_->owner.end()) return nullptr;
      shard = it->second;
    }
    if (shard == shard_) return nullptr;
    return shards_->cores[shard].lock();
  }
  std::shared_ptr<Core> main_core() { return shards_ ? shards_->cores[0].lock() : shared_from_this(); }

  std::shared_ptr<SessionImpl> create_session(engineio::Protocol protocol,
                                              engineio::ServerTransport transport,
                                              HandshakeInfo info, bool supports_binary) {
    std::string sid;
    if (shards_) {
      std::lock_guard<std::mutex> lock(shards_->m);
      do {
        sid = new_session_id();
      } while (!shards_->owner.emplace(sid, shard_).second);
    } else {
      do {
        sid = new_session_id();
      } while (sessions_.count(sid) != 0);
    }
    engineio::ServerSessionOptions so;
    so.ping_interval = options_.ping_interval;
    so.ping_timeout = options_.ping_timeout;
    so.upgrade_timeout = options_.upgrade_timeout;
    so.max_payload = options_.max_http_buffer_size;
    so.max_buffered_bytes = options_.max_buffered_bytes;
    so.allow_upgrades = options_.allow_upgrades && options_.allow_websocket;
    so.supports_binary = supports_binary;
    auto s = std::make_shared<SessionImpl>(shared_from_this(), sid, protocol, transport, so,
                                           std::move(info));
    sessions_.emplace(sid, s);
    session_count_.fetch_add(1, std::memory_order_relaxed);
    return s;
  }

  void connected(const std::shared_ptr<SessionImpl>& s);

  net::io_context& io_;
  std::atomic<bool> refuse_websocket_{false};  // EngineServer::refuse_websocket
  EngineOptions options_;
  tcp::acceptor acceptor_;
  tcp::endpoint accept_peer_;  // the peer of the accept in progress (one at a time)
  net::steady_timer accept_timer_;
  // WebSocket connections with a write in flight (watch_write); unlinked by their destructor.
  boost::intrusive::list<WsConnection,
                         boost::intrusive::member_hook<WsConnection, decltype(WsConnection::write_watch),
                                                       &WsConnection::write_watch>,
                         boost::intrusive::constant_time_size<false>>
      writes_;
  net::steady_timer write_sweep_;
  bool sweeping_ = false;  // write_sweep_ is armed
  std::uint16_t port_ = 0;
  bool closed_ = false;
  EngineServerImpl* facade_ = nullptr;
  std::unordered_map<std::string, std::shared_ptr<SessionImpl>> sessions_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> conns_;
  std::uint64_t next_conn_id_ = 1;
  std::atomic<std::size_t> session_count_{0};  // read by client_count() on shard 0
  // io_threads > 1: this core's shard, the shards, and (shard k > 0) the link to shard 0.
  std::size_t shard_ = 0;
  std::shared_ptr<Shards> shards_;
  std::shared_ptr<ShardLink> link_;
};

class EngineServerImpl final : public EngineServer {
 public:
  // cores[0] runs on the given io_context; cores[k > 0] on contexts_[k-1], each run by a thread.
  EngineServerImpl(std::vector<std::shared_ptr<Core>> cores,
                   std::vector<std::unique_ptr<net::io_context>> contexts)
      : cores_(std::move(cores)), core_(cores_.front()), contexts_(std::move(contexts)) {
    core_->facade_ = this;
    for (auto& ctx : contexts_) {
      guards_.emplace_back(net::make_work_guard(*ctx));
      auto done = std::make_shared<std::promise<void>>();
      ended_.push_back(done->get_future());
      threads_.emplace_back([ctx = ctx.get(), done] {
        ctx->run();
        done->set_value();
      });
    }
  }
  ~EngineServerImpl() override {
    close();
    core_->facade_ = nullptr;
    if (threads_.empty()) return;
    // The other threads end once their closing connections are done, or after a grace period
    // (a peer that does not answer a close frame).
    for (auto& g : guards_) g.reset();
    const auto until = Clock::now() + kThreadEndGrace;
    for (std::size_t i = 0; i < threads_.size(); ++i) {
      if (ended_[i].wait_until(until) != std::future_status::ready) contexts_[i]->stop();
      threads_[i].join();
      cores_[i + 1]->link_->stop();
    }
    // Work never run, and what it owns (connections, sessions), goes with the contexts; the cores
    // must not outlive them (their acceptor and timers belong to them).
    cores_.resize(1);
    contexts_.clear();
  }
  boost::asio::any_io_executor executor() const override { return core_->io_.get_executor(); }
  std::uint16_t port() const override { return core_->port_; }
  std::size_t client_count() const override {
    std::size_t n = 0;
    for (const auto& c : cores_) n += c->session_count_.load(std::memory_order_relaxed);
    return n;
  }
  // Every thread closes its sessions; the sessions of shard k report their end to shard 0
  // (on_close of each), so shard 0's loop is held until those reports are there: its work guard
  // is released by a handler that shard k posts after them.
  void close() override {
    core_->close();
    for (std::size_t k = 1; k < cores_.size(); ++k) {
      cores_[k]->link_->run_on_shard([core = cores_[k], hold = net::make_work_guard(core_->io_)]() mutable {
        core->close();
        const auto main = hold.get_executor();
        net::post(main, [hold = std::move(hold)] {});
      });
    }
  }
  bool drop_transport(const std::string& sid) override {
    return on_session(sid, [](SessionImpl& s) { s.drop_transport(); });
  }
  bool stop_heartbeat(const std::string& sid) override {
    return on_session(sid, [](SessionImpl& s) { s.stop_heartbeat(); });
  }
  void refuse_websocket(bool on) override {
    for (auto& c : cores_) c->refuse_websocket_ = on;
  }

 private:
  // Runs fn on session `sid` (now on this thread, or posted to the session's). False: unknown.
  template <class Fn>
  bool on_session(const std::string& sid, Fn fn) {
    if (auto s = core_->find(sid)) {
      fn(*s);
      return true;
    }
    auto owner = core_->other_owner(sid);
    if (!owner) return false;
    return owner->link_->run_on_shard([owner, sid, fn] {
      if (auto s = owner->find(sid)) fn(*s);
    });
  }

  std::vector<std::shared_ptr<Core>> cores_;
  std::shared_ptr<Core> core_;
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::vector<std::future<void>> ended_;
};

void Core::connected(const std::shared_ptr<SessionImpl>& s) {
  if (log_enabled("engine")) {
    debug_log("engine", "handshake done: session " + s->id() + " (" + std::string(s->transport()) + ")");
  }
  if (link_) {
    // Shard 0 sees this session through a RemoteSocket (the handshake data moves to it).
    auto remote = std::make_shared<RemoteSocket>(link_, s->id(), std::move(s->info_), s->protocol(),
                                                 s->session_.transport() == engineio::ServerTransport::websocket);
    remote->session_ = s;
    s->remote_ = remote;
    link_->to_main(InOp{InOp::Kind::connection, false, std::move(remote), {}});
    s->pump();
    return;
  }
  if (facade_ && facade_->on_connection) facade_->on_connection(s);
  s->pump();
}

void ShardLink::run_out() {
  std::vector<OutOp> batch;
  {
    std::lock_guard<std::mutex> lock(m_);
    batch.swap(out_);
    out_posted_ = false;
  }
  for (auto& op : batch) {
    auto s = op.socket->session_.lock();
    if (!s) continue;
    bool queued = false;
    switch (op.kind) {
      case OutOp::Kind::send:
        queued = s->send(std::move(op.data), op.binary, op.droppable);
        break;
      case OutOp::Kind::send_shared:
        queued = s->send_shared(std::move(op.shared), op.droppable);
        break;
      case OutOp::Kind::close:
        s->close();
        continue;
    }
    if (!queued) continue;  // a dropped packet goes without its attachments
    for (auto& a : op.attachments) s->send(std::move(a), true, false);
  }
}

void ShardLink::run_in() {
  std::vector<InOp> batch;
  {
    std::lock_guard<std::mutex> lock(m_);
    batch.swap(in_);
    in_posted_ = false;
  }
  auto main = main_.lock();
  for (auto& op : batch) {
    auto& r = *op.socket;
    switch (op.kind) {
      case InOp::Kind::connection:
        if (main && main->facade_ && main->facade_->on_connection && !main->closed_) {
          main->facade_->on_connection(op.socket);
        } else {
          r.close();
        }
        break;
      case InOp::Kind::message:
        if (r.on_message) r.on_message(op.data, op.binary);
        break;
      case InOp::Kind::closed: {
        auto cb = std::move(r.on_close);
        r.on_close = nullptr;
        r.on_message = nullptr;
        if (cb) cb(op.data);
        break;
      }
    }
  }
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
    session_.take_frames(frames_);
    if (ws_) {
      for (auto& f : frames_) ws_->send(std::move(f));
    }
    if (session_.take_websocket_close() && ws_) {
      ws_->detach();
      ws_->close();
      ws_.reset();
    }
    session_.take_events(events_);
    if (remote_) {
      forward(events_);
      continue;
    }
    for (auto& event : events_) {
      using Type = engineio::ServerSession::Event::Type;
      if (event.type == Type::message) {
        if (on_message && !closed_) on_message(event.data, event.binary);
      } else if (event.type == Type::closed && !closed_) {
        closed_ = true;
        if (log_enabled("engine:socket")) {
          debug_log("engine:socket", "session " + session_.sid() + " closed: " + event.data);
        }
        core_->remove_session(session_.sid());
        auto cb = std::move(on_close);
        on_close = nullptr;
        on_message = nullptr;
        if (cb) cb(event.data);
      }
    }
  } while (again_);
  pumping_ = false;
  // The outputs' contents go now (a message's bytes are not kept until the next one), and a
  // burst's buffers with them: an idle session keeps room for a few outputs only.
  frames_.clear();
  events_.clear();
  constexpr std::size_t kKeepOutputs = 8;
  if (frames_.capacity() > kKeepOutputs) std::vector<engineio::Frame>().swap(frames_);
  if (events_.capacity() > kKeepOutputs) std::vector<engineio::ServerSession::Event>().swap(events_);
  schedule();
}

// Shard k > 0: the events go to shard 0's RemoteSocket, in order, with the transport in use.
void SessionImpl::forward(std::vector<engineio::ServerSession::Event>& events) {
  using Type = engineio::ServerSession::Event::Type;
  remote_->websocket_.store(session_.transport() == engineio::ServerTransport::websocket,
                            std::memory_order_relaxed);
  for (auto& event : events) {
    if (closed_ || !remote_) break;
    if (event.type == Type::message) {
      remote_->link_->to_main(InOp{InOp::Kind::message, event.binary, remote_, std::move(event.data)});
    } else if (event.type == Type::closed) {
      closed_ = true;
      if (log_enabled("engine:socket")) {
        debug_log("engine:socket", "session " + session_.sid() + " closed: " + event.data);
      }
      core_->remove_session(session_.sid());
      remote_->closed_.store(true, std::memory_order_relaxed);
      remote_->link_->to_main(InOp{InOp::Kind::closed, false, std::move(remote_), std::move(event.data)});
      remote_.reset();
    }
  }
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

namespace {
// One gather write covers at most this many queue entries (two buffers each) or bytes; what is
// left goes in the next one.
constexpr std::size_t kMaxBatchEntries = 128;  // up to three buffers each
constexpr std::size_t kMaxBatchBytes = 1u << 20;
// Entries of a WebSocket connection's write queue kept while it is empty.
constexpr std::size_t kWriteQueueKeep = 4;
// The first read of a message appends at most this many bytes (WsConnection::do_read).
constexpr std::size_t kFirstReadLimit = 256;
// After a message larger than this, the read buffer is given back (idle connections stay small).
constexpr std::size_t kReadBufferKeep = 4 * 1024;
}  // namespace

WsConnection::WsConnection(std::shared_ptr<Core> core, beast::tcp_stream stream)
    : core_(std::move(core)), ws_(std::move(stream), *this) {
  id_ = core_->add_conn(std::weak_ptr<Closable>());
  // Writes are tried synchronously first (do_write): they must report EAGAIN, not wait.
  beast::error_code ec;
  socket().non_blocking(true, ec);
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
      self->socket().close(ignored);
      return;
    }
    self->open_ = true;
    on_open(self);
    self->do_read();
  });
}

// A message is read in two steps: a first read of at most kFirstReadLimit bytes (all of a small
// message, the usual case), then, only when the message is longer, the rest of it. While the
// connection is idle, its pending read holds a buffer of kFirstReadLimit bytes, not the 1,536
// that Beast's read of a whole message prepares before it waits.
void WsConnection::do_read() {
  ws_.async_read_some(buffer_, kFirstReadLimit, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->on_read_error(ec);
    if (self->ws_.is_message_done()) return self->on_message();
    self->ws_.async_read(self->buffer_, [self](beast::error_code ec2, std::size_t) {
      if (ec2) return self->on_read_error(ec2);
      self->on_message();
    });
  });
}

void WsConnection::on_read_error(beast::error_code ec) {
  open_ = false;
  if (auto s = session_.lock()) {
    // As Node's ws: the connection ending or being reset without a close frame is a close
    // ("transport close"); only a WebSocket protocol error (bad frame, message too big) is
    // an error ("transport error").
    const bool clean = ec == websocket::error::closed || ec == net::error::eof ||
                       ec == net::error::connection_reset || ec == net::error::broken_pipe;
    session_.reset();
    s->session_.on_websocket_closed(!clean, Clock::now());
    s->pump();
  }
}

void WsConnection::on_message() {
  const auto data = buffer_.cdata();
  const std::string_view message(static_cast<const char*>(data.data()), data.size());
  const bool binary = ws_.got_binary();
  delivering_ = true;
  if (auto s = session_.lock()) {
    s->session_.on_frame(message, binary, Clock::now());
    s->pump();
  }
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > kReadBufferKeep) buffer_.shrink_to_fit();
  do_read();
}

void WsConnection::send(engineio::Frame frame) {
  if (!open_ || close_requested_) return;
  const auto head = engineio::websocket_frame_header(frame.binary, frame.size());
  out_.push_back(Out{head, std::move(frame.bytes), std::move(frame.shared)});
  // Not in answer to frames being read (those leave when Beast reads again): written at the end
  // of this loop pass, so that a burst (the messages of a broadcast, a batch from another I/O
  // thread) leaves in one write. do_write writes at once; calling it here would make a system
  // call per message.
  if (!writing_ && !delivering_ && !flush_posted_) {
    flush_posted_ = true;
    net::post(core_->io_, [self = shared_from_this()] {
      self->flush_posted_ = false;
      if (!self->writing_ && !self->delivering_) self->do_write();
    });
  }
}

void WsConnection::reading_from_socket() {
  delivering_ = false;
  if (!writing_ && !out_empty()) do_write();
}

void WsConnection::write_raw(std::string bytes) {
  if (!socket().is_open()) return;
  out_.push_back(Out{{}, std::move(bytes), nullptr});
  if (!writing_) do_write();
}

void WsConnection::close_after_flush() {
  close_after_flush_ = true;
  if (!writing_) do_write();
}

// Everything queued goes out in gather writes: the frames queued while one write was in flight
// leave together in the next (one system call for many frames). Each write is tried at once
// (the socket is non-blocking): when the kernel takes it all, which is the usual case, it is done
// without a completion handler run through the event loop (one handler and one epoll_wait fewer
// per round trip); the rest of a partial write goes out asynchronously, under the write deadline.
void WsConnection::do_write() {
  for (;;) {
    if (out_empty()) {
      writing_ = false;
      if (close_after_flush_) {
        abort_socket();
      } else if (close_requested_) {
        do_close();
      }
      return;
    }
    writing_ = true;
    // The entries of this write move to inflight_, which nothing touches until the write is
    // done: the buffers point into them (a frame header and a short body live inside the entry),
    // and out_ may grow, and so move its entries, while the write is in flight.
    std::size_t take = 0, bytes = 0;
    for (std::size_t i = out_head_;
         i < out_.size() && take < kMaxBatchEntries && (take == 0 || bytes < kMaxBatchBytes); ++i, ++take) {
      const Out& o = out_[i];
      bytes += o.head.size + o.payload_size();
    }
    inflight_.clear();
    if (out_head_ == 0 && take == out_.size()) {
      inflight_.swap(out_);  // the whole queue (the usual case): nothing moves
    } else {
      for (std::size_t i = 0; i < take; ++i) inflight_.push_back(std::move(out_[out_head_++]));
    }
    release_taken();
    batch_.clear();
    for (const Out& o : inflight_) {
      if (o.head.size) batch_.emplace_back(o.head.bytes.data(), o.head.size);
      batch_.emplace_back(o.body.data(), o.body.size());
      if (o.shared) batch_.emplace_back(o.shared->data(), o.shared->size());
    }
    beast::error_code ec;
    std::size_t written = socket().write_some(batch_, ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      ec = {};
      written = 0;
    }
    if (ec) return write_failed();
    if (written == bytes) {
      write_done();
      continue;
    }
    // The rest: whole buffers written are dropped, the first one left is advanced.
    std::size_t drop = 0;
    while (written >= batch_[drop].size()) written -= batch_[drop++].size();
    batch_[drop] += written;
    batch_.erase(batch_.begin(), batch_.begin() + static_cast<std::ptrdiff_t>(drop));
    // A peer that stopped reading stalls the write: past write_timeout the socket is closed, which
    // ends the write and the read (the read side reports the failure to the session).
    core_->watch_write(*this);
    net::async_write(socket(), batch_, [self = shared_from_this()](beast::error_code ec2, std::size_t) {
      self->core_->unwatch_write(*self);
      if (ec2) return self->write_failed();
      self->write_done();
      self->do_write();
    });
    return;
  }
}

void WsConnection::write_failed() {
  out_.clear();
  out_head_ = 0;
  inflight_.clear();
  writing_ = false;
  abort_socket();  // the read side reports the failure
}

// The write of inflight_ is complete: its data frames leave the session's send buffer.
void WsConnection::write_done() {
  std::size_t frame_bytes = 0;
  for (const Out& o : inflight_) {
    if (o.head.size) frame_bytes += o.payload_size();
  }
  inflight_.clear();
  if (inflight_.capacity() > kWriteQueueKeep) std::vector<Out>().swap(inflight_);
  if (frame_bytes != 0) {
    if (auto s = session_.lock()) s->session_.on_written(frame_bytes);
  }
}

// Drops the entries taken from the front of the queue: all of them once the queue is empty
// (giving back its storage beyond kWriteQueueKeep entries), else once they are at least half of
// it (each entry moves at most once per halving: no quadratic cost for a long queue).
void WsConnection::release_taken() {
  if (out_empty()) {
    out_.clear();
    out_head_ = 0;
    if (out_.capacity() > kWriteQueueKeep) std::vector<Out>().swap(out_);
  } else if (out_head_ >= 64 && out_head_ * 2 >= out_.size()) {
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_head_));
    out_head_ = 0;
  }
}

void WsConnection::abort_socket() {
  open_ = false;
  beast::error_code ignored;
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

void WsConnection::close() {
  if (close_requested_) return;
  close_requested_ = true;
  if (!open_) {
    beast::error_code ignored;
    socket().close(ignored);
    return;
  }
  // Beast's close frame joins the write queue after the frames queued so far; a write that
  // never completes (the peer stopped reading) is ended by the write timer.
  do_close();
}

void WsConnection::do_close() {
  if (closing_ || !open_) return;
  closing_ = true;
  // A peer that does not answer the close frame is cut off after 5 s (Beast's closing-handshake
  // timer: the socket's own reads and writes no longer carry the close).
  websocket::stream_base::timeout opt{};
  opt.handshake_timeout = std::chrono::seconds(5);
  opt.idle_timeout = websocket::stream_base::none();
  opt.keep_alive_pings = false;
  ws_.set_option(opt);
  ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
    // The pending read completes with `closed` (or an error) and ends the loop.
  });
}

// ---- HttpConnection -------------------------------------------------------------------------

HttpConnection::HttpConnection(std::shared_ptr<Core> core, tcp::socket socket, std::string remote_address)
    : core_(std::move(core)), stream_(std::move(socket)), remote_address_(std::move(remote_address)) {
  id_ = core_->add_conn(std::weak_ptr<Closable>());
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
  // After linger() the sending side is shut and the peer's end was read (or timed out): close.
  if (!lingering_) stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
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
  auto fail = [](const std::shared_ptr<SessionImpl>& session) {
    if (!session || session->session_.transport() != engineio::ServerTransport::polling) return;
    session->session_.on_transport_error(Clock::now());
    session->pump();
  };
  if (auto session = core_->find(*sid)) {
    fail(session);
  } else if (auto owner = core_->other_owner(*sid)) {
    net::post(owner->io_, [owner, sid = std::string(*sid), fail] { fail(owner->find(sid)); });
  }
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
  stream_.expires_after(core_->options_.write_timeout);
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
  for (auto& [name, value] : detail::cors_headers(core_->options_.cors, origin_, request_headers_, preflight)) {
    res.set(name, value);
  }
}

void HttpConnection::engine_error(EngineError e, bool upgrade, std::string message) {
  if (message.empty()) message = error_message(e);
  if (log_enabled("engine")) debug_log("engine", "request refused: " + message);
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
  RequestInfo info = detail::parse_request(req, core_->options_);
  version_ = info.version;
  keep_alive_ = info.keep_alive;
  head_ = info.head;
  origin_ = info.origin;
  request_headers_ = info.request_headers;
  switch (info.route) {
    case Route::bundle:
      handle_bundle(req, info.client_file);
      return;
    case Route::engine:
      handle_engine(req, std::move(info));
      return;
    case Route::other:
      if (core_->shard_ != 0) {
        // on_http_request runs on the executor (shard 0's thread)
        if (auto main = core_->main_core()) migrate(std::move(req), std::move(main));
        return;
      }
      if (info.bad_path) {
        write(make(http::status::bad_request, "Bad Request", "text/plain"));
        return;
      }
      handle_other(std::move(req), std::move(info));
      return;
  }
}

void HttpConnection::handle_bundle(const Request& req, const std::string& name) {
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    write(make(http::status::not_found, "Not Found", "text/plain"));
    return;
  }
  // socket.io.js is the configured bundle; the variants are the files of the same name beside it.
  const std::string& bundle = core_->options_.client_bundle_file;
  const auto slash = bundle.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string() : bundle.substr(0, slash + 1);
  auto file = read_file(name == "socket.io.js" ? bundle : dir + name);
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
  // Compressed as Node does it (br, gzip or deflate, as the client accepts; else none).
  const std::string encoding = detail::pick_encoding(header(req, "Accept-Encoding"));
  std::string body = encoding.empty() ? std::move(*file) : detail::compressed(*file, encoding);
  Response res = make(http::status::ok, std::move(body), detail::content_type_of(name));
  res.set(http::field::cache_control, "public, max-age=0");
  res.set(http::field::etag, etag);
  res.set(http::field::vary, "Accept-Encoding");
  if (!encoding.empty()) res.set(http::field::content_encoding, encoding);
  write(std::move(res));
}

void HttpConnection::handle_other(Request req, RequestInfo info) {
  EngineServerImpl* facade = core_->facade_;
  if (facade && facade->on_http_request) {
    HttpRequest hr;
    hr.method = std::string(req.method_string());
    hr.target = std::string(req.target());
    hr.path = std::move(info.path);
    hr.query = std::move(info.query);
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

void HttpConnection::handle_engine(Request& req, RequestInfo info) {
  const auto& opts = core_->options_;
  const bool upgrade = info.upgrade;
  if (info.kind == EngineKind::preflight) {
    Response res = make(http::status::no_content, "", "");
    add_cors(res, true);
    res.content_length(0);
    write(std::move(res));
    return;
  }
  if (info.kind == EngineKind::error) {
    engine_error(*info.error, upgrade);
    return;
  }
  if (info.websocket && core_->refuse_websocket_) {
    engine_error(EngineError::unknown_transport, upgrade);
    return;
  }
  const auto& transport = info.transport;
  const bool ws = info.websocket;
  const auto& sid = info.sid;
  const auto now = Clock::now();
  if (info.kind == EngineKind::session) {
    auto session = core_->find(*sid);
    if (!session) {
      if (auto owner = core_->other_owner(*sid)) {
        migrate(std::move(req), std::move(owner));  // the session lives on another thread
        return;
      }
      engine_error(EngineError::unknown_sid, upgrade);
      return;
    }
    if (!upgrade && session->transport() != transport) {
      engine_error(EngineError::bad_request, false);
      return;
    }
    // Node's PROTOCOL_MISMATCH.
    if (info.protocol != session->protocol()) {
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
  // a handshake (parse_request checked its method and its transport against the upgrade)
  if (opts.allow_request) {
    HttpRequest hr;
    hr.method = std::string(req.method_string());
    hr.target = std::string(req.target());
    hr.path = info.path;
    hr.query = info.query;
    hr.headers = header_map(req);
    hr.remote_address = remote_address_;
    auto req_ptr = std::make_shared<Request>(std::move(req));
    auto called = std::make_shared<std::atomic<bool>>(false);
    // Holds the connection until the hook answers (or drops `done`). The hook may answer and drop
    // `done` on any thread: the last reference is then released on the server's thread (a
    // connection is destroyed where it lives, ~HttpConnection touches the Core).
    const auto executor = core_->io_.get_executor();
    std::shared_ptr<HttpConnection> self(
        this, [owner = shared_from_this(), executor](HttpConnection*) mutable {
          net::post(executor, [owner = std::move(owner)] {});
        });
    AllowRequestDone done = [self = std::move(self), req_ptr, info = std::move(info), called](
                                std::string message, bool success) mutable {
      if (called->exchange(true)) return;
      net::dispatch(self->core_->io_.get_executor(),
                    [self, req_ptr, info = std::move(info), message = std::move(message),
                     success]() mutable {
                      if (self->state_ != State::handling || self->core_->closed_) return;
                      if (!success) {
                        self->engine_error(EngineError::forbidden, info.upgrade, std::move(message));
                        return;
                      }
                      self->handshake(*req_ptr, std::move(info));
                    });
    };
    opts.allow_request(hr, std::move(done));
    return;
  }
  handshake(req, std::move(info));
}

void HttpConnection::handshake(Request& req, RequestInfo request) {
  const auto now = Clock::now();
  const bool upgrade = request.upgrade;
  if (!request.protocol_supported) {
    engine_error(EngineError::unsupported_protocol_version, upgrade);
    return;
  }
  const auto protocol = request.protocol;
  HandshakeInfo info;
  info.headers = header_map(req);
  info.url = std::string(req.target());
  info.query = std::move(request.query);
  info.remote_address = remote_address_;
  info.secure = false;
  info.protocol = protocol;
  info.issued_ms = unix_ms();
  const bool supports_binary = request.supports_binary;

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

void HttpConnection::migrate(Request req, std::shared_ptr<Core> to) {
  state_ = State::closed;
  moved_ = true;
  beast::error_code ec;
  tcp::socket socket = stream_.release_socket();
  const auto endpoint = socket.local_endpoint(ec);
  if (ec) {
    socket.close(ec);
    return;
  }
  const auto protocol = endpoint.protocol();
  const auto fd = socket.release(ec);
  if (ec) {
    socket.close(ec);
    return;
  }
  // The descriptor is closed if the target thread never takes it (the server stopped first).
  struct Fd {
    int fd;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
      if (fd >= 0) ::close(fd);
    }
  };
  auto held = std::make_shared<Fd>(fd);
  const auto unread = buffer_.cdata();
  std::string rest(static_cast<const char*>(unread.data()), unread.size());
  net::post(to->io_, [to, held, protocol, rest = std::move(rest), req = std::move(req),
                      address = remote_address_]() mutable {
    if (to->closed_) return;
    tcp::socket s(to->io_);
    beast::error_code ec;
    s.assign(protocol, held->fd, ec);
    if (ec) return;
    held->fd = -1;
    auto conn = std::make_shared<HttpConnection>(to, std::move(s), std::move(address));
    to->conns_[conn->id_] = conn;
    if (!rest.empty()) {
      auto b = conn->buffer_.prepare(rest.size());
      std::memcpy(b.data(), rest.data(), rest.size());
      conn->buffer_.commit(rest.size());
    }
    conn->state_ = State::handling;
    conn->handle(std::move(req));
  });
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
  const unsigned threads = std::max(1u, options.io_threads);
  auto core = std::make_shared<Core>(io, options);
  std::vector<std::shared_ptr<Core>> cores{core};
  std::vector<std::unique_ptr<net::io_context>> contexts;
  if (threads > 1) {
    auto shards = std::make_shared<Shards>();
    core->shards_ = shards;
    shards->cores.push_back(core);
    for (unsigned k = 1; k < threads; ++k) {
      contexts.push_back(std::make_unique<net::io_context>(1));
      auto c = std::make_shared<Core>(*contexts.back(), options);
      c->shard_ = k;
      c->shards_ = shards;
      c->link_ = std::make_shared<ShardLink>(core, io.get_executor(), contexts.back()->get_executor());
      shards->cores.push_back(c);
      cores.push_back(std::move(c));
    }
  }
  core->listen(address, port);
  return std::make_unique<EngineServerImpl>(std::move(cores), std::move(contexts));
}

}  // namespace sio::server
