// The server side of one Engine.IO session: state machine only (see server_session.hpp).
#include "sio/engineio/server_session.hpp"

#include <utility>

#include "sio/core/timer_delay.hpp"
#include "sio/engineio/handshake.hpp"

namespace sio::engineio {

std::string_view to_string(ServerTransport kind) noexcept {
  return kind == ServerTransport::polling ? "polling" : "websocket";
}

ServerSession::ServerSession(std::string sid, Protocol protocol, ServerTransport transport,
                             ServerSessionOptions options, TimePoint now)
    : sid_(std::move(sid)), protocol_(protocol), transport_(transport), options_(options) {
  // Delays as setTimeout takes them (1 ms .. 2^31-1 ms): sums such as ping_interval + ping_timeout
  // and now + delay cannot overflow, whatever EngineOptions a program built.
  for (auto* d : {&options_.ping_interval, &options_.ping_timeout, &options_.upgrade_timeout,
                  &options_.close_timeout}) {
    *d = timer_delay(*d);
  }
  Handshake hs;
  hs.sid = sid_;
  if (transport_ == ServerTransport::polling && options_.allow_upgrades) hs.upgrades = {"websocket"};
  hs.ping_interval_ms = options_.ping_interval.count();
  hs.ping_timeout_ms = options_.ping_timeout.count();
  hs.max_payload = static_cast<std::int64_t>(options_.max_payload);
  handshake_json_ = encode_handshake(hs);
  enqueue(Packet::text(PacketType::open, handshake_json_));
  if (protocol_ == Protocol::v4) {
    ping_at_ = now + options_.ping_interval;
  } else {
    pong_deadline_ = now + options_.ping_interval + options_.ping_timeout;
  }
  flush();
}

// ---- application side -------------------------------------------------------------------

ServerSession::SendResult ServerSession::send_shared(std::shared_ptr<const std::string> text,
                                                     TimePoint now, bool droppable) {
  if (state_ != State::open || transport_ != ServerTransport::websocket || !queue_.empty()) {
    return send(Packet::message(text ? *text : std::string()), now, droppable);
  }
  const std::size_t limit = options_.max_buffered_bytes;
  if (limit != 0 && buffered_ + text->size() + 1 > limit) {
    if (droppable) return SendResult::dropped;
    finish_close("send buffer full");
    return SendResult::closed;
  }
  // As encode_frame does for a text message: the type digit, then the data.
  Frame frame{std::string(1, '0' + static_cast<int>(PacketType::message)), false, std::move(text)};
  push_frame(std::move(frame));
  return SendResult::queued;
}

ServerSession::SendResult ServerSession::send(Packet packet, TimePoint /*now*/, bool droppable) {
  if (state_ != State::open) return SendResult::closed;
  const std::size_t limit = options_.max_buffered_bytes;
  if (limit != 0 && buffered_ + packet.data.size() > limit) {
    if (droppable) return SendResult::dropped;
    finish_close("send buffer full");
    return SendResult::closed;
  }
  enqueue(std::move(packet));
  flush();
  return SendResult::queued;
}

void ServerSession::close(TimePoint now, bool discard) {
  if (state_ == State::closed) return;
  if (discard && state_ == State::open) {
    shut_down();
    return;
  }
  if (state_ == State::open) {
    state_ = State::closing;
    pending_close_reason_ = "forced close";
    close_deadline_ = now + options_.close_timeout;
    ping_at_.reset();  // closing: only the close deadline is left
    pong_deadline_.reset();
    flush();
  }
  if (discard && state_ != State::closed) finish_close(pending_close_reason_);
}

// ---- polling ----------------------------------------------------------------------------

ServerSession::PollResult ServerSession::on_poll_request(TimePoint /*now*/) {
  PollResult result;
  if (state_ == State::closed || transport_ != ServerTransport::polling) {
    result.action = PollAction::reject;
    return result;
  }
  if (poll_held_) {
    // Node: "overlap from client" -> transport error; the held GET gets a close packet.
    finish_close("transport error");
    result.action = PollAction::reject;
    return result;
  }
  poll_held_ = true;
  flush();
  if (!poll_response_ && upgrade_ == Upgrade::probed) {
    // Upgrading: end the polling cycle right away so the client can complete the upgrade.
    poll_response_ = encode({Packet::text(PacketType::noop)});
    poll_held_ = false;
  }
  if (poll_response_) {
    result.action = PollAction::respond;
    result.body = std::move(*poll_response_);
    poll_response_.reset();
  }
  return result;
}

void ServerSession::on_poll_aborted(TimePoint /*now*/) {
  if (!poll_held_ || state_ == State::closed) return;
  poll_held_ = false;
  finish_close("transport error");
}

void ServerSession::on_transport_error(TimePoint /*now*/) { finish_close("transport error"); }

ServerSession::PostResult ServerSession::on_post(std::string_view body, bool binary_body,
                                                 TimePoint now) {
  if (state_ != State::open) return PostResult::ignored;
  if (binary_body && protocol_ == Protocol::v4) {
    finish_close("transport error");  // Node: "invalid content"
    return PostResult::rejected;
  }
  PayloadLimits limits;
  limits.max_bytes = options_.max_payload;
  auto packets = decode_payload(body, protocol_, binary_body, limits);
  if (!packets) {
    finish_close("parse error");
    return PostResult::rejected;
  }
  for (auto& packet : *packets) {
    if (state_ != State::open) break;
    on_packet(std::move(packet), now);
  }
  return PostResult::ok;
}

// ---- WebSocket --------------------------------------------------------------------------

bool ServerSession::begin_upgrade(TimePoint now) {
  if (state_ == State::closed || transport_ != ServerTransport::polling || upgrade_ != Upgrade::none ||
      upgraded_ || !options_.allow_upgrades) {
    return false;
  }
  upgrade_ = Upgrade::started;
  upgrade_deadline_ = now + options_.upgrade_timeout;
  return true;
}

void ServerSession::on_frame(std::string_view bytes, bool binary, TimePoint now) {
  if (state_ == State::closed) return;
  auto packet = decode_frame(bytes, binary, protocol_, options_.max_payload);
  if (transport_ == ServerTransport::websocket) {
    if (!packet) {
      finish_close("parse error");
      return;
    }
    on_packet(std::move(*packet), now);
    return;
  }
  if (upgrade_ == Upgrade::none) return;  // a stale probe socket
  if (!packet) {
    abort_upgrade();
    return;
  }
  if (packet->type == PacketType::ping && packet->data == "probe") {
    push_frame(encode_frame(Packet::text(PacketType::pong, "probe"), protocol_));
    upgrade_ = Upgrade::probed;
    if (poll_held_ && !poll_response_) {
      poll_response_ = encode({Packet::text(PacketType::noop)});
      poll_held_ = false;
    }
  } else if (packet->type == PacketType::upgrade) {
    complete_upgrade(now);
  } else {
    abort_upgrade();
  }
}

void ServerSession::on_websocket_closed(bool error, TimePoint /*now*/) {
  if (state_ == State::closed) return;
  if (transport_ == ServerTransport::websocket) {
    finish_close(error ? "transport error" : "transport close");
  } else if (upgrade_ != Upgrade::none) {
    upgrade_ = Upgrade::none;  // the probe socket went away: stay on polling
    upgrade_deadline_.reset();
  }
}

// ---- outputs ----------------------------------------------------------------------------

std::optional<Body> ServerSession::take_poll_response() {
  auto out = std::move(poll_response_);
  poll_response_.reset();
  return out;
}

std::vector<Frame> ServerSession::take_frames() {
  std::vector<Frame> out;
  out.swap(frames_);
  return out;
}

void ServerSession::take_frames(std::vector<Frame>& out) {
  out.clear();
  out.swap(frames_);
}

void ServerSession::on_written(std::size_t bytes) noexcept {
  buffered_ = bytes < buffered_ ? buffered_ - bytes : 0;
}

bool ServerSession::take_websocket_close() { return std::exchange(ws_close_, false); }

std::vector<ServerSession::Event> ServerSession::take_events() {
  std::vector<Event> out;
  out.swap(events_);
  return out;
}

void ServerSession::take_events(std::vector<Event>& out) {
  out.clear();
  out.swap(events_);
}

// ---- fault injection --------------------------------------------------------------------

void ServerSession::stop_heartbeat() noexcept {
  heartbeat_stopped_ = true;
  ping_at_.reset();
  pong_deadline_.reset();
}

// ---- time -------------------------------------------------------------------------------

std::optional<ServerSession::TimePoint> ServerSession::next_timeout() const {
  if (state_ == State::closed) return std::nullopt;
  std::optional<TimePoint> best;
  for (const auto& t : {ping_at_, pong_deadline_, upgrade_deadline_, close_deadline_}) {
    if (t && (!best || *t < *best)) best = t;
  }
  return best;
}

void ServerSession::handle_timeout(TimePoint now) {
  if (state_ == State::closed) return;
  if (upgrade_deadline_ && *upgrade_deadline_ <= now) abort_upgrade();
  if (close_deadline_ && *close_deadline_ <= now) {
    finish_close(pending_close_reason_);
    return;
  }
  if (pong_deadline_ && *pong_deadline_ <= now) {
    finish_close("ping timeout");
    return;
  }
  if (ping_at_ && *ping_at_ <= now && state_ == State::open) {
    ping_at_.reset();
    pong_deadline_ = now + options_.ping_timeout;
    pong_refreshed_ = false;
    enqueue(Packet::text(PacketType::ping));
    flush();
  }
}

// ---- internals --------------------------------------------------------------------------

void ServerSession::on_packet(Packet packet, TimePoint now) {
  if (state_ != State::open) return;
  if (protocol_ == Protocol::v4 && pong_deadline_ && packet.type != PacketType::pong &&
      !pong_refreshed_) {
    // Node: while a pong is awaited, incoming data refreshes the wait once.
    pong_deadline_ = now + options_.ping_timeout;
    pong_refreshed_ = true;
  }
  switch (packet.type) {
    case PacketType::ping:
      if (protocol_ == Protocol::v4) {
        finish_close("transport error");  // invalid heartbeat direction
        return;
      }
      if (heartbeat_stopped_) return;
      pong_deadline_ = now + options_.ping_interval + options_.ping_timeout;
      enqueue(Packet::text(PacketType::pong));
      flush();
      return;
    case PacketType::pong:
      if (protocol_ == Protocol::v3) {
        finish_close("transport error");  // invalid heartbeat direction
        return;
      }
      pong_deadline_.reset();
      if (!heartbeat_stopped_) ping_at_ = now + options_.ping_interval;
      return;
    case PacketType::message:
      events_.push_back(Event{Event::Type::message, std::move(packet.data), packet.binary});
      return;
    case PacketType::close:
      // The client closes: a held GET ends with a noop (Node's polling onClose).
      if (poll_held_ && !poll_response_) {
        poll_response_ = encode({Packet::text(PacketType::noop)});
        poll_held_ = false;
      }
      finish_close("transport close");
      return;
    case PacketType::open:
    case PacketType::upgrade:
    case PacketType::noop:
      return;
  }
}

void ServerSession::push_frame(Frame frame) {
  buffered_ += frame.size();
  frames_.push_back(std::move(frame));
}

void ServerSession::enqueue(Packet packet) {
  buffered_ += packet.data.size();
  queue_.push_back(std::move(packet));
}

Body ServerSession::encode(std::vector<Packet> packets) const {
  return encode_payload(packets, protocol_, options_.supports_binary);
}

void ServerSession::flush() {
  if (state_ == State::closed) return;
  if (transport_ == ServerTransport::websocket) {
    // The frames stay counted in buffered_ (as frame bytes) until the I/O layer reports them
    // written (on_written).
    for (auto& packet : queue_) {
      buffered_ -= packet.data.size();
      push_frame(encode_frame(std::move(packet), protocol_));
    }
    queue_.clear();
    if (state_ == State::closing) {
      // No close packet on a WebSocket (Node's websocket transport closes with the close frame
      // only; python-engineio takes a "1" as a deliberate end and would not reconnect).
      ws_close_ = true;
      finish_close(pending_close_reason_);
    }
    return;
  }
  if (!poll_held_ || poll_response_) return;
  const bool closing = state_ == State::closing;
  if (closing) queue_.push_back(Packet::text(PacketType::close));
  if (queue_.empty()) return;
  std::vector<Packet> packets;
  packets.swap(queue_);
  buffered_ = 0;  // handed to the GET's response (whose write has its own deadline)
  poll_response_ = encode(std::move(packets));
  poll_held_ = false;
  if (closing) finish_close(pending_close_reason_);
}

// Server shutdown (Node's engine.close(): socket.close(true)). No close packet, which clients
// (python-engineio) take as a deliberate end and do not reconnect after: what is queued goes out,
// a WebSocket gets its close frame only (as Node), a held GET the queued packets or a noop (Node
// answers "1" there, which leaves python-socketio polling clients for good).
void ServerSession::shut_down() {
  if (transport_ == ServerTransport::websocket) {
    flush();  // open: the queued packets as frames, no close packet
    ws_close_ = true;
  } else if (poll_held_ && !poll_response_) {
    std::vector<Packet> packets;
    packets.swap(queue_);
    if (packets.empty()) packets.push_back(Packet::text(PacketType::noop));
    poll_response_ = encode(std::move(packets));
    poll_held_ = false;
  }
  finish_close("forced close");
}

void ServerSession::finish_close(std::string reason) {
  if (state_ == State::closed) return;
  if (poll_held_ && !poll_response_) {
    poll_response_ = encode({Packet::text(PacketType::close)});
  }
  poll_held_ = false;
  if (transport_ == ServerTransport::websocket || upgrade_ != Upgrade::none) ws_close_ = true;
  upgrade_ = Upgrade::none;
  state_ = State::closed;
  queue_.clear();
  buffered_ = 0;
  ping_at_.reset();
  pong_deadline_.reset();
  upgrade_deadline_.reset();
  close_deadline_.reset();
  events_.push_back(Event{Event::Type::closed, std::move(reason), false});
}

void ServerSession::abort_upgrade() {
  if (upgrade_ == Upgrade::none) return;
  upgrade_ = Upgrade::none;
  upgrade_deadline_.reset();
  ws_close_ = true;
}

void ServerSession::complete_upgrade(TimePoint /*now*/) {
  upgrade_ = Upgrade::none;
  upgrade_deadline_.reset();
  if (poll_held_ && !poll_response_) {
    poll_response_ = encode({Packet::text(PacketType::noop)});
  }
  poll_held_ = false;
  transport_ = ServerTransport::websocket;
  upgraded_ = true;
  events_.push_back(Event{Event::Type::upgraded, {}, false});
  flush();
}

}  // namespace sio::engineio
