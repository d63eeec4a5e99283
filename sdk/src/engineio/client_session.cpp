// client_session.cpp - the sans-I/O Engine.IO client session (see client_session.hpp).
#include "sio/engineio/client_session.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "sio/core/timer_delay.hpp"

namespace sio::engineio {

namespace {

using std::chrono::milliseconds;

// The heartbeat values of the handshake come from the server, a peer: like engine.io-client's
// setTimeout, a delay below 1 ms or above 2^31-1 ms (pingInterval 9e18, say) becomes 1 ms, and
// neither the sum nor the deadline can overflow.
SteadyTime heartbeat_deadline(SteadyTime now, std::int64_t ms, std::int64_t more_ms = 0) {
  return sio::deadline_after(now, sio::timer_delay(static_cast<double>(ms) + static_cast<double>(more_ms)));
}

// Bytes a packet takes in a v4 polling body: "<type><data>" or "b<base64>".
std::size_t v4_encoded_size(const Packet& packet) {
  if (packet.binary) return 1 + (packet.data.size() + 2) / 3 * 4;
  return 1 + packet.data.size();
}

}  // namespace

std::string_view to_string(TransportKind kind) noexcept {
  return kind == TransportKind::polling ? "polling" : "websocket";
}

ClientSession::ClientSession(ClientSessionOptions options)
    : options_(options), transport_(options.initial_transport) {}

void ClientSession::start(SteadyTime now) {
  if (started_) return;
  started_ = true;
  state_ = State::opening;
  transport_ = options_.initial_transport;
  if (transport_ == TransportKind::polling) {
    want_get_ = true;
  } else {
    want_ws_connect_ = true;
  }
  if (options_.open_timeout.count() > 0) open_deadline_ = now + options_.open_timeout;
}

// ---- application inputs ----------------------------------------------------------------------

void ClientSession::send(std::string data, bool binary, SteadyTime /*now*/) {
  if (state_ != State::opening && state_ != State::open && state_ != State::upgrading) return;
  enqueue(Packet{PacketType::message, std::move(data), binary});
}

void ClientSession::enqueue(Packet packet) {
  if (state_ != State::opening && ws_is_main()) {
    ws_out_.push_back(encode_frame(std::move(packet), options_.protocol));
  } else {
    write_buffer_.push_back(std::move(packet));
  }
}

void ClientSession::close(SteadyTime /*now*/) {
  if (state_ == State::closing || state_ == State::closed) return;
  const bool was_opening = state_ == State::opening;
  open_deadline_.reset();
  ping_deadline_.reset();
  next_ping_at_.reset();
  want_get_ = false;
  want_ws_connect_ = false;
  if (was_opening) {
    // Nothing to say goodbye to: no session exists on the server yet.
    write_buffer_.clear();
    ws_out_.clear();
    want_ws_close_ = ws_connected_;
    state_ = State::closed;
  } else if (ws_is_main()) {
    ws_out_.push_back(encode_frame(Packet::text(PacketType::close), options_.protocol));
    want_ws_close_ = true;  // handed out once the frames before it are
    state_ = State::closing;
  } else {
    // Polling: the buffered packets and "1" go in one last POST.
    write_buffer_.push_back(Packet::text(PacketType::close));
    final_flush_ = true;
    ws_out_.clear();
    want_ws_close_ = ws_connected_ || probe_ == Probe::connecting;  // abandon an upgrade probe
    probe_ = Probe::failed;
    state_ = State::closing;
  }
  emit(ClientEvent{ClientEvent::Type::close, "forced close", false, {}, {}});
}

// ---- polling inputs --------------------------------------------------------------------------

void ClientSession::on_get_response(std::string_view body, bool binary_body, SteadyTime now) {
  get_in_flight_ = false;
  if (state_ == State::closing || state_ == State::closed) return;
  if (transport_ != TransportKind::polling) return;
  handle_packets_from_polling(
      decode_payload(body, options_.protocol, binary_body, PayloadLimits{options_.max_incoming_bytes}), now);
  maybe_finish_upgrade();
}

void ClientSession::handle_packets_from_polling(Result<std::vector<Packet>> packets, SteadyTime now) {
  if (!packets) {
    fail("parse error", packets.error().message, false);
    return;
  }
  for (Packet& packet : packets.value()) {
    if (state_ == State::closing || state_ == State::closed) return;
    handle_packet(std::move(packet), TransportKind::polling, now);
  }
}

void ClientSession::on_get_failed(std::string_view what, SteadyTime /*now*/) {
  get_in_flight_ = false;
  if (state_ == State::closing || state_ == State::closed) return;
  if (transport_ != TransportKind::polling) return;
  fail("transport error", std::string(what), true);
}

void ClientSession::on_post_done(SteadyTime /*now*/) {
  post_in_flight_ = false;
  if (state_ == State::closed) return;
  maybe_finish_upgrade();
}

void ClientSession::on_post_failed(std::string_view what, SteadyTime /*now*/) {
  post_in_flight_ = false;
  if (state_ == State::closing || state_ == State::closed) return;
  if (transport_ != TransportKind::polling) return;
  fail("transport error", std::string(what), true);
}

// ---- WebSocket inputs ------------------------------------------------------------------------

void ClientSession::on_ws_open(SteadyTime /*now*/) {
  if (state_ == State::closing || state_ == State::closed) {
    want_ws_close_ = true;
    ws_connected_ = true;
    return;
  }
  ws_connected_ = true;
  if (probe_ == Probe::connecting) {
    probe_ = Probe::probing;
    ws_out_.push_back(encode_frame(Packet::text(PacketType::ping, "probe"), options_.protocol));
  }
}

void ClientSession::on_ws_frame(std::string_view bytes, bool binary, SteadyTime now) {
  if (state_ == State::closing || state_ == State::closed) return;
  auto packet = decode_frame(bytes, binary, options_.protocol, options_.max_incoming_bytes);
  if (probe_ == Probe::probing || probe_ == Probe::pausing) {
    if (!packet) {
      fail_probe();
      return;
    }
    handle_probe_frame(packet.value(), now);
    return;
  }
  if (transport_ != TransportKind::websocket) return;  // a stale frame from an abandoned probe
  if (!packet) {
    fail("parse error", packet.error().message, false);
    return;
  }
  handle_packet(std::move(packet).value(), TransportKind::websocket, now);
}

void ClientSession::on_ws_closed(bool error, std::string_view what, SteadyTime /*now*/) {
  ws_connected_ = false;
  if (state_ == State::closing || state_ == State::closed) {
    want_ws_close_ = false;
    if (state_ == State::closing && ws_is_main()) {
      ws_out_.clear();
      state_ = State::closed;
    }
    return;
  }
  if (probe_ == Probe::connecting || probe_ == Probe::probing || probe_ == Probe::pausing) {
    fail_probe();
    want_ws_close_ = false;  // already gone
    return;
  }
  if (transport_ != TransportKind::websocket) return;
  fail(error ? "transport error" : "transport close", std::string(what), error || state_ == State::opening);
}

// ---- packets ---------------------------------------------------------------------------------

void ClientSession::handle_packet(Packet packet, TransportKind from, SteadyTime now) {
  if (state_ == State::opening) {
    if (packet.type != PacketType::open || packet.binary) {
      fail("parse error", "expected an open packet", false);
      return;
    }
    handle_open(packet, from, now);
    return;
  }
  if (options_.protocol == Protocol::v3) {
    // v3: every packet proves the connection alive (engine.io-client's onHeartbeat).
    ping_deadline_ = heartbeat_deadline(now, handshake_.ping_interval_ms, handshake_.ping_timeout_ms);
  }
  switch (packet.type) {
    case PacketType::message:
      emit(ClientEvent{ClientEvent::Type::message, std::move(packet.data), packet.binary, {}, {}});
      break;
    case PacketType::ping:
      if (options_.protocol == Protocol::v4) {
        enqueue(Packet::text(PacketType::pong, std::move(packet.data)));
        reset_heartbeat(now);
        emit(ClientEvent{ClientEvent::Type::ping, {}, false, {}, {}});
      }
      break;
    case PacketType::pong:
      if (options_.protocol == Protocol::v3) {
        next_ping_at_ = heartbeat_deadline(now, handshake_.ping_interval_ms);
        ping_deadline_ = heartbeat_deadline(now, handshake_.ping_interval_ms, handshake_.ping_timeout_ms);
        emit(ClientEvent{ClientEvent::Type::ping, {}, false, {}, {}});
      }
      break;
    case PacketType::close:
      fail("transport close", "the server closed the session", false);
      break;
    case PacketType::open:
    case PacketType::upgrade:
    case PacketType::noop:
      break;
  }
}

void ClientSession::handle_open(const Packet& packet, TransportKind from, SteadyTime now) {
  auto handshake = decode_handshake(packet.data);
  if (!handshake) {
    fail("parse error", handshake.error().message, false);
    return;
  }
  handshake_ = std::move(handshake).value();
  if (handshake_.ping_interval_ms < 0 || handshake_.ping_timeout_ms < 0) {
    fail("parse error", "negative heartbeat interval", false);
    return;
  }
  transport_ = from;
  state_ = State::open;
  open_deadline_.reset();
  reset_heartbeat(now);
  if (options_.protocol == Protocol::v3) next_ping_at_ = heartbeat_deadline(now, handshake_.ping_interval_ms);

  ClientEvent event{ClientEvent::Type::open, {}, false, {}, handshake_};
  emit(std::move(event));

  // Packets sent before the handshake wait in write_buffer_; on a WebSocket session they go now.
  if (ws_is_main()) flush_to_ws();

  if (from == TransportKind::polling && options_.upgrade &&
      std::find(handshake_.upgrades.begin(), handshake_.upgrades.end(), "websocket") != handshake_.upgrades.end()) {
    probe_ = Probe::connecting;
    want_ws_connect_ = true;
    state_ = State::upgrading;
  }
}

void ClientSession::handle_probe_frame(const Packet& packet, SteadyTime /*now*/) {
  if (probe_ == Probe::probing) {
    if (packet.type == PacketType::pong && !packet.binary && packet.data == "probe") {
      probe_ = Probe::pausing;  // no new GET/POST from here on
      maybe_finish_upgrade();
    } else {
      fail_probe();
    }
  }
  // Pausing: nothing is expected on the WebSocket before "5"; ignore whatever comes.
}

void ClientSession::maybe_finish_upgrade() {
  if (probe_ != Probe::pausing || state_ != State::upgrading) return;
  if (get_in_flight_ || post_in_flight_) return;
  ws_out_.push_back(encode_frame(Packet::text(PacketType::upgrade), options_.protocol));
  transport_ = TransportKind::websocket;
  probe_ = Probe::done;
  state_ = State::open;
  flush_to_ws();
  emit(ClientEvent{ClientEvent::Type::upgrade, std::string(to_string(transport_)), false, {}, {}});
}

void ClientSession::flush_to_ws() {
  while (!write_buffer_.empty()) {
    ws_out_.push_back(encode_frame(write_buffer_.front(), options_.protocol));
    write_buffer_.pop_front();
  }
}

void ClientSession::fail_probe() {
  probe_ = Probe::failed;
  ws_out_.clear();
  want_ws_connect_ = false;
  want_ws_close_ = true;
  if (state_ == State::upgrading) state_ = State::open;
}

void ClientSession::fail(std::string reason, std::string detail, bool error_event) {
  if (state_ == State::closing || state_ == State::closed) return;
  if (error_event) emit(ClientEvent{ClientEvent::Type::error, detail, false, {}, {}});
  emit(ClientEvent{ClientEvent::Type::close, std::move(reason), false, std::move(detail), {}});
  state_ = State::closed;
  write_buffer_.clear();
  ws_out_.clear();
  want_get_ = false;
  want_ws_connect_ = false;
  want_ws_close_ = ws_connected_;
  final_flush_ = false;
  open_deadline_.reset();
  ping_deadline_.reset();
  next_ping_at_.reset();
}

void ClientSession::reset_heartbeat(SteadyTime now) {
  ping_deadline_ = heartbeat_deadline(now, handshake_.ping_interval_ms, handshake_.ping_timeout_ms);
}

// ---- timers ----------------------------------------------------------------------------------

std::optional<SteadyTime> ClientSession::next_timeout() const {
  std::optional<SteadyTime> earliest;
  for (const auto& t : {open_deadline_, ping_deadline_, next_ping_at_}) {
    if (t && (!earliest || *t < *earliest)) earliest = t;
  }
  return earliest;
}

void ClientSession::handle_timeout(SteadyTime now) {
  if (state_ == State::closing || state_ == State::closed) return;
  if (open_deadline_ && now >= *open_deadline_) {
    fail("transport error", "handshake timeout", true);
    return;
  }
  if (ping_deadline_ && now >= *ping_deadline_) {
    fail("ping timeout", {}, false);
    return;
  }
  if (next_ping_at_ && now >= *next_ping_at_) {
    // v3: the client pings; the pong must come within pingTimeout.
    next_ping_at_.reset();
    enqueue(Packet::text(PacketType::ping));
    ping_deadline_ = heartbeat_deadline(now, handshake_.ping_timeout_ms);
  }
}

// ---- outputs ---------------------------------------------------------------------------------

std::optional<ClientEvent> ClientSession::poll_event() {
  if (events_.empty()) return std::nullopt;
  ClientEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

bool ClientSession::polling_active() const noexcept {
  return transport_ == TransportKind::polling && (state_ == State::open || state_ == State::upgrading) &&
         probe_ != Probe::pausing;
}

bool ClientSession::take_get() {
  if (get_in_flight_) return false;
  if (state_ == State::opening) {
    if (!want_get_) return false;
    want_get_ = false;
    get_in_flight_ = true;
    return true;
  }
  if (!polling_active()) return false;
  get_in_flight_ = true;
  return true;
}

std::size_t ClientSession::polling_batch_size() const {
  if (options_.protocol != Protocol::v4 || !handshake_.max_payload || *handshake_.max_payload <= 0) {
    return write_buffer_.size();
  }
  const auto limit = static_cast<std::size_t>(*handshake_.max_payload);
  std::size_t total = 0;
  for (std::size_t i = 0; i < write_buffer_.size(); ++i) {
    total += v4_encoded_size(write_buffer_[i]) + (i > 0 ? 1 : 0);
    if (i > 0 && total > limit) return i;
  }
  return write_buffer_.size();
}

std::optional<Body> ClientSession::take_post() {
  if (post_in_flight_ || write_buffer_.empty()) return std::nullopt;
  if (state_ == State::closing) {
    if (!final_flush_) return std::nullopt;
    // The last POST (ends with the close packet); maxPayload is not worth a second request here.
    std::vector<Packet> packets(std::make_move_iterator(write_buffer_.begin()),
                                std::make_move_iterator(write_buffer_.end()));
    write_buffer_.clear();
    final_flush_ = false;
    post_in_flight_ = true;
    if (!want_ws_close_) state_ = State::closed;
    return encode_payload(packets, options_.protocol, options_.v3_binary_bodies);
  }
  if (!polling_active()) return std::nullopt;
  const std::size_t n = polling_batch_size();
  std::vector<Packet> packets;
  packets.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    packets.push_back(std::move(write_buffer_.front()));
    write_buffer_.pop_front();
  }
  post_in_flight_ = true;
  return encode_payload(packets, options_.protocol, options_.v3_binary_bodies);
}

bool ClientSession::take_ws_connect() {
  if (!want_ws_connect_) return false;
  want_ws_connect_ = false;
  if (probe_ == Probe::failed) return false;
  return true;
}

bool ClientSession::take_ws_close() {
  if (!want_ws_close_ || !ws_out_.empty()) return false;
  want_ws_close_ = false;
  if (state_ == State::closing && !final_flush_) state_ = State::closed;
  return true;
}

std::optional<Frame> ClientSession::take_ws_frame() {
  if (ws_out_.empty()) return std::nullopt;
  if (!ws_connected_) return std::nullopt;
  Frame frame = std::move(ws_out_.front());
  ws_out_.pop_front();
  return frame;
}

}  // namespace sio::engineio
