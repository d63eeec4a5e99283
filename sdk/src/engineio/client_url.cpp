// The URLs of an Engine.IO client's requests (see sio/engineio/client_url.hpp).
#include "sio/engineio/client_url.hpp"

#include <algorithm>
#include <cctype>

namespace sio::engineio {

namespace {
Error bad(std::string message) { return make_error(Errc::bad_payload, std::move(message)); }
bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

Result<ServerUrl> parse_server_url(std::string_view url) {
  ServerUrl out;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("url without a scheme");
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme == "http" || scheme == "ws") {
    out.secure = false;
  } else if (scheme == "https" || scheme == "wss") {
    out.secure = true;
  } else {
    return bad("unsupported url scheme: " + scheme);
  }
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("bad IPv6 address in url");
    out.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("bad url authority");
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = rest.find(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (out.host.empty()) return bad("url without a host");
  if (port.empty()) {
    out.port = out.secure ? "443" : "80";
  } else {
    if (!is_digits(port) || port.size() > 5) return bad("bad port in url");
    out.port = std::string(port);
  }
  return out;
}

std::string url_host(const ServerUrl& server) {
  return server.host.find(':') != std::string::npos ? "[" + server.host + "]" : server.host;
}

bool is_reserved_query_key(std::string_view key) {
  return key == "EIO" || key == "transport" || key == "sid" || key == "t";
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string request_query(Protocol protocol, TransportKind transport, const std::map<std::string, std::string>& user,
                          std::string_view sid, std::string_view cache_buster) {
  std::string q = "EIO=";
  q += protocol == Protocol::v3 ? "3" : "4";
  q += "&transport=";
  q += to_string(transport);
  for (const auto& [key, value] : user) {
    if (is_reserved_query_key(key)) continue;
    q += "&" + url_encode(key) + "=" + url_encode(value);
  }
  if (!sid.empty()) q += "&sid=" + url_encode(sid);
  if (!cache_buster.empty()) q += "&t=" + url_encode(cache_buster);
  return q;
}

std::string request_url(const ServerUrl& server, std::string_view path, Protocol protocol, TransportKind transport,
                        const std::map<std::string, std::string>& user, std::string_view sid,
                        std::string_view cache_buster) {
  std::string url = transport == TransportKind::polling ? (server.secure ? "https://" : "http://")
                                                        : (server.secure ? "wss://" : "ws://");
  url += url_host(server);
  url += ":" + server.port;
  url += path;
  url += "?" + request_query(protocol, transport, user, sid, cache_buster);
  return url;
}

std::string endpoint_path(std::string_view path, bool trailing_slash) {
  std::string out(path);
  if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (trailing_slash && out.back() != '/') out.push_back('/');
  return out;
}

}  // namespace sio::engineio
