// asio_backend.hpp - the native Backend (backend.hpp): a strand for the Loop, libcurl's multi
// interface for HTTP (curl_http.cpp), Boost.Beast for WebSocket (beast_ws.cpp).
#pragma once

#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "../../backend.hpp"

namespace sio::detail {

// A Backend on a new strand of `executor` (a Loop of its own).
std::shared_ptr<Backend> make_asio_backend(boost::asio::any_io_executor executor);

// The executor of an asio Backend's strand (the Manager's executor, for completion tokens).
boost::asio::any_io_executor asio_executor_of(Backend& backend);

// The two transports, on `executor` (the strand).
std::shared_ptr<HttpClient> make_http_client(boost::asio::any_io_executor executor, const TlsOptions& tls,
                                             const ProxyOptions& proxy);
std::shared_ptr<WebSocket> make_websocket(boost::asio::any_io_executor executor, const TlsOptions& tls,
                                          const ProxyOptions& proxy, WebSocketHandlers handlers, bool secure,
                                          const std::string& host);

}  // namespace sio::detail
