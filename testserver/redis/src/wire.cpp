// The @socket.io/redis-adapter / redis-emitter wire format (see sio/redis/wire.hpp).
#include "sio/redis/wire.hpp"

#include <cmath>
#include <utility>
#include <vector>

#include "sio/core/msgpack.hpp"

namespace sio::redis::wire {

namespace {

std::optional<std::string> room_name(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return dump_json(v);
  if (v.is_number_float() && std::isfinite(v.get<double>())) return dump_json(v);
  return std::nullopt;
}

}  // namespace

Channels Channels::make(std::string_view prefix, std::string_view nsp, std::string_view uid) {
  Channels c;
  const std::string p(prefix);
  const std::string n(nsp);
  c.broadcast = p + "#" + n + "#";
  c.request = p + "-request#" + n + "#";
  c.response = p + "-response#" + n + "#";
  c.specific_response = c.response + std::string(uid) + "#";
  return c;
}

std::string Channels::for_rooms(const std::set<server::Room>& rooms) const {
  if (rooms.size() == 1) return broadcast + *rooms.begin() + "#";
  return broadcast;
}

Result<json> decode_payload(std::string_view bytes) {
  if (bytes.empty()) return make_error(Errc::bad_json, "empty payload");
  if (bytes.front() == '{') return parse_json(bytes);
  return parse_msgpack(bytes);
}

std::string encode_msgpack(const json& value) { return dump_msgpack(value); }

std::string encode_json(const json& value) { return dump_json(value); }

json packet_to_wire(const socketio::Packet& packet) {
  json out = json::object();
  out["type"] = static_cast<int>(packet.type);
  out["data"] = packet.has_data() ? packet.data : json::array();
  out["nsp"] = packet.nsp;
  if (packet.id) out["id"] = *packet.id;
  return out;
}

std::optional<socketio::Packet> packet_from_wire(const json& packet, std::string_view default_nsp) {
  if (!packet.is_object()) return std::nullopt;
  auto type = packet.find("type");
  if (type == packet.end() || !type->is_number_integer()) return std::nullopt;
  const auto t = type->get<long long>();
  if (t != static_cast<int>(socketio::PacketType::event) && t != static_cast<int>(socketio::PacketType::binary_event)) {
    return std::nullopt;
  }
  auto data = packet.find("data");
  if (data == packet.end() || !data->is_array() || data->empty() || !(*data)[0].is_string()) return std::nullopt;
  socketio::Packet out;
  out.type = socketio::PacketType::event;
  out.data = *data;
  auto nsp = packet.find("nsp");
  if (nsp == packet.end() || nsp->is_null()) {
    out.nsp = std::string(default_nsp);
  } else if (nsp->is_string()) {
    out.nsp = nsp->get<std::string>();
  } else {
    return std::nullopt;
  }
  auto id = packet.find("id");
  if (id != packet.end() && !id->is_null()) {
    if (!id->is_number_unsigned() && !(id->is_number_integer() && id->get<long long>() >= 0)) return std::nullopt;
    const auto v = id->get<std::uint64_t>();
    if (v > socketio::kMaxAckId) return std::nullopt;
    out.id = v;
  }
  return out;
}

json options_to_wire(const server::BroadcastOptions& opts, bool with_flags) {
  json out = json::object();
  out["rooms"] = json::array();
  for (const auto& r : opts.rooms) out["rooms"].push_back(r);
  out["except"] = json::array();
  for (const auto& r : opts.except) out["except"].push_back(r);
  if (with_flags) {
    json flags = json::object();
    if (opts.flags.volatile_) flags["volatile"] = true;
    if (!opts.flags.compress) flags["compress"] = false;
    if (opts.flags.local) flags["local"] = true;
    if (opts.flags.timeout) flags["timeout"] = opts.flags.timeout->count();
    if (opts.flags.expect_single_response) flags["expectSingleResponse"] = true;
    out["flags"] = std::move(flags);
  }
  return out;
}

std::set<server::Room> rooms_field(const json& object, std::string_view key) {
  std::set<server::Room> out;
  if (!object.is_object()) return out;
  auto it = object.find(std::string(key));
  if (it == object.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (auto room = room_name(v)) out.insert(std::move(*room));
  }
  return out;
}

std::optional<std::string> string_field(const json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(std::string(key));
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<server::BroadcastOptions> options_from_wire(const json& opts) {
  if (opts.is_null()) return server::BroadcastOptions{};
  if (!opts.is_object()) return std::nullopt;
  server::BroadcastOptions out;
  out.rooms = rooms_field(opts, "rooms");
  out.except = rooms_field(opts, "except");
  auto flags = opts.find("flags");
  if (flags != opts.end() && flags->is_object()) {
    auto boolean = [&](const char* name, bool fallback) {
      auto it = flags->find(name);
      return it != flags->end() && it->is_boolean() ? it->get<bool>() : fallback;
    };
    out.flags.volatile_ = boolean("volatile", false);
    out.flags.compress = boolean("compress", true);
    out.flags.local = boolean("local", false);
    out.flags.expect_single_response = boolean("expectSingleResponse", false);
    auto timeout = flags->find("timeout");
    if (timeout != flags->end() && timeout->is_number()) {
      const double ms = timeout->get<double>();
      // Node's setTimeout coercion (sio::timer_delay): out of range or NaN-like -> 1 ms.
      const bool in_range = std::isfinite(ms) && ms >= 1 && ms <= 2147483647.0;
      out.flags.timeout = std::chrono::milliseconds(in_range ? static_cast<long long>(ms) : 1);
    }
  }
  return out;
}

std::string encode_broadcast(std::string_view uid, const socketio::Packet& packet,
                             const server::BroadcastOptions& opts) {
  json message = json::array();
  message.push_back(std::string(uid));
  message.push_back(packet_to_wire(packet));
  message.push_back(options_to_wire(opts));
  return encode_msgpack(message);
}

Result<Broadcast> decode_broadcast(std::string_view bytes) {
  auto decoded = parse_msgpack(bytes);
  if (!decoded) return decoded.error();
  const json& m = *decoded;
  if (!m.is_array() || m.size() < 3) return make_error(Errc::bad_payload, "not [uid, packet, opts]");
  Broadcast out;
  if (m[0].is_string()) out.uid = m[0].get<std::string>();
  auto packet = packet_from_wire(m[1]);
  if (!packet) return make_error(Errc::bad_payload, "not an event packet");
  out.packet = std::move(*packet);
  auto opts = options_from_wire(m[2]);
  if (!opts) return make_error(Errc::bad_payload, "bad options");
  out.opts = std::move(*opts);
  return out;
}

std::optional<std::string> room_of_channel(std::string_view channel, std::string_view broadcast_channel) {
  if (channel.size() < broadcast_channel.size() || channel.substr(0, broadcast_channel.size()) != broadcast_channel) {
    return std::nullopt;
  }
  auto rest = channel.substr(broadcast_channel.size());
  if (rest.empty()) return std::string();
  if (rest.back() != '#') return std::nullopt;
  rest.remove_suffix(1);
  return std::string(rest);
}

Result<Message> decode_message(std::string_view bytes) {
  auto decoded = decode_payload(bytes);
  if (!decoded) return decoded.error();
  if (!decoded->is_object()) return make_error(Errc::bad_payload, "not an object");
  Message out;
  out.body = std::move(*decoded);
  auto type = out.body.find("type");
  if (type != out.body.end() && type->is_number_integer()) {
    const auto t = type->get<long long>();
    if (t >= 0 && t <= 100) out.type = static_cast<int>(t);
  }
  out.request_id = string_field(out.body, "requestId");
  out.uid = string_field(out.body, "uid");
  return out;
}

}  // namespace sio::redis::wire
