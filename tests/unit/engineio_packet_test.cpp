// Engine.IO packet codecs: frames and polling payloads, v3 and v4, with the byte strings of the
// official protocol documents and of engine.io-parser 2.2.1 (v3) / 5.2.3 (v4).
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sio/engineio/packet.hpp"

namespace {

using namespace std::literals;
using sio::Errc;
using sio::engineio::Body;
using sio::engineio::decode_frame;
using sio::engineio::decode_payload;
using sio::engineio::encode_frame;
using sio::engineio::encode_payload;
using sio::engineio::Frame;
using sio::engineio::Packet;
using sio::engineio::PacketType;
using sio::engineio::PayloadLimits;
using sio::engineio::Protocol;

const std::string kBytes1234 = "\x01\x02\x03\x04"s;

std::vector<Packet> all_text_packets() {
  return {Packet::text(PacketType::open, R"({"sid":"abc"})"), Packet::text(PacketType::close),
          Packet::text(PacketType::ping, "probe"),           Packet::text(PacketType::pong, "probe"),
          Packet::message("hello"),                          Packet::text(PacketType::upgrade),
          Packet::text(PacketType::noop)};
}

Errc payload_error(std::string_view body, Protocol protocol, bool binary_body = false,
                   PayloadLimits limits = {}) {
  auto result = decode_payload(body, protocol, binary_body, limits);
  EXPECT_FALSE(result.ok()) << "decoded: " << testing::PrintToString(std::string(body));
  return result.ok() ? Errc::protocol_violation : result.error().code;
}

Errc frame_error(std::string_view bytes, bool binary, Protocol protocol, std::size_t max = SIZE_MAX) {
  auto result = decode_frame(bytes, binary, protocol, max);
  EXPECT_FALSE(result.ok()) << "decoded: " << testing::PrintToString(std::string(bytes));
  return result.ok() ? Errc::protocol_violation : result.error().code;
}

// ---- names ---------------------------------------------------------------------------------

TEST(EngineIoPacket, TypeNames) {
  EXPECT_EQ(to_string(PacketType::open), "open");
  EXPECT_EQ(to_string(PacketType::close), "close");
  EXPECT_EQ(to_string(PacketType::ping), "ping");
  EXPECT_EQ(to_string(PacketType::pong), "pong");
  EXPECT_EQ(to_string(PacketType::message), "message");
  EXPECT_EQ(to_string(PacketType::upgrade), "upgrade");
  EXPECT_EQ(to_string(PacketType::noop), "noop");
  EXPECT_EQ(sio::to_string(Errc::truncated), "truncated");
  EXPECT_EQ(sio::to_string(Errc::bad_length), "bad_length");
  EXPECT_EQ(sio::to_string(Errc::payload_too_large), "payload_too_large");
  EXPECT_EQ(sio::to_string(Errc::protocol_violation), "protocol_violation");
}

// ---- frames (WebSocket) ----------------------------------------------------------------------

TEST(EngineIoFrame, EveryTextTypeBothProtocols) {
  const std::vector<std::string> wire = {R"(0{"sid":"abc"})", "1", "2probe", "3probe", "4hello", "5", "6"};
  const auto packets = all_text_packets();
  for (Protocol protocol : {Protocol::v3, Protocol::v4}) {
    for (std::size_t i = 0; i < packets.size(); ++i) {
      EXPECT_EQ(encode_frame(packets[i], protocol), (Frame{wire[i], false}));
      auto moved = packets[i];  // the overload that takes the packet's data over
      EXPECT_EQ(encode_frame(std::move(moved), protocol), (Frame{wire[i], false}));
      auto decoded = decode_frame(wire[i], false, protocol);
      ASSERT_TRUE(decoded.ok()) << wire[i];
      EXPECT_EQ(*decoded, packets[i]);
    }
  }
}

TEST(EngineIoFrame, SpecExamples) {
  auto ping = decode_frame("2", false, Protocol::v4);
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(*ping, Packet::text(PacketType::ping));
  EXPECT_EQ(ping->data, "");
  auto utf8 = decode_frame("4€", false, Protocol::v4);
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ(*utf8, Packet::message("€"));
}

TEST(EngineIoFrame, BinaryV4IsRawBytes) {
  EXPECT_EQ(encode_frame(Packet::bytes(kBytes1234), Protocol::v4), (Frame{kBytes1234, true}));
  auto decoded = decode_frame(kBytes1234, true, Protocol::v4);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, Packet::bytes(kBytes1234));
  // A binary frame starting with 0x04 is data in v4, not a type byte.
  auto with_four = decode_frame("\x04\x01"s, true, Protocol::v4);
  ASSERT_TRUE(with_four.ok());
  EXPECT_EQ(with_four->data, "\x04\x01"s);
  // An empty Buffer travels as an empty binary frame.
  auto empty = decode_frame("", true, Protocol::v4);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, Packet::bytes(""));
}

TEST(EngineIoFrame, BinaryV3CarriesTypeByte) {
  const std::string wire = "\x04\x01\x02\x03\x04"s;
  EXPECT_EQ(encode_frame(Packet::bytes(kBytes1234), Protocol::v3), (Frame{wire, true}));
  auto decoded = decode_frame(wire, true, Protocol::v3);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, Packet::bytes(kBytes1234));
  auto only_type = decode_frame("\x04"s, true, Protocol::v3);
  ASSERT_TRUE(only_type.ok());
  EXPECT_EQ(*only_type, Packet::bytes(""));
}

TEST(EngineIoFrame, Base64TextFrameIsBinaryMessage) {
  // engine.io-parser decodes a "b" text packet as binary in both versions.
  auto v4 = decode_frame("bAQIDBA==", false, Protocol::v4);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(*v4, Packet::bytes(kBytes1234));
  auto v3 = decode_frame("b4AQIDBA==", false, Protocol::v3);
  ASSERT_TRUE(v3.ok());
  EXPECT_EQ(*v3, Packet::bytes(kBytes1234));
}

TEST(EngineIoFrame, Rejections) {
  for (Protocol protocol : {Protocol::v3, Protocol::v4}) {
    EXPECT_EQ(frame_error("", false, protocol), Errc::truncated);
    EXPECT_EQ(frame_error("7", false, protocol), Errc::unknown_packet_type);
    EXPECT_EQ(frame_error("abc", false, protocol), Errc::unknown_packet_type);
    EXPECT_EQ(frame_error("\x00"s, false, protocol), Errc::unknown_packet_type);
    EXPECT_EQ(frame_error("4hello", false, protocol, 5), Errc::payload_too_large);
    EXPECT_EQ(frame_error(kBytes1234, true, protocol, 3), Errc::payload_too_large);
  }
  EXPECT_EQ(frame_error("b!!!!", false, Protocol::v4), Errc::bad_base64);
  EXPECT_EQ(frame_error("b4AQI", false, Protocol::v3), Errc::bad_base64);
  EXPECT_EQ(frame_error("b", false, Protocol::v3), Errc::truncated);
  EXPECT_EQ(frame_error("b2AQID", false, Protocol::v3), Errc::unknown_packet_type);
  EXPECT_EQ(frame_error("", true, Protocol::v3), Errc::truncated);
  EXPECT_EQ(frame_error("\x02\x01"s, true, Protocol::v3), Errc::unknown_packet_type);
  EXPECT_EQ(frame_error("\x34\x01"s, true, Protocol::v3), Errc::unknown_packet_type);
  // At the limit is fine.
  EXPECT_TRUE(decode_frame("4hello", false, Protocol::v4, 6).ok());
}

// ---- v4 payloads -----------------------------------------------------------------------------

TEST(EngineIoPayloadV4, SpecExamples) {
  const std::vector<Packet> packets = {Packet::message("hello"), Packet::message("€")};
  const Body body = encode_payload(packets, Protocol::v4);
  EXPECT_EQ(body, (Body{"4hello\x1e" "4€", false}));
  auto decoded = decode_payload("4hello\x1e" "4€", Protocol::v4);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, packets);

  const std::vector<Packet> mixed = {Packet::message("hello"), Packet::bytes(kBytes1234)};
  EXPECT_EQ(encode_payload(mixed, Protocol::v4).bytes, "4hello\x1e" "bAQIDBA==");
  auto decoded_mixed = decode_payload("4hello\x1e" "bAQIDBA==", Protocol::v4);
  ASSERT_TRUE(decoded_mixed.ok());
  EXPECT_EQ(*decoded_mixed, mixed);

  const std::vector<Packet> single_binary = {Packet::bytes(kBytes1234)};
  EXPECT_EQ(encode_payload(single_binary, Protocol::v4), (Body{"bAQIDBA==", false}));
  // supports_binary changes nothing in v4: polling bodies are always text.
  EXPECT_EQ(encode_payload(single_binary, Protocol::v4, true), (Body{"bAQIDBA==", false}));

  auto three = decode_payload("4hello\x1e" "2\x1e" "4world", Protocol::v4);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(*three, (std::vector<Packet>{Packet::message("hello"), Packet::text(PacketType::ping),
                                         Packet::message("world")}));
}

TEST(EngineIoPayloadV4, EveryTypeRoundTrip) {
  const auto packets = all_text_packets();
  const Body body = encode_payload(packets, Protocol::v4);
  EXPECT_EQ(body.bytes, "0{\"sid\":\"abc\"}\x1e" "1\x1e" "2probe\x1e" "3probe\x1e" "4hello\x1e" "5\x1e" "6");
  auto decoded = decode_payload(body.bytes, Protocol::v4);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, packets);
}

TEST(EngineIoPayloadV4, EmptyListAndEmptyBinary) {
  EXPECT_EQ(encode_payload({}, Protocol::v4), (Body{"", false}));
  const std::vector<Packet> empty_binary = {Packet::bytes("")};
  EXPECT_EQ(encode_payload(empty_binary, Protocol::v4).bytes, "b");
  auto decoded = decode_payload("b", Protocol::v4);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, empty_binary);
}

TEST(EngineIoPayloadV4, Rejections) {
  EXPECT_EQ(payload_error("", Protocol::v4), Errc::truncated);
  EXPECT_EQ(payload_error("4hello\x1e", Protocol::v4), Errc::truncated);
  EXPECT_EQ(payload_error("\x1e" "4hello", Protocol::v4), Errc::truncated);
  EXPECT_EQ(payload_error("4a\x1e\x1e" "4b", Protocol::v4), Errc::truncated);
  EXPECT_EQ(payload_error("abc", Protocol::v4), Errc::unknown_packet_type);
  EXPECT_EQ(payload_error("4hello\x1e" "9", Protocol::v4), Errc::unknown_packet_type);
  EXPECT_EQ(payload_error("bAQIDBA=", Protocol::v4), Errc::bad_base64);
  EXPECT_EQ(payload_error("bAQ*DBA==", Protocol::v4), Errc::bad_base64);
  EXPECT_EQ(payload_error("4hello", Protocol::v4, true), Errc::protocol_violation);
  EXPECT_EQ(payload_error("4hello", Protocol::v4, false, PayloadLimits{5}), Errc::payload_too_large);
  EXPECT_TRUE(decode_payload("4hello", Protocol::v4, false, PayloadLimits{6}).ok());
}

// ---- v3 text payloads ------------------------------------------------------------------------

TEST(EngineIoPayloadV3, SpecExamples) {
  const std::vector<Packet> packets = {Packet::message("hello"), Packet::message("€")};
  EXPECT_EQ(encode_payload(packets, Protocol::v3), (Body{"6:4hello2:4€", false}));
  auto decoded = decode_payload("6:4hello2:4€", Protocol::v3);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, packets);

  const std::vector<Packet> two = {Packet::message("hello"), Packet::message("world")};
  EXPECT_EQ(encode_payload(two, Protocol::v3).bytes, "6:4hello6:4world");

  // Binary in a text payload (b64=1 clients, or supports_binary false).
  const std::vector<Packet> binary = {Packet::bytes(kBytes1234)};
  EXPECT_EQ(encode_payload(binary, Protocol::v3), (Body{"10:b4AQIDBA==", false}));
  auto decoded_binary = decode_payload("10:b4AQIDBA==", Protocol::v3);
  ASSERT_TRUE(decoded_binary.ok());
  EXPECT_EQ(*decoded_binary, binary);

  // Close and noop answers over polling.
  EXPECT_EQ(encode_payload(std::vector<Packet>{Packet::text(PacketType::noop)}, Protocol::v3).bytes, "1:6");
  EXPECT_EQ(encode_payload(std::vector<Packet>{Packet::text(PacketType::close)}, Protocol::v3).bytes, "1:1");
}

TEST(EngineIoPayloadV3, LengthCountsUtf16Units) {
  // U+1F600 is one character of 4 UTF-8 bytes and 2 UTF-16 code units.
  const std::vector<Packet> emoji = {Packet::message("\xF0\x9F\x98\x80")};
  EXPECT_EQ(encode_payload(emoji, Protocol::v3).bytes, "3:4\xF0\x9F\x98\x80");
  auto decoded = decode_payload("3:4\xF0\x9F\x98\x80" "2:4a", Protocol::v3);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, (std::vector<Packet>{Packet::message("\xF0\x9F\x98\x80"), Packet::message("a")}));
  // é (2 bytes) and € (3 bytes) are one unit each.
  EXPECT_EQ(encode_payload(std::vector<Packet>{Packet::message("é€x")}, Protocol::v3).bytes, "4:4é€x");
}

TEST(EngineIoPayloadV3, EveryTypeRoundTrip) {
  const auto packets = all_text_packets();
  const Body body = encode_payload(packets, Protocol::v3);
  EXPECT_EQ(body.bytes, "14:0{\"sid\":\"abc\"}1:16:2probe6:3probe6:4hello1:51:6");
  EXPECT_FALSE(body.binary);
  auto decoded = decode_payload(body.bytes, Protocol::v3);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, packets);
  // Text-only payloads stay text even when the client supports binary.
  EXPECT_EQ(encode_payload(packets, Protocol::v3, true), body);
}

TEST(EngineIoPayloadV3, EmptyList) {
  // engine.io-parser 2.2.1: encodePayload([]) is "0:", and decoding "0:" yields no packet.
  EXPECT_EQ(encode_payload({}, Protocol::v3), (Body{"0:", false}));
  EXPECT_EQ(encode_payload({}, Protocol::v3, true), (Body{"0:", false}));
  auto decoded = decode_payload("0:", Protocol::v3);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->empty());
  auto with_empty_entry = decode_payload("0:6:4hello", Protocol::v3);
  ASSERT_TRUE(with_empty_entry.ok());
  EXPECT_EQ(*with_empty_entry, std::vector<Packet>{Packet::message("hello")});
}

TEST(EngineIoPayloadV3, HandshakeOverPolling) {
  const std::string open =
      R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000})";
  const std::vector<Packet> packets = {Packet::text(PacketType::open, open.substr(1)),
                                       Packet::message("0")};
  const std::string wire = std::to_string(open.size()) + ":" + open + "2:40";
  EXPECT_EQ(encode_payload(packets, Protocol::v3).bytes, wire);
  auto decoded = decode_payload(wire, Protocol::v3);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, packets);
}

TEST(EngineIoPayloadV3, Rejections) {
  EXPECT_EQ(payload_error("", Protocol::v3), Errc::truncated);
  // Length not a number / missing / missing ':'.
  EXPECT_EQ(payload_error(":4hello", Protocol::v3), Errc::bad_length);
  EXPECT_EQ(payload_error("x:4hello", Protocol::v3), Errc::bad_length);
  EXPECT_EQ(payload_error("6 :4hello", Protocol::v3), Errc::bad_length);
  EXPECT_EQ(payload_error("64hello", Protocol::v3), Errc::bad_length);
  EXPECT_EQ(payload_error("6", Protocol::v3), Errc::bad_length);
  EXPECT_EQ(payload_error("6:4hello6", Protocol::v3), Errc::bad_length);
  EXPECT_EQ(payload_error("-6:4hello", Protocol::v3), Errc::bad_length);
  // Length past the end, including numbers far beyond any size (no overflow).
  EXPECT_EQ(payload_error("7:4hello", Protocol::v3), Errc::bad_length);
  EXPECT_EQ(payload_error("99999999999999999999999999999999:4hello", Protocol::v3), Errc::bad_length);
  EXPECT_EQ(payload_error("18446744073709551616:4", Protocol::v3), Errc::bad_length);
  EXPECT_EQ(payload_error("18446744073709551615:4", Protocol::v3), Errc::bad_length);
  // Length landing inside a surrogate pair.
  EXPECT_EQ(payload_error("2:4\xF0\x9F\x98\x80", Protocol::v3), Errc::bad_length);
  // Length in bytes instead of characters overshoots.
  EXPECT_EQ(payload_error("4:4€", Protocol::v3), Errc::bad_length);
  // Bad packets inside a well-framed payload.
  EXPECT_EQ(payload_error("1:9", Protocol::v3), Errc::unknown_packet_type);
  EXPECT_EQ(payload_error("5:hello", Protocol::v3), Errc::unknown_packet_type);
  EXPECT_EQ(payload_error("9:b4AQIDBA=", Protocol::v3), Errc::bad_base64);
  EXPECT_EQ(payload_error("10:b4AQI#BA==", Protocol::v3), Errc::bad_base64);
  EXPECT_EQ(payload_error("10:b2AQIDBA==", Protocol::v3), Errc::unknown_packet_type);
  EXPECT_EQ(payload_error("1:b", Protocol::v3), Errc::truncated);
  // Size limit, checked before anything else.
  EXPECT_EQ(payload_error("6:4hello", Protocol::v3, false, PayloadLimits{7}), Errc::payload_too_large);
  EXPECT_EQ(payload_error("garbage!", Protocol::v3, true, PayloadLimits{7}), Errc::payload_too_large);
  EXPECT_TRUE(decode_payload("6:4hello", Protocol::v3, false, PayloadLimits{8}).ok());
}

// ---- v3 XHR2 binary payloads -----------------------------------------------------------------

TEST(EngineIoPayloadV3Binary, SpecExample) {
  // 4hello + binary message <01 02 03 04>
  const std::string wire = "\x00\x06\xFF" "4hello" "\x01\x05\xFF\x04\x01\x02\x03\x04"s;
  const std::vector<Packet> packets = {Packet::message("hello"), Packet::bytes(kBytes1234)};
  EXPECT_EQ(encode_payload(packets, Protocol::v3, true), (Body{wire, true}));
  auto decoded = decode_payload(wire, Protocol::v3, true);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, packets);
  // Without binary support the same packets use the text form.
  EXPECT_EQ(encode_payload(packets, Protocol::v3, false), (Body{"6:4hello10:b4AQIDBA==", false}));
}

TEST(EngineIoPayloadV3Binary, LengthsInBytesAndMultiDigit) {
  const std::string big(300, 'x');
  const std::vector<Packet> packets = {Packet::message("€"), Packet::bytes(big), Packet::text(PacketType::ping)};
  const std::string wire = "\x00\x04\xFF" "4€"s + "\x01\x03\x00\x01\xFF\x04"s + big + "\x00\x01\xFF" "2"s;
  EXPECT_EQ(encode_payload(packets, Protocol::v3, true), (Body{wire, true}));
  auto decoded = decode_payload(wire, Protocol::v3, true);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, packets);
}

TEST(EngineIoPayloadV3Binary, EveryTypeRoundTrip) {
  auto packets = all_text_packets();
  packets.push_back(Packet::bytes(kBytes1234));
  packets.push_back(Packet::bytes(""));
  const Body body = encode_payload(packets, Protocol::v3, true);
  EXPECT_TRUE(body.binary);
  auto decoded = decode_payload(body.bytes, Protocol::v3, true);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, packets);
}

TEST(EngineIoPayloadV3Binary, Base64StringEntryAccepted) {
  const std::string wire = "\x00\x01\x00\xFF" "b4AQIDBA=="s;
  auto decoded = decode_payload(wire, Protocol::v3, true);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, std::vector<Packet>{Packet::bytes(kBytes1234)});
}

TEST(EngineIoPayloadV3Binary, Rejections) {
  EXPECT_EQ(payload_error("", Protocol::v3, true), Errc::truncated);
  EXPECT_EQ(payload_error("\x02\x01\xFF" "2"s, Protocol::v3, true), Errc::bad_length);       // bad marker
  EXPECT_EQ(payload_error("\x00\x01"s, Protocol::v3, true), Errc::bad_length);               // no 0xFF
  EXPECT_EQ(payload_error("\x00"s, Protocol::v3, true), Errc::bad_length);                   // no length
  EXPECT_EQ(payload_error("\x00\xFF" "2"s, Protocol::v3, true), Errc::bad_length);           // empty length
  EXPECT_EQ(payload_error("\x00\x0A\xFF" "2"s, Protocol::v3, true), Errc::bad_length);       // digit > 9
  EXPECT_EQ(payload_error("\x00\x02\xFF" "2"s, Protocol::v3, true), Errc::bad_length);       // past end
  EXPECT_EQ(payload_error("\x00"s + std::string(40, '\x09') + "\xFF" "2"s, Protocol::v3, true),
            Errc::bad_length);  // huge length, no overflow
  EXPECT_EQ(payload_error("\x00\x00\xFF"s, Protocol::v3, true), Errc::truncated);             // empty string
  EXPECT_EQ(payload_error("\x01\x00\xFF"s, Protocol::v3, true), Errc::truncated);             // empty binary
  EXPECT_EQ(payload_error("\x00\x01\xFF" "9"s, Protocol::v3, true), Errc::unknown_packet_type);
  EXPECT_EQ(payload_error("\x01\x02\xFF\x02\x01"s, Protocol::v3, true), Errc::unknown_packet_type);
  EXPECT_EQ(payload_error("\x00\x03\xFF" "b4A"s, Protocol::v3, true), Errc::bad_base64);
  const std::string ok = "\x01\x05\xFF\x04\x01\x02\x03\x04"s;
  EXPECT_EQ(payload_error(ok, Protocol::v3, true, PayloadLimits{ok.size() - 1}), Errc::payload_too_large);
  EXPECT_TRUE(decode_payload(ok, Protocol::v3, true, PayloadLimits{ok.size()}).ok());
}

// ---- helpers ---------------------------------------------------------------------------------

TEST(EngineIoBase64, RfcVectors) {
  using sio::engineio::base64_decode;
  using sio::engineio::base64_encode;
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}, {kBytes1234, "AQIDBA=="},
      {"\xFF\xFE\xFD\x00"s, "//79AA=="}, {"\xFB\xEF\xBE"s, "++++"}};
  for (const auto& [raw, text] : vectors) {
    EXPECT_EQ(base64_encode(raw), text);
    auto decoded = base64_decode(text);
    ASSERT_TRUE(decoded.ok()) << text;
    EXPECT_EQ(*decoded, raw);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  auto round = base64_decode(base64_encode(all));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(*round, all);
}

TEST(EngineIoBase64, Rejections) {
  using sio::engineio::base64_decode;
  for (std::string_view bad : {"Z", "Zg", "Zg=", "Zm9", "Zg==Zg==", "Z===", "====", "=Zg=", "Zg=a",
                               "Zm9v\n", "Zm 9", "Zm-_", "Zm9v!A=="}) {
    auto decoded = base64_decode(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(decoded.error().code, Errc::bad_base64) << bad;
  }
  auto nul = base64_decode("Zm9\0"sv);
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().code, Errc::bad_base64);
}

TEST(EngineIoUtf16, Length) {
  using sio::engineio::utf16_length;
  EXPECT_EQ(utf16_length(""), 0u);
  EXPECT_EQ(utf16_length("hello"), 5u);
  EXPECT_EQ(utf16_length("é"), 1u);
  EXPECT_EQ(utf16_length("€"), 1u);
  EXPECT_EQ(utf16_length("\xF0\x9F\x98\x80"), 2u);
  EXPECT_EQ(utf16_length("a\xF0\x9F\x98\x80z"), 4u);
  // Invalid sequences count one unit per byte.
  EXPECT_EQ(utf16_length("\xFF"), 1u);
  EXPECT_EQ(utf16_length("\x80\x80"), 2u);
  EXPECT_EQ(utf16_length("\xE2\x82"), 2u);              // truncated €
  EXPECT_EQ(utf16_length("\xC0\xAF"), 2u);              // overlong '/'
  EXPECT_EQ(utf16_length("\xED\xA0\x80"), 3u);          // encoded surrogate
  EXPECT_EQ(utf16_length("\xF4\x90\x80\x80"), 4u);      // past U+10FFFF
  EXPECT_EQ(utf16_length("\xF0\x9F\x98"), 3u);          // truncated 4-byte sequence
}

TEST(EngineIoPayloadV3, InvalidUtf8RoundTrips) {
  // Lengths of invalid bytes agree between encoder and decoder.
  const std::vector<Packet> packets = {Packet::message("\xE2\x82"), Packet::message("\xF0\x9F\x98"),
                                       Packet::message("\xFF" "x")};
  const Body body = encode_payload(packets, Protocol::v3);
  EXPECT_EQ(body.bytes, "3:4\xE2\x82" "4:4\xF0\x9F\x98" "3:4\xFF" "x");
  auto decoded = decode_payload(body.bytes, Protocol::v3);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, packets);
}

}  // namespace
