// Fuzz target: what arrives on the Redis adapter's channels (sio/redis/wire.hpp) — anyone able to
// publish on the Redis server chooses these bytes. Decoding must never crash, throw or build
// anything deeper than kMaxJsonDepth; what decodes must encode again and decode to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sio/redis/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  namespace wire = sio::redis::wire;
  if (auto broadcast = wire::decode_broadcast(bytes)) {
    const auto again = wire::decode_broadcast(wire::encode_broadcast(broadcast->uid, broadcast->packet, broadcast->opts));
    // (compared as text: a NaN from MessagePack is not equal to itself, and becomes null in both)
    if (!again || sio::dump_json(again->packet.data) != sio::dump_json(broadcast->packet.data) ||
        again->opts.rooms != broadcast->opts.rooms) {
      std::abort();
    }
  }
  if (auto message = wire::decode_message(bytes)) {
    const auto packed = wire::decode_payload(wire::encode_msgpack(message->body));
    if (!packed || sio::dump_json(*packed) != sio::dump_json(message->body)) std::abort();
    (void)wire::packet_from_wire(message->body.value("packet", sio::json()));
    if (message->body.contains("opts")) (void)wire::options_from_wire(message->body["opts"]);
    (void)wire::rooms_field(message->body, "rooms");
  }
  (void)wire::room_of_channel(bytes, "socket.io#/#");
  return 0;
}
