// sio/engineio/websocket_frame.hpp - the header of one WebSocket data frame as our server and our
// native client write it (RFC 6455 section 5.2): FIN set, text or binary opcode, no extensions
// (permessage-deflate is never negotiated), the payload length in 7, 7+16 or 7+64 bits, and for a
// client the MASK bit and its 4-byte masking key (a server never masks; the client XORs the
// payload with the key). Beast reads frames, performs the handshakes and answers control frames;
// both sides write their data frames themselves so that every frame queued in one pass of the
// loop goes out in one write (docs/performance.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sio::engineio {

using WebSocketMaskKey = std::array<unsigned char, 4>;

struct WebSocketFrameHeader {
  std::array<char, 14> bytes{};
  std::uint8_t size = 0;  // 2 to 10 bytes unmasked, 4 more with a masking key
};

// The header of a data frame of `payload_size` bytes; masked with `*mask` when given (a client).
inline WebSocketFrameHeader websocket_frame_header(bool binary, std::size_t payload_size,
                                                   const WebSocketMaskKey* mask = nullptr) {
  WebSocketFrameHeader h;
  const char mask_bit = mask ? static_cast<char>(0x80) : 0;
  h.bytes[h.size++] = static_cast<char>(0x80 | (binary ? 0x2 : 0x1));  // FIN + text/binary opcode
  if (payload_size < 126) {
    h.bytes[h.size++] = static_cast<char>(mask_bit | static_cast<char>(payload_size));
  } else if (payload_size <= 0xFFFF) {
    h.bytes[h.size++] = static_cast<char>(mask_bit | 126);
    h.bytes[h.size++] = static_cast<char>((payload_size >> 8) & 0xFF);
    h.bytes[h.size++] = static_cast<char>(payload_size & 0xFF);
  } else {
    h.bytes[h.size++] = static_cast<char>(mask_bit | 127);
    const auto n = static_cast<std::uint64_t>(payload_size);
    for (int i = 7; i >= 0; --i) h.bytes[h.size++] = static_cast<char>((n >> (8 * i)) & 0xFF);
  }
  if (mask) {
    for (const unsigned char b : *mask) h.bytes[h.size++] = static_cast<char>(b);
  }
  return h;
}

}  // namespace sio::engineio
