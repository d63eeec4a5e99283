// What the Engine.IO server decodes from an HTTP request (testserver/src/engine/request.hpp), as
// pure functions: routing, the query string, the Engine.IO checks that need no session, the CORS
// headers. The same functions are fuzzed by tests/fuzz/fuzz_http_*.cpp; the server suites check
// the answers end to end.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "engine/request.hpp"

namespace {

using namespace sio::server::detail;
namespace http = boost::beast::http;

sio::server::EngineOptions options() {
  sio::server::EngineOptions o;
  o.path = "/socket.io/";
  return o;
}

Request request(http::verb method, std::string target,
                std::vector<std::pair<std::string, std::string>> headers = {}) {
  Request req{method, target, 11};
  for (auto& [name, value] : headers) req.insert(name, value);
  return req;
}

Request upgrade_request(std::string target) {
  return request(http::verb::get, std::move(target),
                 {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Version", "13"},
                  {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
}

TEST(ServerRequest, PercentDecodeKeepsBrokenEscapesAndNeverGrows) {
  EXPECT_EQ(percent_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(percent_decode("%", true), "%");
  EXPECT_EQ(percent_decode("%4", true), "%4");
  EXPECT_EQ(percent_decode("%zz%41", true), "%zzA");
  EXPECT_EQ(percent_decode("x%41", true), "xA");   // an escape that ends the input
  EXPECT_EQ(percent_decode("%00", false), std::string(1, '\0'));
}

TEST(ServerRequest, ParseQuerySkipsEmptyPartsAndKeepsRepeats) {
  const auto q = parse_query("a=1&&b&a=2&=x&c=%26%3D");
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q.count("a"), 2u);
  EXPECT_EQ(query_get(q, "a"), "1");  // the first value
  EXPECT_EQ(query_get(q, "b"), "");
  EXPECT_EQ(query_get(q, ""), "x");
  EXPECT_EQ(query_get(q, "c"), "&=");
  EXPECT_FALSE(query_get(q, "d").has_value());
}

TEST(ServerRequest, HeaderMapLowerCasesAndJoinsRepeats) {
  const auto req = request(http::verb::get, "/", {{"X-A", "1"}, {"x-a", "2"}, {"Origin", "o"}});
  const auto map = header_map(req);
  EXPECT_EQ(map.at("x-a"), "1, 2");
  EXPECT_EQ(map.at("origin"), "o");
  EXPECT_EQ(header(req, "ORIGIN"), "o");
  EXPECT_EQ(header(req, "missing"), "");
}

TEST(ServerRequest, RoutesByPath) {
  auto o = options();
  EXPECT_EQ(parse_request(request(http::verb::get, "/socket.io/?EIO=4"), o).route, Route::engine);
  EXPECT_EQ(parse_request(request(http::verb::get, "/socket.io.js"), o).route, Route::other);
  o.client_bundle_file = "bundle.js";
  EXPECT_EQ(parse_request(request(http::verb::get, "/socket.io.js"), o).route, Route::bundle);
  const auto bundle = parse_request(request(http::verb::get, "/socket.io/socket.io.js"), o);
  EXPECT_EQ(bundle.route, Route::bundle);
  EXPECT_EQ(bundle.client_file, "socket.io.js");
  const auto min_map = parse_request(request(http::verb::get, "/socket.io/socket.io.min.js.map?x=1"), o);
  EXPECT_EQ(min_map.route, Route::bundle);
  EXPECT_EQ(min_map.client_file, "socket.io.min.js.map");
  // Our bundle's WebAssembly, beside socket.io.js at the root and under the path.
  EXPECT_EQ(parse_request(request(http::verb::get, "/socket.io.wasm"), o).client_file, "socket.io.wasm");
  EXPECT_EQ(parse_request(request(http::verb::get, "/socket.io/socket.io.wasm"), o).client_file, "socket.io.wasm");
  // Our bundle with the MessagePack parser, and its WebAssembly, at the root and under the path.
  for (const char* name : {"socket.io.msgpack.js", "socket.io.msgpack.wasm"}) {
    EXPECT_EQ(parse_request(request(http::verb::get, std::string("/") + name), o).client_file, name);
    EXPECT_EQ(parse_request(request(http::verb::get, std::string("/socket.io/") + name), o).client_file, name);
  }
  // Any other name under the path is Engine.IO's (which refuses it).
  EXPECT_EQ(parse_request(request(http::verb::get, "/socket.io/../secret.js"), o).route, Route::engine);
  const auto other = parse_request(request(http::verb::get, "/a%20b/c+d?x=1+2"), o);
  EXPECT_EQ(other.route, Route::other);
  EXPECT_EQ(other.raw_path, "/a%20b/c+d");
  EXPECT_EQ(other.path, "/a b/c+d");
  EXPECT_EQ(query_get(other.query, "x"), "1 2");
  EXPECT_FALSE(other.bad_path);
}

TEST(ServerRequest, NulInAPathIsABadPath) {
  const auto info = parse_request(request(http::verb::get, "/index.html%00.js"), options());
  EXPECT_EQ(info.route, Route::other);
  EXPECT_TRUE(info.bad_path);
}

TEST(ServerRequest, EngineChecksInNodesOrder) {
  const auto o = options();
  const auto error_of = [&](const Request& req) {
    const auto info = parse_request(req, o);
    EXPECT_EQ(info.route, Route::engine);
    EXPECT_EQ(info.kind == EngineKind::error, info.error.has_value());
    return info.error;
  };
  EXPECT_EQ(error_of(request(http::verb::get, "/socket.io/?EIO=4")), EngineError::unknown_transport);
  EXPECT_EQ(error_of(request(http::verb::get, "/socket.io/?EIO=4&transport=flash")), EngineError::unknown_transport);
  EXPECT_EQ(error_of(request(http::verb::post, "/socket.io/?EIO=4&transport=polling")),
            EngineError::bad_handshake_method);
  EXPECT_EQ(error_of(request(http::verb::get, "/socket.io/?EIO=4&transport=websocket")), EngineError::bad_request);
  EXPECT_EQ(error_of(upgrade_request("/socket.io/?EIO=4&transport=polling")), EngineError::bad_request);
  // A sid defers every other check to the session lookup.
  const auto session = parse_request(request(http::verb::post, "/socket.io/?EIO=3&transport=polling&sid=abc"), o);
  EXPECT_EQ(session.kind, EngineKind::session);
  EXPECT_EQ(session.sid, "abc");
  EXPECT_EQ(session.protocol, sio::engineio::Protocol::v3);
  // Transport switched off.
  auto no_polling = o;
  no_polling.allow_polling = false;
  EXPECT_EQ(parse_request(request(http::verb::get, "/socket.io/?EIO=4&transport=polling"), no_polling).error,
            EngineError::unknown_transport);
}

TEST(ServerRequest, HandshakeProtocolAndBinary) {
  auto o = options();
  const auto v4 = parse_request(request(http::verb::get, "/socket.io/?EIO=4&transport=polling"), o);
  EXPECT_EQ(v4.kind, EngineKind::handshake);
  EXPECT_EQ(v4.protocol, sio::engineio::Protocol::v4);
  EXPECT_TRUE(v4.protocol_supported);
  EXPECT_TRUE(v4.supports_binary);
  EXPECT_TRUE(v4.polling);
  const auto v3 = parse_request(request(http::verb::get, "/socket.io/?EIO=3&transport=polling&b64=1"), o);
  EXPECT_EQ(v3.kind, EngineKind::handshake);  // error 5 comes after allow_request, at the handshake
  EXPECT_EQ(v3.protocol, sio::engineio::Protocol::v3);
  EXPECT_FALSE(v3.protocol_supported);
  EXPECT_FALSE(v3.supports_binary);
  o.allow_eio3 = true;
  EXPECT_TRUE(parse_request(request(http::verb::get, "/socket.io/?transport=polling"), o).protocol_supported);
  const auto ws = parse_request(upgrade_request("/socket.io/?EIO=4&transport=websocket"), o);
  EXPECT_EQ(ws.kind, EngineKind::handshake);
  EXPECT_TRUE(ws.upgrade);
  EXPECT_TRUE(ws.websocket);
}

TEST(ServerRequest, PreflightOnlyWithCors) {
  auto o = options();
  EXPECT_EQ(parse_request(request(http::verb::options, "/socket.io/?EIO=4&transport=polling"), o).error,
            EngineError::bad_handshake_method);
  o.cors.origins = {"https://a.example"};
  const auto info = parse_request(
      request(http::verb::options, "/socket.io/", {{"Origin", "https://a.example"}, {"Access-Control-Request-Headers", "x-a"}}), o);
  EXPECT_EQ(info.kind, EngineKind::preflight);
  EXPECT_EQ(info.origin, "https://a.example");
  EXPECT_EQ(info.request_headers, "x-a");
}

using Headers = std::vector<std::pair<http::field, std::string>>;

TEST(ServerRequest, CorsHeadersAsNodesCorsSetsThem) {
  sio::server::CorsOptions cors;
  EXPECT_TRUE(cors_headers(cors, "https://a.example", "", false).empty());
  cors.origins = {"https://a.example"};
  cors.credentials = true;
  EXPECT_EQ(cors_headers(cors, "https://a.example", "", false),
            (Headers{{http::field::access_control_allow_origin, "https://a.example"},
                     {http::field::vary, "Origin"},
                     {http::field::access_control_allow_credentials, "true"}}));
  EXPECT_EQ(cors_headers(cors, "https://b.example", "x-a", true),
            (Headers{{http::field::access_control_allow_credentials, "true"},
                     {http::field::access_control_allow_methods, "GET,HEAD,PUT,PATCH,POST,DELETE"},
                     {http::field::access_control_allow_headers, "x-a"},
                     {http::field::vary, "Origin, Access-Control-Request-Headers"}}));
  sio::server::CorsOptions any;
  any.origins = {"*"};
  EXPECT_EQ(cors_headers(any, "https://b.example", "x-a", true),
            (Headers{{http::field::access_control_allow_origin, "*"},
                     {http::field::access_control_allow_methods, "GET,HEAD,PUT,PATCH,POST,DELETE"},
                     {http::field::access_control_allow_headers, "x-a"},
                     {http::field::vary, "Access-Control-Request-Headers"}}));
  sio::server::CorsOptions reflect;
  reflect.reflect_origin = true;
  EXPECT_EQ(cors_headers(reflect, "https://b.example", "", false),
            (Headers{{http::field::access_control_allow_origin, "https://b.example"}, {http::field::vary, "Origin"}}));
  EXPECT_EQ(cors_headers(reflect, "", "", false), (Headers{{http::field::vary, "Origin"}}));
}

}  // namespace
