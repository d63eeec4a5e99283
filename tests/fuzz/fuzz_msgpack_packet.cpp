// libFuzzer target: the MessagePack wire format (sio/socketio/msgpack_packet.hpp).
//
// Input layout: byte 0 = configuration (bits 0-2: max_depth = (n + 1) * 4, 4..32); the rest is one
// binary Engine.IO message.
// Invariants checked (abort on violation):
//   - no crash, no sanitizer report, no exception;
//   - a decoded packet re-encodes to bytes that decode again, and encoding that packet gives the
//     same bytes (encode is a fixed point after one round; compared as bytes so NaN payloads count
//     as equal);
//   - MsgpackDecoder::feed_binary agrees with decode_msgpack, and rejects every text message.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sio/socketio/msgpack_packet.hpp"

namespace {

using sio::socketio::decode_msgpack;
using sio::socketio::DecoderLimits;
using sio::socketio::encode_msgpack;
using sio::socketio::MsgpackDecoder;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_msgpack_packet: %s (%zu bytes)\n", what, detail.size());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  DecoderLimits limits;
  limits.max_depth = (static_cast<std::size_t>(data[0] & 7) + 1) * 4;
  const std::string_view message(reinterpret_cast<const char*>(data + 1), size - 1);

  auto packet = decode_msgpack(message, limits);
  MsgpackDecoder decoder(limits);
  auto fed = decoder.feed_binary(message);
  if (fed.ok() != packet.ok()) fail("decoder and decode_msgpack disagree", message);
  if (decoder.feed_text(message).ok()) fail("text message accepted", message);
  if (!packet.ok()) return 0;
  if (!fed->has_value()) fail("decoder returned no packet", message);

  const std::string first = encode_msgpack(*packet);
  auto again = decode_msgpack(first, limits);
  if (!again.ok()) fail("re-encoded packet rejected", first);
  const std::string second = encode_msgpack(*again);
  if (second != first) fail("encode not a fixed point", first);
  return 0;
}
