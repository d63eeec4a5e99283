// libFuzzer target: the Engine.IO handshake checks and CORS headers of the reference server
// (testserver/src/engine/request.hpp: parse_request, header_map, cors_headers) on requests built
// field by field, so that the input reaches the checks without first having to be valid HTTP.
//
// Input: byte 0 picks the server options (tests/fuzz/http_request_checks.hpp), byte 1 the method
// and HTTP version; the rest is lines: the target, then headers "name: value" (CR, LF and NUL,
// which Beast's parser never lets through, are dropped). Invariants as fuzz_http_request's.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http_request_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  namespace detail = sio::server::detail;
  if (size < 2) return 0;
  const auto options = sio_fuzz::options_from(data[0]);
  static const http::verb methods[] = {http::verb::get,    http::verb::post,  http::verb::options,
                                       http::verb::head,   http::verb::put,   http::verb::delete_,
                                       http::verb::patch,  http::verb::connect};
  const http::verb method = methods[data[1] & 7];
  const unsigned version = (data[1] & 8) ? 10 : 11;
  std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);

  const auto next_line = [&rest]() {
    const auto nl = rest.find('\n');
    std::string line(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    std::string clean;
    for (char c : line) {
      if (c != '\r' && c != '\0') clean.push_back(c);
    }
    return clean;
  };
  detail::Request req{method, next_line(), version};
  while (!rest.empty()) {
    const std::string line = next_line();
    const auto colon = line.find(':');
    if (colon == 0 || colon == std::string::npos) continue;
    std::string_view value(line);
    value.remove_prefix(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.insert(std::string_view(line).substr(0, colon), value);
  }
  const auto info = detail::parse_request(req, options);
  sio_fuzz::check_request_info("fuzz_http_handshake", req, info, options);
  return 0;
}
