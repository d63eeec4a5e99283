// ws_client_frame.hpp - one WebSocket data frame as the native client writes it: the header of
// sio/engineio/websocket_frame.hpp (shared with the server) with a masking key from OpenSSL's
// CSPRNG, and the payload XORed with the key (docs/performance.md, "Native client emits per
// second").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <openssl/rand.h>

#include "sio/engineio/websocket_frame.hpp"

namespace sio::detail {

using WsMaskKey = engineio::WebSocketMaskKey;

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

// Appends the frame of `head` followed by `tail` (one payload in two parts) to `out`, masked.
inline void append_ws_client_frame(std::string& out, bool binary, std::string_view head, std::string_view tail,
                                   const WsMaskKey& key) {
  const std::size_t size = head.size() + tail.size();
  const auto header = engineio::websocket_frame_header(binary, size, &key);
  const std::size_t start = out.size() + header.size;
  out.append(header.bytes.data(), header.size);
  out.append(head);
  out.append(tail);
  auto* p = reinterpret_cast<unsigned char*>(out.data() + start);
  for (std::size_t i = 0; i < size; ++i) p[i] ^= key[i & 3];
}

}  // namespace sio::detail
