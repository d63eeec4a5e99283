// redis:// URLs (see sio/redis/url.hpp), parsed by Boost.URL.
#include "sio/redis/url.hpp"

#include <charconv>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace sio::redis {

Result<Endpoint> parse_redis_url(std::string_view text) {
  auto parsed = boost::urls::parse_uri(boost::core::string_view(text.data(), text.size()));
  if (!parsed) return make_error(Errc::bad_payload, "not a URL: " + std::string(text));
  const boost::urls::url_view& url = *parsed;
  if (url.scheme() != "redis") return make_error(Errc::bad_payload, "the URL must start with redis://");
  if (!url.has_authority() || url.encoded_host().empty()) return make_error(Errc::bad_payload, "no host in " + std::string(text));
  if (url.has_userinfo()) return make_error(Errc::bad_payload, "Redis authentication is not supported");
  if (!url.encoded_path().empty() && url.encoded_path() != "/") {
    return make_error(Errc::bad_payload, "a database number is not supported (pub/sub ignores it)");
  }
  if (url.has_query() || url.has_fragment()) return make_error(Errc::bad_payload, "no query or fragment allowed");
  Endpoint out;
  out.host = url.host_address();  // brackets of an IPv6 literal removed
  if (url.has_port()) {
    const auto port = url.port();
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return make_error(Errc::bad_payload, "bad port in " + std::string(text));
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

}  // namespace sio::redis
