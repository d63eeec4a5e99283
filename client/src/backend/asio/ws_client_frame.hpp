// ws_client_frame.hpp - one WebSocket data frame as a client writes it (RFC 6455 section 5.2):
// FIN set, text or binary opcode, no extensions (permessage-deflate is not negotiated), the
// payload length in 7, 7+16 or 7+64 bits, the MASK bit and a 4-byte masking key, the payload
// XORed with the key. Beast reads frames and does the handshake and the control frames; the
// client writes its data frames itself so that every frame queued in one pass of the loop goes out
// in one write (docs/performance.md, "Native client emits per second"). The server's unmasked
// counterpart is testserver/src/engine/ws_frame_header.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <openssl/rand.h>

namespace sio::detail {

using WsMaskKey = std::array<unsigned char, 4>;

// Masking keys from OpenSSL's CSPRNG (RFC 6455 section 10.3: unpredictable), fetched in blocks so
// that a frame costs no call into OpenSSL. One per connection, used on its strand only.
class WsMaskKeys {
 public:
  // false: OpenSSL had no random bytes (the frame must not be sent).
  bool next(WsMaskKey& key) {
    if (used_ == block_.size()) {
      if (RAND_bytes(block_.data(), static_cast<int>(block_.size())) != 1) return false;
      used_ = 0;
    }
    for (auto& b : key) b = block_[used_++];
    return true;
  }

 private:
  std::array<unsigned char, 1024> block_{};
  std::size_t used_ = block_.size();
};

// Appends the frame of `head` followed by `tail` (one payload in two parts) to `out`.
inline void append_ws_client_frame(std::string& out, bool binary, std::string_view head, std::string_view tail,
                                   const WsMaskKey& key) {
  const std::size_t size = head.size() + tail.size();
  char header[14];
  std::size_t n = 0;
  header[n++] = static_cast<char>(0x80 | (binary ? 0x2 : 0x1));  // FIN + text/binary opcode
  if (size < 126) {
    header[n++] = static_cast<char>(0x80 | size);
  } else if (size <= 0xFFFF) {
    header[n++] = static_cast<char>(0x80 | 126);
    header[n++] = static_cast<char>((size >> 8) & 0xFF);
    header[n++] = static_cast<char>(size & 0xFF);
  } else {
    header[n++] = static_cast<char>(0x80 | 127);
    const auto length = static_cast<std::uint64_t>(size);
    for (int i = 7; i >= 0; --i) header[n++] = static_cast<char>((length >> (8 * i)) & 0xFF);
  }
  for (const unsigned char b : key) header[n++] = static_cast<char>(b);
  const std::size_t start = out.size() + n;
  out.append(header, n);
  out.append(head);
  out.append(tail);
  auto* p = reinterpret_cast<unsigned char*>(out.data() + start);
  for (std::size_t i = 0; i < size; ++i) p[i] ^= key[i & 3];
}

}  // namespace sio::detail
