// The MessagePack wire format (socket.io-msgpack-parser 3.x) and the Parser interface.
// The hex vectors were produced by socket.io-msgpack-parser's Encoder (notepack.io 2.2); the
// interop tests (tests/server, tests/native) check both directions against the npm package live.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sio/core/json.hpp"
#include "sio/socketio/msgpack_packet.hpp"
#include "sio/socketio/parser.hpp"

namespace {

using sio::Errc;
using sio::json;
using sio::socketio::decode_msgpack;
using sio::socketio::DecoderLimits;
using sio::socketio::encode_msgpack;
using sio::socketio::Packet;
using sio::socketio::PacketType;

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string pack(const json& value) {
  std::string out;
  json::to_msgpack(value, out);
  return out;
}

Errc error_of(std::string_view bytes, DecoderLimits limits = {}) {
  auto r = decode_msgpack(bytes, limits);
  EXPECT_FALSE(r.ok()) << hex(bytes);
  return r.ok() ? Errc::disconnected : r.error().code;
}

// {type:2, data:["hi", 1, 1.5, true, null], nsp:"/"}
constexpr std::string_view kEvent =
    "83a47479706502a46461746195a2686901cb3ff8000000000000c3c0a36e7370a12f";
// {type:2, data:["bin", Buffer<01 02 03>], nsp:"/chat", id:7}
constexpr std::string_view kBinaryEvent =
    "84a47479706502a46461746192a362696ec403010203a36e7370a52f63686174a2696407";
// {type:0, data:{sid:"abc", pid:undefined}, nsp:"/"}
constexpr std::string_view kConnectUndefined =
    "83a47479706500a46461746182a3736964a3616263a3706964d40000a36e7370a12f";
// {type:2, data:["x", ArrayBuffer<09 08>], options:{compress:true}, nsp:"/"}  (socket.io-client)
constexpr std::string_view kClientEvent =
    "84a47479706502a46461746192a178c702000908a76f7074696f6e7381a8636f6d7072657373c3a36e7370a12f";
// {type:3, data:[], nsp:"/", id:12}
constexpr std::string_view kAck = "84a47479706503a46461746190a36e7370a12fa269640c";

TEST(SocketioMsgpack, DecodesWhatTheNpmEncoderWrites) {
  auto event = decode_msgpack(unhex(kEvent));
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->type, PacketType::event);
  EXPECT_EQ(event->nsp, "/");
  EXPECT_FALSE(event->id);
  EXPECT_EQ(event->data, json::parse(R"(["hi",1,1.5,true,null])"));

  auto bin = decode_msgpack(unhex(kBinaryEvent));
  ASSERT_TRUE(bin.ok()) << bin.error().message;
  EXPECT_EQ(bin->nsp, "/chat");
  EXPECT_EQ(bin->id, 7u);
  ASSERT_TRUE(bin->data[1].is_binary());
  EXPECT_EQ(bin->data[1], sio::binary(sio::Bytes{1, 2, 3}));

  auto connect = decode_msgpack(unhex(kConnectUndefined));
  ASSERT_TRUE(connect.ok()) << connect.error().message;
  EXPECT_EQ(connect->type, PacketType::connect);
  EXPECT_EQ(connect->data, json::parse(R"({"sid":"abc"})"));  // undefined member dropped

  auto client = decode_msgpack(unhex(kClientEvent));
  ASSERT_TRUE(client.ok()) << client.error().message;
  EXPECT_EQ(client->data[1], sio::binary(sio::Bytes{9, 8}));  // ArrayBuffer extension

  auto ack = decode_msgpack(unhex(kAck));
  ASSERT_TRUE(ack.ok()) << ack.error().message;
  EXPECT_EQ(ack->type, PacketType::ack);
  EXPECT_EQ(ack->id, 12u);
  EXPECT_EQ(ack->data, json::array());
}

TEST(SocketioMsgpack, EncodesAsTheNpmEncoderDoes) {
  EXPECT_EQ(hex(encode_msgpack(Packet::ack("/", 12, json::array()))), kAck);
  json args = json::array({"bin", sio::binary(sio::Bytes{1, 2, 3})});
  EXPECT_EQ(hex(encode_msgpack(Packet::event("/chat", args, 7))), kBinaryEvent);
  // A BINARY_* type is written as the plain type: this format carries binary inline.
  Packet p = Packet::event("/chat", args, 7);
  p.type = PacketType::binary_event;
  EXPECT_EQ(hex(encode_msgpack(p)), kBinaryEvent);
}

TEST(SocketioMsgpack, RoundTrips) {
  const Packet packets[] = {
      Packet::connect("/", json{{"token", "t"}}),
      Packet::connect("/admin"),
      Packet::disconnect("/x"),
      Packet::event("/", json::array({"e", 1.25, -3, 18446744073709551615ull, json::object()}), 9),
      Packet::ack("/n", 9007199254740991ull, json::array({sio::binary(std::string_view("\0\xff", 2))})),
      Packet::connect_error("/", json{{"message", "nope"}, {"data", {{"code", 1}}}}),
      Packet::connect_error("/", "text"),
  };
  for (const auto& p : packets) {
    auto back = decode_msgpack(encode_msgpack(p));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, p) << sio::dump_json(p.data);
  }
}

TEST(SocketioMsgpack, RejectsWhatTheNpmParserRejects) {
  EXPECT_EQ(error_of(""), Errc::truncated);
  EXPECT_EQ(error_of("\xc1"), Errc::bad_msgpack);                  // never used byte
  EXPECT_EQ(error_of(unhex(kAck) + "00"), Errc::bad_msgpack);       // trailing bytes
  EXPECT_EQ(error_of(unhex(kAck).substr(0, 10)), Errc::bad_msgpack);  // cut short
  EXPECT_EQ(error_of(pack(json::array({2, "/"}))), Errc::bad_payload);  // not a map
  EXPECT_EQ(error_of(pack({{"type", 5}, {"nsp", "/"}, {"data", {"a"}}})),
            Errc::unknown_packet_type);  // BINARY_* do not exist in this format
  EXPECT_EQ(error_of(pack({{"type", -1}, {"nsp", "/"}})), Errc::unknown_packet_type);
  EXPECT_EQ(error_of(pack({{"type", 2.0}, {"nsp", "/"}, {"data", {"a"}}})),
            Errc::unknown_packet_type);
  EXPECT_EQ(error_of(pack({{"type", 2}, {"data", {"a"}}})), Errc::bad_namespace);
  EXPECT_EQ(error_of(pack({{"type", 2}, {"nsp", 1}, {"data", {"a"}}})), Errc::bad_namespace);
  EXPECT_EQ(error_of(pack({{"type", 2}, {"nsp", "/"}, {"data", {"a"}}, {"id", -1}})),
            Errc::bad_ack_id);
  EXPECT_EQ(error_of(pack({{"type", 2}, {"nsp", "/"}, {"data", {"a"}}, {"id", 1.5}})),
            Errc::bad_ack_id);
  EXPECT_EQ(error_of(pack({{"type", 2}, {"nsp", "/"}, {"data", {"a"}}, {"id", 9007199254740992ull}})),
            Errc::ack_id_overflow);
  EXPECT_EQ(error_of(pack({{"type", 1}, {"nsp", "/"}, {"data", {"a"}}})), Errc::bad_payload);
  EXPECT_EQ(error_of(pack({{"type", 0}, {"nsp", "/"}, {"data", json::array()}})),
            Errc::bad_payload);
  EXPECT_EQ(error_of(pack({{"type", 2}, {"nsp", "/"}, {"data", json::object()}})),
            Errc::bad_payload);
  EXPECT_EQ(error_of(pack({{"type", 2}, {"nsp", "/"}, {"data", {"connect"}}})),
            Errc::reserved_event_name);
  EXPECT_EQ(error_of(pack({{"type", 3}, {"nsp", "/"}, {"data", json::array()}})),
            Errc::bad_ack_id);  // ACK without id
}

TEST(SocketioMsgpack, BoundsWhatItBuilds) {
  // 200 nested arrays: deeper than the limit, rejected before being built.
  std::string deep = unhex("83a47479706502a36e7370a12fa464617461");
  deep += std::string(200, '\x91') + "\xc0";
  EXPECT_EQ(error_of(deep), Errc::too_deep);
  DecoderLimits shallow;
  shallow.max_depth = 2;
  json two = json::array({"e", json::array({1})});
  EXPECT_TRUE(decode_msgpack(pack({{"type", 2}, {"nsp", "/"}, {"data", two}}), shallow).ok());
  json three = json::array({"e", json::array({json::array()})});
  EXPECT_EQ(error_of(pack({{"type", 2}, {"nsp", "/"}, {"data", three}}), shallow), Errc::too_deep);
  // array32 announcing 2^32-1 elements in a few bytes: no allocation, an error.
  EXPECT_EQ(error_of(unhex("83a47479706502a36e7370a12fa464617461ddffffffff")), Errc::bad_msgpack);
  // map keys must be strings
  EXPECT_EQ(error_of(unhex("8101a12f")), Errc::bad_msgpack);
}

TEST(SocketioMsgpack, NotepackExtensions) {
  // [undefined] -> [null]; other extension types -> [type, <binary>]
  const std::string head = unhex("83a47479706502a36e7370a12fa464617461");
  auto r = decode_msgpack(head + unhex("93a165d40000d50701ff"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->data[1], json(nullptr));
  EXPECT_EQ(r->data[2], json::array({7, sio::binary(sio::Bytes{1, 0xff})}));
  // id: undefined is no id
  auto no_id = decode_msgpack(unhex("84a47479706502a36e7370a12fa46461746191a165a26964d40000"));
  ASSERT_TRUE(no_id.ok()) << no_id.error().message;
  EXPECT_FALSE(no_id->id);
}

TEST(SocketioParser, ChoosesTheWireFormat) {
  using namespace sio::socketio;
  EXPECT_EQ(parser_by_name("msgpack"), msgpack_parser());
  EXPECT_EQ(parser_by_name("default"), default_parser());
  EXPECT_EQ(parser_by_name("json"), default_parser());
  EXPECT_EQ(parser_by_name("cbor"), nullptr);
  EXPECT_EQ(parser_or_default(nullptr).name(), "default");

  const Packet p = Packet::event("/", json::array({"up", sio::binary(sio::Bytes{5})}), 3);
  const Encoded m = msgpack_parser()->encode(p);
  EXPECT_TRUE(m.binary);
  EXPECT_TRUE(m.attachments.empty());
  auto md = msgpack_parser()->make_decoder(Protocol::v5, {});
  auto got = md->feed_binary(m.text);
  ASSERT_TRUE(got.ok() && got.value());
  EXPECT_EQ(**got, p);
  auto text = md->feed_text("2[\"x\"]");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, sio::Errc::protocol_violation);

  const Encoded d = default_parser()->encode(p);
  EXPECT_FALSE(d.binary);
  EXPECT_EQ(d, encode(p));
  auto dd = default_parser()->make_decoder(Protocol::v5, {});
  ASSERT_TRUE(dd->feed_text(d.text).ok());
  auto done = dd->feed_binary(d.attachments.at(0));
  ASSERT_TRUE(done.ok() && done.value());
  EXPECT_EQ(**done, p);
}

}  // namespace
