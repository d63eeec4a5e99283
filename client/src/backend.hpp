// backend.hpp - what the client needs from a platform, and nothing more: an event loop with
// timers (Loop), HTTP requests for long-polling (HttpClient) and WebSocket connections (WebSocket).
//
// The client's logic (engine_driver.cpp: the Engine.IO session loop; manager.cpp: the Manager and
// its Sockets) is written once against these interfaces. Two implementations:
//   backend/asio/     native: an asio strand, libcurl's multi interface, Boost.Beast
//   backend/browser/  Emscripten: the browser's event loop (setTimeout), fetch, WebSocket
// Every callback of a backend runs on its Loop, never from inside the call that started the work,
// and never after the object that asked for it was shut down / aborted.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sio/client/engine.hpp"
#include "sio/engineio/packet.hpp"

namespace sio {
class Manager;
}

namespace sio::detail {

using Clock = std::chrono::steady_clock;

// One timer of a Loop. set() replaces what was set before; the callback runs on the Loop, at or
// after `at`, unless cancel() (or destruction) came first.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void set(Clock::time_point at, std::function<void()> fn) = 0;
  virtual void cancel() = 0;
};

// A serial event loop: what is posted runs in order, never concurrently with anything else of the
// same Loop.
class Loop {
 public:
  virtual ~Loop() = default;
  virtual void post(std::function<void()> fn) = 0;
  // Runs fn now if the caller is on the Loop, else posts it.
  virtual void dispatch(std::function<void()> fn) = 0;
  virtual bool in_loop() const = 0;
  virtual std::unique_ptr<Timer> make_timer() = 0;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// ---- HTTP (long-polling) --------------------------------------------------------------------

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
  // Starts a transfer; `done` is called later on the Loop, never from inside start(). 0: refused
  // (shutting down).
  virtual std::uint64_t start(HttpRequest request, Done done) = 0;
  // Aborts a transfer; its `done` is not called. Unknown ids are ignored.
  virtual void cancel(std::uint64_t id) = 0;
  // Cookie header (name=value; ...) of the stored cookies that match, "" when none (the browser
  // sends its cookies itself: always "").
  virtual std::string cookie_header(std::string_view host, std::string_view path, bool secure) = 0;
  // Aborts everything now; no callback afterwards.
  virtual void shutdown() = 0;
  // Callbacks stop now; running transfers end on their own (their timeouts apply), then shutdown.
  virtual void finish_then_shutdown() = 0;
};

// ---- WebSocket --------------------------------------------------------------------------------

struct WebSocketTarget {
  bool secure = false;
  std::string host;  // name or address, no brackets
  std::string port;
  std::string target;  // path and query
  Headers headers;     // (the browser's WebSocket cannot send headers: ignored there)
  std::chrono::milliseconds timeout{20000};  // connect + handshakes, and the close handshake
  std::size_t max_message_bytes = 100'000'000;
};

struct WebSocketHandlers {
  std::function<void()> on_open;
  // A whole message; `data` is valid during the call only.
  std::function<void(std::string_view data, bool binary)> on_frame;
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

// ---- a platform -------------------------------------------------------------------------------

// The Loop a Manager (or a bare EngineClient) runs on, and the transports made on it.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual Loop& loop() = 0;
  // Uniform in [0, 1): the reconnection jitter (not a secret).
  virtual double random() = 0;
  virtual std::shared_ptr<HttpClient> make_http(const TransportOptions& options) = 0;
  // `secure`/`host` select ws or wss and the name the TLS certificate must carry.
  virtual std::shared_ptr<WebSocket> make_websocket(const TransportOptions& options, WebSocketHandlers handlers,
                                                    bool secure, const std::string& host) = 0;
};

// Makes the Backend of one new Manager: each Manager gets its own Loop (natively a strand of the
// shared client thread's io_context, or of Options::executor), so Managers never block each other.
struct MadeBackend {
  std::shared_ptr<Backend> backend;
  std::shared_ptr<void> keepalive;  // held by the Manager handle (natively: the client thread)
};

class BackendFactory {
 public:
  virtual ~BackendFactory() = default;
  virtual MadeBackend make() = 0;
};

// The Backend of a Manager (manager.cpp), and how many Manager implementations are alive (tests).
Backend& backend_of(const Manager& manager);
int live_managers();

// The platform's default: natively the process-wide client thread (started with the first
// Manager, ended after the last); in the browser, the page's event loop.
std::shared_ptr<BackendFactory> default_backend_factory();

}  // namespace sio::detail
