// sio/server/engine.hpp - the Engine.IO server over Boost.Beast, as the Socket.IO layer sees it.
//
// Threading: every callback is invoked on the executor of the io_context the server is given
// (executor()), and calls into EngineSocket / EngineServer must be made there too (post to
// executor() from other threads). With EngineOptions::io_threads = N > 1 the server runs N-1
// threads of its own besides: connections are spread over the N threads and each session lives
// on one; the EngineSockets of sessions on the other threads forward messages, closes and sends
// between their thread and executor() (see docs/server.md, "Threading").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "sio/engineio/packet.hpp"

namespace sio::server {

// What the client sent when it opened the session; kept for the Socket.IO connect step.
struct HandshakeInfo {
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string url;                             // request target, e.g. "/socket.io/?EIO=4&..."
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::string remote_address;
  bool secure = false;
  engineio::Protocol protocol = engineio::Protocol::v4;
  std::int64_t issued_ms = 0;  // milliseconds since the Unix epoch
};

// One Engine.IO session (polling and/or WebSocket). Owned by the EngineServer; the Socket.IO layer
// holds it by shared_ptr. After on_close has fired, send/close are no-ops.
class EngineSocket {
 public:
  virtual ~EngineSocket() = default;

  virtual const std::string& id() const = 0;             // the 20-character sid
  virtual const HandshakeInfo& handshake() const = 0;
  virtual engineio::Protocol protocol() const = 0;
  virtual std::string_view transport() const = 0;        // "polling" or "websocket"

  // Queue one Engine.IO message packet (text, or raw bytes when binary). `droppable` (a volatile
  // emit): dropped when the session's send buffer is full (EngineOptions::max_buffered_bytes),
  // where any other message closes the session with "send buffer full". False when the message
  // was not queued (dropped, or the session is closed).
  virtual bool send(std::string data, bool binary = false, bool droppable = false) = 0;
  // The same for a text message shared with other sessions (a broadcast encoded once): written
  // without a copy where the transport allows it (an open WebSocket).
  virtual bool send_shared(std::shared_ptr<const std::string> text, bool droppable = false) {
    return send(text ? *text : std::string(), false, droppable);
  }
  // One Socket.IO packet: its first message (text, or binary when `binary`), then its
  // attachments (binary messages), which are not sent when the first message was dropped.
  virtual bool send_packet(std::string first, bool binary, bool droppable,
                           std::vector<std::string> attachments) {
    if (!send(std::move(first), binary, droppable)) return false;
    for (auto& a : attachments) send(std::move(a), true);
    return true;
  }
  // The same with a first message shared with other sessions (send_shared when text).
  virtual bool send_shared_packet(std::shared_ptr<const std::string> first, bool binary, bool droppable,
                                  const std::vector<std::string>& attachments) {
    const bool queued = binary ? send(first ? *first : std::string(), true, droppable)
                               : send_shared(std::move(first), droppable);
    if (!queued) return false;
    for (const auto& a : attachments) send(a, true);
    return true;
  }
  // Flush what is queued, then close with reason "forced close".
  virtual void close() = 0;

  // Set by the Socket.IO layer right after EngineServer::on_connection.
  std::function<void(std::string_view data, bool binary)> on_message;
  // reason as Node's engine.io reports it: "transport close", "transport error", "ping timeout",
  // "parse error", "forced close", "server shutting down".
  // Fired exactly once; afterwards on_message/on_close are cleared (callbacks may capture the
  // socket). EngineSocket::close() and EngineServer::close() report "forced close" (as Node's
  // engine.io does; "server shutting down" is the Socket.IO layer's reason). A close() over
  // polling with no GET pending completes at the client's next GET (at most 30 s, Node's
  // closeTimeout), so on_close may come later than close().
  std::function<void(std::string_view reason)> on_close;
};

// A plain HTTP request that is neither Engine.IO nor the client bundle: see
// EngineServer::on_http_request (the web demo and the admin UI serve their files through it).
struct HttpRequest {
  std::string method;                             // "GET", "HEAD", "POST", ...
  std::string target;                             // as sent, e.g. "/admin/app.js?v=2"
  std::string path;                               // target up to '?', percent-decoded
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::map<std::string, std::string> headers;     // lower-cased names (repeats joined by ", ")
  std::string body;                               // at most max_http_buffer_size bytes
  std::string remote_address;
};

struct HttpResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Content-Type", "text/html"}
  std::string body;  // Content-Length is set by the server; for HEAD the body is not sent
};

// Sends the response. Call it exactly once, right away or later (on the io_context); calling it
// after the connection went away (or the server closed) does nothing.
using HttpResponder = std::function<void(HttpResponse)>;

// Node's allowRequest(req, callback): decides whether a handshake request may open a session.
// Call `done` exactly once (now or later, from any thread): done("", true) accepts; done(message,
// false) refuses with HTTP 403 {"code":4,"message": message or "Forbidden"} (a WebSocket
// handshake gets Node's plain-text 400 instead). Dropping `done` uncalled closes the connection.
using AllowRequestDone = std::function<void(std::string message, bool success)>;
using AllowRequest = std::function<void(const HttpRequest& request, AllowRequestDone done)>;

struct CorsOptions {
  std::vector<std::string> origins;  // empty: no CORS headers; "*" allowed
  // Node's `origin: true`: reflect the request's Origin (any origin allowed, never "*").
  bool reflect_origin = false;
  bool credentials = false;
};

struct EngineOptions {
  std::string path = "/socket.io/";
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds upgrade_timeout{10000};
  std::size_t max_http_buffer_size = 1'000'000;
  bool allow_polling = true;
  bool allow_websocket = true;
  bool allow_upgrades = true;
  bool allow_eio3 = false;
  CorsOptions cors;
  // Bytes queued for one peer and not yet written, past which a volatile message is dropped and
  // any other closes the session ("send buffer full"); 0: unbounded (Node's behaviour).
  std::size_t max_buffered_bytes = 16u << 20;
  // A WebSocket write that makes no progress this long closes the connection (a peer that
  // stopped reading); also the grace for a closing WebSocket to flush before its TCP socket is
  // closed.
  std::chrono::milliseconds write_timeout{30000};
  // Handshake filter (Node's allowRequest); empty: every handshake is allowed.
  AllowRequest allow_request;
  // Time allowed to receive one HTTP request (headers and body) and to wait for the next request
  // on a keep-alive connection; a connection that stays silent or half-sent longer is closed.
  std::chrono::milliseconds request_timeout{30000};
  // Threads serving connections: 1 (the default) runs everything on the given io_context; N > 1
  // adds N-1 threads of the server's own, each with its own io_context. Connections are handed
  // out round-robin; a session stays on the thread of the connection that opened it (a polling
  // request that arrives on another thread is moved to the session's). Callbacks still run on
  // executor(); allow_request runs on the thread of the connection (it may answer from any).
  unsigned io_threads = 1;
  // Optional file served at /socket.io.js and <path>socket.io.js (ETag, 304, gzip when asked).
  std::string client_bundle_file;
};

class EngineServer {
 public:
  virtual ~EngineServer() = default;
  virtual boost::asio::any_io_executor executor() const = 0;
  virtual std::uint16_t port() const = 0;  // the bound port (useful when listening on port 0)
  virtual std::size_t client_count() const = 0;
  virtual void close() = 0;                // stops listening and closes every session

  std::function<void(std::shared_ptr<EngineSocket>)> on_connection;

  // ---- fault injection (sio/testing and sio-testserver's control endpoint, docs/testing.md).
  // On the executor only. The session-level ones return false for an unknown sid.
  // Cuts the session's transport as a network failure would: the TCP connections (the WebSocket,
  // a held GET) are closed without a close packet or close frame; the session ends with
  // "transport error" and the client finds out through its failed transport.
  virtual bool drop_transport(const std::string& /*sid*/) { return false; }
  // The session's heartbeat stops (ServerSession::stop_heartbeat): the client's ping timeout
  // ends it.
  virtual bool stop_heartbeat(const std::string& /*sid*/) { return false; }
  // While on, every WebSocket request (a direct WebSocket handshake or an upgrade) is refused
  // with HTTP 400 "Transport unknown", as a server without the websocket transport answers.
  virtual void refuse_websocket(bool /*on*/) {}

  // Every request that is not for Engine.IO (path prefix options.path) nor the client bundle.
  // Return true when the request is yours (then call the responder once, now or later); false
  // (or no handler) answers 404. Runs on the io_context; don't block in it.
  std::function<bool(const HttpRequest&, HttpResponder)> on_http_request;
};

// Listens on address:port (port 0 picks a free one) and serves Engine.IO at options.path.
std::unique_ptr<EngineServer> make_engine_server(boost::asio::io_context& io, EngineOptions options,
                                                 std::string address = "127.0.0.1",
                                                 std::uint16_t port = 0);

}  // namespace sio::server
