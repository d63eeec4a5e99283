// Unit tests of the Socket.IO packet codec (sio/socketio/packet.hpp), protocol v5 and v4, using
// the examples of the official socket.io-protocol documents.
#include "sio/socketio/packet.hpp"

#include <gtest/gtest.h>

#include <string>
#include <ostream>
#include <vector>

namespace sio::socketio {
// Readable failure messages.
void PrintTo(const Packet& p, std::ostream* os) {
  *os << to_string(p.type) << " nsp=" << p.nsp;
  if (!p.query.empty()) *os << " query=" << p.query;
  if (p.id) *os << " id=" << *p.id;
  *os << " data=" << (p.has_data() ? p.data.dump() : std::string("<absent>"));
}
}  // namespace sio::socketio

namespace {

using sio::Errc;
using sio::json;
using sio::socketio::Decoder;
using sio::socketio::DecoderLimits;
using sio::socketio::decode_text;
using sio::socketio::encode;
using sio::socketio::Encoded;
using sio::socketio::Packet;
using sio::socketio::PacketType;
using sio::socketio::Protocol;

json j(const char* text) { return json::parse(text); }

const json kAbsent = json(json::value_t::discarded);

// Decodes a complete packet (text + attachments) with a fresh decoder; fails the test on error.
Packet decode_all(const Encoded& e, Protocol protocol = Protocol::v5) {
  Decoder d(protocol);
  auto r = d.feed_text(e.text);
  EXPECT_TRUE(r.ok()) << e.text << ": " << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return {};
  for (std::size_t i = 0; i < e.attachments.size(); ++i) {
    EXPECT_FALSE(r->has_value()) << "packet complete before attachment " << i;
    EXPECT_TRUE(d.awaiting_attachments());
    r = d.feed_binary(e.attachments[i]);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
  }
  EXPECT_TRUE(r->has_value()) << e.text;
  EXPECT_FALSE(d.awaiting_attachments());
  return r->has_value() ? **r : Packet{};
}

Errc text_error(std::string_view text, Protocol protocol = Protocol::v5, DecoderLimits limits = {}) {
  auto r = decode_text(text, protocol, limits);
  EXPECT_FALSE(r.ok()) << "accepted: " << text;
  if (r.ok()) return Errc::truncated;
  // The stateful decoder must reject it the same way.
  Decoder d(protocol, limits);
  auto r2 = d.feed_text(text);
  EXPECT_FALSE(r2.ok());
  if (!r2.ok()) {
    EXPECT_EQ(static_cast<int>(r2.error().code), static_cast<int>(r.error().code));
  }
  EXPECT_FALSE(d.awaiting_attachments());
  return r.error().code;
}

// Checks that `packet` encodes to exactly `text` (+ attachments) and decodes back to itself.
void expect_both_ways(const Packet& packet, const std::string& text,
                      const std::vector<std::string>& attachments = {},
                      Protocol protocol = Protocol::v5) {
  const Encoded e = encode(packet);
  EXPECT_EQ(e.text, text);
  EXPECT_EQ(e.attachments, attachments);
  Encoded wire{text, attachments};
  EXPECT_EQ(decode_all(wire, protocol), packet) << text;
}

Packet with_type(Packet p, PacketType t) {
  p.type = t;
  return p;
}

// ---- v5 examples (socket.io-protocol main, Readme.md) -----------------------------------------

TEST(SocketIoV5, Connect) {
  expect_both_ways(Packet::connect("/"), "0");
  expect_both_ways(Packet::connect("/", j(R"({"token":"123"})")), R"(0{"token":"123"})");
  expect_both_ways(Packet::connect("/admin"), "0/admin,");
  expect_both_ways(Packet::connect("/admin", j(R"({"token":"123"})")),
                   R"(0/admin,{"token":"123"})");
  expect_both_ways(Packet::connect("/admin", j(R"({"sid":"oSO0OpakMV_3jnilAAAA"})")),
                   R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})");
  expect_both_ways(Packet::connect("/", j(R"({"sid":"wZX3oN0bSVIhsaknAAAI"})")),
                   R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})");
}

TEST(SocketIoV5, Disconnect) {
  expect_both_ways(Packet::disconnect("/"), "1");
  expect_both_ways(Packet::disconnect("/admin"), "1/admin,");
}

TEST(SocketIoV5, Event) {
  expect_both_ways(Packet::event("/", j(R"(["hello",1])")), R"(2["hello",1])");
  expect_both_ways(Packet::event("/", j(R"(["foo"])")), R"(2["foo"])");
  expect_both_ways(Packet::event("/admin", j(R"(["bar"])")), R"(2/admin,["bar"])");
  expect_both_ways(Packet::event("/", j(R"(["foo"])"), 12), R"(212["foo"])");
  expect_both_ways(Packet::event("/admin", j(R"(["project:delete",123])"), 456),
                   R"(2/admin,456["project:delete",123])");
  expect_both_ways(Packet::event("/", j(R"(["hey","Jude"])")), R"(2["hey","Jude"])");
  // Numeric event names are allowed (socket.io-parser accepts them).
  expect_both_ways(Packet::event("/", j("[42,{}]")), "2[42,{}]");
  expect_both_ways(Packet::event("/", j(R"(["x"])"), 0), R"(20["x"])");
}

TEST(SocketIoV5, Ack) {
  expect_both_ways(Packet::ack("/admin", 456, json::array()), "3/admin,456[]");
  expect_both_ways(Packet::ack("/admin", 13, j(R"(["bar"])")), R"(3/admin,13["bar"])");
  expect_both_ways(Packet::ack("/", 1, j(R"(["ok",{"a":null}])")), R"(31["ok",{"a":null}])");
}

TEST(SocketIoV5, ConnectError) {
  expect_both_ways(Packet::connect_error("/", j(R"({"message":"Not authorized"})")),
                   R"(4{"message":"Not authorized"})");
  expect_both_ways(Packet::connect_error("/random", j(R"({"message":"Invalid namespace"})")),
                   R"(4/random,{"message":"Invalid namespace"})");
  expect_both_ways(
      Packet::connect_error("/", j(R"({"message":"nope","data":{"code":401}})")),
      R"(4{"message":"nope","data":{"code":401}})");
  // socket.io-parser 4.x also accepts a string payload.
  expect_both_ways(Packet::connect_error("/", json("Not authorized")), R"(4"Not authorized")");
}

TEST(SocketIoV5, BinaryEvent) {
  const std::string bytes("\x01\x02\x03\x04", 4);
  expect_both_ways(Packet::event("/", json::array({"hello", sio::binary(bytes)})),
                   R"(51-["hello",{"_placeholder":true,"num":0}])", {bytes});
  expect_both_ways(Packet::event("/", json::array({"baz", sio::binary(bytes)})),
                   R"(51-["baz",{"_placeholder":true,"num":0}])", {bytes});
  expect_both_ways(
      Packet::event("/admin", json::array({"baz", sio::binary(std::string_view("\x01")),
                                           sio::binary(std::string_view("\x02\x03"))})),
      R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
      {"\x01", "\x02\x03"});
  expect_both_ways(
      Packet::event("/", json::array({"message", sio::binary(std::string_view("\x01\x02\x03")),
                                      sio::binary(std::string_view("\x04\x05\x06"))})),
      R"(52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
      {"\x01\x02\x03", "\x04\x05\x06"});
  // With an ack id, and an empty buffer.
  expect_both_ways(Packet::event("/", json::array({"up", sio::binary(sio::Bytes{})}), 7),
                   R"(51-7["up",{"_placeholder":true,"num":0}])", {""});
}

TEST(SocketIoV5, BinaryAck) {
  const std::string bytes("\x01\x02\x03\x04", 4);
  expect_both_ways(Packet::ack("/", 15, json::array({"bar", sio::binary(bytes)})),
                   R"(61-15["bar",{"_placeholder":true,"num":0}])", {bytes});
  // The sample session's server reply.
  expect_both_ways(Packet::ack("/admin", 1, json::array({sio::binary(bytes)})),
                   R"(61-/admin,1[{"_placeholder":true,"num":0}])", {bytes});
}

TEST(SocketIoV5, PlaceholderOrderIsDepthFirstInInsertionOrder) {
  // As socket.io-parser's deconstructPacket: arrays by index, objects in member order.
  json data = json::array({"ev", json::object(), sio::binary(std::string_view("c"))});
  data[1]["z"] = sio::binary(std::string_view("b"));
  data[1]["a"] = json::array({sio::binary(std::string_view("a0")), 5});
  const Encoded e = encode(Packet::event("/", data));
  EXPECT_EQ(e.text,
            R"(53-["ev",{"z":{"_placeholder":true,"num":0},"a":[{"_placeholder":true,"num":1},5]},)"
            R"({"_placeholder":true,"num":2}])");
  EXPECT_EQ(e.attachments, (std::vector<std::string>{"b", "a0", "c"}));
  EXPECT_EQ(decode_all(e), Packet::event("/", data));
}

TEST(SocketIoV5, BinaryTypeWithoutBinaryIsSentPlain) {
  Packet p = with_type(Packet::event("/", j(R"(["x"])")), PacketType::binary_event);
  EXPECT_EQ(encode(p).text, R"(2["x"])");
  Packet a = with_type(Packet::ack("/", 3, json::array()), PacketType::binary_ack);
  EXPECT_EQ(encode(a).text, "3" "3[]");
}

TEST(SocketIoV5, DecodeTextKeepsPlaceholdersAndCount) {
  auto r = decode_text(R"(52-/admin,9["a",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}])");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->attachments, 2u);
  EXPECT_EQ(r->packet.type, PacketType::binary_event);
  EXPECT_EQ(r->packet.nsp, "/admin");
  EXPECT_EQ(r->packet.id, 9u);
  EXPECT_EQ(r->packet.data[1], j(R"({"_placeholder":true,"num":1})"));

  Decoder d;
  ASSERT_TRUE(d.feed_text(R"(52-/admin,9["a",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}])").ok());
  auto first = d.feed_binary("zero");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  auto second = d.feed_binary("one");
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->has_value());
  const Packet& p = **second;
  EXPECT_EQ(p.type, PacketType::event);  // reconstructed packets come back as EVENT/ACK
  EXPECT_EQ(p.data, json::array({"a", sio::binary(std::string_view("one")),
                                 sio::binary(std::string_view("zero"))}));
}

TEST(SocketIoV5, PlaceholdersInPlainEventStayObjects) {
  auto r = decode_text(R"(2["a",{"_placeholder":true,"num":0}])");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->packet.data[1], j(R"({"_placeholder":true,"num":0})"));
}

TEST(SocketIoV5, NamespaceQuirksFollowSocketIoParser) {
  // Namespace runs to the end of the text when there is no comma.
  auto r = decode_text("1/admin");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->packet, Packet::disconnect("/admin"));
  // An explicit "/," is the main namespace.
  r = decode_text(R"(2/,["x"])");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->packet, Packet::event("/", j(R"(["x"])")));
  // v5 keeps a '?' as part of the namespace name (only v4 CONNECT has a query).
  r = decode_text("0/admin?x=1,");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->packet.nsp, "/admin?x=1");
  EXPECT_EQ(r->packet.query, "");
  // Leading zeros in the ack id and whitespace before the JSON are tolerated.
  r = decode_text(R"(2007 ["x"])");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->packet, Packet::event("/", j(R"(["x"])"), 7));
}

TEST(SocketIoV5, LargestAckId) {
  expect_both_ways(Packet::event("/", j(R"(["x"])"), sio::socketio::kMaxAckId),
                   R"(29007199254740991["x"])");
  expect_both_ways(Packet::ack("/a", sio::socketio::kMaxAckId, json::array()),
                   "3/a,9007199254740991[]");
}

TEST(SocketIoV5, EveryPacketTypeRoundTrips) {
  const Packet packets[] = {
      Packet::connect("/"),
      Packet::connect("/chat", j(R"({"token":"abc","n":[1,2.5,null]})")),
      Packet::disconnect("/chat"),
      Packet::event("/", j(R"(["m",{"deep":[[["x"]]]},"\u00e9\n"])"), 99),
      Packet::event("/x", json::array({"bin", sio::binary(std::string("\0\xFF", 2)),
                                       json{{"k", sio::binary(std::string_view("v"))}}}), 3),
      Packet::ack("/", 0, json::array({nullptr, true, -1.5})),
      Packet::ack("/y", 4, json::array({json::array({sio::binary(std::string_view("q"))})})),
      Packet::connect_error("/", j(R"({"message":"m","data":[1]})")),
  };
  for (const Packet& p : packets) {
    const Encoded e = encode(p);
    EXPECT_EQ(decode_all(e), p) << e.text;
  }
}

// ---- v4 (socket.io 1.x/2.x, socket.io-protocol v4 Readme.md) -----------------------------------

TEST(SocketIoV4, ConnectWithQuery) {
  Packet p = Packet::connect("/admin");
  p.query = "token=1";
  expect_both_ways(p, "0/admin?token=1,", {}, Protocol::v4);
  p.query = "token=1234&uid=abcd";
  expect_both_ways(p, "0/admin?token=1234&uid=abcd,", {}, Protocol::v4);
  expect_both_ways(Packet::connect("/admin"), "0/admin,", {}, Protocol::v4);
  expect_both_ways(Packet::connect("/"), "0", {}, Protocol::v4);
  // The main namespace with a query, as socket.io-client 2.x would write it.
  Packet main = Packet::connect("/");
  main.query = "a=b";
  expect_both_ways(main, "0/?a=b,", {}, Protocol::v4);
  // Only the first '?' splits.
  auto r = decode_text("0/a?b?c,", Protocol::v4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->packet.nsp, "/a");
  EXPECT_EQ(r->packet.query, "b?c");
  // Other packet types keep the '?' in the namespace.
  r = decode_text("1/a?b,", Protocol::v4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->packet.nsp, "/a?b");
  EXPECT_EQ(r->packet.query, "");
}

TEST(SocketIoV4, ErrorPayloadIsAString) {
  expect_both_ways(Packet::connect_error("/", json("Not authorized")), R"(4"Not authorized")", {},
                   Protocol::v4);
  expect_both_ways(Packet::connect_error("/admin", json("Not authorized")),
                   R"(4/admin,"Not authorized")", {}, Protocol::v4);
  // socket.io-parser 3.x accepts any `typeof "object"` there (err.data sent by the server).
  expect_both_ways(Packet::connect_error("/", j(R"({"code":1})")), R"(4{"code":1})", {},
                   Protocol::v4);
  expect_both_ways(Packet::connect_error("/", json(nullptr)), "4null", {}, Protocol::v4);
  expect_both_ways(Packet::connect_error("/", j("[1]")), "4[1]", {}, Protocol::v4);
}

TEST(SocketIoV4, EventsAcksAndBinary) {
  expect_both_ways(Packet::disconnect("/admin"), "1/admin,", {}, Protocol::v4);
  expect_both_ways(Packet::event("/", j(R"(["hello",1])")), R"(2["hello",1])", {}, Protocol::v4);
  expect_both_ways(Packet::event("/admin", j(R"(["project:delete",123])"), 456),
                   R"(2/admin,456["project:delete",123])", {}, Protocol::v4);
  expect_both_ways(Packet::ack("/admin", 456, json::array()), "3/admin,456[]", {}, Protocol::v4);
  const std::string bytes("\x01\x02\x03", 3);
  expect_both_ways(Packet::event("/", json::array({"hello", sio::binary(bytes)})),
                   R"(51-["hello",{"_placeholder":true,"num":0}])", {bytes}, Protocol::v4);
  expect_both_ways(Packet::ack("/admin", 456, json::array({sio::binary(bytes)})),
                   R"(61-/admin,456[{"_placeholder":true,"num":0}])", {bytes}, Protocol::v4);
}

TEST(SocketIoV4, ReservedNamesAreNotCheckedByTheV4Parser) {
  auto r = decode_text(R"(2["disconnect"])", Protocol::v4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->packet.data[0], "disconnect");
}

TEST(SocketIoV4, ConnectPayloadAnyJsObject) {
  EXPECT_TRUE(decode_text(R"(0{"a":1})", Protocol::v4).ok());
  EXPECT_TRUE(decode_text("0null", Protocol::v4).ok());
  EXPECT_TRUE(decode_text("0[]", Protocol::v4).ok());
  EXPECT_EQ(text_error(R"(0"x")", Protocol::v4), Errc::bad_payload);
  EXPECT_EQ(text_error("01", Protocol::v4), Errc::bad_ack_id);
}

// ---- rejections ------------------------------------------------------------------------------

TEST(SocketIoReject, Truncated) { EXPECT_EQ(text_error(""), Errc::truncated); }

TEST(SocketIoReject, UnknownPacketType) {
  for (const char* text : {"7", "9[]", "a", "-1", " 2[\"x\"]", "{}", "\xFF"}) {
    EXPECT_EQ(text_error(text), Errc::unknown_packet_type) << text;
  }
  EXPECT_EQ(text_error("7", Protocol::v4), Errc::unknown_packet_type);
}

TEST(SocketIoReject, BadJson) {
  for (const char* text : {R"(2abc["message-with-ack",1])", R"(2["x")", "2[\"x\"]]", "0{", "3/a,1[1,]",
                           "0/admin,{'a':1}", R"(4{"message":"x"}x)"}) {
    EXPECT_EQ(text_error(text), Errc::bad_json) << text;
  }
}

TEST(SocketIoReject, TooDeep) {
  const std::string deep = "2[\"x\"," + std::string(200, '[') + std::string(200, ']') + "]";
  EXPECT_EQ(text_error(deep), Errc::too_deep);
  DecoderLimits limits;
  limits.max_depth = 2;
  EXPECT_TRUE(decode_text(R"(2["x",[1]])", Protocol::v5, limits).ok());
  EXPECT_EQ(text_error(R"(2["x",[[1]]])", Protocol::v5, limits), Errc::too_deep);
}

TEST(SocketIoReject, BadPayloadV5) {
  for (const char* text : {
           "0[]", "0\"x\"", "0null", "0/admin,[1]",  // CONNECT: object or absent
           "1{}", "1/admin,[]", "1null", "1\"x\"",             // DISCONNECT: no payload
           "2", "2{}", "2[]", "2/admin,", "2[null]", "2[true]", "2[[\"x\"]]", "2[{}]",  // EVENT
           "2\"x\"", "2null", "21",
           "31", "31{}", "31\"x\"", "3/a,1", "31null",         // ACK: array
           "4", "4[]", "4null", "4/admin,", "4true",            // CONNECT_ERROR: string/object
           "51-", "51-{}", "51-[]", "51-[null]", "61-1", "61-1{}"}) {
    EXPECT_EQ(text_error(text), Errc::bad_payload) << text;
  }
  // A digit run is an ack id: "01.5" is CONNECT, id 1, then ".5", which is not JSON.
  EXPECT_EQ(text_error("01.5"), Errc::bad_json);
  EXPECT_EQ(text_error("41.5"), Errc::bad_json);
  EXPECT_EQ(text_error("51-[1.5e999]"), Errc::bad_json);
}

TEST(SocketIoReject, ExactCodesForMissingPayloads) {
  EXPECT_EQ(text_error("31"), Errc::bad_payload);       // ACK id 1, no payload
  EXPECT_EQ(text_error("2"), Errc::bad_payload);        // EVENT without payload
  EXPECT_EQ(text_error("4"), Errc::bad_payload);        // CONNECT_ERROR without payload
  EXPECT_EQ(text_error("2/chat,"), Errc::bad_payload);
}

TEST(SocketIoReject, ReservedEventNames) {
  for (const char* name : {"connect", "connect_error", "disconnect", "disconnecting",
                           "newListener", "removeListener"}) {
    EXPECT_TRUE(sio::socketio::is_reserved_event(name));
    const std::string args = "[\"" + std::string(name) + "\",1]";
    EXPECT_EQ(text_error("2" + args), Errc::reserved_event_name) << name;
    EXPECT_EQ(text_error("2/admin,5" + args), Errc::reserved_event_name) << name;
    EXPECT_EQ(text_error("51-[\"" + std::string(name) + "\",{\"_placeholder\":true,\"num\":0}]"),
              Errc::reserved_event_name);
    // Only the event name counts; ACK arguments may be anything.
    EXPECT_TRUE(decode_text("31" + args).ok());
  }
  EXPECT_FALSE(sio::socketio::is_reserved_event("Connect"));
  EXPECT_FALSE(sio::socketio::is_reserved_event("message"));
  EXPECT_TRUE(decode_text(R"(2["connected"])").ok());
  EXPECT_TRUE(decode_text(R"(2["x","disconnect"])").ok());
}

TEST(SocketIoReject, AckIdRules) {
  EXPECT_EQ(text_error(R"(01{"a":1})"), Errc::bad_ack_id);   // CONNECT with id
  EXPECT_EQ(text_error("1/admin,1"), Errc::bad_ack_id);       // DISCONNECT with id
  EXPECT_EQ(text_error(R"(41{"message":"x"})"), Errc::bad_ack_id);
  EXPECT_EQ(text_error("3[]"), Errc::bad_ack_id);             // ACK without id
  EXPECT_EQ(text_error("3/admin,[]"), Errc::bad_ack_id);
  EXPECT_EQ(text_error(R"(61-[{"_placeholder":true,"num":0}])"), Errc::bad_ack_id);
}

TEST(SocketIoReject, AckIdOverflow) {
  EXPECT_EQ(text_error(R"(29007199254740992["x"])"), Errc::ack_id_overflow);
  EXPECT_EQ(text_error(R"(218446744073709551616["x"])"), Errc::ack_id_overflow);
  EXPECT_EQ(text_error("3" + std::string(100, '9') + "[]"), Errc::ack_id_overflow);
  EXPECT_EQ(text_error("3/a," + std::string(1000, '7') + "[]"), Errc::ack_id_overflow);
  // Leading zeros do not overflow.
  EXPECT_TRUE(decode_text("3" + std::string(100, '0') + "5[]").ok());
}

TEST(SocketIoReject, BadAttachmentCount) {
  for (const char* text : {"5", "5-[\"x\"]", "50-[\"x\"]", "5x-[\"x\"]", "5[\"x\"]",
                           "51[\"x\",{\"_placeholder\":true,\"num\":0}]", "5 1-[\"x\"]", "51",
                           "6-1[]", "5/a,1-[\"x\"]", "5-1-[\"x\"]", "500-[\"x\"]", "51e0-[\"x\"]"}) {
    EXPECT_EQ(text_error(text), Errc::bad_attachment_count) << text;
  }
}

TEST(SocketIoReject, TooManyAttachments) {
  EXPECT_EQ(text_error(R"(511-["x"])"), Errc::too_many_attachments);
  EXPECT_EQ(text_error("6" + std::string(60, '9') + "-1[]"), Errc::too_many_attachments);
  EXPECT_TRUE(decode_text(R"(510-["x"])").ok());  // the default limit, 10, is allowed
  DecoderLimits limits;
  limits.max_attachments = 2;
  EXPECT_EQ(text_error(R"(53-["x"])", Protocol::v5, limits), Errc::too_many_attachments);
  EXPECT_TRUE(decode_text(R"(52-["x"])", Protocol::v5, limits).ok());
}

// An application may lift the limit to SIZE_MAX: the count must not wrap around, and the decoder
// must not reserve what the peer announced (std::length_error / bad_alloc would escape).
TEST(SocketIoReject, AttachmentLimitAtSizeMax) {
  DecoderLimits limits;
  limits.max_attachments = SIZE_MAX;
  EXPECT_EQ(text_error("5" + std::string(40, '9') + R"(-["x"])", Protocol::v5, limits),
            Errc::too_many_attachments);
  EXPECT_EQ(text_error("518446744073709551616-[\"x\"]", Protocol::v5, limits), Errc::too_many_attachments);
  Decoder d(Protocol::v5, limits);
  auto r = d.feed_text("518446744073709551615-[\"x\",{\"_placeholder\":true,\"num\":0}]");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(d.awaiting_attachments());
  ASSERT_TRUE(d.feed_binary("a").ok());
  EXPECT_TRUE(d.awaiting_attachments());
}

TEST(SocketIoReject, UnexpectedAttachment) {
  Decoder d;
  auto r = d.feed_binary("\x01");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unexpected_attachment);
  // After a completed binary packet, a further binary frame is unexpected too.
  ASSERT_TRUE(d.feed_text(R"(51-["x",{"_placeholder":true,"num":0}])").ok());
  auto done = d.feed_binary("a");
  ASSERT_TRUE(done.ok());
  ASSERT_TRUE(done->has_value());
  r = d.feed_binary("b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unexpected_attachment);
}

TEST(SocketIoReject, PlaceholderOutOfRange) {
  for (const char* text : {
           R"(51-["x",{"_placeholder":true,"num":1}])",
           R"(51-["x",{"_placeholder":true,"num":-1}])",
           R"(51-["x",{"_placeholder":true,"num":0.5}])",
           R"(51-["x",{"_placeholder":true,"num":"0"}])",
           R"(51-["x",{"_placeholder":true}])",
           R"(51-["x",{"_placeholder":true,"num":18446744073709551617}])",
           R"(61-1[{"a":[{"_placeholder":true,"num":3}]}])"}) {
    Decoder d;
    ASSERT_TRUE(d.feed_text(text).ok()) << text;
    auto r = d.feed_binary("\x01");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, Errc::placeholder_out_of_range) << text;
    EXPECT_FALSE(d.awaiting_attachments());
  }
  // "_placeholder" must be the boolean true to count; otherwise the object stays as is.
  Decoder d;
  ASSERT_TRUE(d.feed_text(R"(51-["x",{"_placeholder":1,"num":9},{"_placeholder":true,"num":0.0}])").ok());
  auto r = d.feed_binary("z");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((**r).data[1], j(R"({"_placeholder":1,"num":9})"));
  EXPECT_EQ((**r).data[2], sio::binary(std::string_view("z")));

  // The free function too.
  auto bad = sio::socketio::reconstruct(j(R"([{"_placeholder":true,"num":0}])"), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::placeholder_out_of_range);
}

TEST(SocketIoReject, TextWhileAwaitingAttachments) {
  Decoder d;
  ASSERT_TRUE(d.feed_text(R"(52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])").ok());
  ASSERT_TRUE(d.feed_binary("a").ok());
  EXPECT_TRUE(d.awaiting_attachments());
  auto r = d.feed_text(R"(2["y"])");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::protocol_violation);
  // The decoder is reset: the next packet decodes normally, and the old buffers are gone.
  EXPECT_FALSE(d.awaiting_attachments());
  auto next = d.feed_text(R"(2["y"])");
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, Packet::event("/", j(R"(["y"])")));
}

TEST(SocketIoReject, ErrorsResetTheDecoder) {
  Decoder d;
  ASSERT_TRUE(d.feed_text(R"(51-["x",{"_placeholder":true,"num":0}])").ok());
  d.reset();
  EXPECT_FALSE(d.awaiting_attachments());
  EXPECT_EQ(d.feed_binary("a").error().code, Errc::unexpected_attachment);
  // A failed text packet leaves nothing pending either.
  EXPECT_EQ(d.feed_text("5-").error().code, Errc::bad_attachment_count);
  EXPECT_FALSE(d.awaiting_attachments());
  auto ok = d.feed_text(R"(2["fine"])");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->has_value());
}

// ---- helpers ---------------------------------------------------------------------------------

TEST(SocketIoHelpers, HasBinary) {
  EXPECT_FALSE(sio::socketio::has_binary(j(R"([1,{"a":[null]}])")));
  EXPECT_TRUE(sio::socketio::has_binary(json::array({1, json{{"a", json::array({sio::binary(std::string_view("x"))})}}})));
  EXPECT_TRUE(sio::socketio::has_binary(sio::binary(std::string_view())));
  // Deep user-built values do not overflow the stack.
  json deep = sio::binary(std::string_view("x"));
  for (int i = 0; i < 100000; ++i) {
    json outer = json::array();
    outer.push_back(std::move(deep));
    deep = std::move(outer);
  }
  EXPECT_TRUE(sio::socketio::has_binary(deep));
}

TEST(SocketIoHelpers, Names) {
  EXPECT_EQ(sio::socketio::to_string(PacketType::connect), "CONNECT");
  EXPECT_EQ(sio::socketio::to_string(PacketType::disconnect), "DISCONNECT");
  EXPECT_EQ(sio::socketio::to_string(PacketType::event), "EVENT");
  EXPECT_EQ(sio::socketio::to_string(PacketType::ack), "ACK");
  EXPECT_EQ(sio::socketio::to_string(PacketType::connect_error), "CONNECT_ERROR");
  EXPECT_EQ(sio::socketio::to_string(PacketType::binary_event), "BINARY_EVENT");
  EXPECT_EQ(sio::socketio::to_string(PacketType::binary_ack), "BINARY_ACK");
}

TEST(SocketIoHelpers, PacketEquality) {
  EXPECT_EQ(Packet::connect("/"), Packet::connect("/"));
  EXPECT_NE(Packet::connect("/"), Packet::connect("/", json::object()));
  EXPECT_NE(Packet::connect("/"), Packet::connect("/a"));
  EXPECT_NE(Packet::event("/", j("[1]")), Packet::event("/", j("[1]"), 1));
  EXPECT_NE(Packet::event("/", j("[1]")), Packet::event("/", j("[2]")));
  Packet q = Packet::connect("/");
  q.query = "a";
  EXPECT_NE(q, Packet::connect("/"));
  (void)kAbsent;
}

}  // namespace
