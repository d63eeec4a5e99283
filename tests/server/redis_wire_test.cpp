// The Redis adapter's pure parts: the wire codec (sio/redis/wire.hpp) on messages as Node's
// notepack.io writes them, malformed and hostile input, and redis:// URLs (sio/redis/url.hpp).
#include <gtest/gtest.h>

#include <string>

#include "sio/redis/url.hpp"
#include "sio/redis/wire.hpp"

using namespace std::string_literals;
using sio::json;
namespace wire = sio::redis::wire;

namespace {

// [ "abcdef", {type: 2, data: ["ev", <Buffer 01 02>], nsp: "/"}, {rooms: ["r1"], except: [], flags: {}} ]
// as notepack.io encodes it.
const std::string kNodeBroadcast =
    "\x93\xa6" "abcdef" "\x83\xa4" "type" "\x02\xa4" "data" "\x92\xa2" "ev" "\xc4\x02\x01\x02"
    "\xa3" "nsp" "\xa1/" "\x83\xa5" "rooms" "\x91\xa2" "r1" "\xa6" "except" "\x90\xa5" "flags" "\x80";

TEST(RedisWire, DecodesNodeBroadcast) {
  auto b = wire::decode_broadcast(kNodeBroadcast);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->uid, "abcdef");
  EXPECT_EQ(b->packet.nsp, "/");
  ASSERT_EQ(b->packet.data.size(), 2u);
  EXPECT_EQ(b->packet.data[0], "ev");
  ASSERT_TRUE(b->packet.data[1].is_binary());
  const std::vector<std::uint8_t>& bytes = b->packet.data[1].get_binary();
  EXPECT_EQ(bytes, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(b->opts.rooms, (std::set<std::string>{"r1"}));
  EXPECT_TRUE(b->opts.except.empty());
  EXPECT_TRUE(b->opts.flags.compress);
}

TEST(RedisWire, BroadcastRoundTripKeepsBinaryRoomsAndFlags) {
  sio::server::BroadcastOptions opts;
  opts.rooms = {"a", "b"};
  opts.except = {"c"};
  opts.flags.volatile_ = true;
  opts.flags.compress = false;
  opts.flags.timeout = std::chrono::milliseconds(1500);
  const auto packet = sio::socketio::Packet::event("/chat", json::array({"x", sio::binary(std::string("\0\xff", 2)), 2.5}));
  const auto bytes = wire::encode_broadcast("uid123", packet, opts);
  auto b = wire::decode_broadcast(bytes);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->uid, "uid123");
  EXPECT_EQ(b->packet.nsp, "/chat");
  EXPECT_EQ(b->packet.data, packet.data);
  EXPECT_EQ(b->opts.rooms, opts.rooms);
  EXPECT_EQ(b->opts.except, opts.except);
  EXPECT_TRUE(b->opts.flags.volatile_);
  EXPECT_FALSE(b->opts.flags.compress);
  EXPECT_EQ(b->opts.flags.timeout, std::chrono::milliseconds(1500));
}

TEST(RedisWire, ChannelsAsNodeNamesThem) {
  const auto c = wire::Channels::make("socket.io", "/chat", "u1");
  EXPECT_EQ(c.broadcast, "socket.io#/chat#");
  EXPECT_EQ(c.request, "socket.io-request#/chat#");
  EXPECT_EQ(c.response, "socket.io-response#/chat#");
  EXPECT_EQ(c.specific_response, "socket.io-response#/chat#u1#");
  EXPECT_EQ(c.for_rooms({"r"}), "socket.io#/chat#r#");
  EXPECT_EQ(c.for_rooms({"r", "s"}), "socket.io#/chat#");
  EXPECT_EQ(wire::room_of_channel("socket.io#/chat#r#", c.broadcast), "r");
  EXPECT_EQ(wire::room_of_channel("socket.io#/chat#", c.broadcast), "");
  EXPECT_EQ(wire::room_of_channel("socket.io#/chat#r", c.broadcast), std::nullopt);
  EXPECT_EQ(wire::room_of_channel("socket.io#/other#", c.broadcast), std::nullopt);
}

TEST(RedisWire, RequestsInJsonAndMessagePack) {
  auto m = wire::decode_message(R"({"uid":"u","requestId":"r1","type":5,"opts":{"rooms":["a",7],"except":[]}})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 5);
  EXPECT_EQ(m->request_id, "r1");
  EXPECT_EQ(m->uid, "u");
  auto opts = wire::options_from_wire(m->body["opts"]);
  ASSERT_TRUE(opts);
  EXPECT_EQ(opts->rooms, (std::set<std::string>{"a", "7"}));  // numeric rooms, as JavaScript allows
  const json ack = {{"type", 9}, {"requestId", "r2"}, {"packet", sio::binary(std::string("\x01", 1))}};
  auto packed = wire::decode_message(wire::encode_msgpack(ack));
  ASSERT_TRUE(packed);
  EXPECT_EQ(packed->type, 9);
  EXPECT_TRUE(packed->body["packet"].is_binary());
}

TEST(RedisWire, RefusesMalformedAndHostileInput) {
  EXPECT_FALSE(wire::decode_broadcast(""));
  EXPECT_FALSE(wire::decode_broadcast("\xc1"));                       // never used byte
  EXPECT_FALSE(wire::decode_broadcast("\x93\xa3" "abc"));             // truncated
  EXPECT_FALSE(wire::decode_broadcast("\x92\x01\x02"));               // not [uid, packet, opts]
  EXPECT_FALSE(wire::decode_broadcast("\x93\xa1u\x81\xa4type\x00\x80"s));  // packet of type CONNECT
  EXPECT_FALSE(wire::decode_broadcast("\xdd\xff\xff\xff\xff"));       // array claiming 4 G elements
  std::string deep(sio::kMaxJsonDepth + 1, '\x91');
  deep.push_back('\xc0');
  auto too_deep = wire::decode_payload(deep);
  ASSERT_FALSE(too_deep);
  EXPECT_EQ(too_deep.error().code, sio::Errc::too_deep);
  std::string ok_depth(sio::kMaxJsonDepth, '\x91');
  ok_depth.push_back('\xc0');
  EXPECT_TRUE(wire::decode_payload(ok_depth));
  EXPECT_FALSE(wire::decode_message("{not json"));
  EXPECT_FALSE(wire::decode_message("[1]"));
  EXPECT_FALSE(wire::packet_from_wire(json{{"type", 2}, {"data", json::array()}}));            // no event name
  EXPECT_FALSE(wire::packet_from_wire(json{{"type", 2}, {"data", {"ev"}}, {"id", -1}}));       // bad ack id
  EXPECT_FALSE(wire::options_from_wire(json(5)));
}

TEST(RedisUrl, ParsesHostAndPort) {
  auto a = sio::redis::parse_redis_url("redis://10.0.0.5:6380");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "10.0.0.5");
  EXPECT_EQ(a->port, 6380);
  auto b = sio::redis::parse_redis_url("redis://cache.internal");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, 6379);
  auto c = sio::redis::parse_redis_url("redis://[::1]:7000/");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
  for (const char* bad : {"http://h:1", "redis://", "redis://h:0", "redis://h:70000", "redis://u:p@h:1",
                          "redis://h:1/2", "redis://h:1?x=1", "not a url"}) {
    EXPECT_FALSE(sio::redis::parse_redis_url(bad)) << bad;
  }
}

}  // namespace
