// Shared by the fuzz_http_* targets: server options picked by one input byte, and the invariants
// of parse_request / cors_headers (testserver/src/engine/request.hpp). A violated invariant
// aborts with the input's target, so libFuzzer saves the input as a crash.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "engine/client_files.hpp"
#include "engine/request.hpp"
#include "sio/core/json.hpp"

namespace sio_fuzz {

namespace http = boost::beast::http;
namespace detail = sio::server::detail;

[[noreturn]] inline void fail(const char* target, const char* what, std::string_view detail) {
  std::fprintf(stderr, "%s: %s: %.*s\n", target, what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// The options the server might run with, picked by the bits of one byte.
inline sio::server::EngineOptions options_from(std::uint8_t bits) {
  sio::server::EngineOptions o;
  o.path = (bits & 0x80) ? "/" : "/socket.io/";
  o.allow_polling = !(bits & 0x01);
  o.allow_websocket = !(bits & 0x02);
  o.allow_eio3 = (bits & 0x04) != 0;
  switch ((bits >> 3) & 0x03) {
    case 0: break;  // CORS off
    case 1: o.cors.origins = {"*"}; break;
    case 2: o.cors.origins = {"https://a.example", "http://localhost:3000"}; break;
    case 3: o.cors.reflect_origin = true; break;
  }
  o.cors.credentials = (bits & 0x20) != 0;
  if (bits & 0x40) o.client_bundle_file = "socket.io.js";
  return o;
}

// A header value the server copies into its answer must stay one header line.
inline bool one_line(std::string_view v) {
  return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The answers' headers serialise to exactly one line each (no header injection).
inline void check_answer_headers(const char* target, const detail::RequestInfo& info,
                                 const sio::server::EngineOptions& o, bool preflight) {
  const auto headers = detail::cors_headers(o.cors, info.origin, info.request_headers, preflight);
  http::response<http::string_body> res{http::status::ok, 11};
  for (const auto& [name, value] : headers) {
    if (!one_line(value)) fail(target, "a CORS header value is not one line", value);
    res.set(name, value);
  }
  res.prepare_payload();
  std::ostringstream os;
  os << res.base();
  const std::string head = os.str();
  std::size_t lines = 0;
  for (std::size_t at = head.find("\r\n"); at != std::string::npos; at = head.find("\r\n", at + 2)) ++lines;
  // status line + the CORS headers + Content-Length + the empty line
  if (lines != headers.size() + 3) fail(target, "answer headers are not one line each", head);
  if (!detail::cors_enabled(o.cors) && !headers.empty()) fail(target, "CORS headers with CORS off", head);
}

// What parse_request says must be consistent with the request and the options.
inline void check_request_info(const char* target, const detail::Request& req, const detail::RequestInfo& info,
                               const sio::server::EngineOptions& o) {
  const std::string_view t = req.target();
  const auto detail_of = [&] { return std::string(t); };
  if (info.raw_path != t.substr(0, t.find('?'))) fail(target, "raw_path is not the target up to '?'", detail_of());
  if (info.path.size() > info.raw_path.size()) fail(target, "the decoded path grew", detail_of());
  const bool under = info.raw_path.compare(0, o.path.size(), o.path) == 0;
  const bool has_nul = info.path.find('\0') != std::string::npos;
  switch (info.route) {
    case detail::Route::bundle:
      if (o.client_bundle_file.empty()) fail(target, "bundle without a bundle file", detail_of());
      // The name is joined to the bundle's directory: one of the known files, never a path.
      if (!detail::is_client_file(info.client_file)) fail(target, "bundle route to an unknown file", detail_of());
      break;
    case detail::Route::engine:
      if (!under) fail(target, "engine route outside the path", detail_of());
      break;
    case detail::Route::other:
      if (under) fail(target, "other route under the path", detail_of());
      break;
  }
  if (info.bad_path != (info.route == detail::Route::other && has_nul)) fail(target, "bad_path is wrong", detail_of());
  if (info.route == detail::Route::engine) {
    if ((info.kind == detail::EngineKind::error) != info.error.has_value()) {
      fail(target, "error set without kind error (or the reverse)", detail_of());
    }
    if (info.polling && info.websocket) fail(target, "both transports", detail_of());
    if (info.polling && (info.transport != "polling" || !o.allow_polling)) fail(target, "polling is wrong", detail_of());
    if (info.websocket && (info.transport != "websocket" || !o.allow_websocket)) {
      fail(target, "websocket is wrong", detail_of());
    }
    if (info.protocol == sio::engineio::Protocol::v4 && !info.protocol_supported) {
      fail(target, "v4 unsupported", detail_of());
    }
    switch (info.kind) {
      case detail::EngineKind::preflight:
        if (req.method() != http::verb::options || !detail::cors_enabled(o.cors) || info.upgrade) {
          fail(target, "preflight that is none", detail_of());
        }
        check_answer_headers(target, info, o, true);
        break;
      case detail::EngineKind::error: {
        const char* message = detail::error_message(*info.error);
        if (message == nullptr || *message == '\0') fail(target, "error without a message", detail_of());
        const sio::json body = {{"code", static_cast<int>(*info.error)}, {"message", message}};
        (void)sio::dump_json(body);
        break;
      }
      case detail::EngineKind::session:
        if (!info.sid || (!info.polling && !info.websocket)) fail(target, "session without sid or transport", detail_of());
        break;
      case detail::EngineKind::handshake:
        if (info.sid || req.method() != http::verb::get) fail(target, "handshake with a sid or not a GET", detail_of());
        if (info.websocket != info.upgrade || info.polling == info.websocket) {
          fail(target, "handshake transport does not match the upgrade", detail_of());
        }
        break;
    }
  }
  check_answer_headers(target, info, o, false);
  // Header maps: lower-case names, at most one entry per field.
  const auto map = detail::header_map(req);
  std::size_t fields = 0;
  for (auto it = req.begin(); it != req.end(); ++it) ++fields;
  if (map.size() > fields) fail(target, "header map larger than the fields", detail_of());
  for (const auto& [name, value] : map) {
    if (name != detail::lower(name)) fail(target, "header map name not lower-case", name);
  }
}

}  // namespace sio_fuzz
