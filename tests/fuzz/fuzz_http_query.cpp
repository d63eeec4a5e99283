// libFuzzer target: a request target (path and query string) as the Engine.IO server decodes it
// (testserver/src/engine/request.hpp: percent_decode, parse_query, parse_request).
//
// Input: byte 0 picks the server options (tests/fuzz/http_request_checks.hpp), the rest is the
// target. Invariants (abort on violation): no crash, no sanitizer report, no exception; decoding
// never grows its input; re-encoding the decoded query and parsing it again gives the same
// parameters in the same order; percent_decode undoes a full percent-encoding; parse_request of a
// GET with this target is consistent with it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http_request_checks.hpp"

namespace {

namespace detail = sio::server::detail;
constexpr const char* kName = "fuzz_http_query";

// Every byte but the unreserved ones as %XX.
std::string encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto options = sio_fuzz::options_from(data[0]);
  const std::string_view target(reinterpret_cast<const char*>(data + 1), size - 1);

  for (bool plus : {false, true}) {
    const auto decoded = detail::percent_decode(target, plus);
    if (decoded.size() > target.size()) sio_fuzz::fail(kName, "percent_decode grew", target);
    if (detail::percent_decode(encode(target), plus) != target) {
      sio_fuzz::fail(kName, "percent_decode does not undo an encoding", target);
    }
  }

  const auto qpos = target.find('?');
  const std::string_view query = qpos == std::string_view::npos ? target : target.substr(qpos + 1);
  const auto parsed = detail::parse_query(query);
  if (parsed.size() > query.size()) sio_fuzz::fail(kName, "more parameters than bytes", target);
  std::string again;
  for (const auto& [key, value] : parsed) {
    if (key.size() + value.size() > query.size()) sio_fuzz::fail(kName, "a parameter grew", target);
    if (!again.empty()) again += '&';
    again += encode(key) + "=" + encode(value);
  }
  if (detail::parse_query(again) != parsed) sio_fuzz::fail(kName, "the query does not survive a round trip", target);

  // The target on a plain GET, and as a WebSocket upgrade.
  detail::Request req{boost::beast::http::verb::get, target, 11};
  sio_fuzz::check_request_info(kName, req, detail::parse_request(req, options), options);
  req.set(boost::beast::http::field::connection, "Upgrade");
  req.set(boost::beast::http::field::upgrade, "websocket");
  sio_fuzz::check_request_info(kName, req, detail::parse_request(req, options), options);
  return 0;
}
