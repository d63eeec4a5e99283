// Unit tests of the sans-I/O Engine.IO client session: scripted bytes and times, no sockets.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "sio/engineio/client_session.hpp"

using namespace sio::engineio;
using namespace std::chrono_literals;

namespace {

using Type = ClientEvent::Type;

const SteadyTime T0{};  // the epoch of the steady clock: a fixed, scripted time line

std::string open_json(std::string_view upgrades, int interval = 300, int timeout = 200,
                      std::string_view extra = R"(,"maxPayload":1000000)") {
  return std::string(R"({"sid":"abc","upgrades":)") + std::string(upgrades) + R"(,"pingInterval":)" +
         std::to_string(interval) + R"(,"pingTimeout":)" + std::to_string(timeout) + std::string(extra) + "}";
}

std::vector<ClientEvent> drain(ClientSession& s) {
  std::vector<ClientEvent> out;
  while (auto e = s.poll_event()) out.push_back(std::move(*e));
  return out;
}

std::vector<Frame> frames(ClientSession& s) {
  std::vector<Frame> out;
  while (auto f = s.take_ws_frame()) out.push_back(std::move(*f));
  return out;
}

Frame text_frame(std::string s) { return Frame{std::move(s), false}; }

ClientSessionOptions polling_options(Protocol p, bool upgrade = false) {
  ClientSessionOptions o;
  o.protocol = p;
  o.initial_transport = TransportKind::polling;
  o.upgrade = upgrade;
  return o;
}

ClientSessionOptions ws_options(Protocol p) {
  ClientSessionOptions o;
  o.protocol = p;
  o.initial_transport = TransportKind::websocket;
  return o;
}

// Polling session opened at T0 (no upgrade).
void open_polling(ClientSession& s, Protocol p, std::string_view upgrades = "[]") {
  s.start(T0);
  ASSERT_TRUE(s.take_get());
  ASSERT_FALSE(s.take_get());  // one GET at a time
  const std::string packet = "0" + open_json(upgrades);
  const std::string body = p == Protocol::v4 ? packet : std::to_string(packet.size()) + ":" + packet;
  s.on_get_response(body, false, T0);
}

void open_ws(ClientSession& s) {
  s.start(T0);
  ASSERT_FALSE(s.take_get());
  ASSERT_TRUE(s.take_ws_connect());
  s.on_ws_open(T0);
  EXPECT_TRUE(frames(s).empty());  // nothing sent before the handshake
  s.on_ws_frame("0" + open_json("[]"), false, T0);
}

}  // namespace

// ---- handshake ---------------------------------------------------------------------------------

TEST(ClientSession, PollingHandshakeV4) {
  ClientSession s(polling_options(Protocol::v4));
  EXPECT_EQ(s.state(), ClientSession::State::opening);
  open_polling(s, Protocol::v4);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Type::open);
  EXPECT_EQ(events[0].handshake.sid, "abc");
  EXPECT_EQ(events[0].handshake.ping_interval_ms, 300);
  EXPECT_EQ(s.state(), ClientSession::State::open);
  EXPECT_EQ(s.sid(), "abc");
  EXPECT_EQ(s.transport(), TransportKind::polling);
  EXPECT_TRUE(s.take_get());  // the long-poll starts right away
  EXPECT_FALSE(s.take_ws_connect());
}

TEST(ClientSession, PollingHandshakeV3LengthPrefixed) {
  ClientSession s(polling_options(Protocol::v3));
  s.start(T0);
  ASSERT_TRUE(s.take_get());
  const std::string packet = "0" + open_json("[]", 25000, 5000, "");
  // Handshake followed by a message in the same payload (socket.io 2.x sends "40" this way).
  s.on_get_response(std::to_string(packet.size()) + ":" + packet + "2:40", false, T0);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, Type::open);
  EXPECT_FALSE(events[0].handshake.max_payload.has_value());
  EXPECT_EQ(events[1].type, Type::message);
  EXPECT_EQ(events[1].data, "0");
}

TEST(ClientSession, WebSocketOnlyHandshake) {
  ClientSession s(ws_options(Protocol::v4));
  open_ws(s);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Type::open);
  EXPECT_EQ(s.transport(), TransportKind::websocket);
  EXPECT_FALSE(s.take_ws_connect());
  EXPECT_FALSE(s.take_get());
}

TEST(ClientSession, MessagesSentBeforeOpenAreFlushedAfterIt) {
  ClientSession s(ws_options(Protocol::v4));
  s.start(T0);
  ASSERT_TRUE(s.take_ws_connect());
  s.send("early", false, T0);
  s.on_ws_open(T0);
  EXPECT_TRUE(frames(s).empty());
  s.on_ws_frame("0" + open_json("[]"), false, T0);
  EXPECT_EQ(frames(s), std::vector<Frame>{text_frame("4early")});
}

TEST(ClientSession, FirstPacketNotOpenIsParseError) {
  ClientSession s(polling_options(Protocol::v4));
  s.start(T0);
  ASSERT_TRUE(s.take_get());
  s.on_get_response("4hello", false, T0);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Type::close);
  EXPECT_EQ(events[0].data, "parse error");
  EXPECT_EQ(s.state(), ClientSession::State::closed);
  EXPECT_FALSE(s.take_get());
}

TEST(ClientSession, BadHandshakeJsonIsParseError) {
  ClientSession s(ws_options(Protocol::v4));
  s.start(T0);
  ASSERT_TRUE(s.take_ws_connect());
  s.on_ws_open(T0);
  s.on_ws_frame(R"(0{"upgrades":[]})", false, T0);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "parse error");
  EXPECT_TRUE(s.take_ws_close());
}

TEST(ClientSession, HandshakeTimeout) {
  auto o = polling_options(Protocol::v4);
  o.open_timeout = 1000ms;
  ClientSession s(o);
  s.start(T0);
  ASSERT_TRUE(s.take_get());
  ASSERT_EQ(s.next_timeout(), T0 + 1000ms);
  s.handle_timeout(T0 + 999ms);
  EXPECT_TRUE(drain(s).empty());
  s.handle_timeout(T0 + 1000ms);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, Type::error);
  EXPECT_EQ(events[1].type, Type::close);
  EXPECT_EQ(events[1].data, "transport error");
}

TEST(ClientSession, GetFailureIsTransportError) {
  ClientSession s(polling_options(Protocol::v4));
  open_polling(s, Protocol::v4);
  drain(s);
  ASSERT_TRUE(s.take_get());
  s.on_get_failed("HTTP 400", T0 + 1ms);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, Type::error);
  EXPECT_EQ(events[0].data, "HTTP 400");
  EXPECT_EQ(events[1].data, "transport error");
}

// ---- messages ------------------------------------------------------------------------------------

TEST(ClientSession, PollingMessagesBothWaysV4) {
  ClientSession s(polling_options(Protocol::v4));
  open_polling(s, Protocol::v4);
  drain(s);
  ASSERT_TRUE(s.take_get());
  s.on_get_response("4hello\x1e" "bAQIDBA==\x1e" "6", false, T0 + 1ms);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "hello");
  EXPECT_FALSE(events[0].binary);
  EXPECT_EQ(events[1].data, std::string("\x01\x02\x03\x04"));
  EXPECT_TRUE(events[1].binary);

  EXPECT_FALSE(s.take_post());
  s.send("a", false, T0);
  s.send(std::string("\xff\x00", 2), true, T0);
  auto body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "4a\x1e" "b/wA=");
  // One POST in flight at a time: the next waits for on_post_done.
  s.send("b", false, T0);
  EXPECT_FALSE(s.take_post());
  s.on_post_done(T0);
  body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "4b");
}

TEST(ClientSession, PollingMessagesBothWaysV3) {
  ClientSession s(polling_options(Protocol::v3));
  open_polling(s, Protocol::v3);
  drain(s);
  ASSERT_TRUE(s.take_get());
  s.on_get_response("6:4hello10:b4AQIDBA==", false, T0);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "hello");
  EXPECT_EQ(events[1].data, std::string("\x01\x02\x03\x04"));
  EXPECT_TRUE(events[1].binary);
  // XHR2 binary response body (Content-Type application/octet-stream).
  ASSERT_TRUE(s.take_get());
  s.on_get_response(std::string("\x00\x02\xff" "4x\x01\x03\xff\x04\xaa\xbb", 11), true, T0);
  events = drain(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "x");
  EXPECT_EQ(events[1].data, "\xaa\xbb");
  EXPECT_TRUE(events[1].binary);

  s.send("€", false, T0);
  s.send("\x01", true, T0);
  auto body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_FALSE(body->binary);
  EXPECT_EQ(body->bytes, "2:4€6:b4AQ==");
}

TEST(ClientSession, WebSocketMessagesBothWays) {
  for (Protocol p : {Protocol::v4, Protocol::v3}) {
    ClientSession s(ws_options(p));
    open_ws(s);
    drain(s);
    s.on_ws_frame("4hi", false, T0);
    s.on_ws_frame(p == Protocol::v4 ? std::string("\x01\x02") : std::string("\x04\x01\x02"), true, T0);
    auto events = drain(s);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].data, "hi");
    EXPECT_EQ(events[1].data, "\x01\x02");
    EXPECT_TRUE(events[1].binary);
    s.send("yo", false, T0);
    s.send("\x05", true, T0);
    auto out = frames(s);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0], text_frame("4yo"));
    EXPECT_EQ(out[1], (Frame{p == Protocol::v4 ? "\x05" : "\x04\x05", true}));
    EXPECT_FALSE(s.take_post());
  }
}

TEST(ClientSession, MaxPayloadSplitsPostBodiesV4) {
  ClientSession s(polling_options(Protocol::v4));
  s.start(T0);
  ASSERT_TRUE(s.take_get());
  s.on_get_response("0" + open_json("[]", 300, 200, R"(,"maxPayload":10)"), false, T0);
  drain(s);
  s.send("aaaa", false, T0);  // "4aaaa" = 5 bytes
  s.send("bbb", false, T0);   // + 0x1e + "4bbb" = 10 bytes: fits
  s.send("c", false, T0);     // would make 13 > 10
  auto body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "4aaaa\x1e" "4bbb");
  s.on_post_done(T0);
  body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "4c");
  s.on_post_done(T0);
  // A packet bigger than maxPayload still goes, alone.
  s.send(std::string(50, 'x'), false, T0);
  s.send("y", false, T0);
  body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "4" + std::string(50, 'x'));
}

TEST(ClientSession, GarbageFrameIsParseError) {
  ClientSession s(ws_options(Protocol::v4));
  open_ws(s);
  drain(s);
  s.on_ws_frame("9zzz", false, T0);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "parse error");
  EXPECT_TRUE(s.take_ws_close());
}

// ---- heartbeat ---------------------------------------------------------------------------------

TEST(ClientSession, V4ServerPingIsAnsweredAndTimesOut) {
  ClientSession s(polling_options(Protocol::v4));
  open_polling(s, Protocol::v4);  // pingInterval 300, pingTimeout 200
  drain(s);
  EXPECT_EQ(s.next_timeout(), T0 + 500ms);
  ASSERT_TRUE(s.take_get());
  s.on_get_response("2", false, T0 + 300ms);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Type::ping);
  auto body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "3");
  s.on_post_done(T0 + 301ms);
  EXPECT_EQ(s.next_timeout(), T0 + 800ms);
  s.handle_timeout(T0 + 799ms);
  EXPECT_TRUE(drain(s).empty());
  // A message does not count as a ping.
  ASSERT_TRUE(s.take_get());
  s.on_get_response("4x", false, T0 + 700ms);
  drain(s);
  EXPECT_EQ(s.next_timeout(), T0 + 800ms);
  s.handle_timeout(T0 + 800ms);
  events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Type::close);
  EXPECT_EQ(events[0].data, "ping timeout");
  EXPECT_EQ(s.state(), ClientSession::State::closed);
  EXPECT_FALSE(s.take_post());
  EXPECT_FALSE(s.take_get());
  EXPECT_FALSE(s.next_timeout());
}

TEST(ClientSession, V4PingOverWebSocket) {
  ClientSession s(ws_options(Protocol::v4));
  open_ws(s);
  drain(s);
  for (int i = 1; i <= 5; ++i) {
    s.handle_timeout(T0 + i * 300ms);
    s.on_ws_frame("2", false, T0 + i * 300ms);
    EXPECT_EQ(frames(s), std::vector<Frame>{text_frame("3")});
    auto events = drain(s);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, Type::ping);
  }
  EXPECT_EQ(s.state(), ClientSession::State::open);
}

TEST(ClientSession, V3ClientPingsAndExpectsPong) {
  ClientSession s(ws_options(Protocol::v3));
  open_ws(s);  // pingInterval 300, pingTimeout 200
  drain(s);
  EXPECT_EQ(s.next_timeout(), T0 + 300ms);
  s.handle_timeout(T0 + 300ms);
  EXPECT_EQ(frames(s), std::vector<Frame>{text_frame("2")});
  EXPECT_EQ(s.next_timeout(), T0 + 500ms);  // pong due within pingTimeout
  s.on_ws_frame("3", false, T0 + 310ms);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Type::ping);
  EXPECT_EQ(s.next_timeout(), T0 + 610ms);  // next ping one interval after the pong
  s.handle_timeout(T0 + 610ms);
  EXPECT_EQ(frames(s), std::vector<Frame>{text_frame("2")});
  // No pong: closed pingTimeout after the ping.
  s.handle_timeout(T0 + 809ms);
  EXPECT_TRUE(drain(s).empty());
  s.handle_timeout(T0 + 810ms);
  events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "ping timeout");
}

TEST(ClientSession, V3PingOverPolling) {
  ClientSession s(polling_options(Protocol::v3));
  open_polling(s, Protocol::v3);
  drain(s);
  s.handle_timeout(T0 + 300ms);
  auto body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "1:2");
  s.on_post_done(T0 + 301ms);
  ASSERT_TRUE(s.take_get());
  s.on_get_response("1:3", false, T0 + 302ms);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Type::ping);
}

TEST(ClientSession, V4ServerPingOnV3IsIgnoredAndV3PongOnV4) {
  ClientSession s(ws_options(Protocol::v4));
  open_ws(s);
  drain(s);
  s.on_ws_frame("3", false, T0);
  EXPECT_TRUE(drain(s).empty());
  EXPECT_TRUE(frames(s).empty());
}

// ---- upgrade -----------------------------------------------------------------------------------

TEST(ClientSession, UpgradeSuccess) {
  for (Protocol p : {Protocol::v4, Protocol::v3}) {
    ClientSession s(polling_options(p, /*upgrade=*/true));
    open_polling(s, p, R"(["websocket"])");
    drain(s);
    EXPECT_EQ(s.state(), ClientSession::State::upgrading);
    ASSERT_TRUE(s.take_ws_connect());
    EXPECT_FALSE(s.take_ws_connect());
    // Polling goes on while the WebSocket connects.
    ASSERT_TRUE(s.take_get());
    s.send("during", false, T0);
    auto body = s.take_post();
    ASSERT_TRUE(body);
    s.on_ws_open(T0 + 1ms);
    EXPECT_EQ(frames(s), std::vector<Frame>{text_frame("2probe")});
    s.on_ws_frame("3probe", false, T0 + 2ms);
    // Paused: no new requests; messages wait; "5" waits for the GET and the POST in flight.
    s.send("after", false, T0 + 2ms);
    EXPECT_FALSE(s.take_post());
    EXPECT_TRUE(frames(s).empty());
    s.on_post_done(T0 + 3ms);
    EXPECT_FALSE(s.take_get());
    EXPECT_TRUE(frames(s).empty());
    s.on_get_response(p == Protocol::v4 ? "6" : "1:6", false, T0 + 4ms);
    EXPECT_EQ(frames(s), (std::vector<Frame>{text_frame("5"), text_frame("4after")}));
    auto events = drain(s);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, Type::upgrade);
    EXPECT_EQ(s.transport(), TransportKind::websocket);
    EXPECT_EQ(s.state(), ClientSession::State::open);
    EXPECT_FALSE(s.take_get());
    EXPECT_FALSE(s.take_post());
    s.send("ws", false, T0);
    EXPECT_EQ(frames(s), std::vector<Frame>{text_frame("4ws")});
    s.on_ws_frame("4back", false, T0);
    events = drain(s);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "back");
  }
}

TEST(ClientSession, UpgradeWithNothingInFlightIsImmediate) {
  ClientSession s(polling_options(Protocol::v4, true));
  open_polling(s, Protocol::v4, R"(["websocket"])");
  drain(s);
  ASSERT_TRUE(s.take_ws_connect());
  s.on_ws_open(T0);
  frames(s);
  s.on_ws_frame("3probe", false, T0);
  EXPECT_EQ(frames(s), std::vector<Frame>{text_frame("5")});
  EXPECT_EQ(s.transport(), TransportKind::websocket);
}

TEST(ClientSession, FailedProbeStaysOnPolling) {
  ClientSession s(polling_options(Protocol::v4, true));
  open_polling(s, Protocol::v4, R"(["websocket"])");
  drain(s);
  ASSERT_TRUE(s.take_ws_connect());
  s.on_ws_open(T0);
  EXPECT_EQ(frames(s), std::vector<Frame>{text_frame("2probe")});
  s.on_ws_frame("4nope", false, T0);
  EXPECT_TRUE(s.take_ws_close());
  EXPECT_TRUE(drain(s).empty());  // not a session failure
  EXPECT_EQ(s.state(), ClientSession::State::open);
  EXPECT_EQ(s.transport(), TransportKind::polling);
  ASSERT_TRUE(s.take_get());
  s.send("still", false, T0);
  auto body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "4still");
  s.on_ws_closed(false, "closed", T0);
  EXPECT_TRUE(drain(s).empty());
  EXPECT_EQ(s.state(), ClientSession::State::open);
}

TEST(ClientSession, ProbeWebSocketErrorStaysOnPolling) {
  ClientSession s(polling_options(Protocol::v3, true));
  open_polling(s, Protocol::v3, R"(["websocket"])");
  drain(s);
  ASSERT_TRUE(s.take_ws_connect());
  s.on_ws_closed(true, "connection refused", T0);
  EXPECT_FALSE(s.take_ws_close());
  EXPECT_TRUE(drain(s).empty());
  EXPECT_EQ(s.state(), ClientSession::State::open);
  EXPECT_TRUE(s.take_get());
}

TEST(ClientSession, ProbeLostWhilePausedResumesPolling) {
  ClientSession s(polling_options(Protocol::v4, true));
  open_polling(s, Protocol::v4, R"(["websocket"])");
  drain(s);
  ASSERT_TRUE(s.take_ws_connect());
  ASSERT_TRUE(s.take_get());
  s.on_ws_open(T0);
  frames(s);
  s.on_ws_frame("3probe", false, T0);
  s.on_ws_closed(true, "reset", T0);
  s.on_get_response("6", false, T0);
  EXPECT_TRUE(s.take_get());
  EXPECT_EQ(s.transport(), TransportKind::polling);
  EXPECT_TRUE(drain(s).empty());
}

TEST(ClientSession, NoUpgradeWhenDisabled) {
  ClientSession s(polling_options(Protocol::v4, false));
  open_polling(s, Protocol::v4, R"(["websocket"])");
  EXPECT_FALSE(s.take_ws_connect());
  EXPECT_EQ(s.state(), ClientSession::State::open);
}

// ---- close -------------------------------------------------------------------------------------

TEST(ClientSession, ServerCloseOverPolling) {
  ClientSession s(polling_options(Protocol::v4));
  open_polling(s, Protocol::v4);
  drain(s);
  ASSERT_TRUE(s.take_get());
  s.on_get_response("4last\x1e" "1\x1e" "4ignored", false, T0);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "last");
  EXPECT_EQ(events[1].type, Type::close);
  EXPECT_EQ(events[1].data, "transport close");
  EXPECT_FALSE(s.take_get());
}

TEST(ClientSession, ServerClosesWebSocket) {
  ClientSession s(ws_options(Protocol::v4));
  open_ws(s);
  drain(s);
  s.on_ws_closed(false, "closed by peer", T0);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "transport close");
  EXPECT_FALSE(s.take_ws_close());  // already closed
}

TEST(ClientSession, WebSocketErrorIsTransportError) {
  ClientSession s(ws_options(Protocol::v4));
  open_ws(s);
  drain(s);
  s.on_ws_closed(true, "reset", T0);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, Type::error);
  EXPECT_EQ(events[1].data, "transport error");
}

TEST(ClientSession, ClientCloseOverPollingFlushesThenSendsClose) {
  ClientSession s(polling_options(Protocol::v4));
  open_polling(s, Protocol::v4);
  drain(s);
  s.send("bye", false, T0);
  s.close(T0);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "forced close");
  EXPECT_EQ(s.state(), ClientSession::State::closing);
  EXPECT_FALSE(s.take_get());
  auto body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "4bye\x1e" "1");
  EXPECT_EQ(s.state(), ClientSession::State::closed);
  EXPECT_FALSE(s.next_timeout());
  s.close(T0);  // idempotent
  EXPECT_TRUE(drain(s).empty());
}

TEST(ClientSession, ClientCloseWaitsForPostInFlight) {
  ClientSession s(polling_options(Protocol::v3));
  open_polling(s, Protocol::v3);
  drain(s);
  s.send("a", false, T0);
  ASSERT_TRUE(s.take_post());
  s.close(T0);
  EXPECT_FALSE(s.take_post());
  s.on_post_done(T0);
  auto body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "1:1");
}

TEST(ClientSession, ClientCloseOverWebSocket) {
  ClientSession s(ws_options(Protocol::v4));
  open_ws(s);
  drain(s);
  s.send("bye", false, T0);
  s.close(T0);
  EXPECT_FALSE(s.take_ws_close());  // frames first
  EXPECT_EQ(frames(s), (std::vector<Frame>{text_frame("4bye"), text_frame("1")}));
  EXPECT_TRUE(s.take_ws_close());
  EXPECT_EQ(s.state(), ClientSession::State::closed);
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "forced close");
  s.on_ws_closed(false, "", T0);
  EXPECT_TRUE(drain(s).empty());
}

TEST(ClientSession, CloseWhileOpening) {
  ClientSession s(ws_options(Protocol::v4));
  s.start(T0);
  ASSERT_TRUE(s.take_ws_connect());
  s.on_ws_open(T0);
  s.close(T0);
  EXPECT_TRUE(s.take_ws_close());
  EXPECT_TRUE(frames(s).empty());
  auto events = drain(s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "forced close");
  s.on_ws_frame("0" + open_json("[]"), false, T0);
  EXPECT_TRUE(drain(s).empty());
}

TEST(ClientSession, CloseDuringUpgradeProbeAbandonsTheWebSocket) {
  ClientSession s(polling_options(Protocol::v4, true));
  open_polling(s, Protocol::v4, R"(["websocket"])");
  drain(s);
  ASSERT_TRUE(s.take_ws_connect());
  s.on_ws_open(T0);
  frames(s);
  s.close(T0);
  EXPECT_TRUE(frames(s).empty());
  EXPECT_TRUE(s.take_ws_close());
  auto body = s.take_post();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "1");
  EXPECT_EQ(s.state(), ClientSession::State::closed);
}

TEST(ClientSession, NoEventsAfterClose) {
  ClientSession s(polling_options(Protocol::v4));
  open_polling(s, Protocol::v4);
  drain(s);
  ASSERT_TRUE(s.take_get());
  s.close(T0);
  drain(s);
  s.on_get_response("4late", false, T0);
  s.handle_timeout(T0 + 10s);
  EXPECT_TRUE(drain(s).empty());
}

// A hostile server's heartbeat values (up to 9.2e18 ms pass the handshake decoder) are coerced
// as engine.io-client's setTimeout does (above 2^31-1 ms: 1 ms) instead of overflowing the
// deadline arithmetic (UBSan aborts on that): the session times out right away.
TEST(ClientSession, HugeHeartbeatValuesFromTheServerDoNotOverflow) {
  for (auto p : {Protocol::v4, Protocol::v3}) {
    SCOPED_TRACE(static_cast<int>(p));
    ClientSession s(ws_options(p));
    const SteadyTime now = std::chrono::steady_clock::now();  // now + 9e18 ms would overflow
    s.start(now);
    ASSERT_TRUE(s.take_ws_connect());
    s.on_ws_open(now);
    s.on_ws_frame(R"(0{"sid":"abc","upgrades":[],"pingInterval":9200000000000000000,"pingTimeout":9200000000000000000})",
                  false, now);
    auto events = drain(s);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events[0].type, Type::open);
    ASSERT_TRUE(s.next_timeout());
    EXPECT_EQ(*s.next_timeout(), now + 1ms);
    s.on_ws_frame(p == Protocol::v4 ? "2" : "3", false, now);  // v4 ping / v3 pong
    drain(s);
    s.handle_timeout(now + 1ms);
    events = drain(s);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().type, Type::close);
    EXPECT_EQ(events.back().data, "ping timeout");
  }
}
