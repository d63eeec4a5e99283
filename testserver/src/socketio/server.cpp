// The Socket.IO server layer: Server, Namespace, Socket and the per-session Client (socket.io 4.8's
// index.js / namespace.js / socket.js / client.js, re-expressed in C++ on the Engine.IO interface).
#include <array>
#include <ctime>
#include <iostream>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "../common/url_query.hpp"
#include "internal.hpp"
#include "sio/core/debug_log.hpp"
#include "sio/core/timer_delay.hpp"
#include "sio/server/secrets.hpp"
#include "sio/server/server.hpp"
#include "sio/socketio/acks.hpp"

namespace sio::server {

namespace {

// Node's RECOVERABLE_DISCONNECT_REASONS.
bool recoverable(const std::string& reason) {
  return reason == "transport error" || reason == "transport close" || reason == "forced close" ||
         reason == "ping timeout" || reason == "server shutting down" ||
         reason == "forced server close";
}

// The CONNECT packet's query as an object (URLSearchParams + Object.fromEntries: the last of a
// repeated name wins), decoded by the server's one query decoder (Boost.URL).
json query_to_object(std::string_view query) {
  json out = json::object();
  for (const auto& [key, value] : detail::parse_query(query)) out[key] = value;
  return out;
}

// `new Date(ms) + ""` in UTC.
std::string js_date_string(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  const auto n = std::strftime(buf, sizeof buf, "%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)", &tm);
  return std::string(buf, n);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string event_name(const json& data) {
  if (!data.is_array() || data.empty()) return {};
  if (data[0].is_string()) return data[0].get<std::string>();
  return data[0].dump();  // numbers are allowed as event names
}

// Splits an event's payload [name, ...args] into the name and the arguments, moving them out.
std::pair<std::string, json> take_event(json payload) {
  if (!payload.is_array() || payload.empty()) return {std::string(), json::array()};
  std::string name = payload[0].is_string() ? std::move(payload[0].get_ref<std::string&>())
                                            : payload[0].dump();  // numbers are allowed
  auto& items = payload.get_ref<json::array_t&>();
  items.erase(items.begin());
  return {std::move(name), std::move(payload)};
}

// The socket whose event handlers this thread is running (acks given during the handler are
// sent at once rather than posted to the executor).
thread_local const Socket* t_handling = nullptr;

json rest_args(const json& data) {
  json args = json::array();
  if (data.is_array()) {
    for (std::size_t i = 1; i < data.size(); ++i) args.push_back(data[i]);
  }
  return args;
}

// An exception thrown by an application handler must not unwind through the server (and out of
// io_context::run): it is reported on stderr and the packet is considered handled.
template <class F>
void guarded(const std::string& what, F&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    std::cerr << "sio::server: handler for \"" << what << "\" threw: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "sio::server: handler for \"" << what << "\" threw\n";
  }
}

// DEBUG categories, as Node's socket.io names them.
constexpr std::string_view kServerLog = "socket.io:server";
constexpr std::string_view kClientLog = "socket.io:client";
constexpr std::string_view kSocketLog = "socket.io:socket";

std::string brief(const json& value) {
  std::string text = socketio::has_binary(value) ? std::string("<with binary>") : dump_json(value);
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  return text;
}

std::string describe(const socketio::Packet& p) {
  std::string out = std::string(socketio::to_string(p.type)) + " " + p.nsp;
  if (p.id) out += " id=" + std::to_string(*p.id);
  if (p.has_data()) out += " " + brief(p.data);
  return out;
}

void count(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

socketio::DecoderLimits decoder_limits(const ServerOptions& options) {
  socketio::DecoderLimits limits;
  limits.max_attachments = options.max_attachments;
  return limits;
}

}  // namespace

std::string generate_id() { return random_id(15); }

EngineOptions engine_options(const ServerOptions& options) {
  EngineOptions e;
  e.path = options.path;
  if (e.path.empty() || e.path.back() != '/') e.path += '/';
  // Timers, as Node's engine.io arms them with setTimeout: < 1 ms or > 2^31-1 ms becomes 1 ms
  // (and the session's deadline arithmetic cannot overflow).
  e.ping_interval = sio::timer_delay(options.ping_interval);
  e.ping_timeout = sio::timer_delay(options.ping_timeout);
  e.upgrade_timeout = sio::timer_delay(options.upgrade_timeout);
  e.max_http_buffer_size = options.max_http_buffer_size;
  e.max_buffered_bytes = options.max_buffered_bytes;
  e.write_timeout = options.write_timeout;
  e.allow_polling = false;
  e.allow_websocket = false;
  for (const auto& t : options.transports) {
    if (t == "polling") e.allow_polling = true;
    if (t == "websocket") e.allow_websocket = true;
  }
  e.allow_upgrades = options.allow_upgrades;
  e.allow_eio3 = options.allow_eio3;
  e.cors = options.cors;
  e.allow_request = options.allow_request;
  e.request_timeout = options.request_timeout;
  e.io_threads = options.io_threads;
  if (options.serve_client) e.client_bundle_file = options.client_bundle_file;
  return e;
}

// ---- Client: one Engine.IO session -------------------------------------------------------------

namespace detail {

class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(Server& server, std::shared_ptr<EngineSocket> conn)
      : server_(&server),
        conn_(std::move(conn)),
        protocol_(conn_->protocol() == engineio::Protocol::v3 ? socketio::Protocol::v4
                                                               : socketio::Protocol::v5),
        parser_(socketio::parser_or_default(server.options().parser)),
        metrics_(server.options().metrics),
        decoder_(socketio::parser_or_default(server.options().parser)
                     .make_decoder(protocol_, decoder_limits(server.options()))),
        connect_timer_(server.executor()) {}

  void setup() {
    std::weak_ptr<Client> weak = shared_from_this();
    conn_->on_message = [weak](std::string_view data, bool binary) {
      if (auto self = weak.lock()) self->on_data(data, binary);
    };
    conn_->on_close = [weak](std::string_view reason) {
      if (auto self = weak.lock()) self->on_close(std::string(reason));
    };
    connect_timer_.expires_after(sio::timer_delay(server_->options().connect_timeout));
    connect_timer_.async_wait([weak](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (self && self->nsps_.empty()) self->close();
    });
  }

  bool open() const { return open_ && server_ != nullptr; }
  const socketio::Parser& parser() const { return parser_; }
  socketio::Protocol protocol() const { return protocol_; }
  const std::shared_ptr<EngineSocket>& conn() const { return conn_; }
  Server* server() const { return server_; }

  void connect(const std::string& name, json auth) {
    if (!server_) return;
    if (server_->nsps_.count(name)) return do_connect(name, std::move(auth));
    auto self = shared_from_this();
    server_->check_namespace(name, auth, [self, name, auth](NamespacePtr nsp) {
      if (nsp) return self->do_connect(name, auth);
      auto packet = socketio::Packet::connect_error(name, json{{"message", "Invalid namespace"}});
      self->write(self->parser().encode(packet));
    });
  }

  void do_connect(const std::string& name, json auth) {
    if (!server_) return;
    auto nsp = server_->of(name);
    auto self = shared_from_this();
    nsp->add(self, std::move(auth), [self, nsp](const SocketPtr& socket) {
      self->sockets_[socket->id()] = socket;
      self->nsps_[nsp->name()] = socket;
      self->connect_timer_.cancel();
    });
  }

  // Server-side disconnect of every namespace, then the session (socket.disconnect(true)).
  void disconnect_all() {
    auto self = shared_from_this();
    auto sockets = sockets_;
    for (auto& [id, socket] : sockets) SocketAccess::disconnect_now(*socket, false);
    sockets_.clear();
    nsps_.clear();
    close();
  }

  void remove(const Socket& socket) {
    auto it = sockets_.find(socket.id());
    if (it == sockets_.end()) return;
    nsps_.erase(socket.nsp().name());
    sockets_.erase(it);
  }

  // Closes the session from our side (Node's client.close()).
  void close() { close_with("forced server close"); }

  // Closes the Engine.IO session; our sockets see `reason` (not whatever the engine reports for
  // a close we asked for, which on_close then ignores).
  void close_with(const std::string& reason) {
    if (closed_) return;
    auto self = shared_from_this();
    open_ = false;
    on_close(reason);
    conn_->close();
  }

  void write(const socketio::Encoded& encoded, const EmitFlags& flags = {}) {
    if (!open_) return;
    const Written w = describe_written(encoded.text, encoded.binary, encoded.attachments);
    // A volatile packet the engine dropped (send buffer full) goes without its attachments.
    if (!conn_->send_packet(encoded.text, encoded.binary, flags.volatile_, encoded.attachments)) return;
    note_written(w);
  }
  void write(socketio::Encoded&& encoded, const EmitFlags& flags = {}) {
    if (!open_) return;
    const Written w = describe_written(encoded.text, encoded.binary, encoded.attachments);
    if (!conn_->send_packet(std::move(encoded.text), encoded.binary, flags.volatile_,
                            std::move(encoded.attachments))) {
      return;
    }
    note_written(w);
  }
  void write(const SharedPacket& packet, const EmitFlags& flags = {}) {
    if (!open_) return;
    const Written w = describe_written(*packet.text, packet.binary, packet.attachments);
    if (!conn_->send_shared_packet(packet.text, packet.binary, flags.volatile_, packet.attachments)) return;
    note_written(w);
  }

  // Metrics and DEBUG output of one packet queued for this client: taken before the messages are
  // handed over (moved), reported once they were queued.
  struct Written {
    std::uint64_t bytes = 0;
    std::string log;  // empty unless socket.io:client is enabled
  };
  Written describe_written(const std::string& first, bool binary,
                           const std::vector<std::string>& attachments) const {
    Written w;
    w.bytes = first.size();
    for (const auto& a : attachments) w.bytes += a.size();
    if (log_enabled(kClientLog)) {
      w.log = binary ? "<" + std::to_string(first.size()) + " bytes of MessagePack>"
                     : (first.size() > 200 ? first.substr(0, 200) + "..." : first);
      if (!attachments.empty()) w.log += " + " + std::to_string(attachments.size()) + " attachment(s)";
    }
    return w;
  }
  void note_written(const Written& w) {
    if (metrics_) {
      count(metrics_->packets_out);
      count(metrics_->bytes_out, w.bytes);
    }
    if (!w.log.empty()) debug_log(kClientLog, "writing packet " + w.log + " to " + conn_->id());
  }

  void on_data(std::string_view data, bool binary) {
    if (!open_) return;
    auto self = shared_from_this();
    auto result = binary ? decoder_->feed_binary(data) : decoder_->feed_text(data);
    if (metrics_) count(metrics_->bytes_in, data.size());
    if (!result) {
      if (metrics_) count(metrics_->decode_errors);
      if (log_enabled(kClientLog)) {
        debug_log(kClientLog, "decode error from " + conn_->id() + ": " + result.error().message);
      }
      // Node: client.onerror -> socket._onerror (the "error" event) for every socket, then
      // conn.close() -> "forced close" for every socket.
      const auto sockets = sockets_;
      for (const auto& [id, socket] : sockets) socket->on_decode_error(result.error());
      close_with("forced close");
      return;
    }
    if (!result.value()) return;
    if (metrics_) count(metrics_->packets_in);
    if (log_enabled(kClientLog)) {
      debug_log(kClientLog, "decoded packet " + describe(*result.value()) + " from " + conn_->id());
    }
    on_decoded(std::move(*result.value()));
  }

  void on_decoded(socketio::Packet packet) {
    auto it = nsps_.find(packet.nsp);
    if (it == nsps_.end() && packet.type == socketio::PacketType::connect) {
      json auth = json::object();
      if (protocol_ == socketio::Protocol::v4) {
        auth = query_to_object(packet.query);
      } else if (packet.has_data()) {
        auth = std::move(packet.data);
      }
      connect(packet.nsp, std::move(auth));
    } else if (it != nsps_.end() && packet.type != socketio::PacketType::connect &&
               packet.type != socketio::PacketType::connect_error) {
      auto socket = it->second;
      socket->on_packet(std::move(packet));
    } else {
      close();  // invalid state
    }
  }

  void on_close(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    if (metrics_) metrics_->connections_open.fetch_sub(1, std::memory_order_relaxed);
    if (log_enabled(kClientLog)) debug_log(kClientLog, "client " + conn_->id() + " close with reason " + reason);
    open_ = false;
    auto self = shared_from_this();
    connect_timer_.cancel();
    auto sockets = std::move(sockets_);
    sockets_.clear();
    nsps_.clear();
    for (auto& [id, socket] : sockets) socket->on_close(reason);
    decoder_->reset();
    if (server_) server_->remove_client(this);
  }

  void detach() {
    if (!closed_ && metrics_) metrics_->connections_open.fetch_sub(1, std::memory_order_relaxed);
    server_ = nullptr;
    open_ = false;
    closed_ = true;
    connect_timer_.cancel();
    sockets_.clear();
    nsps_.clear();
  }

 private:
  Server* server_;
  std::shared_ptr<EngineSocket> conn_;
  socketio::Protocol protocol_;
  const socketio::Parser& parser_;
  std::shared_ptr<ServerMetrics> metrics_;
  std::unique_ptr<socketio::PacketDecoder> decoder_;
  boost::asio::steady_timer connect_timer_;
  std::map<SocketId, SocketPtr> sockets_;
  std::map<std::string, SocketPtr> nsps_;
  bool open_ = true;
  bool closed_ = false;
};

void SocketAccess::join_now(Socket& socket, const std::vector<Room>& rooms) {
  if (socket.closed_ || !socket.nsp_->server()) return;
  socket.nsp_->adapter().add_all(socket.id_, std::set<Room>(rooms.begin(), rooms.end()));
}

void SocketAccess::leave_now(Socket& socket, const Room& room) {
  if (!socket.nsp_->server()) return;
  socket.nsp_->adapter().del(socket.id_, room);
}

void SocketAccess::disconnect_now(Socket& socket, bool close) {
  if (!socket.connected_) return;
  if (close) {
    socket.client_->disconnect_all();
  } else {
    socket.send_packet(socketio::Packet::disconnect(socket.nsp_->name()));
    socket.on_close("server namespace disconnect");
  }
}

}  // namespace detail

// ---- Socket ------------------------------------------------------------------------------------

Socket::Socket(Private, NamespacePtr nsp, std::shared_ptr<detail::Client> client, json auth,
               std::optional<Session> previous)
    : nsp_(std::move(nsp)), client_(std::move(client)) {
  if (previous) {
    id_ = previous->sid;
    pid_ = previous->pid;
    data = previous->data;
    missed_packets_ = std::move(previous->missed_packets);
    recovered_rooms_ = std::move(previous->rooms);
    recovered_ = true;
  } else {
    if (client_->protocol() == socketio::Protocol::v4) {
      id_ = nsp_->name() != "/" ? nsp_->name() + "#" + client_->conn()->id() : client_->conn()->id();
    } else {
      id_ = generate_id();  // not the Engine.IO id, which is sensitive
    }
    if (nsp_->server() && nsp_->server()->options().connection_state_recovery) pid_ = generate_id();
  }
  handshake_.issued = now_ms();
  handshake_.auth = auth.is_object() ? std::move(auth) : json::object();
}

// The rest of the handshake is copied from the Engine.IO session's (which the Client holds as
// long as this socket) when it is first asked for: a socket whose application never reads it
// does not keep a second copy of the request's headers and query.
const Handshake& Socket::handshake() const {
  std::call_once(handshake_once_, [this] {
    const auto& info = client_->conn()->handshake();
    handshake_.headers = info.headers;
    handshake_.time = js_date_string(handshake_.issued);
    handshake_.address = info.remote_address;
    handshake_.xdomain = info.headers.count("origin") > 0;
    handshake_.secure = info.secure;
    handshake_.url = info.url;
    handshake_.query = info.query;
  });
  return handshake_;
}

Socket::~Socket() = default;

std::shared_ptr<EngineSocket> Socket::conn() const { return client_->conn(); }
boost::asio::any_io_executor Socket::executor() const { return nsp_->executor(); }

void Socket::post(std::function<void()> fn) const {
  boost::asio::dispatch(nsp_->executor(), std::move(fn));
}

void Socket::on(const std::string& event, EventHandler handler) {
  if (handler) handlers_.emplace(event, std::make_shared<const EventHandler>(std::move(handler)));
}
void Socket::off(const std::string& event) { handlers_.erase(event); }

std::size_t Socket::on_any(AnyHandler handler) {
  any_.emplace_back(next_listener_id_, std::move(handler));
  return next_listener_id_++;
}
void Socket::off_any(std::optional<std::size_t> id) {
  if (!id) return any_.clear();
  std::erase_if(any_, [&](const auto& p) { return p.first == *id; });
}
std::size_t Socket::on_any_outgoing(AnyHandler handler) {
  any_outgoing_.emplace_back(next_listener_id_, std::move(handler));
  return next_listener_id_++;
}
void Socket::off_any_outgoing(std::optional<std::size_t> id) {
  if (!id) return any_outgoing_.clear();
  std::erase_if(any_outgoing_, [&](const auto& p) { return p.first == *id; });
}
void Socket::on_disconnecting(DisconnectHandler handler) { on_disconnecting_.push_back(std::move(handler)); }
void Socket::on_disconnect(DisconnectHandler handler) { on_disconnect_.push_back(std::move(handler)); }
void Socket::on_error(ErrorHandler handler) { on_error_.push_back(std::move(handler)); }

void Socket::on_decode_error(const sio::Error& error) {
  const auto handlers = on_error_;
  for (const auto& fn : handlers) {
    if (fn) guarded("error", [&] { fn(error); });
  }
}

bool Socket::emit(std::string_view event, json args) { return do_emit(event, std::move(args), {}, {}); }
bool Socket::emit(std::string_view event, json args, AckCallback ack) {
  return do_emit(event, std::move(args), std::move(ack), {});
}
std::future<AckResult> Socket::emit_with_ack(std::string_view event, json args) {
  return SocketEmitter(shared_from_this(), {}).emit_with_ack(event, std::move(args));
}
SocketEmitter Socket::timeout(std::chrono::milliseconds t) {
  EmitFlags f;
  f.timeout = t;
  return SocketEmitter(shared_from_this(), f);
}
SocketEmitter Socket::volatile_() {
  EmitFlags f;
  f.volatile_ = true;
  return SocketEmitter(shared_from_this(), f);
}
SocketEmitter Socket::compress(bool c) {
  EmitFlags f;
  f.compress = c;
  return SocketEmitter(shared_from_this(), f);
}

bool Socket::do_emit(std::string_view event, json args, AckCallback ack, EmitFlags flags) {
  if (socketio::is_reserved_event(event)) return false;
  json payload = detail::event_data(event, std::move(args));
  auto self = shared_from_this();
  post([self, payload = std::move(payload), ack = std::move(ack), flags]() mutable {
    auto* server = self->nsp_->server();
    if (!server) {
      if (ack) ack(make_error(Errc::disconnected, "server closed"), json::array());
      return;
    }
    auto packet = socketio::Packet::event(self->nsp_->name(), std::move(payload));
    if (ack) {
      std::optional<detail::AckClock::time_point> deadline;
      if (flags.timeout) deadline = sio::deadline_after(detail::AckClock::now(), *flags.timeout);
      auto id_holder = std::make_shared<std::uint64_t>(0);
      std::weak_ptr<Socket> weak = self;
      const auto id = detail::NamespaceAccess::acks(*self->nsp_).add(
          [weak, id_holder, ack = std::move(ack)](std::optional<sio::Error> error, json args) {
            if (auto s = weak.lock()) s->pending_acks_.erase(*id_holder);
            ack(std::move(error), std::move(args));
          },
          deadline);
      *id_holder = id;
      self->pending_acks_.insert(id);
      packet.id = id;
      if (self->closed_) {
        // Nothing will answer: fail now rather than never.
        detail::NamespaceAccess::acks(*self->nsp_).fail(id, make_error(Errc::disconnected, "socket is disconnected"));
        return;
      }
    }
    if (self->closed_) return;  // refused or disconnected: nothing to send to
    if (server->options().connection_state_recovery) {
      // Through the adapter, so the packet is stored (with its offset) for a later recovery.
      BroadcastOptions opts;
      opts.rooms = {self->id_};
      opts.flags = flags;
      self->nsp_->adapter().broadcast(std::move(packet), opts);
    } else {
      self->notify_outgoing(packet.data);
      self->send_packet(std::move(packet), flags);
    }
  });
  return true;
}

void Socket::send_packet(socketio::Packet packet, const EmitFlags& flags) {
  if (!client_->open()) return;  // nothing to encode for a closed session
  packet.nsp = nsp_->name();
  client_->write(client_->parser().encode(packet), flags);
}

void Socket::write_encoded(const socketio::Encoded& encoded, const EmitFlags& flags) {
  client_->write(encoded, flags);
}

void Socket::write_shared(const SharedPacket& packet, const EmitFlags& flags) {
  client_->write(packet, flags);
}

SharedPacket SharedPacket::encode(const socketio::Parser& parser, const socketio::Packet& packet) {
  auto encoded = parser.encode(packet);
  return SharedPacket{std::make_shared<const std::string>(std::move(encoded.text)),
                      std::move(encoded.attachments), encoded.binary};
}

void Socket::register_broadcast_ack(std::uint64_t id, std::function<void(json)> ack) {
  broadcast_acks_[id] = std::move(ack);
}

void Socket::notify_outgoing(const json& payload) {
  if (any_outgoing_.empty()) return;
  const auto listeners = any_outgoing_;
  const auto name = event_name(payload);
  const auto args = rest_args(payload);
  for (const auto& listener : listeners) {
    const auto& fn = listener.second;  // (clang 14 cannot capture structured bindings)
    if (fn) guarded(name, [&] { fn(name, args); });
  }
}

BroadcastOperator Socket::broadcast() const { return BroadcastOperator(nsp_, {}, {id_}); }
BroadcastOperator Socket::to(const Room& room) const { return broadcast().to(room); }
BroadcastOperator Socket::except(const Room& room) const { return broadcast().except(room); }
BroadcastOperator Socket::local() const { return broadcast().local(); }

void Socket::join(const std::vector<Room>& rooms) {
  auto self = shared_from_this();
  post([self, rooms] { detail::SocketAccess::join_now(*self, rooms); });
}
void Socket::leave(const Room& room) {
  auto self = shared_from_this();
  post([self, room] { detail::SocketAccess::leave_now(*self, room); });
}
void Socket::leave_all() {
  auto self = shared_from_this();
  post([self] {
    if (self->nsp_->server()) self->nsp_->adapter().del_all(self->id_);
  });
}
std::set<Room> Socket::rooms() const {
  if (!nsp_->server()) return {};
  return nsp_->adapter().socket_rooms(id_).value_or(std::set<Room>{});
}

void Socket::disconnect(bool close) {
  auto self = shared_from_this();
  post([self, close] { detail::SocketAccess::disconnect_now(*self, close); });
}

void Socket::on_connect() {
  connected_ = true;
  detail::SocketAccess::join_now(*this, {id_});
  if (client_->protocol() == socketio::Protocol::v4) {
    send_packet(socketio::Packet::connect(nsp_->name()));
  } else {
    json payload = {{"sid", id_}};
    if (!pid_.empty()) payload["pid"] = pid_;
    send_packet(socketio::Packet::connect(nsp_->name(), std::move(payload)));
  }
}

void Socket::on_packet(socketio::Packet packet) {
  if (log_enabled(kSocketLog)) debug_log(kSocketLog, "got packet " + describe(packet) + " for " + id_);
  switch (packet.type) {
    case socketio::PacketType::event:
    case socketio::PacketType::binary_event:
      on_event(std::move(packet));
      break;
    case socketio::PacketType::ack:
    case socketio::PacketType::binary_ack:
      on_ack(std::move(packet));
      break;
    case socketio::PacketType::disconnect:
      on_close("client namespace disconnect");
      break;
    default:
      break;
  }
}

void Socket::on_event(socketio::Packet packet) {
  auto self = shared_from_this();
  AckFn ack;
  if (packet.id) {
    std::weak_ptr<Socket> weak = self;
    auto sent = std::make_shared<std::atomic<bool>>(false);
    const auto id = *packet.id;
    ack = [weak, sent, id](json args) {
      if (sent->exchange(true)) return;
      auto s = weak.lock();
      if (!s) return;
      if (!args.is_array()) args = json::array({std::move(args)});
      if (t_handling == s.get()) {
        // Called from the socket's own handler: this thread is the executor's.
        if (s->nsp_->server()) s->send_packet(socketio::Packet::ack(s->nsp_->name(), id, std::move(args)));
        return;
      }
      s->post([s, id, args = std::move(args)]() mutable {
        if (!s->nsp_->server()) return;
        s->send_packet(socketio::Packet::ack(s->nsp_->name(), id, std::move(args)));
      });
    };
  }
  const auto event = take_event(packet.data.is_array() ? std::move(packet.data) : json::array());
  const std::string& name = event.first;
  const json& args = event.second;
  if (!any_.empty()) {
    const auto listeners = any_;
    for (const auto& listener : listeners) {
      const auto& fn = listener.second;  // (clang 14 cannot capture structured bindings)
      if (fn) guarded(name, [&] { fn(name, args); });
    }
  }
  if (!connected_) return;  // ignore packets received after disconnection
  // The handlers are held by shared pointers: one may remove itself (off) while it runs.
  auto range = handlers_.equal_range(name);
  if (range.first == range.second) return;
  const Socket* const outer = t_handling;
  t_handling = this;
  if (std::next(range.first) == range.second) {
    const auto fn = range.first->second;
    guarded(name, [&] { (*fn)(args, ack); });
  } else {
    std::vector<std::shared_ptr<const EventHandler>> matching;
    for (auto it = range.first; it != range.second; ++it) matching.push_back(it->second);
    for (const auto& fn : matching) guarded(name, [&] { (*fn)(args, ack); });
  }
  t_handling = outer;
}

void Socket::on_ack(socketio::Packet packet) {
  if (!packet.id) return;
  const auto id = *packet.id;
  json args = packet.data.is_array() ? std::move(packet.data) : json::array();
  if (pending_acks_.erase(id)) {
    detail::NamespaceAccess::acks(*nsp_).resolve(id, std::move(args));
    return;
  }
  auto it = broadcast_acks_.find(id);
  if (it == broadcast_acks_.end()) return;  // late or unknown ack
  auto fn = std::move(it->second);
  broadcast_acks_.erase(it);
  if (fn) fn(args.empty() ? json(nullptr) : args[0]);
}

void Socket::cleanup() {
  if (nsp_->server()) nsp_->adapter().del_all(id_);
  nsp_->remove(*this);
  closed_ = true;
}

void Socket::on_close(const std::string& reason) {
  if (!connected_) return;
  if (log_enabled(kSocketLog)) debug_log(kSocketLog, "closing socket " + id_ + " (" + nsp_->name() + ") - reason " + reason);
  auto self = shared_from_this();
  {
    auto handlers = on_disconnecting_;
    for (const auto& fn : handlers) {
      if (fn) guarded("disconnecting", [&] { fn(reason); });
    }
  }
  auto* server = nsp_->server();
  if (server && server->options().connection_state_recovery && recoverable(reason)) {
    Session session;
    session.sid = id_;
    session.pid = pid_;
    const auto rooms_now = rooms();
    session.rooms.assign(rooms_now.begin(), rooms_now.end());
    session.data = data;
    nsp_->adapter().persist_session(std::move(session));
  }
  cleanup();
  client_->remove(*this);
  connected_ = false;
  // Pending acknowledgements can no longer be answered.
  const auto pending = pending_acks_;
  pending_acks_.clear();
  for (auto id : pending) {
    detail::NamespaceAccess::acks(*nsp_).fail(id, make_error(Errc::disconnected, "socket has been disconnected"));
  }
  broadcast_acks_.clear();
  auto handlers = std::move(on_disconnect_);
  on_disconnect_.clear();
  for (const auto& fn : handlers) {
    if (fn) guarded("disconnect", [&] { fn(reason); });
  }
  // Drop the handlers: they often capture the socket itself.
  handlers_.clear();
  any_.clear();
  any_outgoing_.clear();
  on_disconnecting_.clear();
  on_error_.clear();
}

void Socket::send_connect_error(const ConnectError& error) {
  json payload;
  if (client_->protocol() == socketio::Protocol::v4) {
    payload = error.data.is_discarded() || error.data.is_null() ? json(error.message) : error.data;
  } else {
    payload = {{"message", error.message}};
    if (!error.data.is_discarded()) payload["data"] = error.data;
  }
  send_packet(socketio::Packet::connect_error(nsp_->name(), std::move(payload)));
}

// ---- SocketEmitter -------------------------------------------------------------------------------

SocketEmitter SocketEmitter::timeout(std::chrono::milliseconds t) const {
  auto f = flags_;
  f.timeout = t;
  return SocketEmitter(socket_, f);
}
SocketEmitter SocketEmitter::volatile_() const {
  auto f = flags_;
  f.volatile_ = true;
  return SocketEmitter(socket_, f);
}
SocketEmitter SocketEmitter::compress(bool c) const {
  auto f = flags_;
  f.compress = c;
  return SocketEmitter(socket_, f);
}
bool SocketEmitter::emit(std::string_view event, json args) const {
  return socket_->do_emit(event, std::move(args), {}, flags_);
}
bool SocketEmitter::emit(std::string_view event, json args, AckCallback ack) const {
  return socket_->do_emit(event, std::move(args), std::move(ack), flags_);
}
std::future<AckResult> SocketEmitter::emit_with_ack(std::string_view event, json args) const {
  auto promise = std::make_shared<std::promise<AckResult>>();
  auto future = promise->get_future();
  const bool ok = emit(event, std::move(args), [promise](std::optional<sio::Error> error, json a) {
    promise->set_value(AckResult{std::move(error), std::move(a)});
  });
  if (!ok) {
    promise->set_value(AckResult{make_error(Errc::reserved_event_name, std::string(event)), json::array()});
  }
  return future;
}

// ---- Namespace ---------------------------------------------------------------------------------

Namespace::Namespace(Private, Server& server, std::string name, bool parent)
    : server_(&server),
      name_(std::move(name)),
      parent_(parent),
      executor_(server.executor()),
      acks_(std::make_shared<detail::NamespaceAcks>(server.executor())) {}

Namespace::~Namespace() = default;

void Namespace::init_adapter() {
  const auto& opts = server_->options();
  if (parent_) {
    adapter_ = std::make_unique<detail::ParentBroadcastAdapter>(*this);
  } else if (opts.adapter) {
    adapter_ = opts.adapter(*this);
  } else if (opts.connection_state_recovery) {
    adapter_ = std::make_unique<SessionAwareAdapter>(
        *this, opts.connection_state_recovery->max_disconnection_duration);
  } else {
    adapter_ = std::make_unique<InMemoryAdapter>(*this);
  }
  adapter_->init();
}

Namespace& Namespace::use(Middleware middleware) {
  middlewares_.push_back(std::move(middleware));
  return *this;
}
Namespace& Namespace::on_connection(ConnectionHandler handler) {
  connection_handlers_.push_back(std::move(handler));
  return *this;
}
Namespace& Namespace::on_server_side(const std::string& event, std::function<void(const json&)> handler) {
  return on_server_side(event, ServerSideHandler([handler = std::move(handler)](const json& args, const AckFn&) {
    if (handler) handler(args);
  }));
}
Namespace& Namespace::on_server_side(const std::string& event, ServerSideHandler handler) {
  server_side_handlers_.emplace(event, std::move(handler));
  return *this;
}

void Namespace::deliver_server_side(const json& data, AckFn ack) {
  if (!data.is_array() || data.empty() || !data[0].is_string()) return;
  const auto event = data[0].get<std::string>();
  json args = json::array();
  for (std::size_t i = 1; i < data.size(); ++i) args.push_back(data[i]);
  auto [first, last] = server_side_handlers_.equal_range(event);
  std::vector<ServerSideHandler> handlers;
  for (auto it = first; it != last; ++it) handlers.push_back(it->second);
  for (const auto& handler : handlers) {
    if (handler) handler(args, ack);
  }
}

BroadcastOperator Namespace::all() { return BroadcastOperator(shared_from_this()); }
BroadcastOperator Namespace::to(const Room& room) { return all().to(room); }
BroadcastOperator Namespace::to(const std::vector<Room>& rooms) { return all().to(rooms); }
BroadcastOperator Namespace::except(const Room& room) { return all().except(room); }
BroadcastOperator Namespace::compress(bool c) { return all().compress(c); }
BroadcastOperator Namespace::volatile_() { return all().volatile_(); }
BroadcastOperator Namespace::local() { return all().local(); }
BroadcastOperator Namespace::timeout(std::chrono::milliseconds t) { return all().timeout(t); }
bool Namespace::emit(std::string_view event, json args) { return all().emit(event, std::move(args)); }
bool Namespace::emit(std::string_view event, json args, BroadcastAckCallback callback) {
  return all().emit(event, std::move(args), std::move(callback));
}
void Namespace::sockets_join(const Room& room) { all().sockets_join(room); }
void Namespace::sockets_leave(const Room& room) { all().sockets_leave(room); }
void Namespace::disconnect_sockets(bool close) { all().disconnect_sockets(close); }
void Namespace::fetch_sockets(std::function<void(std::vector<SocketPtr>)> callback) {
  all().fetch_sockets(std::move(callback));
}
bool Namespace::server_side_emit(std::string_view event, json args) {
  if (event == "connect" || event == "connection" || event == "new_namespace") return false;
  json payload = detail::event_data(event, std::move(args));
  auto self = shared_from_this();
  boost::asio::dispatch(executor_, [self, payload = std::move(payload)] {
    if (self->server_) self->adapter_->server_side_emit(payload);
  });
  return true;
}
bool Namespace::server_side_emit(std::string_view event, json args, ServerSideAckCallback callback) {
  if (event == "connect" || event == "connection" || event == "new_namespace") return false;
  json payload = detail::event_data(event, std::move(args));
  auto self = shared_from_this();
  boost::asio::dispatch(executor_, [self, payload = std::move(payload), callback = std::move(callback)]() mutable {
    if (!self->server_) return callback(make_error(Errc::disconnected, "server closed"), json::array());
    self->adapter_->server_side_emit_with_ack(payload, std::move(callback));
  });
  return true;
}

NamespacePtr Namespace::create_child(const std::string& name) {
  auto child = std::make_shared<Namespace>(Private{}, *server_, name, false);
  child->init_adapter();
  child->middlewares_ = middlewares_;
  child->connection_handlers_ = connection_handlers_;
  children_[name] = child;
  server_->nsps_[name] = child;
  const auto handlers = server_->new_namespace_handlers_;
  for (const auto& fn : handlers) {
    if (fn) fn(*child);
  }
  if (server_->options().cleanup_empty_child_namespaces) child->cleanup_parent_ = weak_from_this();
  return child;
}

void Namespace::add(const std::shared_ptr<detail::Client>& client, json auth,
                    std::function<void(const SocketPtr&)> on_added) {
  auto self = shared_from_this();
  auto create = [self, client, auth, on_added = std::move(on_added)](std::optional<Session> session) mutable {
    if (!self->server_ || !client->open()) return;
    auto socket = std::make_shared<Socket>(Socket::Private{}, self, client, auth, std::move(session));
    self->pre_connect_sockets_[socket->id()] = socket;
    const auto& recovery = self->server_->options().connection_state_recovery;
    if (recovery && recovery->skip_middlewares && socket->recovered_ && client->open()) {
      return self->do_connect(socket, on_added);
    }
    self->run_middlewares(socket, 0, [self, socket, client, on_added](std::optional<ConnectError> error) {
      if (!client->open()) {
        socket->cleanup();
        return;
      }
      if (error) {
        socket->cleanup();
        socket->send_connect_error(*error);
        return;
      }
      self->do_connect(socket, on_added);
    });
  };
  const auto& recovery = server_->options().connection_state_recovery;
  if (recovery && auth.is_object() && auth.contains("pid") && auth["pid"].is_string() &&
      auth.contains("offset") && auth["offset"].is_string()) {
    auto done = std::make_shared<decltype(create)>(std::move(create));
    adapter_->restore_session(auth["pid"].get<std::string>(), auth["offset"].get<std::string>(),
                              [done](std::optional<Session> session) { (*done)(std::move(session)); });
    return;
  }
  create(std::nullopt);
}

void Namespace::run_middlewares(const SocketPtr& socket, std::size_t index,
                                std::function<void(std::optional<ConnectError>)> done) {
  if (index >= middlewares_.size()) return done(std::nullopt);
  auto self = shared_from_this();
  auto called = std::make_shared<std::atomic<bool>>(false);
  Next next = [self, socket, index, done, called](std::optional<ConnectError> error) {
    if (called->exchange(true)) return;  // next() called twice
    boost::asio::dispatch(self->executor_, [self, socket, index, done, error = std::move(error)]() mutable {
      if (!self->server_) return;
      if (error) return done(std::move(error));
      self->run_middlewares(socket, index + 1, done);
    });
  };
  auto middleware = middlewares_[index];
  // A middleware that throws refuses the connection with the exception's message (Node would
  // let the exception take the process down).
  try {
    middleware(*socket, next);
  } catch (const std::exception& e) {
    std::cerr << "sio::server: middleware of \"" << name_ << "\" threw: " << e.what() << "\n";
    next(ConnectError{e.what()});
  } catch (...) {
    std::cerr << "sio::server: middleware of \"" << name_ << "\" threw\n";
    next(ConnectError{"middleware error"});
  }
}

void Namespace::do_connect(const SocketPtr& socket, const std::function<void(const SocketPtr&)>& fn) {
  pre_connect_sockets_.erase(socket->id());
  sockets_[socket->id()] = socket;
  if (socket->recovered_) {
    // Node's Socket constructor: rejoin the previous rooms and replay the missed packets (these
    // go out before the CONNECT packet; the client buffers them until it is connected).
    const auto rooms = socket->recovered_rooms_;
    detail::SocketAccess::join_now(*socket, rooms);
    for (auto& payload : socket->missed_packets_) {
      socket->send_packet(socketio::Packet::event(name_, payload));
    }
    socket->missed_packets_.clear();
  }
  if (log_enabled(kSocketLog)) debug_log(kSocketLog, "socket " + socket->id() + " connected to " + name_);
  socket->on_connect();
  if (fn) fn(socket);
  const auto handlers = connection_handlers_;
  for (const auto& h : handlers) {
    if (h) guarded("connection", [&] { h(*socket); });
  }
}

void Namespace::remove(const Socket& socket) {
  if (!sockets_.erase(socket.id())) pre_connect_sockets_.erase(socket.id());
  if (sockets_.empty() && server_) {
    if (auto parent = cleanup_parent_.lock()) {
      auto self = shared_from_this();  // the maps below may hold the last references
      const std::string name = name_;
      adapter_->close();
      server_->nsps_.erase(name);
      parent->children_.erase(name);
    }
  }
}

void Namespace::detach() {
  server_ = nullptr;
  acks_->shutdown();
}

// ---- Server ------------------------------------------------------------------------------------

Server::Server(std::unique_ptr<EngineServer> engine, ServerOptions options)
    : options_(std::move(options)), engine_(std::move(engine)), executor_(engine_->executor()) {
  attach();
}

Server::Server(boost::asio::io_context& io, ServerOptions options, std::string address,
               std::uint16_t port)
    : options_(std::move(options)),
      engine_(make_engine_server(io, engine_options(options_), std::move(address), port)),
      executor_(engine_->executor()) {
  attach();
}

Server::~Server() {
  do_close();
  engine_->on_connection = nullptr;
  for (auto& [ptr, client] : clients_) client->detach();
  clients_.clear();
  for (auto& [name, nsp] : nsps_) nsp->detach();
  for (auto& entry : parents_) entry.parent->detach();
}

void Server::attach() {
  main_ = of("/");
  engine_->on_connection = [this](std::shared_ptr<EngineSocket> conn) { on_engine_connection(std::move(conn)); };
}

void Server::on_engine_connection(std::shared_ptr<EngineSocket> conn) {
  if (closed_) {
    conn->close();
    return;
  }
  if (options_.metrics) {
    count(options_.metrics->connections_total);
    count(options_.metrics->connections_open);
  }
  if (log_enabled(kServerLog)) debug_log(kServerLog, "incoming connection with id " + conn->id());
  auto client = std::make_shared<detail::Client>(*this, conn);
  clients_[client.get()] = client;
  client->setup();
  if (conn->protocol() == engineio::Protocol::v3) client->connect("/", json::object());
}

void Server::remove_client(const detail::Client* client) { clients_.erase(client); }

NamespacePtr Server::of(std::string name, ConnectionHandler on_connection) {
  if (name.empty() || name[0] != '/') name.insert(name.begin(), '/');
  NamespacePtr nsp;
  if (auto it = nsps_.find(name); it != nsps_.end()) {
    nsp = it->second;
  } else {
    for (auto& entry : parents_) {
      if (entry.regex && std::regex_search(name, *entry.regex)) {
        nsp = entry.parent->create_child(name);
        break;
      }
    }
    if (!nsp) {
      nsp = std::make_shared<Namespace>(Namespace::Private{}, *this, name, false);
      nsp->init_adapter();
      nsps_[name] = nsp;
      if (name != "/") {
        const auto handlers = new_namespace_handlers_;
        for (const auto& fn : handlers) {
          if (fn) fn(*nsp);
        }
      }
    }
  }
  if (on_connection) nsp->on_connection(std::move(on_connection));
  return nsp;
}

NamespacePtr Server::of(const std::regex& pattern, ConnectionHandler on_connection) {
  auto parent = std::make_shared<Namespace>(Namespace::Private{}, *this,
                                            "/_" + std::to_string(parent_count_++), true);
  parent->init_adapter();
  const std::regex re = pattern;
  parents_.push_back(ParentEntry{[re](const std::string& name, const json&) { return std::regex_search(name, re); },
                                 re, parent});
  if (on_connection) parent->on_connection(std::move(on_connection));
  return parent;
}

NamespacePtr Server::of(NamespacePredicate predicate, ConnectionHandler on_connection) {
  auto parent = std::make_shared<Namespace>(Namespace::Private{}, *this,
                                            "/_" + std::to_string(parent_count_++), true);
  parent->init_adapter();
  parents_.push_back(ParentEntry{std::move(predicate), std::nullopt, parent});
  if (on_connection) parent->on_connection(std::move(on_connection));
  return parent;
}

void Server::check_namespace(const std::string& name, const json& auth,
                             const std::function<void(NamespacePtr)>& fn) {
  const auto parents = parents_;
  for (const auto& entry : parents) {
    if (!entry.predicate || !entry.predicate(name, auth)) continue;
    if (auto it = nsps_.find(name); it != nsps_.end()) return fn(it->second);
    return fn(entry.parent->create_child(name));
  }
  fn(nullptr);
}

Server& Server::use(Middleware middleware) {
  main_->use(std::move(middleware));
  return *this;
}
Server& Server::on_connection(ConnectionHandler handler) {
  main_->on_connection(std::move(handler));
  return *this;
}
Server& Server::on_new_namespace(std::function<void(Namespace&)> handler) {
  new_namespace_handlers_.push_back(std::move(handler));
  return *this;
}
bool Server::emit(std::string_view event, json args) { return main_->emit(event, std::move(args)); }
BroadcastOperator Server::to(const Room& room) { return main_->to(room); }
BroadcastOperator Server::except(const Room& room) { return main_->except(room); }
BroadcastOperator Server::timeout(std::chrono::milliseconds t) { return main_->timeout(t); }
BroadcastOperator Server::volatile_() { return main_->volatile_(); }
BroadcastOperator Server::compress(bool c) { return main_->compress(c); }
BroadcastOperator Server::local() { return main_->local(); }
void Server::sockets_join(const Room& room) { main_->sockets_join(room); }
void Server::sockets_leave(const Room& room) { main_->sockets_leave(room); }
void Server::disconnect_sockets(bool close) { main_->disconnect_sockets(close); }
void Server::fetch_sockets(std::function<void(std::vector<SocketPtr>)> callback) {
  main_->fetch_sockets(std::move(callback));
}
bool Server::server_side_emit(std::string_view event, json args) {
  return main_->server_side_emit(event, std::move(args));
}

void Server::close() {
  std::weak_ptr<int> alive = alive_;
  boost::asio::dispatch(executor_, [this, alive] {
    if (alive.lock()) do_close();
  });
}

void Server::do_close() {
  if (closed_) return;
  closed_ = true;
  if (log_enabled(kServerLog)) debug_log(kServerLog, "closing server");
  const auto nsps = nsps_;
  for (const auto& [name, nsp] : nsps) {
    const auto sockets = nsp->sockets_;
    for (const auto& [id, socket] : sockets) socket->on_close("server shutting down");
    nsp->adapter_->close();
  }
  engine_->close();
}

}  // namespace sio::server
