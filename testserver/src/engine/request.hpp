// What the Engine.IO server decodes from an HTTP request, as pure functions (no I/O, no state):
// the target's path and query string, the header map, the Engine.IO checks that need no session
// (transport, sid, EIO version, b64, handshake method, upgrade) and the CORS headers of the answer.
// engine_server.cpp calls parse_request for every request and acts on the result; the fuzz
// targets tests/fuzz/fuzz_http_*.cpp call the same functions with hostile input.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "../common/url_query.hpp"
#include "sio/engineio/packet.hpp"
#include "sio/server/engine.hpp"

namespace sio::server::detail {

// Engine.IO error codes, as Node's engine.io numbers them.
enum class EngineError { unknown_transport = 0, unknown_sid = 1, bad_handshake_method = 2,
                         bad_request = 3, forbidden = 4, unsupported_protocol_version = 5 };
const char* error_message(EngineError e);

// percent_decode and parse_query (Boost.URL): ../common/url_query.hpp.
// The first value of `key`.
std::optional<std::string> query_get(const Query& query, const std::string& key);

std::string lower(std::string_view s);
// Lower-cased names; a repeated header's values joined by ", ".
std::map<std::string, std::string> header_map(const boost::beast::http::fields& fields);
// The first value of the header `name` (any case), or "".
std::string header(const boost::beast::http::fields& fields, std::string_view name);

bool cors_enabled(const CorsOptions& cors);
// The CORS headers of an answer to a request with this Origin and Access-Control-Request-Headers
// (empty strings: absent), as Node's cors package sets them; none when CORS is off.
std::vector<std::pair<boost::beast::http::field, std::string>> cors_headers(
    const CorsOptions& cors, std::string_view origin, std::string_view request_headers, bool preflight);

// Where a request goes.
enum class Route {
  bundle,  // a client file: /socket.io.js, or <path><name> for a name of is_client_file (client_files.hpp)
  engine,  // Engine.IO (target under options.path)
  other,   // everything else: the on_http_request hook (or 404)
};

// What an Engine.IO request is, as far as it can be told without the sessions.
enum class EngineKind {
  preflight,  // CORS preflight (OPTIONS, CORS on, not an upgrade): 204 with the CORS headers
  error,      // answered with `error` (400/403 JSON, or a plain 400 and close for an upgrade)
  session,    // carries a sid: the server looks it up and checks transport and protocol
  handshake,  // a new session: allow_request, then the EIO check (protocol_supported)
};

struct RequestInfo {
  unsigned version = 11;       // HTTP version as Beast counts it: 10 * major + minor
  bool keep_alive = true;
  bool head = false;
  std::string origin;           // Origin, "" when absent
  std::string request_headers;  // Access-Control-Request-Headers, "" when absent
  std::string raw_path;         // the target up to '?', as sent
  std::string path;             // raw_path percent-decoded ('+' stays)
  Query query;                  // the decoded query string
  Route route = Route::other;
  std::string client_file;      // Route::bundle: which file ("socket.io.js", "socket.io.min.js", ...)
  bool bad_path = false;        // Route::other with a NUL in `path`: 400 "Bad Request"

  // Route::engine only.
  EngineKind kind = EngineKind::error;
  std::optional<EngineError> error;  // set exactly when kind == EngineKind::error
  bool upgrade = false;              // a WebSocket upgrade request
  std::string transport;             // the transport parameter, "" when absent
  bool polling = false;              // transport=polling, and polling is allowed
  bool websocket = false;            // transport=websocket, and WebSocket is allowed
  std::optional<std::string> sid;
  engineio::Protocol protocol = engineio::Protocol::v3;  // EIO=4: v4, anything else v3 (Node)
  bool protocol_supported = false;   // v4, or v3 with allow_eio3 (else error 5 at the handshake)
  bool supports_binary = true;       // no b64 parameter
};

// `options.path` must end with '/' (make_engine_server makes it so).
using Request = boost::beast::http::request<boost::beast::http::string_body>;
RequestInfo parse_request(const Request& request, const EngineOptions& options);

}  // namespace sio::server::detail
