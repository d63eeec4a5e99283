// The WebSocket data frame header our server and native client write (sio/engineio/websocket_frame.hpp),
// at each boundary of RFC 6455's three length encodings, unmasked (server) and masked (client).
#include "sio/engineio/websocket_frame.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using sio::engineio::websocket_frame_header;
using sio::engineio::WebSocketMaskKey;

std::string bytes(const sio::engineio::WebSocketFrameHeader& h) { return std::string(h.bytes.data(), h.size); }

TEST(WebSocketFrame, LengthEncodingsAtTheirBoundaries) {
  EXPECT_EQ(bytes(websocket_frame_header(false, 0)), std::string("\x81\x00", 2));
  EXPECT_EQ(bytes(websocket_frame_header(true, 125)), std::string("\x82\x7d", 2));
  EXPECT_EQ(bytes(websocket_frame_header(false, 126)), std::string("\x81\x7e\x00\x7e", 4));
  EXPECT_EQ(bytes(websocket_frame_header(false, 65535)), std::string("\x81\x7e\xff\xff", 4));
  EXPECT_EQ(bytes(websocket_frame_header(true, 65536)), std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
}

TEST(WebSocketFrame, ClientFramesCarryTheMaskBitAndKey) {
  const WebSocketMaskKey key{0x12, 0x34, 0x56, 0x78};
  EXPECT_EQ(bytes(websocket_frame_header(false, 5, &key)), std::string("\x81\x85\x12\x34\x56\x78", 6));
  EXPECT_EQ(bytes(websocket_frame_header(true, 300, &key)), std::string("\x82\xfe\x01\x2c\x12\x34\x56\x78", 8));
  EXPECT_EQ(websocket_frame_header(false, 1u << 20, &key).size, 14);
}

}  // namespace
