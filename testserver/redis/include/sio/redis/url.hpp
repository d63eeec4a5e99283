// sio/redis/url.hpp - "redis://HOST[:PORT]" (Boost.URL) -> where the cluster's Redis server is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sio/core/result.hpp"

namespace sio::redis {

struct Endpoint {
  std::string host;
  std::uint16_t port = 6379;
};

// redis://HOST[:PORT] (an IPv6 literal in brackets is accepted). Refused (bad_payload, with a
// message saying why): another scheme, no host, a port outside 1..65535, and what this adapter
// does not support yet: a user or password, a database number (a path), a query.
Result<Endpoint> parse_redis_url(std::string_view url);

}  // namespace sio::redis
