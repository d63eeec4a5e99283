// libFuzzer target: Engine.IO payload, frame, handshake and base64 decoders.
//
// Every input goes to every decoder mode. Anything decoded is re-encoded and decoded again; the
// result must equal the first decode (abort otherwise). Crashes, sanitizer reports and aborts
// are findings.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sio/engineio/handshake.hpp"
#include "sio/engineio/packet.hpp"

namespace {

using namespace sio::engineio;

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_engineio_payload: %s\n", what);
    std::abort();
  }
}

void round_trip_payload(const std::vector<Packet>& packets, Protocol protocol, bool supports_binary) {
  const Body body = encode_payload(packets, protocol, supports_binary);
  check(protocol == Protocol::v3 || !body.binary, "v4 payload encoded as binary body");
  auto again = decode_payload(body.bytes, protocol, body.binary, PayloadLimits{SIZE_MAX});
  if (packets.empty() && protocol == Protocol::v4) {
    check(!again.ok(), "empty v4 payload decoded");  // "" is not a valid v4 body
    return;
  }
  check(again.ok(), "re-encoded payload does not decode");
  check(*again == packets, "payload round trip differs");
}

void fuzz_payload(std::string_view input, Protocol protocol, bool binary_body, std::size_t max_bytes) {
  auto decoded = decode_payload(input, protocol, binary_body, PayloadLimits{max_bytes});
  if (input.size() > max_bytes) {
    check(!decoded.ok() && decoded.error().code == sio::Errc::payload_too_large, "size limit not applied");
    return;
  }
  if (!decoded.ok()) return;
  if (protocol == Protocol::v4) {
    round_trip_payload(*decoded, Protocol::v4, false);
  } else {
    round_trip_payload(*decoded, Protocol::v3, false);
    round_trip_payload(*decoded, Protocol::v3, true);
  }
}

void fuzz_frame(std::string_view input, bool binary, Protocol protocol, std::size_t max_bytes) {
  auto decoded = decode_frame(input, binary, protocol, max_bytes);
  if (input.size() > max_bytes) {
    check(!decoded.ok() && decoded.error().code == sio::Errc::payload_too_large, "frame limit not applied");
    return;
  }
  if (!decoded.ok()) return;
  check(!decoded->binary || decoded->type == PacketType::message, "binary packet that is not a message");
  const Frame frame = encode_frame(*decoded, protocol);
  auto again = decode_frame(frame.bytes, frame.binary, protocol);
  check(again.ok(), "re-encoded frame does not decode");
  check(*again == *decoded, "frame round trip differs");
}

void fuzz_handshake(std::string_view input) {
  auto decoded = decode_handshake(input);
  if (!decoded.ok()) {
    check(decoded.error().code == sio::Errc::bad_handshake, "handshake error is not bad_handshake");
    return;
  }
  const std::string text = encode_handshake(*decoded);
  auto again = decode_handshake(text);
  check(again.ok(), "re-encoded handshake does not decode");
  check(*again == *decoded, "handshake round trip differs");
}

void fuzz_base64(std::string_view input) {
  auto decoded = base64_decode(base64_encode(input));
  check(decoded.ok() && *decoded == input, "base64 encode/decode differs");
  auto parsed = base64_decode(input);
  if (parsed.ok()) {
    check(parsed->size() == input.size() / 4 * 3 - (input.size() - input.find_last_not_of('=') - 1) ||
              input.empty(),
          "base64 decoded size");
    auto again = base64_decode(base64_encode(*parsed));
    check(again.ok() && *again == *parsed, "base64 round trip differs");
  }
  check(utf16_length(input) <= input.size(), "utf16 length above byte length");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // A small limit derived from the input so that both sides of it are reached.
  const std::size_t small_limit = size == 0 ? 0 : static_cast<std::size_t>(data[0]) % 64 + size / 2;
  for (const Protocol protocol : {Protocol::v3, Protocol::v4}) {
    for (const bool binary : {false, true}) {
      fuzz_payload(input, protocol, binary, 4096);
      fuzz_payload(input, protocol, binary, small_limit);
      fuzz_frame(input, binary, protocol, 4096);
      fuzz_frame(input, binary, protocol, small_limit);
    }
  }
  fuzz_handshake(input);
  fuzz_base64(input);
  return 0;
}
