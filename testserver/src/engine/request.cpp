#include "request.hpp"

#include <algorithm>
#include <cctype>

#include <boost/beast/websocket/rfc6455.hpp>

#include "client_files.hpp"

namespace sio::server::detail {

namespace http = boost::beast::http;

const char* error_message(EngineError e) {
  switch (e) {
    case EngineError::unknown_transport: return "Transport unknown";
    case EngineError::unknown_sid: return "Session ID unknown";
    case EngineError::bad_handshake_method: return "Bad handshake method";
    case EngineError::bad_request: return "Bad request";
    case EngineError::forbidden: return "Forbidden";
    case EngineError::unsupported_protocol_version: return "Unsupported protocol version";
  }
  return "Bad request";
}

std::optional<std::string> query_get(const Query& q, const std::string& key) {
  auto it = q.find(key);
  if (it == q.end()) return std::nullopt;
  return it->second;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::map<std::string, std::string> header_map(const http::fields& fields) {
  std::map<std::string, std::string> out;
  for (const auto& field : fields) {
    auto name = lower(field.name_string());
    auto [it, inserted] = out.emplace(name, std::string(field.value()));
    if (!inserted) {
      it->second += ", ";
      it->second += std::string(field.value());
    }
  }
  return out;
}

std::string header(const http::fields& fields, std::string_view name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string{} : std::string(it->value());
}

bool cors_enabled(const CorsOptions& cors) { return cors.reflect_origin || !cors.origins.empty(); }

std::vector<std::pair<http::field, std::string>> cors_headers(const CorsOptions& cors, std::string_view origin,
                                                             std::string_view request_headers, bool preflight) {
  std::vector<std::pair<http::field, std::string>> out;
  if (!cors_enabled(cors)) return out;
  const bool any = std::find(cors.origins.begin(), cors.origins.end(), "*") != cors.origins.end();
  if (cors.reflect_origin) {
    // Node's cors with origin: true reflects the request's origin (never "*").
    if (!origin.empty()) out.emplace_back(http::field::access_control_allow_origin, std::string(origin));
    out.emplace_back(http::field::vary, "Origin");
  } else if (any) {
    out.emplace_back(http::field::access_control_allow_origin, "*");
  } else {
    if (!origin.empty() && std::find(cors.origins.begin(), cors.origins.end(), origin) != cors.origins.end()) {
      out.emplace_back(http::field::access_control_allow_origin, std::string(origin));
    }
    out.emplace_back(http::field::vary, "Origin");
  }
  if (cors.credentials) out.emplace_back(http::field::access_control_allow_credentials, "true");
  if (preflight) {
    out.emplace_back(http::field::access_control_allow_methods, "GET,HEAD,PUT,PATCH,POST,DELETE");
    if (!request_headers.empty()) {
      out.emplace_back(http::field::access_control_allow_headers, std::string(request_headers));
      // Vary moves to the end (as a second set() of the header does) with both names.
      const auto vary = std::find_if(out.begin(), out.end(), [](const auto& h) { return h.first == http::field::vary; });
      const bool had_origin = vary != out.end();
      if (had_origin) out.erase(vary);
      out.emplace_back(http::field::vary, had_origin ? "Origin, Access-Control-Request-Headers"
                                                     : "Access-Control-Request-Headers");
    }
  }
  return out;
}

RequestInfo parse_request(const Request& req, const EngineOptions& opts) {
  RequestInfo info;
  info.version = req.version();
  info.keep_alive = req.keep_alive();
  info.head = req.method() == http::verb::head;
  info.origin = header(req, "Origin");
  info.request_headers = header(req, "Access-Control-Request-Headers");
  const std::string_view target = req.target();
  const auto qpos = target.find('?');
  info.raw_path = std::string(target.substr(0, qpos));
  if (qpos != std::string_view::npos) info.query = parse_query(target.substr(qpos + 1));
  info.path = percent_decode(info.raw_path, false);

  if (!opts.client_bundle_file.empty()) {
    // Node's serveClient: <path>socket.io.js and its variants; ours also /socket.io.js and, for
    // our bundle, /socket.io.wasm beside it (and /socket.io.single.js, /socket.io.msgpack.js with
    // its /socket.io.msgpack.wasm).
    if (info.raw_path == "/socket.io.js" ||
        (!info.raw_path.empty() && info.raw_path.front() == '/' &&
         is_our_client_file(std::string_view(info.raw_path).substr(1)))) {
      info.client_file = info.raw_path.substr(1);
    } else if (info.raw_path.compare(0, opts.path.size(), opts.path) == 0 &&
               is_client_file(std::string_view(info.raw_path).substr(opts.path.size()))) {
      info.client_file = info.raw_path.substr(opts.path.size());
    }
    if (!info.client_file.empty()) {
      info.route = Route::bundle;
      return info;
    }
  }
  if (info.raw_path.compare(0, opts.path.size(), opts.path) != 0) {
    info.route = Route::other;
    // "/index.html%00.js": a NUL in a path would cut it short wherever it reaches a C string.
    info.bad_path = info.path.find('\0') != std::string::npos;
    return info;
  }

  info.route = Route::engine;
  info.upgrade = boost::beast::websocket::is_upgrade(req);
  const auto fail = [&info](EngineError e) {
    info.kind = EngineKind::error;
    info.error = e;
    return info;
  };
  if (req.method() == http::verb::options && cors_enabled(opts.cors) && !info.upgrade) {
    info.kind = EngineKind::preflight;
    return info;
  }
  info.transport = query_get(info.query, "transport").value_or("");
  info.polling = info.transport == "polling" && opts.allow_polling;
  info.websocket = info.transport == "websocket" && opts.allow_websocket;
  // Node's PROTOCOL_MISMATCH and its handshake: EIO=4 means v4, anything else v3.
  info.protocol = query_get(info.query, "EIO").value_or("") == "4" ? engineio::Protocol::v4 : engineio::Protocol::v3;
  info.protocol_supported = info.protocol == engineio::Protocol::v4 || opts.allow_eio3;
  info.supports_binary = !query_get(info.query, "b64").has_value();
  info.sid = query_get(info.query, "sid");
  if (!info.polling && !info.websocket) return fail(EngineError::unknown_transport);
  if (info.sid) {
    info.kind = EngineKind::session;
    return info;
  }
  if (req.method() != http::verb::get) return fail(EngineError::bad_handshake_method);
  if (info.websocket && !info.upgrade) return fail(EngineError::bad_request);
  if (info.polling && info.upgrade) return fail(EngineError::bad_request);
  info.kind = EngineKind::handshake;
  return info;
}

}  // namespace sio::server::detail
