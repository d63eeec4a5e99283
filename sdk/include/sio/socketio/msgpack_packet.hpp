// sio/socketio/msgpack_packet.hpp - the MessagePack wire format of socket.io-msgpack-parser 3.x
// (protocol v5 only).
//
// A packet is ONE binary Engine.IO message: the MessagePack map
//   {"type": 0..4, "data": <payload, absent if none>, "nsp": "/...", "id": <ack id, if any>}
// Binary values travel inline as MessagePack bin (no attachments, no BINARY_* types); they are
// sio::json binary values on our side, as with the default parser. The codec is nlohmann's
// MessagePack reader/writer (no hand-written MessagePack).
//
// Decoding follows socket.io-msgpack-parser's checkPacket (type an integer 0..4, nsp a string, id
// absent or an integer, payload fitting the type), plus the rules the default parser applies to
// every packet (validate_packet: non-empty EVENT with a string or number name, reserved event
// names, ACK with an id, ack ids 0..2^53-1). Map members other than type/data/nsp/id are ignored
// (socket.io-client also encodes its `options` member). notepack.io's extensions are read as it
// reads them: fixext 1 of type 0 is `undefined` (a member holding it is dropped, an array element
// becomes null, as JSON.stringify does), an ext of type 0 is an ArrayBuffer (binary), an ext of
// another type T is [T, <binary>]. Limits: nesting at most DecoderLimits::max_depth, map keys must
// be strings, trailing bytes are an error (Errc::bad_msgpack).
#pragma once

#include <string>
#include <string_view>

#include "sio/core/result.hpp"
#include "sio/socketio/packet.hpp"

namespace sio::socketio {

// The MessagePack bytes of one packet. BINARY_EVENT/BINARY_ACK are written as EVENT/ACK (binary
// values need no separate type in this format); the query (v4 only) is not written.
std::string encode_msgpack(const Packet& packet);

// Decodes one binary message into a packet.
Result<Packet> decode_msgpack(std::string_view bytes, DecoderLimits limits = {});

// The per-connection decoder of the MessagePack format: every binary message is one packet; a
// text message is Errc::protocol_violation.
class MsgpackDecoder final : public PacketDecoder {
 public:
  explicit MsgpackDecoder(DecoderLimits limits = {}) : limits_(limits) {}
  Result<std::optional<Packet>> feed_text(std::string_view text) override;
  Result<std::optional<Packet>> feed_binary(std::string_view bytes) override;
  void reset() noexcept override {}

 private:
  DecoderLimits limits_;
};

}  // namespace sio::socketio
