// beast_ws.cpp - the native WebSocket (backend.hpp) on Boost.Beast, plain (ws) and TLS (wss).
//
// One class template for both stream types; the only Beast translation unit of the engine client.
// Beast does the handshake, reads frames and answers control frames; the client writes its data
// frames itself (ws_client_frame.hpp) through one write queue that also carries what Beast writes
// (ws_client_layer.hpp). The queue is written when Beast goes back to the socket for bytes (every
// frame a read returned has been delivered, and what their handlers sent is in the queue) or, for
// sends from elsewhere (timers, posted work), once per pass of the loop: one write for many frames.
#include <cstdlib>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "asio_backend.hpp"
#include "proxy.hpp"
#include "ws_client_frame.hpp"
#include "ws_client_layer.hpp"
#include "sio/engineio/client_url.hpp"

namespace sio::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

using PlainStream = websocket::stream<WsClientLayer<beast::tcp_stream>>;
using TlsStream = websocket::stream<WsClientLayer<beast::ssl_stream<beast::tcp_stream>>>;

// The TLS context of one connection: verification of the certificate chain and host name on by
// default, extra CA file and client certificate as configured.
std::shared_ptr<asio::ssl::context> make_tls_context(const TlsOptions& tls, const std::string& host,
                                                     std::string& error) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  error_code ec;
  if (tls.verify_peer) {
    ctx->set_verify_mode(asio::ssl::verify_peer, ec);
    ctx->set_default_verify_paths(ec);
    ec = {};
    if (!tls.ca_file.empty()) {
      ctx->load_verify_file(tls.ca_file, ec);
      if (ec) error = "ca_file: " + ec.message();
    }
    ctx->set_verify_callback(asio::ssl::host_name_verification(host), ec);
  } else {
    ctx->set_verify_mode(asio::ssl::verify_none, ec);
  }
  if (!tls.client_cert_file.empty()) {
    ctx->use_certificate_chain_file(tls.client_cert_file, ec);
    if (ec) error = "client_cert_file: " + ec.message();
  }
  if (!tls.client_key_file.empty()) {
    ctx->use_private_key_file(tls.client_key_file, asio::ssl::context::pem, ec);
    if (ec) error = "client_key_file: " + ec.message();
  }
  return ctx;
}

template <class Stream>
class BeastWebSocket final : public WebSocket,
                             private WsLayerOwner,
                             public std::enable_shared_from_this<BeastWebSocket<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, PlainStream>;
  // Past this, the write buffers give their memory back after a write (a large message was sent).
  static constexpr std::size_t kKeepBufferBytes = 64 * 1024;

 public:
  // `proxy`: reach the server through an HTTP CONNECT tunnel of this proxy.
  BeastWebSocket(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> ctx, WebSocketHandlers handlers,
                 std::optional<ProxyEndpoint> proxy)
      : resolver_(executor),
        ctx_(std::move(ctx)),
        ws_(make_stream(*this, executor, ctx_)),
        handlers_(std::make_shared<const WebSocketHandlers>(std::move(handlers))),
        proxy_(std::move(proxy)) {}

  void connect(WebSocketTarget target) override {
    target_ = std::move(target);
    ws_.read_message_max(target_.max_message_bytes);
    // The TCP connection goes to the proxy when there is one.
    dial_host_ = proxy_ ? proxy_->host : target_.host;
    dial_port_ = proxy_ ? proxy_->port : target_.port;
    // A numeric host needs no resolver (whose asynchronous form runs a thread of its own).
    error_code not_numeric;
    const auto address = asio::ip::make_address(dial_host_, not_numeric);
    if (!not_numeric) {
      const unsigned long port = std::strtoul(dial_port_.c_str(), nullptr, 10);  // digits (client_url.hpp, curl)
      const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
      asio::post(resolver_.get_executor(), [self = this->shared_from_this(), endpoint] {
        if (self->done_) return;
        self->on_resolve({}, tcp::resolver::results_type::create(endpoint, self->dial_host_, self->dial_port_));
      });
      return;
    }
    resolver_.async_resolve(dial_host_, dial_port_,
                            [self = this->shared_from_this()](error_code ec, tcp::resolver::results_type results) {
                              self->on_resolve(ec, std::move(results));
                            });
  }

  void send(engineio::Frame frame) override {
    if (done_ || closing_) return;
    if (!open_) {
      queue_.push_back(std::move(frame));
      return;
    }
    if (!encode(frame)) return;
    schedule_flush();
  }

  void close() override {
    handlers_.reset();
    if (done_ || closing_) return;
    closing_ = true;
    if (!open_) {
      abort();
      return;
    }
    close_now();
  }

  void abort() override {
    handlers_.reset();
    done_ = true;
    resolver_.cancel();
    close_socket();
  }

 private:
  static Stream make_stream(WsLayerOwner& owner, const asio::any_io_executor& executor,
                            const std::shared_ptr<asio::ssl::context>& ctx) {
    if constexpr (kTls) {
      return Stream(owner, executor, *ctx);
    } else {
      return Stream(owner, executor);
    }
  }

  // The stream under the layer: the TCP stream, or the TLS stream on it.
  auto& transport() { return ws_.next_layer().next_layer(); }

  void close_socket() {
    socket_closed_ = true;
    beast::get_lowest_layer(ws_).close();
  }

  // ---- the write queue ----

  // Appends the frame, masked, to the bytes to write next; false (and the connection ends) when
  // no masking key could be had.
  bool encode(const engineio::Frame& frame) {
    WsMaskKey key;
    if (!keys_.next(key)) {
      finish(true, "write: no random bytes for the masking key");
      return false;
    }
    append_ws_client_frame(pending_, frame.binary, frame.bytes,
                           frame.shared ? std::string_view(*frame.shared) : std::string_view(), key);
    return true;
  }

  // Beast's own bytes (handshake request, pong, close frame): written on the next pass whatever
  // the state of the reading.
  void write_raw(const void* data, std::size_t size) override {
    pending_.append(static_cast<const char*>(data), size);
    schedule_flush(true);
  }

  // Beast goes to the socket for bytes: every frame it had buffered has been delivered.
  void reading_from_socket() override {
    delivering_ = false;
    if (!writing_ && !pending_.empty()) flush();
  }

  // Writes the queue at the end of this pass of the loop; while read frames are being delivered,
  // once they all are (reading_from_socket).
  void schedule_flush(bool force = false) {
    if (writing_ || flush_posted_ || pending_.empty() || socket_closed_ || (delivering_ && !force)) return;
    flush_posted_ = true;
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
      self->flush_posted_ = false;
      if (!self->writing_) self->flush();
    });
  }

  // One write of everything queued; what is queued meanwhile goes out when it completes.
  void flush() {
    if (socket_closed_) return;
    if (pending_.empty()) {
      if (close_when_flushed_) shut_down();
      return;
    }
    out_.swap(pending_);
    writing_ = true;
    asio::async_write(transport(), asio::buffer(out_), [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->writing_ = false;
      self->out_.clear();
      if (self->out_.capacity() > kKeepBufferBytes) std::string().swap(self->out_);
      if (self->pending_.capacity() > kKeepBufferBytes && self->pending_.empty()) std::string().swap(self->pending_);
      if (ec) {
        if (!self->done_) return self->finish(true, "write: " + ec.message());
        return self->close_socket();
      }
      self->flush();
    });
  }

  // The close handshake is over: the socket is closed once the queue is written (TLS: after the
  // TLS shutdown, bounded by the connection's timeout).
  void close_when_flushed() {
    close_when_flushed_ = true;
    if (!writing_) flush();
  }

  void shut_down() {
    if (socket_closed_) return;
    if constexpr (kTls) {
      beast::get_lowest_layer(ws_).expires_after(target_.timeout);
      transport().async_shutdown([self = this->shared_from_this()](error_code) { self->close_socket(); });
    } else {
      close_socket();
    }
  }

  void on_resolve(error_code ec, tcp::resolver::results_type results) {
    if (done_) return;
    if (ec) return finish(true, "resolve: " + ec.message());
    beast::get_lowest_layer(ws_).expires_after(target_.timeout);
    beast::get_lowest_layer(ws_).async_connect(
        results, [self = this->shared_from_this()](error_code ec, const tcp::endpoint&) { self->on_connect(ec); });
  }

  void on_connect(error_code ec) {
    if (done_) return;
    if (ec) return finish(true, std::string(proxy_ ? "proxy connect: " : "connect: ") + ec.message());
    if (proxy_) return open_tunnel();
    on_connected();
  }

  // HTTP CONNECT host:port through the proxy; any 2xx answer opens the tunnel.
  void open_tunnel() {
    const std::string authority =
        engineio::url_host({target_.secure, target_.host, target_.port}) + ":" + target_.port;
    auto request = std::make_shared<beast::http::request<beast::http::empty_body>>(beast::http::verb::connect,
                                                                                   authority, 11);
    request->set(beast::http::field::host, authority);
    request->set(beast::http::field::user_agent, "sio-cpp");
    beast::get_lowest_layer(ws_).expires_after(target_.timeout);
    beast::http::async_write(beast::get_lowest_layer(ws_), *request,
                             [self = this->shared_from_this(), request](error_code ec, std::size_t) {
                               if (self->done_) return;
                               if (ec) return self->finish(true, "proxy: " + ec.message());
                               self->read_tunnel_answer();
                             });
  }

  void read_tunnel_answer() {
    proxy_answer_.emplace();
    proxy_answer_->skip(true);  // the answer to CONNECT has no body
    beast::http::async_read(beast::get_lowest_layer(ws_), buffer_, *proxy_answer_,
                            [self = this->shared_from_this()](error_code ec, std::size_t) {
                              if (self->done_) return;
                              if (ec) return self->finish(true, "proxy: " + ec.message());
                              const unsigned status = self->proxy_answer_->get().result_int();
                              self->proxy_answer_.reset();
                              if (status < 200 || status > 299) {
                                return self->finish(true, "proxy: CONNECT refused (HTTP " + std::to_string(status) + ")");
                              }
                              // The server speaks only after our handshake: nothing may follow the answer.
                              if (self->buffer_.size() != 0) return self->finish(true, "proxy: data after the CONNECT answer");
                              self->on_connected();
                            });
  }

  // The TCP connection (or tunnel) to the server is up: TLS, then the WebSocket handshake.
  void on_connected() {
    if constexpr (kTls) {
      // SNI (host names only, not IP literals); the certificate's name or address is checked by the
      // context's verify callback (host_name_verification).
      error_code not_an_address;
      asio::ip::make_address(target_.host, not_an_address);
      if (not_an_address && !SSL_set_tlsext_host_name(transport().native_handle(), target_.host.c_str())) {
        return finish(true, "tls: cannot set the server name");
      }
      transport().async_handshake(asio::ssl::stream_base::client,
                                       [self = this->shared_from_this()](error_code ec) {
                                         if (self->done_) return;
                                         if (ec) return self->finish(true, "tls handshake: " + ec.message());
                                         self->handshake();
                                       });
    } else {
      handshake();
    }
  }

  void handshake() {
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream's own timeouts from here on
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = target_.timeout;
    timeouts.idle_timeout = websocket::stream_base::none();  // the Engine.IO heartbeat watches idleness
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([headers = target_.headers](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "sio-cpp");
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    const std::string host = engineio::url_host({target_.secure, target_.host, target_.port}) + ":" + target_.port;
    ws_.async_handshake(response_, host, target_.target, [self = this->shared_from_this()](error_code ec) {
      if (self->done_) return;
      if (ec) {
        std::string what = "websocket handshake: " + ec.message();
        if (self->response_.result_int() != 0 && self->response_.result_int() != 101) {
          what += " (HTTP " + std::to_string(self->response_.result_int()) + ")";
        }
        return self->finish(true, what);
      }
      self->open_ = true;
      // Frames sent before the connection opened go first.
      for (const auto& frame : self->queue_) {
        if (!self->encode(frame)) return;
      }
      self->queue_.clear();
      if (self->closing_) return self->close_now();
      if (auto handlers = self->handlers_; handlers && handlers->on_open) handlers->on_open();
      if (self->done_) return;
      self->read_next();
      self->schedule_flush();
    });
  }

  void read_next() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (done_) return;
    if (ec) {
      const bool clean = ec == websocket::error::closed || ec == asio::error::eof ||
                         ec == beast::http::error::end_of_stream;
      std::string what = clean ? "closed by the server" : "read: " + ec.message();
      if (ec == websocket::error::closed && !ws_.reason().reason.empty()) {
        what += std::string(" (") + ws_.reason().reason.c_str() + ")";
      }
      return finish(!clean, what);
    }
    // The message is handed over in place (flat_buffer: one contiguous block), emptied after.
    const auto bytes = buffer_.data();
    const std::string_view data(static_cast<const char*>(bytes.data()), bytes.size());
    const bool binary = !ws_.got_text();
    // What the handler sends is written once Beast has delivered every frame it has buffered.
    delivering_ = true;
    // The handlers are held for the call: what it does may drop this socket's (close, abort).
    if (auto handlers = handlers_; handlers && handlers->on_frame) handlers->on_frame(data, binary);
    buffer_.consume(buffer_.size());
    if (done_) return;
    read_next();
  }

  // The close frame goes into the queue after every frame sent before; the socket is closed once
  // the close handshake is over and the queue is written.
  void close_now() {
    done_ = true;  // no more reads reported; the read in flight ends with the close handshake
    ws_.async_close(websocket::close_code::normal, [self = this->shared_from_this()](error_code ec) {
      if (ec) return self->close_socket();
      self->close_when_flushed();
    });
  }

  // The connection ended (error or peer close): report once, then drop everything.
  void finish(bool error, std::string what) {
    if (done_) return;
    done_ = true;
    auto handlers = std::move(handlers_);
    close_socket();
    if (handlers && handlers->on_closed) handlers->on_closed(error, std::move(what));
  }

  tcp::resolver resolver_;
  std::shared_ptr<asio::ssl::context> ctx_;  // outlives the stream (declared before it)
  Stream ws_;
  // Shared, so that a frame's delivery holds them without copying the functions (close() and
  // abort() drop them, also from inside a handler).
  std::shared_ptr<const WebSocketHandlers> handlers_;
  WebSocketTarget target_;
  websocket::response_type response_;
  beast::flat_buffer buffer_;
  std::optional<ProxyEndpoint> proxy_;
  std::string dial_host_, dial_port_;  // the server, or the proxy
  std::optional<beast::http::response_parser<beast::http::empty_body>> proxy_answer_;
  std::deque<engineio::Frame> queue_;  // sent before the connection opened
  WsMaskKeys keys_;
  std::string pending_;  // frames (and Beast's bytes) to write next
  std::string out_;      // the bytes being written
  bool open_ = false;
  bool writing_ = false;
  bool flush_posted_ = false;
  bool delivering_ = false;  // read frames are being delivered: the queue waits for the next socket read
  bool close_when_flushed_ = false;
  bool socket_closed_ = false;
  bool closing_ = false;
  bool done_ = false;
};

// Reports a failure before any I/O (bad TLS configuration) the way a failed connect would.
class FailedWebSocket final : public WebSocket, public std::enable_shared_from_this<FailedWebSocket> {
 public:
  FailedWebSocket(asio::any_io_executor executor, WebSocketHandlers handlers, std::string error)
      : executor_(std::move(executor)), handlers_(std::move(handlers)), error_(std::move(error)) {}
  void connect(WebSocketTarget) override {
    asio::post(executor_, [self = shared_from_this()] {
      if (auto on_closed = std::move(self->handlers_.on_closed)) on_closed(true, self->error_);
    });
  }
  void send(engineio::Frame) override {}
  void close() override { handlers_ = {}; }
  void abort() override { handlers_ = {}; }

 private:
  asio::any_io_executor executor_;
  WebSocketHandlers handlers_;
  std::string error_;
};

}  // namespace

std::shared_ptr<WebSocket> make_websocket(asio::any_io_executor executor, const TlsOptions& tls,
                                          const ProxyOptions& proxy_options, WebSocketHandlers handlers, bool secure,
                                          const std::string& host) {
  std::optional<ProxyEndpoint> proxy;
  const ProxyChoice choice = choose_proxy(proxy_options, secure);
  if (!choice.url.empty() && !bypasses_proxy(choice.no_proxy, host)) {
    proxy = proxy_endpoint(choice.url);
    if (!proxy) {
      return std::make_shared<FailedWebSocket>(std::move(executor), std::move(handlers),
                                               "proxy: not an http:// proxy URL: " + choice.url);
    }
  }
  if (!secure) {
    return std::make_shared<BeastWebSocket<PlainStream>>(std::move(executor), nullptr, std::move(handlers),
                                                         std::move(proxy));
  }
  std::string error;
  auto ctx = make_tls_context(tls, host, error);
  if (!error.empty()) return std::make_shared<FailedWebSocket>(std::move(executor), std::move(handlers), "tls: " + error);
  return std::make_shared<BeastWebSocket<TlsStream>>(std::move(executor), std::move(ctx), std::move(handlers),
                                                     std::move(proxy));
}

}  // namespace sio::detail
