// AckTable: pending acknowledgements with optional deadlines.
#include "sio/socketio/acks.hpp"

#include <vector>

namespace sio::socketio {

std::uint64_t AckTable::add(Callback cb, std::optional<TimePoint> deadline) {
  const std::uint64_t id = next_id_++;
  if (deadline) deadlines_.emplace(*deadline, id);
  entries_.emplace(id, Entry{std::move(cb), deadline});
  return id;
}

std::optional<AckTable::Entry> AckTable::take(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  Entry entry = std::move(it->second);
  entries_.erase(it);
  if (entry.deadline) deadlines_.erase({*entry.deadline, id});
  return entry;
}

bool AckTable::resolve(std::uint64_t id, sio::json args) {
  auto entry = take(id);
  if (!entry) return false;
  if (!args.is_array()) {
    sio::json wrapped = sio::json::array();
    if (!args.is_discarded()) wrapped.push_back(std::move(args));
    args = std::move(wrapped);
  }
  if (entry->cb) entry->cb(std::nullopt, std::move(args));
  return true;
}

bool AckTable::fail(std::uint64_t id, sio::Error error) {
  auto entry = take(id);
  if (!entry) return false;
  if (entry->cb) entry->cb(std::move(error), sio::json::array());
  return true;
}

std::vector<std::uint64_t> AckTable::ids() const {
  std::vector<std::uint64_t> out;
  out.reserve(entries_.size());
  for (const auto& entry : entries_) out.push_back(entry.first);
  return out;
}

bool AckTable::cancel(std::uint64_t id) { return take(id).has_value(); }

std::optional<AckTable::TimePoint> AckTable::next_timeout() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

void AckTable::handle_timeout(TimePoint now) {
  // Collect first: callbacks may add entries (possibly already expired ones, which wait for the
  // next call so a callback re-arming with a past deadline cannot loop forever).
  std::vector<std::uint64_t> expired;
  for (const auto& [deadline, id] : deadlines_) {
    if (deadline > now) break;
    expired.push_back(id);
  }
  for (std::uint64_t id : expired) {
    fail(id, make_error(Errc::timeout, "operation has timed out"));
  }
}

void AckTable::fail_all(sio::Error error) {
  for (std::uint64_t id : ids()) fail(id, error);
}

}  // namespace sio::socketio
