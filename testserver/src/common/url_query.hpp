// Request targets' paths and query strings, decoded with Boost.URL (libboost-url1.81-dev): the
// one decoder of the server (Engine.IO requests, request.hpp; the Socket.IO CONNECT query,
// socketio/server.cpp).
//
// Boost.URL accepts only valid RFC 3986 text, while a request carries whatever a client sends and
// Node's decoders are lenient: an incomplete or non-hex escape ("%", "%4", "%zz") stays as it is,
// and bytes outside the grammar (space, '"', 0x80-0xFF, ...) are taken as they are. So the
// target is first made valid - every byte the grammar does not allow, and every '%' that does not
// start a valid escape, percent-encoded by Boost.URL's encoder - and then split and decoded by
// Boost.URL; decoding the result gives back exactly those bytes.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace sio::server::detail {

using Query = std::multimap<std::string, std::string>;

// %XX escapes decoded (an incomplete or non-hex escape stays as it is); '+' becomes ' ' when
// plus_is_space (query strings). Never longer than its input.
std::string percent_decode(std::string_view in, bool plus_is_space);
// "a=1&b=2&a=3": decoded names and values ('+' is a space); empty parts skipped, "a" alone is
// a = "". Repeated names keep their order.
Query parse_query(std::string_view query);

}  // namespace sio::server::detail
