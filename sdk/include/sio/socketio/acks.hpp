// sio/socketio/acks.hpp - outgoing requests awaiting an ACK: ids, deadlines, timeouts.
//
// Pure: no clock, no thread. Time is passed in; the owner arms a timer at next_timeout() and calls
// handle_timeout(now) when it fires. Used by the client sockets and by the server alike.
//
// Ids start at 0 and increase by one per add(), like socket.io's. Every callback is invoked at
// most once, and only after its entry has been removed from the table, so a callback may freely
// re-enter the table (add, resolve, fail_all, ...).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "sio/core/json.hpp"
#include "sio/core/result.hpp"

namespace sio::socketio {

class AckTable {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  // error: nullopt on success; args: the ack's array (an empty array on error).
  using Callback = std::function<void(std::optional<sio::Error> error, sio::json args)>;

  // Registers a callback; returns its ack id. With a deadline, handle_timeout() fails it with
  // Errc::timeout once now >= deadline.
  std::uint64_t add(Callback cb, std::optional<TimePoint> deadline = std::nullopt);

  // Completes the request `id` with the ack's arguments (an array; anything else is wrapped in
  // one). false: unknown id (late or duplicate ack) - nothing is called.
  bool resolve(std::uint64_t id, sio::json args);

  // Fails one pending request (e.g. a retried packet given up). false: unknown id.
  bool fail(std::uint64_t id, sio::Error error);

  // Removes a request without calling its callback. false: unknown id.
  bool cancel(std::uint64_t id);

  bool contains(std::uint64_t id) const { return entries_.count(id) != 0; }

  // The earliest deadline among pending requests, if any has one.
  std::optional<TimePoint> next_timeout() const;

  // Fails every request whose deadline is <= now with Errc::timeout (in deadline order).
  void handle_timeout(TimePoint now);

  // Fails every pending request (in id order) with `error`, e.g. Errc::disconnected. Requests
  // added by the callbacks meanwhile are kept.
  void fail_all(sio::Error error);

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // Pending ids, ascending.
  std::vector<std::uint64_t> ids() const;

  // The id the next add() will return.
  std::uint64_t next_id() const { return next_id_; }

 private:
  struct Entry {
    Callback cb;
    std::optional<TimePoint> deadline;
  };
  std::optional<Entry> take(std::uint64_t id);

  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, Entry> entries_;
  std::set<std::pair<TimePoint, std::uint64_t>> deadlines_;
};

}  // namespace sio::socketio
