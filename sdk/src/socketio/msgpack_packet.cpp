// The MessagePack wire format of socket.io-msgpack-parser, over nlohmann's MessagePack codec.
#include "sio/socketio/msgpack_packet.hpp"

#include <optional>
#include <string>
#include <utility>

#include "sio/core/msgpack.hpp"

namespace sio::socketio {

namespace {

Error fail(Errc code, std::string message) { return make_error(code, std::move(message)); }

}  // namespace

std::string encode_msgpack(const Packet& packet) {
  PacketType type = packet.type;
  if (type == PacketType::binary_event) type = PacketType::event;
  if (type == PacketType::binary_ack) type = PacketType::ack;
  json map = json::object();
  map["type"] = static_cast<int>(type);
  if (packet.has_data()) map["data"] = packet.data;
  map["nsp"] = packet.nsp.empty() ? std::string("/") : packet.nsp;
  if (packet.id) map["id"] = *packet.id;
  return dump_msgpack(map);
}

Result<Packet> decode_msgpack(std::string_view bytes, DecoderLimits limits) {
  if (bytes.empty()) return fail(Errc::truncated, "empty MessagePack packet");
  // The packet map itself is one level above its payload, whose depth the limit bounds.
  auto decoded = parse_msgpack(bytes, limits.max_depth + 1);
  if (!decoded) return decoded.error();
  json& root = decoded.value();
  if (!root.is_object()) return fail(Errc::bad_payload, "MessagePack packet is not a map");

  Packet p;
  const auto type = root.find("type");
  if (type == root.end() || !type->is_number_integer()) {
    return fail(Errc::unknown_packet_type, "invalid packet type");
  }
  const bool in_range = type->is_number_unsigned()
                            ? type->get<json::number_unsigned_t>() <= 4
                            : false;  // negative
  if (!in_range) return fail(Errc::unknown_packet_type, "invalid packet type");
  p.type = static_cast<PacketType>(type->get<json::number_unsigned_t>());

  const auto nsp = root.find("nsp");
  if (nsp == root.end() || !nsp->is_string()) return fail(Errc::bad_namespace, "invalid namespace");
  p.nsp = nsp->get<std::string>();

  const auto id = root.find("id");
  if (id != root.end()) {
    if (!id->is_number_integer()) return fail(Errc::bad_ack_id, "invalid packet id");
    if (!id->is_number_unsigned()) return fail(Errc::bad_ack_id, "negative packet id");
    const auto value = id->get<json::number_unsigned_t>();
    if (value > kMaxAckId) return fail(Errc::ack_id_overflow, "ack id larger than 2^53-1");
    p.id = value;
  }

  const auto data = root.find("data");
  if (data != root.end()) p.data = std::move(*data);

  if (auto err = validate_packet(p, Protocol::v5)) return *std::move(err);
  return p;
}

Result<std::optional<Packet>> MsgpackDecoder::feed_text(std::string_view /*text*/) {
  return fail(Errc::protocol_violation, "text message on a MessagePack connection");
}

Result<std::optional<Packet>> MsgpackDecoder::feed_binary(std::string_view bytes) {
  auto packet = decode_msgpack(bytes, limits_);
  if (!packet) return packet.error();
  return std::optional<Packet>{std::move(packet).value()};
}

}  // namespace sio::socketio
