// The layer below Beast's websocket::stream on the server: reads go straight to the TCP stream
// (after telling the connection that Beast needs bytes from the socket: every frame it had
// buffered has been delivered, the moment to write what their handlers queued);
// what Beast writes itself (the handshake's 101 response, pongs, close frames) is handed to the
// connection's write queue instead of the socket, so one writer owns the socket and Beast's
// frames go out in order with the connection's own (gathered) data frames.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace sio::server::detail {

// What the transport hands its writes to: the connection's write queue.
class WsByteSink {
 public:
  virtual ~WsByteSink() = default;
  virtual void write_raw(std::string bytes) = 0;  // queued after everything queued so far
  virtual void close_after_flush() = 0;           // closes the TCP socket once the queue is written
  virtual void reading_from_socket() = 0;         // Beast goes to the socket for more bytes
};

class WsTransport {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  WsTransport(boost::beast::tcp_stream stream, WsByteSink& sink) : stream_(std::move(stream)), sink_(&sink) {}

  executor_type get_executor() noexcept { return stream_.get_executor(); }
  boost::beast::tcp_stream& next_layer() noexcept { return stream_; }
  WsByteSink& sink() noexcept { return *sink_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    sink_->reading_from_socket();
    return stream_.async_read_some(buffers, std::forward<Token>(token));
  }

  // Copies the bytes into the write queue and completes at once (the queue's writer reports
  // failures by closing the socket, which ends the read side).
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          std::string bytes = boost::beast::buffers_to_string(b);
          const std::size_t n = bytes.size();
          sink_->write_raw(std::move(bytes));
          auto ex = boost::asio::get_associated_executor(handler, get_executor());
          boost::asio::post(ex, [h = std::move(handler), n]() mutable { h(boost::beast::error_code{}, n); });
        },
        token, buffers);
  }

 private:
  boost::beast::tcp_stream stream_;
  WsByteSink* sink_;
};

// Beast's closing handshake ends with a teardown of the layer below: the socket is closed once
// everything queued (the close frame included) is written.
inline void teardown(boost::beast::role_type, WsTransport& t, boost::beast::error_code& ec) {
  t.sink().close_after_flush();
  ec = {};
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type, WsTransport& t, TeardownHandler&& handler) {
  t.sink().close_after_flush();
  auto ex = boost::asio::get_associated_executor(handler, t.get_executor());
  boost::asio::post(ex, [h = std::forward<TeardownHandler>(handler)]() mutable { h(boost::beast::error_code{}); });
}

}  // namespace sio::server::detail
