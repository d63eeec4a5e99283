// Internals shared by the Socket.IO server translation units (not installed).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "sio/server/server.hpp"
#include "sio/socketio/acks.hpp"

namespace sio::server::detail {

using AckClock = std::chrono::steady_clock;

// ["event", ...args]; a non-array `args` is one argument.
inline json event_data(std::string_view event, json args) {
  json data = json::array();
  data.push_back(std::string(event));
  if (args.is_array()) {
    for (auto& a : args) data.push_back(std::move(a));
  } else if (!args.is_discarded()) {
    data.push_back(std::move(args));
  }
  return data;
}

// One namespace's acknowledgement table (ids are namespace-wide, like Node's nsp._ids) with its
// timer on the executor.
class NamespaceAcks : public std::enable_shared_from_this<NamespaceAcks> {
 public:
  explicit NamespaceAcks(const boost::asio::any_io_executor& ex) : timer_(ex) {}

  std::uint64_t add(socketio::AckTable::Callback cb, std::optional<AckClock::time_point> deadline) {
    const auto id = table_.add(std::move(cb), deadline);
    rearm();
    return id;
  }
  bool resolve(std::uint64_t id, json args) {
    const bool ok = table_.resolve(id, std::move(args));
    rearm();
    return ok;
  }
  bool fail(std::uint64_t id, sio::Error error) {
    const bool ok = table_.fail(id, std::move(error));
    rearm();
    return ok;
  }
  bool cancel(std::uint64_t id) {
    const bool ok = table_.cancel(id);
    rearm();
    return ok;
  }
  void shutdown() {
    table_.fail_all(make_error(Errc::disconnected, "server closed"));
    timer_.cancel();
    armed_.reset();
  }
  std::size_t size() const { return table_.size(); }

 private:
  // The timer is only ever moved earlier. When the earliest ack is answered or failed, the timer
  // stays where it is and, when it fires, finds nothing expired and is armed again for the next
  // deadline: answering or failing n acks (a socket with 100,000 pending acks disconnecting) costs
  // no timer operation each, where cancelling and re-arming queued one aborted wait per ack.
  void rearm() {
    auto next = table_.next_timeout();
    if (!next) return;
    if (armed_ && *armed_ <= *next) return;
    armed_ = next;
    timer_.expires_at(*next);
    std::weak_ptr<NamespaceAcks> weak = shared_from_this();
    timer_.async_wait([weak](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self) return;
      self->armed_.reset();
      self->table_.handle_timeout(AckClock::now());
      self->rearm();
    });
  }

  socketio::AckTable table_;
  boost::asio::steady_timer timer_;
  std::optional<AckClock::time_point> armed_;
};

struct NamespaceAccess {
  static NamespaceAcks& acks(Namespace& nsp) { return *nsp.acks_; }
};

struct SocketAccess {
  static void join_now(Socket& socket, const std::vector<Room>& rooms);
  static void leave_now(Socket& socket, const Room& room);
  static void disconnect_now(Socket& socket, bool close);
  static void drop_broadcast_ack(Socket& socket, std::uint64_t id) { socket.broadcast_acks_.erase(id); }
};

// The adapter of a parent (dynamic) namespace: broadcasts go to every child.
class ParentBroadcastAdapter : public InMemoryAdapter {
 public:
  using InMemoryAdapter::InMemoryAdapter;
  void broadcast(socketio::Packet packet, const BroadcastOptions& opts) override;
};

}  // namespace sio::server::detail
