// ClientManager: socket.io-client's Manager + Socket logic as a sans-I/O state machine.
#include "sio/socketio/client.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "sio/core/timer_delay.hpp"

namespace sio::socketio {

namespace {

// Capacity of the output queue kept once it is drained (outputs, not bytes).
constexpr std::size_t kKeptOutputs = 64;

constexpr const char* kV2ServerMessage =
    "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are "
    "not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)";

// encodeURIComponent
std::string uri_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '!' || c == '~' || c == '*' || c == '\'' || c == '(' || c == ')') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

// Protocol v4 carries auth in the namespace query string: {"token":"x","n":1} -> token=x&n=1.
std::string auth_to_query(const sio::json& auth) {
  std::string out;
  if (!auth.is_object()) return out;
  for (const auto& [key, value] : auth.items()) {
    if (!out.empty()) out.push_back('&');
    out += uri_encode(key);
    out.push_back('=');
    out += uri_encode(value.is_string() ? value.get<std::string>() : sio::dump_json(value));
  }
  return out;
}

}  // namespace

ClientManager::ClientManager(ClientOptions options)
    : options_(std::move(options)),
      backoff_(Backoff::Options{options_.reconnection_delay, options_.reconnection_delay_max, 2,
                                options_.randomization_factor}),
      decoder_(parser_or_default(options_.parser).make_decoder(options_.protocol, options_.decoder_limits)) {
  if (!options_.reconnection) skip_reconnect_ = true;
}

ClientManager::SocketState* ClientManager::find(std::string_view nsp) {
  auto it = sockets_.find(nsp);
  return it == sockets_.end() ? nullptr : &it->second;
}

const ClientManager::SocketState* ClientManager::find(std::string_view nsp) const {
  auto it = sockets_.find(nsp);
  return it == sockets_.end() ? nullptr : &it->second;
}

double ClientManager::next_random() {
  if (options_.random) return options_.random();
  // splitmix64: deterministic fallback when the driver gives no generator.
  std::uint64_t z = (random_state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * (1.0 / 9007199254740992.0);
}

void ClientManager::push_manager(ManagerEvent::Kind kind, std::string message, std::uint32_t attempt,
                                 std::string description) {
  outputs_.emplace_back(ManagerEvent{kind, std::move(message), std::move(description), attempt});
}

std::optional<Output> ClientManager::poll() {
  if (outputs_head_ == outputs_.size()) return std::nullopt;
  Output out = std::move(outputs_[outputs_head_++]);
  if (outputs_head_ == outputs_.size()) {
    outputs_.clear();
    outputs_head_ = 0;
    // (A burst's capacity is not kept: at most what a few ordinary calls need.)
    if (outputs_.capacity() > kKeptOutputs) outputs_.shrink_to_fit();
  }
  return out;
}

// ---- Manager ----------------------------------------------------------------------------------

void ClientManager::set_reconnection(bool on) {
  options_.reconnection = on;
  if (!on) skip_reconnect_ = true;
}

void ClientManager::set_reconnection_attempts(std::uint64_t attempts) { options_.reconnection_attempts = attempts; }

void ClientManager::set_reconnection_delay(std::chrono::milliseconds delay) {
  options_.reconnection_delay = delay;
  backoff_.set_min(delay);
}

void ClientManager::set_reconnection_delay_max(std::chrono::milliseconds delay) {
  options_.reconnection_delay_max = delay;
  backoff_.set_max(delay);
}

void ClientManager::set_randomization_factor(double factor) {
  options_.randomization_factor = factor;
  backoff_.set_jitter(factor);
}

void ClientManager::set_timeout(std::optional<std::chrono::milliseconds> timeout) { options_.timeout = timeout; }

void ClientManager::open(TimePoint now) {
  now_ = now;
  open_engine(false);
}

void ClientManager::open_engine(bool reconnect_attempt) {
  if (ready_state_ != ReadyState::closed) return;
  outputs_.emplace_back(OpenEngine{});
  ready_state_ = ReadyState::opening;
  skip_reconnect_ = false;
  open_is_reconnect_ = reconnect_attempt;
  engine_sid_.clear();
  connect_deadline_.reset();
  if (options_.timeout) connect_deadline_ = sio::deadline_after(now_, *options_.timeout);
}

void ClientManager::close(TimePoint now) {
  now_ = now;
  force_close();
}

void ClientManager::force_close() {
  skip_reconnect_ = true;
  reconnecting_ = false;
  reconnect_deadline_.reset();
  open_is_reconnect_ = false;
  on_close("forced close", {});
}

void ClientManager::on_engine_open(std::string_view engine_sid, TimePoint now) {
  now_ = now;
  if (ready_state_ != ReadyState::opening) return;
  connect_deadline_.reset();
  engine_sid_ = std::string(engine_sid);
  decoder_->reset();
  ready_state_ = ReadyState::open;
  root_state_ = options_.protocol == Protocol::v4 ? RootState::awaiting_server : RootState::not_connected;
  push_manager(ManagerEvent::Kind::open);
  for (auto& [nsp, s] : sockets_) {
    s.connect_pending = false;
    if (s.active) socket_on_open(s);
  }
  if (open_is_reconnect_) {
    open_is_reconnect_ = false;
    const std::uint32_t attempt = backoff_.attempts();
    reconnecting_ = false;
    backoff_.reset();
    push_manager(ManagerEvent::Kind::reconnect, {}, attempt);
  }
}

void ClientManager::on_open_error(std::string message) {
  connect_deadline_.reset();
  outputs_.emplace_back(CloseEngine{});
  ready_state_ = ReadyState::closed;
  decoder_->reset();
  push_manager(ManagerEvent::Kind::error, message);
  for (auto& [nsp, s] : sockets_) {
    if (s.active && !s.connected) {
      SocketEvent ev{SocketEvent::Kind::connect_error, nsp};
      ev.message = message;
      ev.data = sio::json(sio::json::value_t::discarded);
      push_socket(std::move(ev));
    }
  }
  if (open_is_reconnect_) {
    open_is_reconnect_ = false;
    reconnecting_ = false;
    reconnect();
    push_manager(ManagerEvent::Kind::reconnect_error, message);
  } else if (!reconnecting_ && options_.reconnection && backoff_.attempts() == 0) {
    reconnect();  // maybeReconnectOnOpen
  }
}

void ClientManager::on_engine_error(std::string_view message, TimePoint now) {
  now_ = now;
  if (ready_state_ == ReadyState::opening) {
    on_open_error(std::string(message));
  } else if (ready_state_ == ReadyState::open) {
    // engine.io-client emits "error" then closes with "transport error".
    push_manager(ManagerEvent::Kind::error, std::string(message));
    for (auto& [nsp, s] : sockets_) {
      if (s.active && !s.connected) {
        SocketEvent ev{SocketEvent::Kind::connect_error, nsp};
        ev.message = std::string(message);
        ev.data = sio::json(sio::json::value_t::discarded);
        push_socket(std::move(ev));
      }
    }
    on_close("transport error", std::string(message));
  }
}

void ClientManager::on_engine_close(std::string_view reason, TimePoint now, std::string_view description) {
  now_ = now;
  if (ready_state_ == ReadyState::opening) {
    on_open_error(std::string(reason));
  } else if (ready_state_ == ReadyState::open) {
    on_close(std::string(reason), std::string(description));
  }
}

void ClientManager::on_engine_ping() {
  if (ready_state_ == ReadyState::open) push_manager(ManagerEvent::Kind::ping);
}

void ClientManager::on_close(std::string reason, std::string description) {
  const bool was_closed = ready_state_ == ReadyState::closed;
  if (!was_closed) outputs_.emplace_back(CloseEngine{});
  decoder_->reset();
  connect_deadline_.reset();
  backoff_.reset();
  ready_state_ = ReadyState::closed;
  root_state_ = RootState::not_connected;
  for (auto& entry : sockets_) entry.second.connect_pending = false;
  if (was_closed) return;  // nothing was open: no "close", sockets were already told
  push_manager(ManagerEvent::Kind::close, reason, 0, description);
  for (auto& [nsp, s] : sockets_) {
    if (s.active) socket_on_close(s, reason, description);
  }
  if (options_.reconnection && !skip_reconnect_) reconnect();
}

void ClientManager::reconnect() {
  if (reconnecting_ || skip_reconnect_) return;
  if (backoff_.attempts() >= options_.reconnection_attempts) {
    backoff_.reset();
    push_manager(ManagerEvent::Kind::reconnect_failed);
    reconnecting_ = false;
    return;
  }
  const auto delay = backoff_.duration(next_random());
  reconnecting_ = true;
  reconnect_deadline_ = sio::deadline_after(now_, delay);
}

std::optional<TimePoint> ClientManager::next_timeout() const {
  std::optional<TimePoint> best;
  auto consider = [&best](std::optional<TimePoint> t) {
    if (t && (!best || *t < *best)) best = t;
  };
  if (ready_state_ == ReadyState::opening) consider(connect_deadline_);
  consider(reconnect_deadline_);
  for (const auto& [nsp, s] : sockets_) consider(s.acks.next_timeout());
  return best;
}

void ClientManager::handle_timeout(TimePoint now) {
  now_ = now;
  if (connect_deadline_ && now >= *connect_deadline_ && ready_state_ == ReadyState::opening) {
    connect_deadline_.reset();
    on_open_error("timeout");
  }
  if (reconnect_deadline_ && now >= *reconnect_deadline_) {
    reconnect_deadline_.reset();
    if (!skip_reconnect_ && reconnecting_) {
      if (ready_state_ != ReadyState::closed) {
        reconnecting_ = false;  // opened meanwhile by the application
      } else {
        push_manager(ManagerEvent::Kind::reconnect_attempt, {}, backoff_.attempts());
        open_engine(true);
      }
    }
  }
  for (auto& [nsp, s] : sockets_) s.acks.handle_timeout(now);
}

void ClientManager::maybe_close_after_destroy() {
  for (const auto& [nsp, s] : sockets_) {
    if (s.active) return;
  }
  force_close();
}

void ClientManager::send_packet(const Packet& packet) {
  if (ready_state_ != ReadyState::open) return;
  Encoded encoded = parser_or_default(options_.parser).encode(packet);
  outputs_.emplace_back(Transmit{std::move(encoded.text), encoded.binary});
  for (auto& attachment : encoded.attachments) outputs_.emplace_back(Transmit{std::move(attachment), true});
}

void ClientManager::on_engine_message(std::string_view data, bool binary, TimePoint now) {
  now_ = now;
  if (ready_state_ != ReadyState::open) return;
  auto result = binary ? decoder_->feed_binary(data) : decoder_->feed_text(data);
  if (!result) {
    on_close("parse error", result.error().message);
    return;
  }
  if (result.value()) dispatch(std::move(*result.value()));
}

void ClientManager::dispatch(Packet packet) {
  SocketState* s = find(packet.nsp);
  if (options_.protocol == Protocol::v4 && packet.nsp == "/") {
    if (packet.type == PacketType::connect) root_state_ = RootState::server_connected;
    if (packet.type == PacketType::disconnect) root_state_ = RootState::not_connected;
  }
  if (!s || !s->active) return;
  switch (packet.type) {
    case PacketType::connect: {
      if (s->connected) return;  // duplicate
      if (options_.protocol == Protocol::v4) {
        socket_on_connect(*s, packet.nsp == "/" ? engine_sid_ : packet.nsp + "#" + engine_sid_, std::nullopt);
      } else if (packet.data.is_object() && packet.data.contains("sid") && packet.data["sid"].is_string()) {
        std::optional<std::string> pid;
        if (auto it = packet.data.find("pid"); it != packet.data.end() && it->is_string()) {
          pid = it->get<std::string>();
        }
        socket_on_connect(*s, packet.data["sid"].get<std::string>(), std::move(pid));
      } else {
        SocketEvent ev{SocketEvent::Kind::connect_error, s->nsp};
        ev.message = kV2ServerMessage;
        ev.data = sio::json(sio::json::value_t::discarded);
        push_socket(std::move(ev));
      }
      return;
    }
    case PacketType::event:
    case PacketType::binary_event:
      socket_on_event(*s, std::move(packet));
      return;
    case PacketType::ack:
    case PacketType::binary_ack:
      if (packet.id) s->acks.resolve(*packet.id, std::move(packet.data));
      return;
    case PacketType::disconnect:
      socket_destroy(*s);
      socket_on_close(*s, "io server disconnect", {});
      return;
    case PacketType::connect_error: {
      socket_destroy(*s);
      SocketEvent ev{SocketEvent::Kind::connect_error, s->nsp};
      ev.data = sio::json(sio::json::value_t::discarded);
      const sio::json& d = packet.data;
      if (d.is_object()) {
        if (auto it = d.find("message"); it != d.end()) {
          ev.message = it->is_string() ? it->get<std::string>() : sio::dump_json(*it);
        }
        if (auto it = d.find("data"); it != d.end()) ev.data = *it;
        if (options_.protocol == Protocol::v4 && !d.contains("message")) ev.data = d;  // err.data
      } else if (d.is_string()) {
        ev.message = d.get<std::string>();
      } else if (!d.is_discarded()) {
        ev.message = sio::dump_json(d);
      }
      push_socket(std::move(ev));
      return;
    }
  }
}

// ---- Sockets ----------------------------------------------------------------------------------

bool ClientManager::add_socket(std::string nsp, SocketOptions options) {
  if (nsp.empty() || nsp.front() != '/') nsp.insert(nsp.begin(), '/');
  if (sockets_.count(nsp)) return false;
  SocketState state;
  state.nsp = nsp;
  state.options = std::move(options);
  sockets_.emplace(std::move(nsp), std::move(state));
  return true;
}

bool ClientManager::has_socket(std::string_view nsp) const { return find(nsp) != nullptr; }

void ClientManager::set_auth(std::string_view nsp, sio::json auth) {
  if (SocketState* s = find(nsp)) s->options.auth = std::move(auth);
}

bool ClientManager::connected(std::string_view nsp) const {
  const SocketState* s = find(nsp);
  return s && s->connected;
}
bool ClientManager::active(std::string_view nsp) const {
  const SocketState* s = find(nsp);
  return s && s->active;
}
bool ClientManager::recovered(std::string_view nsp) const {
  const SocketState* s = find(nsp);
  return s && s->recovered;
}
std::string ClientManager::id(std::string_view nsp) const {
  const SocketState* s = find(nsp);
  return s ? s->id : std::string();
}
std::size_t ClientManager::pending_acks(std::string_view nsp) const {
  const SocketState* s = find(nsp);
  return s ? s->acks.size() : 0;
}
std::size_t ClientManager::send_buffer_size(std::string_view nsp) const {
  const SocketState* s = find(nsp);
  return s ? s->send_buffer.size() - s->dead_in_buffer + s->queue.size() : 0;
}

void ClientManager::connect(std::string_view nsp, TimePoint now) {
  now_ = now;
  SocketState* s = find(nsp);
  if (!s || s->connected) return;
  if (s->active && s->connect_pending && ready_state_ == ReadyState::open) return;  // already asked
  s->active = true;
  if (!reconnecting_) open_engine(false);
  if (ready_state_ == ReadyState::open) socket_on_open(*s);
}

void ClientManager::socket_on_open(SocketState& s) {
  if (options_.protocol == Protocol::v4 && s.nsp == "/") {
    switch (root_state_) {
      case RootState::server_connected:
        socket_on_connect(s, engine_sid_, std::nullopt);
        return;
      case RootState::awaiting_server:
        return;  // the server connects "/" on its own
      case RootState::not_connected:
        root_state_ = RootState::awaiting_server;
        send_connect(s);
        return;
    }
  }
  send_connect(s);
}

void ClientManager::send_connect(SocketState& s) {
  s.connect_pending = true;
  if (s.options.auth_deferred && !s.options.auth_provider) {
    s.auth_token = ++auth_seq_;
    outputs_.emplace_back(AuthRequest{s.nsp, s.auth_token});
    return;
  }
  send_connect_with(s, s.options.auth_provider ? s.options.auth_provider() : s.options.auth);
}

void ClientManager::set_auth_deferred(std::string_view nsp, bool deferred) {
  if (SocketState* s = find(nsp)) s->options.auth_deferred = deferred;
}

void ClientManager::provide_auth(std::string_view nsp, std::uint64_t token, sio::json auth) {
  SocketState* s = find(nsp);
  if (!s || token == 0 || s->auth_token != token || !s->connect_pending || !s->active ||
      ready_state_ != ReadyState::open) {
    return;
  }
  s->auth_token = 0;
  send_connect_with(*s, std::move(auth));
}

void ClientManager::send_connect_with(SocketState& s, sio::json auth) {
  if (options_.protocol == Protocol::v4) {
    Packet packet = Packet::connect(s.nsp);
    packet.query = auth_to_query(auth);
    send_packet(packet);
    return;
  }
  sio::json data = sio::json(sio::json::value_t::discarded);
  if (s.pid) {
    data = sio::json::object();
    data["pid"] = *s.pid;
    if (s.last_offset) data["offset"] = *s.last_offset;
    if (auth.is_object()) {
      for (auto& [key, value] : auth.items()) data[key] = value;
    }
  } else if (auth.is_object()) {
    data = std::move(auth);
  }
  send_packet(Packet::connect(s.nsp, std::move(data)));
}

void ClientManager::socket_on_connect(SocketState& s, std::string id, std::optional<std::string> pid) {
  s.connect_pending = false;
  s.id = std::move(id);
  s.recovered = pid && s.pid && *pid == *s.pid;
  s.pid = std::move(pid);
  s.connected = true;
  // emitBuffered: events received before the CONNECT reply, then packets emitted while offline.
  std::deque<SocketEvent> received;
  received.swap(s.receive_buffer);
  for (auto& ev : received) socket_emit_event(s, std::move(ev));
  std::deque<Packet> buffered;
  buffered.swap(s.send_buffer);
  std::set<std::uint64_t> live;
  live.swap(s.buffered_ack_ids);
  s.dead_in_buffer = 0;
  for (auto& packet : buffered) {
    if (packet.id && !live.count(*packet.id)) continue;  // its ack timed out: never sent
    notify_outgoing(s, packet.data);
    send_packet(packet);
  }
  drain_queue(s, true);
  push_socket(SocketEvent{SocketEvent::Kind::connect, s.nsp});
}

void ClientManager::socket_on_close(SocketState& s, const std::string& reason, const std::string& description) {
  const bool was_connected = s.connected;
  s.connected = false;
  s.id.clear();
  if (was_connected) {
    SocketEvent ev{SocketEvent::Kind::disconnect, s.nsp};
    ev.message = reason;
    ev.description = description;
    push_socket(std::move(ev));
  }
  socket_clear_acks(s);
}

void ClientManager::socket_clear_acks(SocketState& s) {
  for (std::uint64_t id : s.acks.ids()) {
    if (!s.buffered_ack_ids.count(id)) s.acks.fail(id, make_error(Errc::disconnected, "socket has been disconnected"));
  }
}

void ClientManager::socket_on_event(SocketState& s, Packet packet) {
  SocketEvent ev{SocketEvent::Kind::event, s.nsp};
  ev.args = std::move(packet.data);
  ev.ack_id = packet.id;
  if (s.connected) {
    socket_emit_event(s, std::move(ev));
  } else {
    s.receive_buffer.push_back(std::move(ev));
  }
}

void ClientManager::socket_emit_event(SocketState& s, SocketEvent event) {
  if (s.pid && event.args.is_array() && !event.args.empty() && event.args.back().is_string()) {
    s.last_offset = event.args.back().get<std::string>();
  }
  push_socket(std::move(event));
}

void ClientManager::socket_destroy(SocketState& s) {
  s.active = false;
  s.connect_pending = false;
  maybe_close_after_destroy();
}

void ClientManager::disconnect(std::string_view nsp, TimePoint now) {
  now_ = now;
  SocketState* s = find(nsp);
  if (!s) return;
  const bool was_connected = s->connected;
  if (was_connected) {
    send_packet(Packet::disconnect(s->nsp));
    if (options_.protocol == Protocol::v4 && s->nsp == "/") root_state_ = RootState::not_connected;
  }
  socket_destroy(*s);
  if (was_connected) socket_on_close(*s, "io client disconnect", {});
}

void ClientManager::notify_outgoing(SocketState& s, const sio::json& args) {
  if (!options_.report_outgoing) return;
  SocketEvent ev{SocketEvent::Kind::outgoing, s.nsp};
  ev.args = args;
  push_socket(std::move(ev));
}

Result<std::monostate> ClientManager::emit(std::string_view nsp, sio::json args, TimePoint now, AckCallback ack,
                                           EmitOptions options) {
  now_ = now;
  if (!args.is_array() || args.empty() || !args[0].is_string()) {
    return make_error(Errc::bad_payload, "emit needs [eventName, ...args]");
  }
  if (is_reserved_event(args[0].get_ref<const std::string&>())) {
    return make_error(Errc::reserved_event_name,
                      "\"" + args[0].get<std::string>() + "\" is a reserved event name");
  }
  SocketState* s = find(nsp);
  if (!s) return make_error(Errc::protocol_violation, "no socket for namespace " + std::string(nsp));
  if (s->options.retries > 0 && !options.volatile_) {
    add_to_queue(*s, std::move(args), std::move(ack), options);
    return std::monostate{};
  }
  if (!ack) {
    emit_packet(*s, std::move(args), nullptr, options);
    return std::monostate{};
  }
  // (The ack table calls it once: the callback moves into the event.)
  emit_packet(
      *s, std::move(args),
      [this, nsp = s->nsp, ack = std::move(ack)](std::optional<sio::Error> error, sio::json result) mutable {
        SocketEvent ev{SocketEvent::Kind::ack, nsp};
        ev.error = std::move(error);
        ev.args = std::move(result);
        ev.callback = std::move(ack);
        push_socket(std::move(ev));
      },
      options);
  return std::monostate{};
}

template <class OnAck>
void ClientManager::emit_packet(SocketState& s, sio::json args, OnAck on_ack, const EmitOptions& options) {
  Packet packet = Packet::event(s.nsp, std::move(args));
  if constexpr (!std::is_same_v<OnAck, std::nullptr_t>) {
    const auto timeout = options.timeout ? options.timeout : s.options.ack_timeout;
    std::optional<TimePoint> deadline;
    if (timeout) deadline = sio::deadline_after(now_, *timeout);
    const std::uint64_t id = s.acks.next_id();
    SocketState* sp = &s;
    // One closure for the ack table: the caller's callback is moved in as it is, not wrapped in a
    // std::function of its own first (an allocation per emit).
    s.acks.add(
        [sp, id, on_ack = std::move(on_ack)](std::optional<sio::Error> error, sio::json result) mutable {
          if (error && error->code == Errc::timeout) drop_buffered(*sp, id);
          on_ack(std::move(error), std::move(result));
        },
        deadline);
    packet.id = id;
  }
  send_or_buffer(s, std::move(packet), options);
}

void ClientManager::send_or_buffer(SocketState& s, Packet packet, const EmitOptions& options) {
  if (options.volatile_ && !s.connected) return;  // discarded (an ack stays pending, as in JS)
  if (s.connected && ready_state_ == ReadyState::open) {
    notify_outgoing(s, packet.data);
    send_packet(packet);
  } else {
    if (packet.id) s.buffered_ack_ids.insert(*packet.id);
    s.send_buffer.push_back(std::move(packet));
  }
}

void ClientManager::drop_buffered(SocketState& s, std::uint64_t ack_id) {
  if (!s.buffered_ack_ids.erase(ack_id)) return;  // not (or no longer) buffered
  if (++s.dead_in_buffer * 2 <= s.send_buffer.size()) return;
  std::erase_if(s.send_buffer, [&](const Packet& p) { return p.id && !s.buffered_ack_ids.count(*p.id); });
  s.dead_in_buffer = 0;
}

void ClientManager::add_to_queue(SocketState& s, sio::json args, AckCallback ack, EmitOptions options) {
  QueuedEmit q;
  q.seq = s.queue_seq++;
  q.args = std::move(args);
  q.ack = std::move(ack);
  q.options = options;
  s.queue.push_back(std::move(q));
  drain_queue(s, false);
}

void ClientManager::drain_queue(SocketState& s, bool force) {
  if (!s.connected || s.queue.empty()) return;
  QueuedEmit& front = s.queue.front();
  if (front.pending && !force) return;
  front.pending = true;
  ++front.tries;
  const std::uint64_t seq = front.seq;
  SocketState* sp = &s;
  emit_packet(s, front.args,
              [this, sp, seq](std::optional<sio::Error> error, sio::json result) {
                queued_ack(*sp, seq, std::move(error), std::move(result));
              },
              front.options);
}

void ClientManager::queued_ack(SocketState& s, std::uint64_t seq, std::optional<sio::Error> error,
                               sio::json args) {
  if (s.queue.empty() || s.queue.front().seq != seq) return;  // already acknowledged
  std::optional<QueuedEmit> done;
  if (error) {
    if (s.queue.front().tries > s.options.retries) {
      done = std::move(s.queue.front());
      s.queue.pop_front();
    }
  } else {
    done = std::move(s.queue.front());
    s.queue.pop_front();
  }
  if (done) {
    if (done->ack) {
      SocketEvent ev{SocketEvent::Kind::ack, s.nsp};
      ev.error = std::move(error);
      ev.args = std::move(args);
      ev.callback = std::move(done->ack);
      push_socket(std::move(ev));
    }
  } else {
    s.queue.front().pending = false;
  }
  drain_queue(s, false);
}

void ClientManager::send_ack(std::string_view nsp, std::uint64_t id, sio::json args) {
  if (!args.is_array()) {
    sio::json wrapped = sio::json::array();
    if (!args.is_discarded()) wrapped.push_back(std::move(args));
    args = std::move(wrapped);
  }
  std::string name(nsp);
  if (name.empty() || name.front() != '/') name.insert(name.begin(), '/');
  send_packet(Packet::ack(std::move(name), id, std::move(args)));
}

}  // namespace sio::socketio
