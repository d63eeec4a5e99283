// ws_client_layer.hpp - the layer below Beast's websocket::stream in the native client (plain TCP
// or TLS under it). Reads go to the stream below, after telling the connection that Beast needs
// bytes from the socket (so every frame already buffered has been delivered: the moment to write
// what those frames' handlers queued). What Beast writes itself (the handshake request, pongs,
// the close frame) is handed to the connection's write queue instead of the socket, so one writer
// owns the socket and Beast's frames go out in order with the client's own (gathered) data frames.
#pragma once

#include <cstddef>
#include <utility>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>

namespace sio::detail {

// The connection the layer reports to (beast_ws.cpp).
class WsLayerOwner {
 public:
  virtual ~WsLayerOwner() = default;
  virtual void write_raw(const void* data, std::size_t size) = 0;  // queued after everything so far
  virtual void reading_from_socket() = 0;
};

template <class Next>
class WsClientLayer {
 public:
  using executor_type = typename Next::executor_type;

  template <class... Args>
  explicit WsClientLayer(WsLayerOwner& owner, Args&&... args) : next_(std::forward<Args>(args)...), owner_(&owner) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  Next& next_layer() noexcept { return next_; }
  const Next& next_layer() const noexcept { return next_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    owner_->reading_from_socket();
    return next_.async_read_some(buffers, std::forward<Token>(token));
  }

  // Copies the bytes into the write queue and completes (posted) at once; the queue's writer
  // reports failures by closing the socket, which ends the read side.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          std::size_t n = 0;
          for (auto it = boost::asio::buffer_sequence_begin(b); it != boost::asio::buffer_sequence_end(b); ++it) {
            const boost::asio::const_buffer piece(*it);
            owner_->write_raw(piece.data(), piece.size());
            n += piece.size();
          }
          auto ex = boost::asio::get_associated_executor(handler, get_executor());
          boost::asio::post(ex, [h = std::move(handler), n]() mutable { h(boost::beast::error_code{}, n); });
        },
        token, buffers);
  }

 private:
  Next next_;
  WsLayerOwner* owner_;
};

// Beast's closing handshake ends with a teardown of the layer below: nothing here; the connection
// closes the socket once its queue (the close frame included) is written.
template <class Next>
void teardown(boost::beast::role_type, WsClientLayer<Next>&, boost::beast::error_code& ec) {
  ec = {};
}

template <class Next, class TeardownHandler>
void async_teardown(boost::beast::role_type, WsClientLayer<Next>& layer, TeardownHandler&& handler) {
  auto ex = boost::asio::get_associated_executor(handler, layer.get_executor());
  boost::asio::post(ex, [h = std::forward<TeardownHandler>(handler)]() mutable { h(boost::beast::error_code{}); });
}

}  // namespace sio::detail
