// sio/engineio/client_url.hpp - the URLs of an Engine.IO client's requests, sans I/O: one rule for
// every client (native and browser), as engine.io-client builds them (Transport.createUri).
//
//   <http|ws>[s]://host:port<path>?EIO=4&transport=polling&<user query>&sid=<sid>&t=<cache buster>
//
// The protocol's keys (EIO, transport, sid, t) are reserved: a user query key of the same name is
// dropped, never sent twice. Keys and values are percent-encoded (RFC 3986 unreserved kept).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "sio/core/result.hpp"
#include "sio/engineio/client_session.hpp"

namespace sio::engineio {

// The server part of a client URL: http(s)://[user@]host[:port][/...] or ws(s)://...
struct ServerUrl {
  bool secure = false;
  std::string host;  // name or address, IPv6 without brackets
  std::string port;  // digits; the scheme's default when the URL has none
};

// Errors (Errc::bad_payload): no scheme, unsupported scheme, no host, bad IPv6 literal, bad port.
Result<ServerUrl> parse_server_url(std::string_view url);

// The host as it appears in a URL: IPv6 addresses in brackets.
std::string url_host(const ServerUrl& server);

// true when `key` is one of the protocol's query keys (EIO, transport, sid, t).
bool is_reserved_query_key(std::string_view key);

std::string url_encode(std::string_view text);

// The query string of one request (no leading '?'). `cache_buster`: polling requests only (the
// "t" value, unique per request); empty for WebSocket. `sid` empty before the handshake.
std::string request_query(Protocol protocol, TransportKind transport, const std::map<std::string, std::string>& user,
                          std::string_view sid, std::string_view cache_buster);

// Full request URL: http(s) for polling, ws(s) for WebSocket. `path` starts with '/'.
std::string request_url(const ServerUrl& server, std::string_view path, Protocol protocol, TransportKind transport,
                        const std::map<std::string, std::string>& user, std::string_view sid,
                        std::string_view cache_buster);

// The normalised path of the Engine.IO endpoint: a leading '/', and a trailing one unless
// `trailing_slash` is false (socket.io-client's addTrailingSlash).
std::string endpoint_path(std::string_view path, bool trailing_slash = true);

}  // namespace sio::engineio
