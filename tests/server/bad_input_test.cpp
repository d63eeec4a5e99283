// Bad input against the reference server (Engine.IO + Socket.IO over real sockets): malformed
// Engine.IO and Socket.IO packets over polling and WebSocket, oversized payloads, unknown sids,
// unknown namespaces, refused auth, a refused handshake (allowRequest), a client that never
// answers pings, and a flood of connections dropped mid-handshake. Each case asserts the
// documented error or close (docs/server.md, "Bad input"), and that the server keeps serving.
//
// The misbehaving peers are written here on plain POSIX sockets (a minimal HTTP/1.1 and RFC 6455
// client, every read bounded by a deadline); "everyone else" is the official socket.io-client
// 4.8 under node (tests/server/badinput/echo_client.js).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sio/server/server.hpp"

#include "node_runner.hpp"
#include "raw_peer.hpp"
#include "server_fixture.hpp"

using namespace std::chrono_literals;
using sio::json;
using sio::server::AckFn;
using sio::server::ConnectError;
using sio::server::Next;
using sio::server::ServerOptions;
using sio::server::Socket;
using Clock = std::chrono::steady_clock;

namespace {

using sio_test::http;
using sio_test::HttpResult;
using sio_test::kRead;
using sio_test::open_fd_count;
using sio_test::Raw;
using sio_test::WsFrame;
using sio_test::ws_connect;

json parse_json(const std::string& s) { return json::parse(s, nullptr, false); }

const std::string kEio = "/socket.io/?EIO=4&transport=";

std::string poll_target(const std::string& sid) { return kEio + "polling&sid=" + sid; }

// ---- node runner -----------------------------------------------------------------------------

using sio_test::NodeResult;
using sio_test::run_node;


// ---- fixture ---------------------------------------------------------------------------------

class BadInputTest : public sio_test::ServerThreadTest {
 protected:
  BadInputTest() : ServerThreadTest(kRead) {}

  static ServerOptions fast() {
    ServerOptions o;
    o.max_http_buffer_size = 1000;
    o.connect_timeout = 2s;
    o.request_timeout = 1s;
    return o;
  }

  void start(ServerOptions options = fast()) {
    make_server(std::move(options));
    auto install = [this](Socket& s) {
      record_disconnect(s);
      s.on("echo", [](const json& args, const AckFn& ack) {
        if (ack) ack(args);
      });
    };
    server_->on_connection(install);
    auto secure = server_->of("/secure");
    secure->use([this](Socket& s, Next next) {
      {
        std::lock_guard lock(mutex_);
        seen_in_middleware_ = {{"address", s.handshake().address},
                               {"host", s.handshake().headers.count("host") ? s.handshake().headers.at("host") : ""},
                               {"q", s.handshake().query.count("q") ? s.handshake().query.find("q")->second : ""}};
      }
      const auto& auth = s.handshake().auth;
      if (!auth.is_object() || !auth.contains("token") || auth["token"] != "ok") {
        return next(ConnectError{"forbidden", json{{"code", 403}}});
      }
      next(std::nullopt);
    });
    secure->on_connection(install);
    server_->of("/throws")->use([](Socket&, Next) { throw std::runtime_error("boom"); });
    run_io_thread();
  }

  void TearDown() override {
    if (server_) stop_server(5s);
  }

  // The Socket.IO server's clients (Server::client_count: one per attached Engine.IO session).
  std::size_t socketio_client_count() { return on_server([this] { return server_->client_count(); }); }

  bool wait_client_count(std::size_t n, std::chrono::milliseconds limit = 10s) {
    return eventually([&] { return socketio_client_count() == n; }, limit);
  }

  // ---- polling session helpers
  std::string polling_handshake() {
    auto r = http(port_, "GET", kEio + "polling");
    if (!r || r->status != 200 || r->body.empty() || r->body[0] != '0') return {};
    auto j = parse_json(r->body.substr(1));
    return j.is_object() ? j.value("sid", "") : std::string();
  }
  // POSTs "40<nsp,><auth>" and GETs the reply; returns the Socket.IO id ("" if refused).
  std::string polling_connect(const std::string& sid) {
    auto p = http(port_, "POST", poll_target(sid), "40");
    if (!p || p->status != 200) return {};
    auto g = http(port_, "GET", poll_target(sid));
    if (!g || g->status != 200 || g->body.rfind("40{", 0) != 0) return {};
    return parse_json(g->body.substr(2)).value("sid", "");
  }

  json seen_in_middleware_;
};

void expect_engine_error(const std::optional<HttpResult>& r, int code, const std::string& message,
                         int status = 400) {
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, status) << r->body;
  EXPECT_EQ(r->headers.count("content-type") ? r->headers.at("content-type") : "", "application/json");
  EXPECT_EQ(parse_json(r->body), (json{{"code", code}, {"message", message}})) << r->body;
}

// ---- malformed Engine.IO packets ----------------------------------------------------------------

TEST_F(BadInputTest, MalformedEngineIoPacketOverPollingIsAParseError) {
  start();
  for (const std::string bad : {"zz", "\x1e\x1e", "b!!!", "99999", "4a\x1ezz"}) {
    SCOPED_TRACE(bad);
    const auto sid = polling_handshake();
    ASSERT_EQ(sid.size(), 20u);
    const auto id = polling_connect(sid);
    ASSERT_FALSE(id.empty());
    auto r = http(port_, "POST", poll_target(sid), bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(reason_of(id), "parse error");
    expect_engine_error(http(port_, "GET", poll_target(sid)), 1, "Session ID unknown");
  }
  EXPECT_TRUE(wait_client_count(0));
}

TEST_F(BadInputTest, MalformedEngineIoPacketOverWebSocketIsAParseError) {
  start();
  for (const std::string bad : {"zz", "", "9", "x1"}) {
    SCOPED_TRACE(bad);
    Raw c(port_);
    const auto id = ws_connect(c);
    ASSERT_FALSE(id.empty());
    c.ws_send(bad);
    auto f = c.ws_read_data();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->opcode, 8);  // the server closes the WebSocket
    EXPECT_EQ(reason_of(id), "parse error");
  }
  // A binary frame on a v4 WebSocket is a message (bytes), never a crash: no Socket.IO binary
  // event expects it, so the Socket.IO decoder refuses it and the session is closed.
  Raw c(port_);
  const auto id = ws_connect(c);
  ASSERT_FALSE(id.empty());
  c.ws_send(std::string("\x00\x01\x02", 3), 2);
  auto f = c.ws_read_data();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 8);  // the WebSocket close frame, no Engine.IO "1" (as Node)
  EXPECT_EQ(reason_of(id), "forced close");
  EXPECT_TRUE(wait_client_count(0));
}

// ---- malformed Socket.IO packets ------------------------------------------------------------------

// Node: the decoder throws, client.onerror closes the Engine.IO session: "forced close".
// (Engine.IO "4" + the Socket.IO packet.)
const std::vector<std::string> kBadSocketIo = {
    "42[",                               // truncated JSON
    "42{\"a\":1}",                       // EVENT payload not an array
    "42[]",                              // EVENT without a name
    "42[\"disconnect\"]",                // reserved event names
    "42[\"connect\"]",
    "42[\"connect_error\",1]",
    "42[\"disconnecting\"]",
    "42[\"newListener\"]",
    "42[\"removeListener\"]",
    "49",                                // unknown packet type
    "40/secure,123",                     // CONNECT payload not an object
    "43",                                // ACK without payload
    "41x",                               // DISCONNECT with a payload
    "45x-[\"a\"]",                       // bad attachment count
    "4299999999999999999999[\"a\"]",     // ack id overflow
};

TEST_F(BadInputTest, MalformedSocketIoPacketOverWebSocketClosesTheSession) {
  start();
  for (const auto& bad : kBadSocketIo) {
    SCOPED_TRACE(bad);
    Raw c(port_);
    const auto id = ws_connect(c);
    ASSERT_FALSE(id.empty());
    c.ws_send(bad);
    auto f = c.ws_read_data();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->opcode, 8);  // the WebSocket close frame, no Engine.IO "1" (as Node)
    EXPECT_EQ(reason_of(id), "forced close");
  }
  // Text where a binary attachment is due (Node: "got plaintext data when reconstructing").
  Raw c(port_);
  const auto id = ws_connect(c);
  ASSERT_FALSE(id.empty());
  c.ws_send("451-[\"echo\",{\"_placeholder\":true,\"num\":0}]");
  c.ws_send("42[\"echo\"]");
  auto f = c.ws_read_data();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 8);  // the WebSocket close frame, no Engine.IO "1" (as Node)
  EXPECT_EQ(reason_of(id), "forced close");
  EXPECT_TRUE(wait_client_count(0));
}

TEST_F(BadInputTest, MalformedSocketIoPacketOverPollingClosesTheSession) {
  start();
  for (const auto& bad : {kBadSocketIo[0], kBadSocketIo[3], kBadSocketIo[10], kBadSocketIo[13]}) {
    SCOPED_TRACE(bad);
    const auto sid = polling_handshake();
    const auto id = polling_connect(sid);
    ASSERT_FALSE(id.empty());
    auto r = http(port_, "POST", poll_target(sid), bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);  // the Engine.IO packet was fine
    EXPECT_EQ(reason_of(id), "forced close");
    auto g = http(port_, "GET", poll_target(sid));  // the close packet, then the sid is gone
    ASSERT_TRUE(g);
    EXPECT_EQ(g->status, 200);
    EXPECT_EQ(g->body, "1");
    expect_engine_error(http(port_, "GET", poll_target(sid)), 1, "Session ID unknown");
  }
  EXPECT_TRUE(wait_client_count(0));
}

// CVE-2026-33151: a packet announcing more binary attachments than max_attachments (10 by default,
// socket.io-parser's maxAttachments) is a decode error: the session is closed at once, before any
// attachment is buffered.
std::string announce_attachments(std::size_t n) {
  std::string text = "45" + std::to_string(n) + R"(-["echo")";
  for (std::size_t i = 0; i < n; ++i) text += R"(,{"_placeholder":true,"num":)" + std::to_string(i) + "}";
  return text + "]";
}

TEST_F(BadInputTest, TooManyBinaryAttachmentsClosesTheSession) {
  start();
  Raw c(port_);
  const auto id = ws_connect(c);
  ASSERT_FALSE(id.empty());
  c.ws_send(announce_attachments(11));
  auto f = c.ws_read_data();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 8);  // the WebSocket close frame, no Engine.IO "1" (as Node)
  EXPECT_EQ(reason_of(id), "forced close");
  EXPECT_TRUE(wait_client_count(0));
}

TEST_F(BadInputTest, MaxAttachmentsIsAServerOption) {
  auto options = fast();
  options.max_attachments = 1;
  start(options);
  Raw c(port_);
  const auto id = ws_connect(c);
  ASSERT_FALSE(id.empty());
  c.ws_send(R"(451-["echo",{"_placeholder":true,"num":0}])");
  c.ws_send("\x01", 2);
  c.ws_send(R"(421["echo","still here"])");
  auto a = c.ws_read_data();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->payload, R"(431["still here"])");
  c.ws_send(announce_attachments(2));
  auto f = c.ws_read_data();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 8);  // the WebSocket close frame, no Engine.IO "1" (as Node)
  EXPECT_EQ(reason_of(id), "forced close");
}

TEST_F(BadInputTest, EventToANamespaceNotConnectedClosesTheSession) {
  start();
  Raw c(port_);
  const auto id = ws_connect(c);
  ASSERT_FALSE(id.empty());
  c.ws_send("42/secure,[\"echo\",1]");
  EXPECT_EQ(reason_of(id), "forced server close");
  auto f = c.ws_read_data();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 8);  // the WebSocket close frame, no Engine.IO "1" (as Node)
  EXPECT_TRUE(wait_client_count(0));
}

// ---- oversized payloads ---------------------------------------------------------------------------

TEST_F(BadInputTest, OversizedPollingPostIs413AndClosesTheSession) {
  start();  // max_http_buffer_size 1000
  // Content-Length past the limit: refused from the headers.
  {
    const auto sid = polling_handshake();
    const auto id = polling_connect(sid);
    ASSERT_FALSE(id.empty());
    auto r = http(port_, "POST", poll_target(sid), "4" + std::string(1500, 'x'));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(reason_of(id), "transport error");
    expect_engine_error(http(port_, "GET", poll_target(sid)), 1, "Session ID unknown");
  }
  // Chunked body growing past the limit: refused while reading the body.
  {
    const auto sid = polling_handshake();
    const auto id = polling_connect(sid);
    ASSERT_FALSE(id.empty());
    Raw c(port_);
    std::string req = "POST " + poll_target(sid) +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Type: text/plain;charset=UTF-8\r\n\r\n";
    for (int i = 0; i < 5; ++i) req += "190\r\n" + std::string(400, 'y') + "\r\n";
    req += "0\r\n\r\n";
    c.send(req);
    auto r = c.read_http();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(c.wait_closed());
    EXPECT_EQ(reason_of(id), "transport error");
  }
  // A held GET of the session is answered with a close packet.
  {
    const auto sid = polling_handshake();
    const auto id = polling_connect(sid);
    ASSERT_FALSE(id.empty());
    Raw held(port_);
    held.send("GET " + poll_target(sid) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    std::this_thread::sleep_for(100ms);  // not synchronisation: the 413 is correct either way
    auto r = http(port_, "POST", poll_target(sid), std::string(1001, 'z'));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(reason_of(id), "transport error");
    auto g = held.read_http();
    ASSERT_TRUE(g);
    EXPECT_EQ(g->status, 200);
    EXPECT_EQ(g->body, "1");
  }
  // At the limit: accepted.
  {
    const auto sid = polling_handshake();
    const auto id = polling_connect(sid);
    const std::string event = "42[\"echo\",\"" + std::string(1000 - 13, 'a') + "\"]";
    ASSERT_EQ(event.size(), 1000u);
    auto r = http(port_, "POST", poll_target(sid), event);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    http(port_, "POST", poll_target(sid), "41");
    EXPECT_EQ(reason_of(id), "client namespace disconnect");
  }
}

TEST_F(BadInputTest, OversizedWebSocketFrameClosesWith1009) {
  start();
  Raw c(port_);
  const auto id = ws_connect(c);
  ASSERT_FALSE(id.empty());
  c.ws_send("42[\"echo\",\"" + std::string(2000, 'x') + "\"]");
  auto f = c.ws_read_data();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, 8);
  EXPECT_EQ(f->close_code(), 1009);  // message too big
  EXPECT_EQ(reason_of(id), "transport error");
  EXPECT_TRUE(c.wait_closed());
  // Just under the limit still works.
  Raw d(port_);
  ASSERT_FALSE(ws_connect(d).empty());
  const std::string ok = "421[\"echo\",\"" + std::string(900, 'y') + "\"]";
  d.ws_send(ok);
  auto a = d.ws_read_data();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->payload, "431[\"" + std::string(900, 'y') + "\"]");
}

TEST_F(BadInputTest, WebSocketDroppedOrViolatingTheProtocol) {
  start();
  // Dropped without a close frame (FIN or RST): "transport close", as Node's ws reports it.
  for (bool rst : {false, true}) {
    Raw c(port_);
    const auto id = ws_connect(c);
    ASSERT_FALSE(id.empty());
    if (rst) c.reset(); else c.close();
    EXPECT_EQ(reason_of(id), "transport close");
  }
  // An unmasked client frame and a reserved opcode are protocol errors: "transport error".
  for (const std::string frame : {std::string("\x81\x02" "40", 4), std::string("\x83\x80\x01\x02\x03\x04", 6)}) {
    Raw c(port_);
    const auto id = ws_connect(c);
    ASSERT_FALSE(id.empty());
    c.send(frame);
    auto f = c.ws_read_data();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->opcode, 8);
    EXPECT_EQ(f->close_code(), 1002);  // protocol error
    // The server waits (at most 30 s, like ws's closeTimeout) for the peer to end the TCP
    // connection after its close frame; a peer that does so is seen at once.
    c.close();
    EXPECT_EQ(reason_of(id), "transport error");
  }
  EXPECT_TRUE(wait_client_count(0));
}

// ---- handshake errors ----------------------------------------------------------------------------

TEST_F(BadInputTest, UnknownSidIs400Code1) {
  start();
  const std::string fake = "AAAAAAAAAAAAAAAAAAAA";
  expect_engine_error(http(port_, "GET", poll_target(fake)), 1, "Session ID unknown");
  expect_engine_error(http(port_, "POST", poll_target(fake), "40"), 1, "Session ID unknown");
  {
    Raw c(port_);
    auto r = c.ws_handshake(kEio + "websocket&sid=" + fake);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->body, "Session ID unknown");
    EXPECT_TRUE(c.wait_closed());
  }
  // A session's sid with another protocol revision: Node's PROTOCOL_MISMATCH (bad request).
  const auto sid = polling_handshake();
  ASSERT_EQ(sid.size(), 20u);
  expect_engine_error(http(port_, "GET", "/socket.io/?EIO=3&transport=polling&sid=" + sid), 3, "Bad request");
  // The server keeps serving.
  EXPECT_FALSE(polling_connect(sid).empty());
}

TEST_F(BadInputTest, HandshakeErrorCodesAndStatuses) {
  start();
  expect_engine_error(http(port_, "GET", kEio + "carrier-pigeon"), 0, "Transport unknown");
  expect_engine_error(http(port_, "PUT", kEio + "polling"), 2, "Bad handshake method");
  expect_engine_error(http(port_, "GET", kEio + "websocket"), 3, "Bad request");
  expect_engine_error(http(port_, "GET", "/socket.io/?EIO=3&transport=polling"), 5, "Unsupported protocol version");
  expect_engine_error(http(port_, "GET", "/socket.io/?EIO=5&transport=polling"), 5, "Unsupported protocol version");
  auto r = http(port_, "GET", "/socket.io/?EIO=4&transport=polling&EIO=x%zz%");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);  // the first EIO counts; junk percent-escapes are kept literally
  // Not HTTP at all: the connection is closed, nothing else happens.
  Raw junk(port_);
  junk.send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", 22));
  EXPECT_TRUE(junk.wait_closed());
  // Headers past 16 KiB: 431.
  Raw big(port_);
  big.send("GET " + kEio + "polling HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'h') + "\r\n\r\n");
  auto rb = big.read_http();
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->status, 431);
}

TEST_F(BadInputTest, AllowRequestRefusalIsForbiddenCode4) {
  auto o = fast();
  o.allow_request = [](const sio::server::HttpRequest& req, sio::server::AllowRequestDone done) {
    auto it = req.headers.find("x-let-me-in");
    const std::string v = it == req.headers.end() ? "" : it->second;
    if (v == "later") {  // answers from another thread
      std::thread([done] { done("", true); }).detach();
    } else if (v == "yes") {
      done("", true);
    } else if (v == "drop") {
      // never answers: the connection is closed when `done` is dropped
    } else {
      done(v.empty() ? "" : "not you", false);
    }
  };
  start(o);
  expect_engine_error(http(port_, "GET", kEio + "polling"), 4, "Forbidden", 403);
  expect_engine_error(http(port_, "GET", kEio + "polling", "", "X-Let-Me-In: no\r\n"), 4, "not you", 403);
  for (const std::string v : {"yes", "later"}) {
    auto r = http(port_, "GET", kEio + "polling", "", "X-Let-Me-In: " + v + "\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body.substr(0, 8), "0{\"sid\":");
  }
  {
    Raw c(port_);
    c.send("GET " + kEio + "polling HTTP/1.1\r\nHost: x\r\nX-Let-Me-In: drop\r\n\r\n");
    EXPECT_TRUE(c.wait_closed());
  }
  Raw c(port_);
  auto r = c.ws_handshake(kEio + "websocket");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);  // Node's abortUpgrade: always 400, plain text
  EXPECT_EQ(r->body, "Forbidden");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(socketio_client_count(), 2u);
  // Requests of an existing session are not filtered (as in Node).
  auto ok = http(port_, "GET", kEio + "polling", "", "X-Let-Me-In: yes\r\n");
  ASSERT_TRUE(ok);
  const auto sid = parse_json(ok->body.substr(1)).value("sid", "");
  auto p = http(port_, "POST", poll_target(sid), "40");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 200);
  EXPECT_EQ(p->body, "ok");
}

// ---- Socket.IO connect errors ---------------------------------------------------------------------

TEST_F(BadInputTest, UnknownNamespaceIsRefusedAndTheSessionStays) {
  start();
  Raw c(port_);
  auto hs = c.ws_handshake(kEio + "websocket");
  ASSERT_TRUE(hs && hs->status == 101);
  ASSERT_TRUE(c.ws_read());  // open
  c.ws_send("40/nope,");
  auto f = c.ws_read_data();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->payload, "44/nope,{\"message\":\"Invalid namespace\"}");
  c.ws_send("40");
  auto g = c.ws_read_data();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->payload.rfind("40{\"sid\":", 0), 0u) << g->payload;
  c.ws_send("421[\"echo\",\"still here\"]");
  auto a = c.ws_read_data();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->payload, "431[\"still here\"]");
  EXPECT_EQ(socketio_client_count(), 1u);
}

TEST_F(BadInputTest, BadAuthIsRefusedWithMessageAndData) {
  start();
  Raw c(port_);
  auto hs = c.ws_handshake(kEio + "websocket&q=query%20value");
  ASSERT_TRUE(hs && hs->status == 101);
  ASSERT_TRUE(c.ws_read());
  for (const std::string auth : {"", "{\"token\":\"bad\"}", "{\"token\":42}"}) {
    SCOPED_TRACE(auth);
    c.ws_send("40/secure," + auth);
    auto f = c.ws_read_data();
    ASSERT_TRUE(f);
    ASSERT_EQ(f->payload.rfind("44/secure,", 0), 0u) << f->payload;
    EXPECT_EQ(parse_json(f->payload.substr(10)), (json{{"message", "forbidden"}, {"data", {{"code", 403}}}}));
  }
  // A middleware that throws refuses with the exception's message; the session stays.
  c.ws_send("40/throws,");
  auto t = c.ws_read_data();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->payload, "44/throws,{\"message\":\"boom\"}");
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(seen_in_middleware_["address"], "127.0.0.1");
    EXPECT_EQ(seen_in_middleware_["q"], "query value");
    EXPECT_EQ(seen_in_middleware_["host"], "127.0.0.1");
  }
  c.ws_send("40/secure,{\"token\":\"ok\"}");
  auto g = c.ws_read_data();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->payload.rfind("40/secure,{\"sid\":", 0), 0u) << g->payload;
  EXPECT_EQ(socketio_client_count(), 1u);
}

// ---- heartbeat ----------------------------------------------------------------------------------

TEST_F(BadInputTest, ClientThatNeverAnswersPingsIsClosedWithPingTimeout) {
  auto o = fast();
  o.ping_interval = 200ms;
  o.ping_timeout = 150ms;
  start(o);
  // The times are taken before the requests that open the sessions: the server's heartbeat
  // starts with the session, so it cannot end one earlier than pingInterval + pingTimeout after
  // them. The upper bound only tells a timeout from the defaults' 45 s.
  // WebSocket: reads the ping, never answers.
  Raw c(port_);
  const auto t_ws = Clock::now();
  auto hs = c.ws_handshake(kEio + "websocket");
  ASSERT_TRUE(hs && hs->status == 101);
  ASSERT_TRUE(c.ws_read());
  c.ws_send("40");
  auto connected = c.ws_read();
  ASSERT_TRUE(connected);
  const auto ws_id = parse_json(connected->payload.substr(2)).value("sid", "");
  auto ping = c.ws_read();
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->payload, "2");
  EXPECT_EQ(reason_of(ws_id), "ping timeout");
  auto closing = c.ws_read();  // no close packet after a ping timeout: the WebSocket is closed
  ASSERT_TRUE(closing);
  EXPECT_EQ(closing->opcode, 8);
  // Polling: connects, then never polls again.
  const auto t_poll = Clock::now();
  const auto sid = polling_handshake();
  const auto poll_id = polling_connect(sid);
  ASSERT_FALSE(poll_id.empty());
  EXPECT_EQ(reason_of(poll_id), "ping timeout");
  std::lock_guard lock(mutex_);
  EXPECT_GE(reason_times_[ws_id] - t_ws, 350ms);  // pingInterval + pingTimeout
  EXPECT_LT(reason_times_[ws_id] - t_ws, 20s);
  EXPECT_GE(reason_times_[poll_id] - t_poll, 350ms);
  EXPECT_LT(reason_times_[poll_id] - t_poll, 20s);
}

// ---- a flood of connections dropped mid-handshake ---------------------------------------------------

TEST_F(BadInputTest, FloodOfAbandonedConnectionsLeavesNothingBehind) {
  auto o = fast();
  o.ping_interval = 300ms;
  o.ping_timeout = 200ms;
  o.connect_timeout = 1s;
  o.request_timeout = 1s;
  start(o);
  ASSERT_TRUE(wait_client_count(0));
  const auto fds_before = open_fd_count();

  // Everyone else: the official client keeps connecting and echoing during the flood.
  auto others = std::async(std::launch::async, [this] {
    return run_node("badinput/echo_client.js", {"--port", std::to_string(port_), "--rounds", "3"});
  });

  constexpr int kFlood = 200;
  std::atomic<int> half_closed_by_server{0};
  std::atomic<int> handshakes{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      std::vector<std::unique_ptr<Raw>> held;
      for (int i = w; i < kFlood; i += 4) {
        auto c = std::make_unique<Raw>(port_);
        if (!c->ok()) continue;
        switch (i % 8) {
          case 0:  // TCP connect, then close
            break;
          case 1:  // TCP connect, then reset
            c->reset();
            break;
          case 2:  // half-written request, then close
            c->send("GET /socket.io/?EIO=4&transp");
            break;
          case 3:  // half-written request kept open: the server's request timeout closes it
            c->send("POST " + kEio + "polling&sid=x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\nabc");
            held.push_back(std::move(c));
            break;
          case 4:  // WebSocket upgrade request, abandoned before the response is read
            c->send("GET " + kEio + "websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n"
                    "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
            break;
          case 5:  // WebSocket upgrade request, half-written
            c->send("GET " + kEio + "websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgr");
            c->reset();
            break;
          case 6:  // polling handshake answered, never followed up
          case 7: {
            c->send("GET " + kEio + "polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            auto r = c->read_http();
            if (r && r->status == 200) ++handshakes;
            if (i % 8 == 7) held.push_back(std::move(c));  // connection kept idle (keep-alive)
            break;
          }
        }
      }
      for (auto& c : held) {
        if (c->wait_closed(5s)) ++half_closed_by_server;
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(handshakes.load(), kFlood / 4);
  EXPECT_EQ(half_closed_by_server.load(), kFlood / 8 * 2);  // cases 3 and 7: closed by the server

  auto r = others.get();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("DONE ok"), std::string::npos) << r.output;

  // Sessions opened by abandoned handshakes go away (connect timeout / ping timeout), and so do
  // the sockets: back to where we started.
  EXPECT_TRUE(wait_client_count(0, 10s)) << socketio_client_count();
  const auto end = Clock::now() + 10s;
  while (open_fd_count() > fds_before && Clock::now() < end) std::this_thread::sleep_for(50ms);
  EXPECT_LE(open_fd_count(), fds_before);

  // And the server still serves.
  Raw c(port_);
  EXPECT_FALSE(ws_connect(c).empty());
}

}  // namespace
