// handshake.cpp - JSON data of the Engine.IO open packet.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sio/core/json.hpp"
#include "sio/engineio/handshake.hpp"

namespace sio::engineio {

namespace {

using sio::json;

// The open packet nests two levels deep; anything much deeper is not a handshake. Checked before
// parsing so that hostile input cannot make the parser build (and later destroy) deep trees.
constexpr std::size_t kMaxHandshakeDepth = 8;

bool nesting_within(std::string_view text, std::size_t max_depth) noexcept {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

std::string dump_string(const std::string& s) {
  return sio::dump_json(json(s));  // invalid UTF-8 is replaced (U+FFFD), never thrown
}

// A non-negative integer (an integral float such as 25000.0 is accepted, as JavaScript would).
std::optional<std::int64_t> non_negative_integer(const json& value) {
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    if (v < 0) return std::nullopt;
    return v;
  }
  if (value.is_number_float()) {
    const double v = value.get<double>();
    // 9.2e18 is below INT64_MAX and exactly representable, so the cast below is defined.
    if (!std::isfinite(v) || v < 0 || v > 9.2e18 || std::floor(v) != v) return std::nullopt;
    return static_cast<std::int64_t>(v);
  }
  return std::nullopt;
}

Error handshake_error(std::string message) { return make_error(Errc::bad_handshake, std::move(message)); }

}  // namespace

std::string encode_handshake(const Handshake& handshake) {
  std::string out = "{\"sid\":";
  out += dump_string(handshake.sid);
  out += ",\"upgrades\":[";
  for (std::size_t i = 0; i < handshake.upgrades.size(); ++i) {
    if (i != 0) out += ',';
    out += dump_string(handshake.upgrades[i]);
  }
  out += "],\"pingInterval\":";
  out += std::to_string(handshake.ping_interval_ms);
  out += ",\"pingTimeout\":";
  out += std::to_string(handshake.ping_timeout_ms);
  if (handshake.max_payload) {
    out += ",\"maxPayload\":";
    out += std::to_string(*handshake.max_payload);
  }
  out += '}';
  return out;
}

Result<Handshake> decode_handshake(std::string_view text) {
  if (!nesting_within(text, kMaxHandshakeDepth)) return handshake_error("handshake nested too deeply");
  auto parsed = sio::parse_json(text, kMaxHandshakeDepth);
  if (!parsed) return handshake_error("handshake is not valid JSON");
  const json& doc = *parsed;
  if (!doc.is_object()) return handshake_error("handshake is not a JSON object");

  Handshake handshake;

  const auto sid = doc.find("sid");
  if (sid == doc.end() || !sid->is_string()) return handshake_error("handshake without a string sid");
  handshake.sid = sid->get_ref<const std::string&>();
  if (handshake.sid.empty()) return handshake_error("handshake with an empty sid");

  const auto upgrades = doc.find("upgrades");
  if (upgrades == doc.end() || !upgrades->is_array()) return handshake_error("handshake without an upgrades array");
  handshake.upgrades.clear();
  for (const json& upgrade : *upgrades) {
    if (!upgrade.is_string()) return handshake_error("handshake upgrades entry is not a string");
    handshake.upgrades.push_back(upgrade.get_ref<const std::string&>());
  }

  const auto interval = doc.find("pingInterval");
  if (interval == doc.end()) return handshake_error("handshake without pingInterval");
  const auto interval_value = non_negative_integer(*interval);
  if (!interval_value) return handshake_error("handshake pingInterval is not a non-negative integer");
  handshake.ping_interval_ms = *interval_value;

  const auto timeout = doc.find("pingTimeout");
  if (timeout == doc.end()) return handshake_error("handshake without pingTimeout");
  const auto timeout_value = non_negative_integer(*timeout);
  if (!timeout_value) return handshake_error("handshake pingTimeout is not a non-negative integer");
  handshake.ping_timeout_ms = *timeout_value;

  handshake.max_payload = std::nullopt;
  const auto max_payload = doc.find("maxPayload");
  if (max_payload != doc.end() && !max_payload->is_null()) {
    const auto value = non_negative_integer(*max_payload);
    if (!value) return handshake_error("handshake maxPayload is not a non-negative integer");
    handshake.max_payload = *value;
  }
  return handshake;
}

}  // namespace sio::engineio
