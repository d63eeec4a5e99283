// In-memory adapters (socket.io-adapter's Adapter and SessionAwareAdapter) and broadcast operators.
#include <charconv>
#include <utility>

#include <boost/asio/dispatch.hpp>

#include "sio/core/timer_delay.hpp"
#include "sio/server/secrets.hpp"
#include "sio/server/server.hpp"
#include "sio/socketio/acks.hpp"
#include "internal.hpp"

namespace sio::server {

// ---- InMemoryAdapter -------------------------------------------------------------------------

void InMemoryAdapter::add_all(const SocketId& id, const std::set<Room>& rooms) {
  auto& mine = sids_[id];
  for (const auto& room : rooms) {
    mine.insert(room);
    rooms_[room].insert(id);
  }
}

void InMemoryAdapter::del(const SocketId& id, const Room& room) {
  if (auto it = sids_.find(id); it != sids_.end()) it->second.erase(room);
  if (auto it = rooms_.find(room); it != rooms_.end()) {
    it->second.erase(id);
    if (it->second.empty()) rooms_.erase(it);
  }
}

void InMemoryAdapter::del_all(const SocketId& id) {
  auto it = sids_.find(id);
  if (it == sids_.end()) return;
  for (const auto& room : it->second) {
    if (auto r = rooms_.find(room); r != rooms_.end()) {
      r->second.erase(id);
      if (r->second.empty()) rooms_.erase(r);
    }
  }
  sids_.erase(it);
}

std::set<SocketId> InMemoryAdapter::except_sids(const std::set<Room>& except) const {
  std::set<SocketId> out;
  for (const auto& room : except) {
    if (auto it = rooms_.find(room); it != rooms_.end()) out.insert(it->second.begin(), it->second.end());
  }
  return out;
}

void InMemoryAdapter::apply(const BroadcastOptions& opts,
                            const std::function<void(const SocketPtr&)>& fn) {
  // Collect first: the callback may change rooms (join, leave, disconnect).
  const auto except = except_sids(opts.except);
  const auto& sockets = nsp().sockets();
  std::vector<SocketPtr> targets;
  auto consider = [&](const SocketId& id) {
    if (except.count(id)) return;
    auto it = sockets.find(id);
    if (it != sockets.end()) targets.push_back(it->second);
  };
  if (opts.rooms.size() == 1) {
    // One room: its members are distinct already (no set of those seen to build).
    auto r = rooms_.find(*opts.rooms.begin());
    if (r != rooms_.end()) {
      targets.reserve(r->second.size());
      for (const auto& id : r->second) consider(id);
    }
  } else if (!opts.rooms.empty()) {
    std::set<SocketId> seen;
    for (const auto& room : opts.rooms) {
      auto r = rooms_.find(room);
      if (r == rooms_.end()) continue;
      for (const auto& id : r->second) {
        if (seen.insert(id).second) consider(id);
      }
    }
  } else {
    for (const auto& [id, rooms] : sids_) consider(id);
  }
  for (const auto& socket : targets) fn(socket);
}

namespace {

// The server's wire format (the default one once the server is gone).
const socketio::Parser& parser_of(const Namespace& nsp) {
  return socketio::parser_or_default(nsp.server() ? nsp.server()->options().parser : nullptr);
}

}  // namespace

void InMemoryAdapter::broadcast(socketio::Packet packet, const BroadcastOptions& opts) {
  packet.nsp = nsp().name();
  const auto encoded = SharedPacket::encode(parser_of(nsp()), packet);  // once, for every recipient
  apply(opts, [&](const SocketPtr& socket) {
    socket->notify_outgoing(packet.data);
    socket->write_shared(encoded, opts.flags);
  });
}

void InMemoryAdapter::broadcast_with_ack(socketio::Packet packet, const BroadcastOptions& opts,
                                         std::function<void(std::size_t)> client_count,
                                         std::function<void(json)> ack) {
  packet.nsp = nsp().name();
  const auto encoded = SharedPacket::encode(parser_of(nsp()), packet);  // once, for every recipient
  std::size_t count = 0;
  const std::uint64_t id = packet.id.value_or(0);
  apply(opts, [&](const SocketPtr& socket) {
    ++count;
    socket->register_broadcast_ack(id, ack);
    socket->notify_outgoing(packet.data);
    socket->write_shared(encoded, opts.flags);
  });
  client_count(count);
}

void InMemoryAdapter::sockets(const std::set<Room>& rooms,
                              std::function<void(std::set<SocketId>)> cb) {
  std::set<SocketId> ids;
  BroadcastOptions opts;
  opts.rooms = rooms;
  apply(opts, [&](const SocketPtr& socket) { ids.insert(socket->id()); });
  cb(std::move(ids));
}

std::optional<std::set<Room>> InMemoryAdapter::socket_rooms(const SocketId& id) const {
  auto it = sids_.find(id);
  if (it == sids_.end()) return std::nullopt;
  return it->second;
}

void InMemoryAdapter::fetch_sockets(const BroadcastOptions& opts,
                                    std::function<void(std::vector<SocketPtr>)> cb) {
  std::vector<SocketPtr> out;
  apply(opts, [&](const SocketPtr& socket) { out.push_back(socket); });
  cb(std::move(out));
}

void InMemoryAdapter::add_sockets(const BroadcastOptions& opts, const std::vector<Room>& rooms) {
  apply(opts, [&](const SocketPtr& socket) { detail::SocketAccess::join_now(*socket, rooms); });
}

void InMemoryAdapter::del_sockets(const BroadcastOptions& opts, const std::vector<Room>& rooms) {
  apply(opts, [&](const SocketPtr& socket) {
    for (const auto& room : rooms) detail::SocketAccess::leave_now(*socket, room);
  });
}

void InMemoryAdapter::disconnect_sockets(const BroadcastOptions& opts, bool close) {
  apply(opts, [&](const SocketPtr& socket) { detail::SocketAccess::disconnect_now(*socket, close); });
}

// ---- SessionAwareAdapter ---------------------------------------------------------------------

SessionAwareAdapter::SessionAwareAdapter(Namespace& nsp, std::chrono::milliseconds max_duration)
    : InMemoryAdapter(nsp), max_duration_(max_duration) {}

// Node: Date.now() - disconnectedAt > maxDisconnectionDuration. Written on the elapsed time (never
// negative, never large) so that any max_disconnection_duration, milliseconds::max() included,
// is safe.
bool SessionAwareAdapter::expired(Clock::time_point since, Clock::time_point now) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - since) > max_duration_;
}

void SessionAwareAdapter::expire(Clock::time_point now) {
  // Both queues are in time order (steady clock): expired entries are at the front.
  while (!session_expiry_.empty() && expired(session_expiry_.front().first, now)) {
    const auto& [at, key] = session_expiry_.front();
    auto it = sessions_.find(key);
    // (a session restored meanwhile is gone; one persisted again has a later time)
    if (it != sessions_.end() && it->second.disconnected_at == at) sessions_.erase(it);
    session_expiry_.pop_front();
  }
  while (!packets_.empty() && expired(packets_.front().emitted_at, now)) packets_.pop_front();
}

void SessionAwareAdapter::broadcast(socketio::Packet packet, const BroadcastOptions& opts) {
  const bool event = packet.type == socketio::PacketType::event;
  const bool without_ack = !packet.id.has_value();
  if (event && without_ack && !opts.flags.volatile_ && packet.data.is_array()) {
    const auto now = Clock::now();
    expire(now);
    // The offset goes last in the arguments: the client remembers the last one it processed.
    ++counter_;
    std::string offset = std::to_string(counter_) + "-" + generate_id().substr(0, 6);
    packet.data.push_back(offset);
    packets_.push_back(Kept{counter_, std::move(offset), opts, packet.data, now});
  }
  InMemoryAdapter::broadcast(std::move(packet), opts);
}

void SessionAwareAdapter::persist_session(Session session) {
  const auto now = Clock::now();
  expire(now);
  std::string key = secret_lookup_key(session.pid);
  session_expiry_.emplace_back(now, key);
  sessions_[std::move(key)] = Stored{std::move(session), now};
}

// The kept packet with this offset, found by its counter (packets_ holds consecutive counters),
// not by a scan.
const SessionAwareAdapter::Kept* SessionAwareAdapter::find_offset(const std::string& offset) const {
  if (packets_.empty()) return nullptr;
  const auto dash = offset.find('-');
  if (dash == std::string::npos) return nullptr;
  std::uint64_t counter = 0;
  const auto [end, ec] = std::from_chars(offset.data(), offset.data() + dash, counter);
  if (ec != std::errc() || end != offset.data() + dash) return nullptr;
  const auto first = packets_.front().counter;
  if (counter < first || counter - first >= packets_.size()) return nullptr;
  const Kept& kept = packets_[static_cast<std::size_t>(counter - first)];
  return secret_equals(kept.id, offset) ? &kept : nullptr;
}

void SessionAwareAdapter::restore_session(const std::string& pid, const std::string& offset,
                                          std::function<void(std::optional<Session>)> cb) {
  const auto now = Clock::now();
  // The pid is a secret: found by its digest, then compared in constant time.
  auto it = sessions_.find(secret_lookup_key(pid));
  if (it == sessions_.end() || !secret_equals(it->second.session.pid, pid)) return cb(std::nullopt);
  if (expired(it->second.disconnected_at, now)) {
    sessions_.erase(it);
    return cb(std::nullopt);
  }
  const Kept* last = find_offset(offset);
  if (!last) return cb(std::nullopt);  // offset unknown or too old
  // Unlike socket.io-adapter 2.5 (which keeps it until it expires), a session is used once: a
  // later deliberate disconnect (not persisted) must not be recovered from the old entry.
  Session session = std::move(it->second.session);
  sessions_.erase(it);
  session.missed_packets.clear();
  // Node's shouldIncludePacket, looked up from the packet's (few) target rooms into the session's.
  const std::set<Room> rooms(session.rooms.begin(), session.rooms.end());
  auto any_in = [&](const std::set<Room>& targets) {
    for (const auto& room : targets) {
      if (rooms.count(room)) return true;
    }
    return false;
  };
  const auto first = packets_.front().counter;
  for (auto i = static_cast<std::size_t>(last->counter - first) + 1; i < packets_.size(); ++i) {
    const auto& kept = packets_[i];
    const bool included = kept.opts.rooms.empty() || any_in(kept.opts.rooms);
    if (included && !any_in(kept.opts.except)) session.missed_packets.push_back(kept.data);
  }
  cb(std::move(session));
}

// ---- ParentBroadcastAdapter --------------------------------------------------------------------

void detail::ParentBroadcastAdapter::broadcast(socketio::Packet packet,
                                               const BroadcastOptions& opts) {
  const auto children = nsp().children();
  for (const auto& entry : children) entry.second->adapter().broadcast(packet, opts);
}

// ---- BroadcastOperator -------------------------------------------------------------------------

BroadcastOperator::BroadcastOperator(NamespacePtr nsp, std::set<Room> rooms, std::set<Room> except,
                                     EmitFlags flags)
    : nsp_(std::move(nsp)) {
  opts_.rooms = std::move(rooms);
  opts_.except = std::move(except);
  opts_.flags = flags;
}

BroadcastOperator BroadcastOperator::to(const Room& room) const {
  auto copy = *this;
  copy.opts_.rooms.insert(room);
  return copy;
}

BroadcastOperator BroadcastOperator::to(const std::vector<Room>& rooms) const {
  auto copy = *this;
  copy.opts_.rooms.insert(rooms.begin(), rooms.end());
  return copy;
}

BroadcastOperator BroadcastOperator::except(const Room& room) const {
  auto copy = *this;
  copy.opts_.except.insert(room);
  return copy;
}

BroadcastOperator BroadcastOperator::except(const std::vector<Room>& rooms) const {
  auto copy = *this;
  copy.opts_.except.insert(rooms.begin(), rooms.end());
  return copy;
}

BroadcastOperator BroadcastOperator::compress(bool compress) const {
  auto copy = *this;
  copy.opts_.flags.compress = compress;
  return copy;
}

BroadcastOperator BroadcastOperator::volatile_() const {
  auto copy = *this;
  copy.opts_.flags.volatile_ = true;
  return copy;
}

BroadcastOperator BroadcastOperator::local() const {
  auto copy = *this;
  copy.opts_.flags.local = true;
  return copy;
}

BroadcastOperator BroadcastOperator::timeout(std::chrono::milliseconds timeout) const {
  auto copy = *this;
  copy.opts_.flags.timeout = timeout;
  return copy;
}

bool BroadcastOperator::emit(std::string_view event, json args) const {
  if (socketio::is_reserved_event(event)) return false;
  json data = detail::event_data(event, std::move(args));
  auto nsp = nsp_;
  auto opts = opts_;
  boost::asio::dispatch(nsp->executor(), [nsp, opts, data = std::move(data)]() mutable {
    if (!nsp->server()) return;
    nsp->adapter().broadcast(socketio::Packet::event(nsp->name(), std::move(data)), opts);
  });
  return true;
}

namespace {
struct BroadcastAckState {
  BroadcastAckCallback callback;
  json responses = json::array();
  std::size_t expected_clients = 0;
  std::size_t actual_servers = 0;
  std::optional<std::size_t> expected_servers;
  bool done = false;
  std::uint64_t id = 0;
  bool single = false;
};
}  // namespace

bool BroadcastOperator::emit(std::string_view event, json args, BroadcastAckCallback callback) const {
  if (socketio::is_reserved_event(event)) return false;
  json data = detail::event_data(event, std::move(args));
  auto nsp = nsp_;
  auto opts = opts_;
  boost::asio::dispatch(nsp->executor(), [nsp, opts, data = std::move(data),
                                          callback = std::move(callback)]() mutable {
    if (!nsp->server()) return;
    auto state = std::make_shared<BroadcastAckState>();
    state->callback = std::move(callback);
    state->single = opts.flags.expect_single_response;
    std::weak_ptr<Namespace> weak = nsp;
    auto finish = [state](std::optional<sio::Error> error) {
      if (state->done) return;
      state->done = true;
      json result = state->responses;
      if (state->single) {
        result = error ? json(nullptr) : (state->responses.empty() ? json(nullptr) : state->responses[0]);
      }
      if (state->callback) state->callback(std::move(error), std::move(result));
    };
    std::optional<detail::AckClock::time_point> deadline;
    if (opts.flags.timeout) deadline = sio::deadline_after(detail::AckClock::now(), *opts.flags.timeout);
    state->id = detail::NamespaceAccess::acks(*nsp).add(
        [state, weak, finish](std::optional<sio::Error> error, json) {
          if (!error || state->done) return;
          if (auto n = weak.lock()) {
            for (const auto& [id, socket] : n->sockets()) {
              detail::SocketAccess::drop_broadcast_ack(*socket, state->id);
            }
          }
          finish(std::move(error));
        },
        deadline);
    auto check = [state, weak, finish]() {
      if (state->done || !state->expected_servers) return;
      if (*state->expected_servers == state->actual_servers &&
          state->responses.size() == state->expected_clients) {
        if (auto n = weak.lock()) detail::NamespaceAccess::acks(*n).cancel(state->id);
        finish(std::nullopt);
      }
    };
    auto packet = socketio::Packet::event(nsp->name(), std::move(data), state->id);
    nsp->adapter().broadcast_with_ack(
        std::move(packet), opts,
        [state, check](std::size_t count) {
          state->expected_clients += count;
          ++state->actual_servers;
          check();
        },
        [state, check](json response) {
          if (state->done) return;
          state->responses.push_back(std::move(response));
          check();
        });
    nsp->adapter().server_count([state, check](std::size_t n) {
      state->expected_servers = n;
      check();
    });
  });
  return true;
}

std::future<AckResult> BroadcastOperator::emit_with_ack(std::string_view event, json args) const {
  auto promise = std::make_shared<std::promise<AckResult>>();
  auto future = promise->get_future();
  if (!emit(event, std::move(args), [promise](std::optional<sio::Error> error, json responses) {
        promise->set_value(AckResult{std::move(error), std::move(responses)});
      })) {
    promise->set_value(AckResult{make_error(Errc::reserved_event_name, std::string(event)), json::array()});
  }
  return future;
}

void BroadcastOperator::sockets_join(const std::vector<Room>& rooms) const {
  auto nsp = nsp_;
  auto opts = opts_;
  boost::asio::dispatch(nsp->executor(), [nsp, opts, rooms] {
    if (nsp->server()) nsp->adapter().add_sockets(opts, rooms);
  });
}

void BroadcastOperator::sockets_leave(const std::vector<Room>& rooms) const {
  auto nsp = nsp_;
  auto opts = opts_;
  boost::asio::dispatch(nsp->executor(), [nsp, opts, rooms] {
    if (nsp->server()) nsp->adapter().del_sockets(opts, rooms);
  });
}

void BroadcastOperator::disconnect_sockets(bool close) const {
  auto nsp = nsp_;
  auto opts = opts_;
  boost::asio::dispatch(nsp->executor(), [nsp, opts, close] {
    if (nsp->server()) nsp->adapter().disconnect_sockets(opts, close);
  });
}

void BroadcastOperator::fetch_sockets(std::function<void(std::vector<SocketPtr>)> callback) const {
  auto nsp = nsp_;
  auto opts = opts_;
  boost::asio::dispatch(nsp->executor(), [nsp, opts, callback = std::move(callback)]() mutable {
    if (!nsp->server()) return callback({});
    nsp->adapter().fetch_sockets(opts, std::move(callback));
  });
}

void BroadcastOperator::all_sockets(std::function<void(std::set<SocketId>)> callback) const {
  auto nsp = nsp_;
  auto opts = opts_;
  boost::asio::dispatch(nsp->executor(), [nsp, opts, callback = std::move(callback)]() mutable {
    if (!nsp->server()) return callback({});
    nsp->adapter().sockets(opts.rooms, std::move(callback));
  });
}

}  // namespace sio::server
