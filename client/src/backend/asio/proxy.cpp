// Proxy choice of the native transports.
#include "proxy.hpp"

#include <cctype>
#include <cstdlib>

#include <curl/curl.h>

namespace sio::detail {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

ProxyChoice choose_proxy(const ProxyOptions& options, bool secure) {
  ProxyChoice choice;
  if (!options.url.empty()) {
    choice.url = options.url;
  } else if (options.use_environment) {
    // As curl: lower-case http_proxy only (HTTP_PROXY can be set by a CGI request's Proxy header).
    choice.url = secure ? env("https_proxy") : env("http_proxy");
    if (choice.url.empty() && secure) choice.url = env("HTTPS_PROXY");
  }
  choice.no_proxy = options.no_proxy;
  if (choice.no_proxy.empty() && options.use_environment) {
    choice.no_proxy = env("no_proxy");
    if (choice.no_proxy.empty()) choice.no_proxy = env("NO_PROXY");
  }
  return choice;
}

bool bypasses_proxy(std::string_view no_proxy, std::string_view host) {
  const std::string h = lower(host);
  std::size_t start = 0;
  while (start <= no_proxy.size()) {
    std::size_t end = no_proxy.find(',', start);
    if (end == std::string_view::npos) end = no_proxy.size();
    std::string entry = lower(trim(no_proxy.substr(start, end - start)));
    start = end + 1;
    if (entry == "*") return true;
    // "name:port" -> "name" (not for IPv6 literals, which have several colons)
    if (const auto colon = entry.rfind(':'); colon != std::string::npos && entry.find(':') == colon) {
      entry.resize(colon);
    }
    if (entry.size() > 1 && entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
    if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    if (entry.empty()) continue;
    if (h == entry) return true;
    if (h.size() > entry.size() && h.compare(h.size() - entry.size(), entry.size(), entry) == 0 &&
        h[h.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

std::optional<ProxyEndpoint> proxy_endpoint(const std::string& url) {
  CURLU* u = curl_url();
  if (!u) return std::nullopt;
  std::optional<ProxyEndpoint> out;
  char* scheme = nullptr;
  char* host = nullptr;
  char* port = nullptr;
  const std::string full = url.find("://") == std::string::npos ? "http://" + url : url;
  if (curl_url_set(u, CURLUPART_URL, full.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && lower(scheme) == "http") {
    ProxyEndpoint e;
    e.host = host;
    if (e.host.size() > 1 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
    e.port = curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK ? std::string(port) : std::string("1080");
    out = std::move(e);
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_url_cleanup(u);
  return out;
}

}  // namespace sio::detail
