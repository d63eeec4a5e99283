// proxy.hpp - which HTTP proxy a native transport uses (ProxyOptions, sio/client/engine.hpp): the
// explicit option or the environment, the no_proxy list, and the proxy's host and port.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sio/client/engine.hpp"

namespace sio::detail {

struct ProxyChoice {
  std::string url;       // empty: no proxy
  std::string no_proxy;  // hosts that bypass it
};

// The proxy settings for a server reached over TLS (`secure`: https/wss) or not.
ProxyChoice choose_proxy(const ProxyOptions& options, bool secure);

// True if `host` (a name or an address, without brackets) is in the no_proxy list: "*" matches
// everything; an entry matches the host itself and, for names, its subdomains (a leading '.' is
// ignored); case-insensitive; ":port" suffixes of entries are ignored.
bool bypasses_proxy(std::string_view no_proxy, std::string_view host);

struct ProxyEndpoint {
  std::string host;  // without brackets
  std::string port;
};

// Host and port of an http:// proxy URL ("host:port" alone means http://; port 1080 when none is
// given, as curl). std::nullopt for another scheme or an unparsable URL (libcurl's URL parser).
std::optional<ProxyEndpoint> proxy_endpoint(const std::string& url);

}  // namespace sio::detail
