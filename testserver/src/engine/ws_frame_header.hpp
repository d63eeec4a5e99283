// The header of one WebSocket frame as a server writes it (RFC 6455 section 5.2): FIN set, no
// mask (a server never masks), no extensions (permessage-deflate is not negotiated), the payload
// length in 7, 7+16 or 7+64 bits. Beast reads frames; the server writes its data frames itself so
// that several queued frames go out in one gather write (docs/performance.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sio::server::detail {

struct WsFrameHeader {
  std::array<char, 10> bytes{};
  std::uint8_t size = 0;
};

inline WsFrameHeader ws_frame_header(bool binary, std::size_t payload_size) {
  WsFrameHeader h;
  h.bytes[0] = static_cast<char>(0x80 | (binary ? 0x2 : 0x1));  // FIN + text/binary opcode
  if (payload_size < 126) {
    h.bytes[1] = static_cast<char>(payload_size);
    h.size = 2;
  } else if (payload_size <= 0xFFFF) {
    h.bytes[1] = 126;
    h.bytes[2] = static_cast<char>((payload_size >> 8) & 0xFF);
    h.bytes[3] = static_cast<char>(payload_size & 0xFF);
    h.size = 4;
  } else {
    h.bytes[1] = 127;
    const auto n = static_cast<std::uint64_t>(payload_size);
    for (int i = 0; i < 8; ++i) h.bytes[2 + i] = static_cast<char>((n >> (8 * (7 - i))) & 0xFF);
    h.size = 10;
  }
  return h;
}

}  // namespace sio::server::detail
