// libFuzzer target: a whole HTTP request as the reference server reads it from the network:
// Beast's request parser (the server's header limit) on the raw bytes, then parse_request
// (testserver/src/engine/request.hpp: route, path and query decoding, the Engine.IO checks, CORS).
//
// Input: byte 0 picks the server options (tests/fuzz/http_request_checks.hpp), the rest is the
// bytes on the wire. Invariants (abort on violation): no crash, no sanitizer report, no
// exception; what parse_request says is consistent with the request and the options; every
// header of the answer serialises to one line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>

#include "http_request_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto options = sio_fuzz::options_from(data[0]);
  std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);

  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);  // as HttpConnection (Node's maxHeaderSize)
  parser.body_limit(options.max_http_buffer_size);
  parser.eager(true);
  boost::beast::error_code ec;
  while (!wire.empty() && !parser.is_done()) {
    const auto used = parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
    if (ec) break;
    if (used == 0) break;
    wire.remove_prefix(used);
  }
  // The connection ends here: as Beast's read does at end of stream (put_eof only after some bytes).
  if ((ec == http::error::need_more || (!ec && !parser.is_done())) && parser.got_some()) parser.put_eof(ec);
  // The server handles a request once its header is complete and the body read; the header is
  // all parse_request reads.
  if (!parser.is_header_done()) return 0;
  const auto& request = parser.get();
  const auto info = sio::server::detail::parse_request(request, options);
  sio_fuzz::check_request_info("fuzz_http_request", request, info, options);
  return 0;
}
