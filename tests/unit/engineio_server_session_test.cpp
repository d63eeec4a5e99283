// engineio::ServerSession driven with scripted requests, frames and times (no I/O).
#include "sio/engineio/server_session.hpp"

#include <gtest/gtest.h>

#include "sio/engineio/handshake.hpp"

namespace {

using namespace sio::engineio;
using namespace std::chrono_literals;
using Type = ServerSession::Event::Type;
using Action = ServerSession::PollAction;

const ServerSession::TimePoint t0{std::chrono::seconds(1000)};

ServerSessionOptions opts() {
  ServerSessionOptions o;
  o.ping_interval = 300ms;
  o.ping_timeout = 200ms;
  o.upgrade_timeout = 1000ms;
  o.close_timeout = 5000ms;
  o.max_payload = 1000;
  return o;
}

// Events of one kind, in order.
std::vector<std::string> of(const std::vector<ServerSession::Event>& events, Type type) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (e.type == type) out.push_back(e.data);
  }
  return out;
}

std::vector<std::string> texts(const std::vector<Frame>& frames) {
  std::vector<std::string> out;
  for (const auto& f : frames) out.push_back(f.bytes);
  return out;
}

// A v4 polling session whose handshake GET was answered.
ServerSession open_polling(Protocol p = Protocol::v4, ServerSessionOptions o = opts()) {
  ServerSession s("abcdefghijklmnopqrst", p, ServerTransport::polling, o, t0);
  auto r = s.on_poll_request(t0);
  EXPECT_EQ(r.action, Action::respond);
  return s;
}

TEST(ServerSession, PollingHandshakeAnswersTheFirstGet) {
  ServerSession s("abcdefghijklmnopqrst", Protocol::v4, ServerTransport::polling, opts(), t0);
  auto r = s.on_poll_request(t0);
  ASSERT_EQ(r.action, Action::respond);
  ASSERT_FALSE(r.body.binary);
  ASSERT_EQ(r.body.bytes.substr(0, 1), "0");
  auto hs = decode_handshake(r.body.bytes.substr(1));
  ASSERT_TRUE(hs);
  EXPECT_EQ(hs->sid, "abcdefghijklmnopqrst");
  EXPECT_EQ(hs->upgrades, std::vector<std::string>{"websocket"});
  EXPECT_EQ(hs->ping_interval_ms, 300);
  EXPECT_EQ(hs->ping_timeout_ms, 200);
  EXPECT_EQ(hs->max_payload, 1000);
  EXPECT_EQ(r.body.bytes.substr(1), s.handshake_json());
}

TEST(ServerSession, NoUpgradesWhenDisabledOrOnWebSocket) {
  auto o = opts();
  o.allow_upgrades = false;
  ServerSession p("s1", Protocol::v4, ServerTransport::polling, o, t0);
  EXPECT_EQ(decode_handshake(p.handshake_json())->upgrades, std::vector<std::string>{});
  EXPECT_FALSE(p.begin_upgrade(t0));
  ServerSession w("s2", Protocol::v4, ServerTransport::websocket, opts(), t0);
  auto frames = w.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_FALSE(frames[0].binary);
  EXPECT_EQ(frames[0].bytes, "0" + w.handshake_json());
  EXPECT_EQ(decode_handshake(w.handshake_json())->upgrades, std::vector<std::string>{});
  EXPECT_FALSE(w.begin_upgrade(t0));
}

TEST(ServerSession, GetIsHeldUntilSomethingIsQueued) {
  auto s = open_polling();
  EXPECT_EQ(s.on_poll_request(t0).action, Action::hold);
  EXPECT_TRUE(s.poll_held());
  EXPECT_FALSE(s.take_poll_response());
  s.send(Packet::message("hello"), t0);
  auto body = s.take_poll_response();
  ASSERT_TRUE(body);
  EXPECT_EQ(body->bytes, "4hello");
  EXPECT_FALSE(s.poll_held());
  // Queued while no GET is pending: all of it goes in the next GET.
  s.send(Packet::message("a"), t0);
  s.send(Packet::bytes(std::string("\x01\x02\x03\x04", 4)), t0);
  auto r = s.on_poll_request(t0);
  ASSERT_EQ(r.action, Action::respond);
  EXPECT_EQ(r.body.bytes, "4a\x1e" "bAQIDBA==");
}

TEST(ServerSession, PostDeliversMessages) {
  auto s = open_polling();
  EXPECT_EQ(s.on_post("4hello\x1e" "bAQIDBA==", false, t0), ServerSession::PostResult::ok);
  auto events = s.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, Type::message);
  EXPECT_EQ(events[0].data, "hello");
  EXPECT_FALSE(events[0].binary);
  EXPECT_EQ(events[1].data, std::string("\x01\x02\x03\x04", 4));
  EXPECT_TRUE(events[1].binary);
}

TEST(ServerSession, InvalidPostClosesWithParseError) {
  auto s = open_polling();
  ASSERT_EQ(s.on_poll_request(t0).action, Action::hold);
  EXPECT_EQ(s.on_post("abc", false, t0), ServerSession::PostResult::rejected);
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(s.take_poll_response()->bytes, "1");
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"parse error"});
  EXPECT_FALSE(s.next_timeout());
}

TEST(ServerSession, BinaryContentTypeIsRejectedInV4) {
  auto s = open_polling();
  EXPECT_EQ(s.on_post("4x", true, t0), ServerSession::PostResult::rejected);
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"transport error"});
}

TEST(ServerSession, SecondGetClosesTheSession) {
  auto s = open_polling();
  ASSERT_EQ(s.on_poll_request(t0).action, Action::hold);
  EXPECT_EQ(s.on_poll_request(t0).action, Action::reject);
  EXPECT_EQ(s.take_poll_response()->bytes, "1");  // the held GET
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"transport error"});
  EXPECT_EQ(s.on_poll_request(t0).action, Action::reject);
}

TEST(ServerSession, AbortedGetIsATransportError) {
  auto s = open_polling();
  ASSERT_EQ(s.on_poll_request(t0).action, Action::hold);
  s.on_poll_aborted(t0);
  EXPECT_FALSE(s.take_poll_response());
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"transport error"});
}

TEST(ServerSession, ClientClosePacketOverPolling) {
  auto s = open_polling();
  ASSERT_EQ(s.on_poll_request(t0).action, Action::hold);
  EXPECT_EQ(s.on_post("1", false, t0), ServerSession::PostResult::ok);
  EXPECT_EQ(s.take_poll_response()->bytes, "6");  // the held GET ends with a noop
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"transport close"});
}

TEST(ServerSession, V4ServerPingsAndTimesOut) {
  auto s = open_polling();
  ASSERT_EQ(s.next_timeout(), t0 + 300ms);
  ASSERT_EQ(s.on_poll_request(t0).action, Action::hold);
  s.handle_timeout(t0 + 299ms);
  EXPECT_FALSE(s.take_poll_response());
  s.handle_timeout(t0 + 300ms);
  EXPECT_EQ(s.take_poll_response()->bytes, "2");
  EXPECT_EQ(s.next_timeout(), t0 + 500ms);
  // pong: next ping pingInterval later
  EXPECT_EQ(s.on_post("3", false, t0 + 350ms), ServerSession::PostResult::ok);
  EXPECT_EQ(s.next_timeout(), t0 + 650ms);
  s.handle_timeout(t0 + 650ms);
  EXPECT_EQ(s.on_poll_request(t0 + 650ms).body.bytes, "2");
  EXPECT_TRUE(s.take_events().empty());
  s.handle_timeout(t0 + 849ms);
  EXPECT_TRUE(s.open());
  s.handle_timeout(t0 + 850ms);
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"ping timeout"});
}

TEST(ServerSession, V4DataWhileAwaitingPongRefreshesOnce) {
  auto s = open_polling();
  s.handle_timeout(t0 + 300ms);  // ping sent, pong due at +500
  s.on_post("4a", false, t0 + 450ms);
  EXPECT_EQ(s.next_timeout(), t0 + 650ms);
  s.on_post("4b", false, t0 + 600ms);
  EXPECT_EQ(s.next_timeout(), t0 + 650ms);
  s.handle_timeout(t0 + 650ms);
  EXPECT_TRUE(s.closed());
}

TEST(ServerSession, V4ClientPingIsAnError) {
  auto s = open_polling();
  s.on_post("2", false, t0);
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"transport error"});
}

TEST(ServerSession, V3ClientPingsServerPongs) {
  auto s = open_polling(Protocol::v3);
  EXPECT_EQ(s.next_timeout(), t0 + 500ms);
  ASSERT_EQ(s.on_poll_request(t0).action, Action::hold);
  EXPECT_EQ(s.on_post("1:2", false, t0 + 400ms), ServerSession::PostResult::ok);
  EXPECT_EQ(s.take_poll_response()->bytes, "1:3");
  EXPECT_EQ(s.next_timeout(), t0 + 900ms);
  s.handle_timeout(t0 + 899ms);
  EXPECT_TRUE(s.open());
  s.handle_timeout(t0 + 900ms);
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"ping timeout"});
}

TEST(ServerSession, V3ClientPongIsAnError) {
  auto s = open_polling(Protocol::v3);
  s.on_post("1:3", false, t0);
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"transport error"});
}

TEST(ServerSession, V3BinaryPayloadsUseTheXhr2FormUnlessB64) {
  auto s = open_polling(Protocol::v3);
  s.send(Packet::bytes(std::string("\x01\x02", 2)), t0);
  auto r = s.on_poll_request(t0);
  ASSERT_EQ(r.action, Action::respond);
  EXPECT_TRUE(r.body.binary);
  EXPECT_EQ(r.body.bytes, std::string("\x01\x03\xff\x04\x01\x02", 6));
  auto o = opts();
  o.supports_binary = false;
  auto b = open_polling(Protocol::v3, o);
  b.send(Packet::bytes(std::string("\x01\x02", 2)), t0);
  auto rb = b.on_poll_request(t0);
  EXPECT_FALSE(rb.body.binary);
  EXPECT_EQ(rb.body.bytes, "6:b4AQI=");
}

TEST(ServerSession, UpgradeProbeNoopAndSwitch) {
  auto s = open_polling();
  ASSERT_EQ(s.on_poll_request(t0).action, Action::hold);
  ASSERT_TRUE(s.begin_upgrade(t0));
  EXPECT_TRUE(s.upgrading());
  EXPECT_FALSE(s.begin_upgrade(t0));  // one upgrade at a time
  s.on_frame("2probe", false, t0);
  EXPECT_EQ(texts(s.take_frames()), std::vector<std::string>{"3probe"});
  EXPECT_EQ(s.take_poll_response()->bytes, "6");  // polling cycle ends
  // A GET during the upgrade is answered at once.
  auto r = s.on_poll_request(t0);
  EXPECT_EQ(r.action, Action::respond);
  EXPECT_EQ(r.body.bytes, "6");
  s.send(Packet::message("queued"), t0);  // no GET held: waits
  s.on_frame("5", false, t0);
  EXPECT_EQ(s.transport(), ServerTransport::websocket);
  EXPECT_TRUE(s.upgraded());
  EXPECT_EQ(texts(s.take_frames()), std::vector<std::string>{"4queued"});
  EXPECT_EQ(of(s.take_events(), Type::upgraded).size(), 1u);
  s.send(Packet::bytes("\x07"), t0);
  auto frames = s.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(frames[0].binary);
  EXPECT_EQ(frames[0].bytes, "\x07");
  s.on_frame("4hi", false, t0);
  EXPECT_EQ(of(s.take_events(), Type::message), std::vector<std::string>{"hi"});
  EXPECT_FALSE(s.begin_upgrade(t0));
  // heartbeat continues over the WebSocket
  s.handle_timeout(t0 + 300ms);
  EXPECT_EQ(texts(s.take_frames()), std::vector<std::string>{"2"});
  s.on_frame("3", false, t0 + 310ms);
  EXPECT_EQ(s.next_timeout(), t0 + 610ms);
}

TEST(ServerSession, UpgradeTimesOutAndPollingGoesOn) {
  auto s = open_polling();
  ASSERT_TRUE(s.begin_upgrade(t0));
  s.handle_timeout(t0 + 999ms);
  EXPECT_FALSE(s.take_websocket_close());
  s.handle_timeout(t0 + 1000ms);
  EXPECT_TRUE(s.take_websocket_close());
  EXPECT_FALSE(s.upgrading());
  EXPECT_TRUE(s.open());
  EXPECT_EQ(s.transport(), ServerTransport::polling);
  EXPECT_TRUE(s.begin_upgrade(t0 + 1100ms));  // may try again
}

TEST(ServerSession, BadProbeFrameOrProbeCloseAbortsTheUpgrade) {
  auto s = open_polling();
  ASSERT_TRUE(s.begin_upgrade(t0));
  s.on_frame("4nope", false, t0);
  EXPECT_TRUE(s.take_websocket_close());
  EXPECT_TRUE(s.open());
  ASSERT_TRUE(s.begin_upgrade(t0));
  s.on_websocket_closed(true, t0);
  EXPECT_FALSE(s.upgrading());
  EXPECT_TRUE(s.open());
  EXPECT_TRUE(s.take_events().empty());
}

TEST(ServerSession, WebSocketCloseAndErrors) {
  ServerSession a("a", Protocol::v4, ServerTransport::websocket, opts(), t0);
  a.on_websocket_closed(false, t0);
  EXPECT_EQ(of(a.take_events(), Type::closed), std::vector<std::string>{"transport close"});
  ServerSession b("b", Protocol::v4, ServerTransport::websocket, opts(), t0);
  b.on_websocket_closed(true, t0);
  EXPECT_EQ(of(b.take_events(), Type::closed), std::vector<std::string>{"transport error"});
  ServerSession c("c", Protocol::v4, ServerTransport::websocket, opts(), t0);
  c.on_frame("x", false, t0);
  EXPECT_EQ(of(c.take_events(), Type::closed), std::vector<std::string>{"parse error"});
  EXPECT_TRUE(c.take_websocket_close());
  ServerSession d("d", Protocol::v4, ServerTransport::websocket, opts(), t0);
  d.on_frame("4" + std::string(2000, 'x'), false, t0);  // above max_payload
  EXPECT_EQ(of(d.take_events(), Type::closed), std::vector<std::string>{"parse error"});
}

// As Node's websocket transport: the queued frames, then the WebSocket close frame; no "1".
TEST(ServerSession, CloseOverWebSocketFlushesThenClosesWithoutClosePacket) {
  ServerSession s("s", Protocol::v4, ServerTransport::websocket, opts(), t0);
  s.take_frames();
  s.send(Packet::message("bye"), t0);
  s.close(t0);
  EXPECT_EQ(texts(s.take_frames()), (std::vector<std::string>{"4bye"}));
  EXPECT_TRUE(s.take_websocket_close());
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"forced close"});
  s.send(Packet::message("late"), t0);
  EXPECT_TRUE(s.take_frames().empty());
}

TEST(ServerSession, CloseOverPollingWaitsForTheNextGet) {
  auto s = open_polling();
  s.send(Packet::message("bye"), t0);
  s.close(t0);
  EXPECT_TRUE(s.closing());
  EXPECT_TRUE(s.take_events().empty());
  EXPECT_EQ(s.on_post("4ignored", false, t0), ServerSession::PostResult::ignored);
  auto r = s.on_poll_request(t0);
  ASSERT_EQ(r.action, Action::respond);
  EXPECT_EQ(r.body.bytes, "4bye\x1e" "1");
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"forced close"});
}

TEST(ServerSession, CloseWithHeldGetAndCloseTimeout) {
  auto s = open_polling();
  ASSERT_EQ(s.on_poll_request(t0).action, Action::hold);
  s.close(t0);
  EXPECT_EQ(s.take_poll_response()->bytes, "1");
  EXPECT_TRUE(s.closed());
  auto t = open_polling();
  t.close(t0);
  EXPECT_EQ(t.next_timeout(), t0 + 5000ms);
  t.handle_timeout(t0 + 5000ms);
  EXPECT_EQ(of(t.take_events(), Type::closed), std::vector<std::string>{"forced close"});
}

TEST(ServerSession, DiscardClosesRightAway) {
  auto s = open_polling();
  s.close(t0, /*discard=*/true);
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"forced close"});
}

// Server shutdown: no close packet "1" on any transport (python-engineio takes one as a deliberate
// end and never reconnects); the WebSocket gets its close frame only, as Node's engine.close().
TEST(ServerSession, DiscardOverWebSocketSendsNoClosePacket) {
  ServerSession s("s", Protocol::v4, ServerTransport::websocket, opts(), t0);
  s.take_frames();
  s.send(Packet::message("bye"), t0);
  s.close(t0, /*discard=*/true);
  EXPECT_EQ(texts(s.take_frames()), (std::vector<std::string>{"4bye"}));
  EXPECT_TRUE(s.take_websocket_close());
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"forced close"});
}

TEST(ServerSession, DiscardAnswersAHeldGetWithoutClosePacket) {
  auto s = open_polling();
  ASSERT_EQ(s.on_poll_request(t0).action, Action::hold);
  s.close(t0, /*discard=*/true);
  EXPECT_EQ(s.take_poll_response()->bytes, "6");
  EXPECT_TRUE(s.closed());
  // Nothing held: nothing to answer (queued packets stay unsent, as Node's discard).
  auto t = open_polling();
  t.send(Packet::message("a"), t0);
  t.close(t0, /*discard=*/true);
  EXPECT_FALSE(t.take_poll_response());
  EXPECT_TRUE(t.closed());
}

TEST(ServerSession, CloseDuringUpgradeClosesTheProbeSocket) {
  auto s = open_polling();
  ASSERT_TRUE(s.begin_upgrade(t0));
  s.handle_timeout(t0 + 300ms);
  s.handle_timeout(t0 + 500ms);  // no pong
  EXPECT_TRUE(s.take_websocket_close());
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"ping timeout"});
}

}  // namespace

namespace {

// The send buffer bound (max_buffered_bytes): a peer that does not read cannot grow the server.
TEST(ServerSessionSendBuffer, WebSocketFramesCountUntilWrittenThenVolatileDropsAndOthersClose) {
  auto o = opts();
  o.max_buffered_bytes = 100;
  ServerSession s("sid", Protocol::v4, ServerTransport::websocket, o, t0);
  auto frames = s.take_frames();  // the open packet
  std::size_t open_bytes = 0;
  for (const auto& f : frames) open_bytes += f.bytes.size();
  EXPECT_EQ(s.buffered_bytes(), open_bytes);
  s.on_written(open_bytes);
  EXPECT_EQ(s.buffered_bytes(), 0u);

  const std::string forty(40, 'a');
  EXPECT_EQ(s.send(Packet::message(forty), t0), ServerSession::SendResult::queued);
  EXPECT_EQ(s.send(Packet::message(forty), t0), ServerSession::SendResult::queued);
  EXPECT_EQ(s.buffered_bytes(), 82u);  // two frames "4" + 40 bytes, taken but not written
  EXPECT_EQ(s.take_frames().size(), 2u);
  // Over the bound: a volatile message is dropped and the session stays ...
  EXPECT_EQ(s.send(Packet::message(forty), t0, /*droppable=*/true), ServerSession::SendResult::dropped);
  EXPECT_TRUE(s.open());
  EXPECT_TRUE(s.take_frames().empty());
  // ... written bytes make room again ...
  s.on_written(41);
  EXPECT_EQ(s.send(Packet::message(forty), t0, true), ServerSession::SendResult::queued);
  // ... and any other message past the bound closes the session.
  EXPECT_EQ(s.send(Packet::message(forty), t0), ServerSession::SendResult::closed);
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"send buffer full"});
}

TEST(ServerSessionSendBuffer, PollingQueueIsBoundedUntilAGetTakesIt) {
  auto o = opts();
  o.max_buffered_bytes = 100;
  auto s = open_polling(Protocol::v4, o);
  const std::string sixty(60, 'b');
  EXPECT_EQ(s.send(Packet::message(sixty), t0), ServerSession::SendResult::queued);
  EXPECT_EQ(s.send(Packet::message(sixty), t0, true), ServerSession::SendResult::dropped);
  auto poll = s.on_poll_request(t0);  // the GET takes what was queued
  EXPECT_EQ(poll.action, Action::respond);
  EXPECT_EQ(s.buffered_bytes(), 0u);
  EXPECT_EQ(s.send(Packet::message(sixty), t0), ServerSession::SendResult::queued);
  EXPECT_EQ(s.send(Packet::message(sixty), t0), ServerSession::SendResult::closed);
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"send buffer full"});
}

TEST(ServerSessionSendBuffer, ZeroMeansUnbounded) {
  auto o = opts();
  o.max_buffered_bytes = 0;
  ServerSession s("sid", Protocol::v4, ServerTransport::websocket, o, t0);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(s.send(Packet::message(std::string(1000, 'c')), t0), ServerSession::SendResult::queued);
  }
  EXPECT_TRUE(s.open());
}

}  // namespace

namespace {

// A broadcast encoded once: on an open WebSocket the frame refers to the shared bytes (no copy);
// on polling it is copied into the payload. Both count against the send buffer.
TEST(ServerSessionSendShared, WebSocketFramesShareTheBytesPollingCopiesThem) {
  auto text = std::make_shared<const std::string>("2[\"news\",1]");
  ServerSession ws("sid", Protocol::v4, ServerTransport::websocket, opts(), t0);
  ws.take_frames();
  ws.on_written(ws.buffered_bytes());
  EXPECT_EQ(ws.send_shared(text, t0), ServerSession::SendResult::queued);
  auto frames = ws.take_frames();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].bytes, "4");
  EXPECT_EQ(frames[0].shared.get(), text.get());  // the same bytes, not a copy
  EXPECT_EQ(frames[0].size(), 1 + text->size());
  EXPECT_EQ(ws.buffered_bytes(), 1 + text->size());

  auto polling = open_polling();
  EXPECT_EQ(polling.send_shared(text, t0), ServerSession::SendResult::queued);
  auto r = polling.on_poll_request(t0);
  EXPECT_EQ(r.action, Action::respond);
  EXPECT_EQ(r.body.bytes, "4" + *text);
}

TEST(ServerSessionSendShared, BoundedLikeAnyMessage) {
  auto o = opts();
  o.max_buffered_bytes = 20;
  ServerSession s("sid", Protocol::v4, ServerTransport::websocket, o, t0);
  s.take_frames();
  s.on_written(s.buffered_bytes());
  auto text = std::make_shared<const std::string>(std::string(15, 'x'));
  EXPECT_EQ(s.send_shared(text, t0), ServerSession::SendResult::queued);
  EXPECT_EQ(s.send_shared(text, t0, true), ServerSession::SendResult::dropped);
  EXPECT_EQ(s.send_shared(text, t0), ServerSession::SendResult::closed);
  EXPECT_EQ(of(s.take_events(), Type::closed), std::vector<std::string>{"send buffer full"});
}

}  // namespace

namespace {

// Options a program built by hand (not through the server's engine_options()) cannot overflow the
// session's deadlines: delays are coerced as setTimeout does.
TEST(ServerSessionOptions, HugeDelaysDoNotOverflow) {
  auto o = opts();
  o.ping_interval = std::chrono::milliseconds::max();
  o.ping_timeout = std::chrono::milliseconds::max();
  ServerSession s("sid", Protocol::v4, ServerTransport::websocket, o, t0);
  s.take_frames();
  // Above 2^31-1 ms setTimeout fires after 1 ms: the first ping is due then, not in the past.
  ASSERT_TRUE(s.next_timeout());
  EXPECT_EQ(*s.next_timeout(), t0 + 1ms);
  s.handle_timeout(t0 + 1ms);
  EXPECT_EQ(texts(s.take_frames()), std::vector<std::string>{"2"});
  EXPECT_EQ(*s.next_timeout(), t0 + 2ms);  // the pong deadline, 1 ms later
}

}  // namespace
