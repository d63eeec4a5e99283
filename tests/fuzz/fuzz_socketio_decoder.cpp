// libFuzzer target: the Socket.IO packet decoder (sio/socketio/packet.hpp) and the JSON helpers.
//
// Input layout:
//   byte 0      configuration: bit 0 = protocol (0: v5, 1: v4), bits 1-2 = max_attachments - 1
//               (1..4), bits 3-5 = max_depth / 4 - 1 (4..32)
//   then frames, each a header byte h followed by its bytes: h & 1 = binary frame (else text),
//               h >> 1 = length (0..126); 127 = "the rest of the input".
//
// Every frame goes to one Decoder (as a real connection would feed it). Invariants checked
// (abort on violation):
//   - no crash, no sanitizer report, no exception;
//   - after an error the decoder awaits nothing;
//   - every decoded packet, re-encoded, decodes to an equal packet, and encoding that again gives
//     the same wire form (encode is a fixed point after one round);
//   - decode_text of each text frame agrees with a re-encode/re-decode for non-binary packets;
//   - dump_json of any byte string is valid JSON that dumps to itself again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sio/core/json.hpp"
#include "sio/socketio/packet.hpp"

namespace {

using sio::json;
using sio::socketio::Decoder;
using sio::socketio::DecoderLimits;
using sio::socketio::Encoded;
using sio::socketio::Packet;
using sio::socketio::Protocol;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_socketio_decoder: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// Feeds an encoded packet to a fresh decoder; aborts unless it yields exactly one packet.
Packet decode_encoded(const Encoded& e, Protocol protocol, DecoderLimits limits) {
  // Reconstruction may repeat a buffer (several placeholders with one num), so the re-encoded
  // packet can carry more attachments than the original header announced.
  if (e.attachments.size() > limits.max_attachments) limits.max_attachments = e.attachments.size();
  Decoder d(protocol, limits);
  auto r = d.feed_text(e.text);
  if (!r.ok()) fail("re-encoded text rejected", e.text + " / " + r.error().message);
  for (std::size_t i = 0; i < e.attachments.size(); ++i) {
    if (r->has_value()) fail("packet complete before its attachments", e.text);
    r = d.feed_binary(e.attachments[i]);
    if (!r.ok()) fail("re-encoded attachment rejected", e.text + " / " + r.error().message);
  }
  if (!r->has_value()) fail("re-encoded packet incomplete", e.text);
  if (d.awaiting_attachments()) fail("decoder still awaiting after completion", e.text);
  return std::move(**r);
}

void check_round_trip(const Packet& p, Protocol protocol, const DecoderLimits& limits) {
  const Encoded first = sio::socketio::encode(p);
  const Packet again = decode_encoded(first, protocol, limits);
  if (!(again == p)) fail("round trip changed the packet", first.text);
  const Encoded second = sio::socketio::encode(again);
  if (!(second == first)) fail("encode not a fixed point", first.text + " vs " + second.text);
}

void check_dump(std::string_view bytes) {
  const std::string dumped = sio::dump_json(json(std::string(bytes)));
  auto parsed = sio::parse_json(dumped, 1);
  if (!parsed.ok() || !parsed->is_string()) fail("dump_json wrote invalid JSON", dumped);
  if (sio::dump_json(*parsed) != dumped) fail("dump_json not idempotent", dumped);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t config = data[0];
  const Protocol protocol = (config & 1) ? Protocol::v4 : Protocol::v5;
  DecoderLimits limits;
  limits.max_attachments = static_cast<std::size_t>((config >> 1) & 3) + 1;
  limits.max_depth = (static_cast<std::size_t>((config >> 3) & 7) + 1) * 4;

  Decoder decoder(protocol, limits);
  std::size_t pos = 1;
  while (pos < size) {
    const std::uint8_t h = data[pos++];
    const bool is_binary = h & 1;
    std::size_t len = h >> 1;
    if (len == 127 || len > size - pos) len = size - pos;
    const std::string_view frame(reinterpret_cast<const char*>(data + pos), len);
    pos += len;

    if (!is_binary) {
      // The stateless decoder on its own.
      auto header = sio::socketio::decode_text(frame, protocol, limits);
      if (header.ok()) {
        const auto type = header->packet.type;
        const bool binary_type = type == sio::socketio::PacketType::binary_event ||
                                 type == sio::socketio::PacketType::binary_ack;
        if (binary_type) {
          if (header->attachments < 1 || header->attachments > limits.max_attachments) {
            fail("attachment count outside the limits", frame);
          }
        } else {
          if (header->attachments != 0) fail("attachments on a non-binary packet", frame);
          check_round_trip(header->packet, protocol, limits);
        }
      }
    } else {
      check_dump(frame);
    }

    auto r = is_binary ? decoder.feed_binary(frame) : decoder.feed_text(frame);
    if (!r.ok()) {
      if (decoder.awaiting_attachments()) fail("decoder not reset after an error", frame);
      continue;
    }
    if (r->has_value()) {
      if (decoder.awaiting_attachments()) fail("decoder awaiting after a complete packet", frame);
      const Packet& p = **r;
      if (p.type == sio::socketio::PacketType::binary_event ||
          p.type == sio::socketio::PacketType::binary_ack) {
        fail("decoder returned a BINARY_* packet", frame);
      }
      check_round_trip(p, protocol, limits);
    } else if (!decoder.awaiting_attachments()) {
      fail("no packet and nothing awaited", frame);
    }
  }
  return 0;
}
