// sio/engineio/handshake.hpp - the data of the Engine.IO open packet.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sio/core/result.hpp"

namespace sio::engineio {

struct Handshake {
  std::string sid;
  std::vector<std::string> upgrades;      // ["websocket"] for a polling session, [] otherwise
  std::int64_t ping_interval_ms = 25000;
  std::int64_t ping_timeout_ms = 20000;
  std::optional<std::int64_t> max_payload = 1'000'000;  // absent in some v3 servers

  friend bool operator==(const Handshake&, const Handshake&) = default;
};

// JSON text of the open packet, keys in Node's order:
// {"sid":..,"upgrades":[..],"pingInterval":..,"pingTimeout":..,"maxPayload":..}
std::string encode_handshake(const Handshake& handshake);

// Requires sid (non-empty string), upgrades (array of strings), pingInterval and pingTimeout
// (non-negative integers); maxPayload optional. Else Errc::bad_handshake.
Result<Handshake> decode_handshake(std::string_view json);

}  // namespace sio::engineio
