// Engine.IO open-packet JSON: Node's key order on encode, required fields on decode.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sio/engineio/handshake.hpp"
#include "sio/engineio/packet.hpp"

namespace {

using sio::Errc;
using sio::engineio::decode_handshake;
using sio::engineio::encode_handshake;
using sio::engineio::Handshake;

// The example of the Engine.IO v4 protocol document.
constexpr std::string_view kSpecExample =
    R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";

Handshake spec_handshake() {
  Handshake h;
  h.sid = "lv_VI97HAXpY6yYWAAAC";
  h.upgrades = {"websocket"};
  h.ping_interval_ms = 25000;
  h.ping_timeout_ms = 20000;
  h.max_payload = 1000000;
  return h;
}

Errc handshake_error(std::string_view json) {
  auto result = decode_handshake(json);
  EXPECT_FALSE(result.ok()) << "decoded: " << json;
  return result.ok() ? Errc::protocol_violation : result.error().code;
}

TEST(EngineIoHandshake, EncodesSpecExampleExactly) {
  EXPECT_EQ(encode_handshake(spec_handshake()), kSpecExample);
}

TEST(EngineIoHandshake, DecodesSpecExample) {
  auto decoded = decode_handshake(kSpecExample);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, spec_handshake());
}

TEST(EngineIoHandshake, AsOpenPacketOverPolling) {
  using namespace sio::engineio;
  const Packet open = Packet::text(PacketType::open, encode_handshake(spec_handshake()));
  const std::vector<Packet> packets = {open};
  EXPECT_EQ(encode_payload(packets, Protocol::v4).bytes, "0" + std::string(kSpecExample));
  auto decoded = decode_payload("0" + std::string(kSpecExample), Protocol::v4);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].type, PacketType::open);
  auto handshake = decode_handshake((*decoded)[0].data);
  ASSERT_TRUE(handshake.ok());
  EXPECT_EQ(*handshake, spec_handshake());
}

TEST(EngineIoHandshake, WithoutMaxPayloadAndNoUpgrades) {
  Handshake h = spec_handshake();
  h.max_payload = std::nullopt;
  h.upgrades = {};
  h.ping_interval_ms = 300;
  h.ping_timeout_ms = 200;
  const std::string text = encode_handshake(h);
  EXPECT_EQ(text, R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":300,"pingTimeout":200})");
  auto decoded = decode_handshake(text);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, h);
  EXPECT_FALSE(decoded->max_payload.has_value());
}

TEST(EngineIoHandshake, EscapesStrings) {
  Handshake h = spec_handshake();
  h.sid = "a\"b\\c\n";
  h.upgrades = {"websocket", "webtransport"};
  const std::string text = encode_handshake(h);
  EXPECT_EQ(text.substr(0, 19), R"({"sid":"a\"b\\c\n",)");
  auto decoded = decode_handshake(text);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, h);
}

TEST(EngineIoHandshake, ToleratesOtherKeysOrderAndSpacing) {
  auto decoded = decode_handshake(
      R"( { "pingTimeout" : 5000, "extra": {"x": [1]}, "upgrades": [], "maxPayload": null,
            "sid": "S", "pingInterval": 25000.0 } )");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->sid, "S");
  EXPECT_TRUE(decoded->upgrades.empty());
  EXPECT_EQ(decoded->ping_interval_ms, 25000);
  EXPECT_EQ(decoded->ping_timeout_ms, 5000);
  EXPECT_FALSE(decoded->max_payload.has_value());
}

TEST(EngineIoHandshake, Rejections) {
  EXPECT_EQ(handshake_error(""), Errc::bad_handshake);
  EXPECT_EQ(handshake_error("not json"), Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"S")"), Errc::bad_handshake);
  EXPECT_EQ(handshake_error("[]"), Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"("sid")"), Errc::bad_handshake);
  // sid
  EXPECT_EQ(handshake_error(R"({"upgrades":[],"pingInterval":1,"pingTimeout":1})"), Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"","upgrades":[],"pingInterval":1,"pingTimeout":1})"), Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":5,"upgrades":[],"pingInterval":1,"pingTimeout":1})"), Errc::bad_handshake);
  // upgrades
  EXPECT_EQ(handshake_error(R"({"sid":"S","pingInterval":1,"pingTimeout":1})"), Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":"websocket","pingInterval":1,"pingTimeout":1})"),
            Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":[1],"pingInterval":1,"pingTimeout":1})"),
            Errc::bad_handshake);
  // pingInterval / pingTimeout
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":[],"pingTimeout":1})"), Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":[],"pingInterval":1})"), Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":[],"pingInterval":"1","pingTimeout":1})"),
            Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":[],"pingInterval":-1,"pingTimeout":1})"),
            Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":[],"pingInterval":1,"pingTimeout":1.5})"),
            Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":[],"pingInterval":1,"pingTimeout":1e300})"),
            Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":[],"pingInterval":18446744073709551615,"pingTimeout":1})"),
            Errc::bad_handshake);
  // maxPayload present but wrong
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":"big"})"),
            Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":-5})"),
            Errc::bad_handshake);
  // Deep nesting is refused before parsing.
  EXPECT_EQ(handshake_error(std::string(100000, '[') + std::string(100000, ']')), Errc::bad_handshake);
  EXPECT_EQ(handshake_error(R"({"sid":"S","upgrades":[],"pingInterval":1,"pingTimeout":1,"x":[[[[[[[[[[]]]]]]]]]]})"),
            Errc::bad_handshake);
}

TEST(EngineIoHandshake, BracketsInsideStringsAreNotNesting) {
  auto decoded = decode_handshake(R"({"sid":"[[[[[[[[[[[[\"{{{{{{{{{{","upgrades":[],"pingInterval":1,"pingTimeout":2})");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->sid, "[[[[[[[[[[[[\"{{{{{{{{{{");
}

}  // namespace
