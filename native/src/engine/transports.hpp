// transports.hpp - internal interfaces of the native Engine.IO client's two transports.
//
// engine_client.cpp drives a sio::engineio::ClientSession with them; it sees neither libcurl
// (curl_polling.cpp) nor Boost.Beast (websocket.cpp), which keeps the heavy headers in one
// translation unit each.
//
// Both transports live on the client's executor and keep themselves alive (shared_from_this) while
// asynchronous work is pending, so the client can drop its reference at any time: after
// HttpClient::shutdown / WebSocket::abort no callback runs again; after finish_then_shutdown /
// WebSocket::close the pending work completes on its own, silently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "sio/engineio/packet.hpp"
#include "sio/native/engine_client.hpp"

namespace sio::native::detail {

using Headers = std::vector<std::pair<std::string, std::string>>;

// ---- HTTP (long-polling) over libcurl's multi interface -------------------------------------

struct HttpRequest {
  bool post = false;
  std::string url;
  std::string body;          // POST body
  std::string content_type;  // POST content type
  Headers headers;
  std::chrono::milliseconds connect_timeout{20000};
  std::chrono::milliseconds timeout{0};  // whole transfer; 0: none (long-poll GET)
};

struct HttpResult {
  std::string error;  // empty: the transfer completed (whatever the status)
  long status = 0;
  std::string body;
  std::string content_type;
};

class HttpClient {
 public:
  using Done = std::function<void(HttpResult)>;
  virtual ~HttpClient() = default;
  // Starts a transfer; `done` is called later on the executor, never from inside start().
  virtual std::uint64_t start(HttpRequest request, Done done) = 0;
  // Aborts a transfer; its `done` is not called. Unknown ids are ignored.
  virtual void cancel(std::uint64_t id) = 0;
  // Cookie header (name=value; ...) of the stored cookies that match, "" when none.
  virtual std::string cookie_header(std::string_view host, std::string_view path, bool secure) = 0;
  // Aborts everything now; no callback afterwards.
  virtual void shutdown() = 0;
  // Callbacks stop now; running transfers end on their own (their timeouts apply), then shutdown.
  virtual void finish_then_shutdown() = 0;
};

std::shared_ptr<HttpClient> make_http_client(boost::asio::any_io_executor executor, const TlsOptions& tls);

// ---- WebSocket over Boost.Beast ---------------------------------------------------------------

struct WebSocketTarget {
  bool secure = false;
  std::string host;  // name or address, no brackets
  std::string port;
  std::string target;  // path and query
  Headers headers;
  std::chrono::milliseconds timeout{20000};  // connect + handshakes, and the close handshake
  std::size_t max_message_bytes = 100'000'000;
};

struct WebSocketHandlers {
  std::function<void()> on_open;
  std::function<void(std::string data, bool binary)> on_frame;
  // The connection is over: `error` false when the peer closed it cleanly.
  std::function<void(bool error, std::string what)> on_closed;
};

class WebSocket {
 public:
  virtual ~WebSocket() = default;
  virtual void connect(WebSocketTarget target) = 0;
  // Queues a frame; frames queued before the connection opens are written once it does.
  virtual void send(engineio::Frame frame) = 0;
  // Stops the callbacks, writes the queued frames, then closes the connection cleanly.
  virtual void close() = 0;
  // Stops the callbacks and drops the connection now.
  virtual void abort() = 0;
};

// `secure`/`host` select ws or wss and the name the TLS certificate must carry.
std::shared_ptr<WebSocket> make_websocket(boost::asio::any_io_executor executor, const TlsOptions& tls,
                                          WebSocketHandlers handlers, bool secure, const std::string& host);

}  // namespace sio::native::detail
