// sio/client.hpp - the Socket.IO client, shaped like socket.io-client (JavaScript), for native
// programs and for the browser (Emscripten) alike: the same source builds with g++/clang and em++.
//
//   auto socket = sio::io("http://localhost:3000/chat");          // sio::Socket, connecting
//   socket->on("news", [](const sio::json& args) { ... });
//   socket->on_connect([&] { socket->emit("hello", "world", 42); });
//   socket->emit("question", "?", [](std::optional<sio::Error> err, sio::json reply) { ... });
//
// sio::Manager = one Engine.IO connection (polling/WebSocket) multiplexing namespaces, with the
// reconnection logic; sio::Socket = one namespace on it. Option names are socket.io-client's, in
// snake_case (reconnectionDelayMax -> reconnection_delay_max), with the same defaults.
//
// Threading: a Manager runs on one serial loop. Natively that is a strand of the client thread
// all Managers of the process share (started with the first, ended after the last), or of an asio
// executor of yours (Options::executor, see sio/client/asio.hpp). In the browser it is the page's
// event loop. Every callback (event listeners, acks, manager events) runs on that loop, never
// concurrently. Every public member function may be called from any thread: operations are
// dispatched to the loop (run inline when already on it, so they keep their order). Closing or
// destroying a Socket or Manager from inside a callback is safe. Listeners right after io():
// what io(), Manager::create/socket(), socket->connect() or manager->open() start inside a
// callback starts when that callback returns (as in JavaScript, where nothing is dispatched before
// the running task ends): listeners added after them, in the callback, see every event. From other
// threads the connection starts at once: use io(url, options, setup) (setup runs before it
// starts) or auto_connect = false + connect() (docs/client.md). The std::future forms
// (emit_with_ack(...)) are for native threads other than the loop: never wait on one from a
// callback, nor in the browser (use the callback forms there).
//
// Lifetime: a Socket keeps its Manager alive; dropping the last reference to a Socket disconnects
// it (like socket.disconnect()); the Manager closes when its last Socket and handle are gone.
//
// Exceptions: emitting a reserved event name throws std::invalid_argument, and a failed
// emit_with_ack future holds an AckError - when exceptions are enabled. Built without exceptions
// (-fno-exceptions, e.g. for the browser), a reserved name is refused (the ack callback gets
// Errc::reserved_event_name) and nothing throws.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "sio/client/engine.hpp"
#include "sio/core/debug_log.hpp"
#include "sio/core/json.hpp"
#include "sio/core/result.hpp"
#include "sio/socketio/parser.hpp"

namespace sio {

class Manager;
class Socket;
namespace detail {
class ManagerImpl;
struct SocketShared;
class BackendFactory;
}  // namespace detail

struct Options;
std::shared_ptr<Socket> io(const std::string& url, Options options);

using ListenerId = std::uint64_t;

// The setup function of io(url, options, setup) and Manager::socket(nsp, options, setup): runs on
// the calling thread, on the new socket, before its connection starts (add the listeners there).
using SocketSetup = std::function<void(Socket& socket)>;

// The result of an emit's acknowledgement: an error (Errc::timeout: no ack in time;
// Errc::disconnected: the connection was lost before the ack) or the ack's arguments (an array).
using AckCallback = std::function<void(std::optional<Error> error, json args)>;

// Thrown (in the std::future of emit_with_ack) when the ack fails.
class AckError : public std::runtime_error {
 public:
  explicit AckError(Error e) : std::runtime_error(e.message), error_(std::move(e)) {}
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

// Where a Manager runs (see "Threading" above). Empty: the platform's default. Natively,
// sio::asio_executor(ex) (sio/client/asio.hpp) runs it on a strand of your asio executor.
class Executor {
 public:
  Executor() = default;
  explicit Executor(std::shared_ptr<detail::BackendFactory> factory) : factory_(std::move(factory)) {}
  explicit operator bool() const noexcept { return static_cast<bool>(factory_); }
  const std::shared_ptr<detail::BackendFactory>& factory() const noexcept { return factory_; }

 private:
  std::shared_ptr<detail::BackendFactory> factory_;
};

// The auth of a CONNECT, answered later: call `answer` once with the auth object (socket.io-client's
// `auth: (cb) => ...`). The CONNECT waits for it.
using AuthAnswer = std::function<void(json auth)>;
using AsyncAuthCallback = std::function<void(AuthAnswer answer)>;

// Socket options (socket.io-client SocketOptions).
struct SocketOptions {
  json auth = json(json::value_t::discarded);  // sent in CONNECT (an object); discarded = none
  std::function<json()> auth_callback;           // if set: called on each (re)connect for the auth
  AsyncAuthCallback auth_async;                  // if set (and no auth_callback): asked on each (re)connect
  std::optional<std::chrono::milliseconds> ack_timeout;  // default timeout of emits with an ack
  std::uint32_t retries = 0;                     // resend until acked (socket.io-client 4.6+)
};

// Manager + socket options (what sio::io() takes), with socket.io-client's defaults.
struct Options {
  // -- Engine.IO --
  std::string path = "/socket.io";
  bool add_trailing_slash = true;  // "/socket.io/" (socket.io-client's addTrailingSlash)
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> extra_headers;
  std::vector<std::string> transports = {"polling", "websocket"};
  bool upgrade = true;
  bool remember_upgrade = false;
  TlsOptions tls;          // native: verify_peer (rejectUnauthorized), ca_file (ca), cert/key files
  ProxyOptions proxy;      // native: HTTP proxy (url, no_proxy) or http_proxy/https_proxy/no_proxy
  bool with_credentials = false;  // browser: cookies to other origins (withCredentials)
  bool eio3 = false;       // talk to socket.io 2.x servers (Engine.IO v3, Socket.IO protocol v4)
  // Wire format (socket.io-client's `parser`): nullptr = socket.io-parser's;
  // socketio::msgpack_parser() speaks socket.io-msgpack-parser's (the server must use the same).
  std::shared_ptr<const socketio::Parser> parser;
  // -- Manager --
  bool reconnection = true;
  std::uint64_t reconnection_attempts = UINT64_MAX;  // Infinity
  std::chrono::milliseconds reconnection_delay{1000};
  std::chrono::milliseconds reconnection_delay_max{5000};
  double randomization_factor = 0.5;
  std::optional<std::chrono::milliseconds> timeout = std::chrono::milliseconds(20000);  // nullopt: none
  bool auto_connect = true;
  // -- sio::io() lookup --
  bool force_new = false;
  bool multiplex = true;
  // -- Socket --
  json auth = json(json::value_t::discarded);
  std::function<json()> auth_callback;
  AsyncAuthCallback auth_async;
  std::optional<std::chrono::milliseconds> ack_timeout;
  std::uint32_t retries = 0;
  // -- runtime --
  Executor executor;  // empty: the shared client thread (native) / the page's event loop (browser)

  SocketOptions socket_options() const { return {auth, auth_callback, auth_async, ack_timeout, retries}; }
};

struct ConnectError {
  std::string message;
  json data = json(json::value_t::discarded);  // the server's error data, if any
};

namespace detail {
template <class T>
json to_arg(T&& value) {
  using D = std::decay_t<T>;
  if constexpr (std::is_same_v<D, Bytes>) {
    return sio::binary(Bytes(value));
  } else if constexpr (std::is_same_v<D, json::binary_t>) {
    return json::binary(std::forward<T>(value));
  } else {
    return json(std::forward<T>(value));
  }
}
template <class... A>
json to_args(A&&... values) {
  json array = json::array();
  // (+1: Socket::do_emit puts the event name in front without a second allocation.)
  array.get_ref<json::array_t&>().reserve(sizeof...(A) + 1);
  (array.push_back(to_arg(std::forward<A>(values))), ...);
  return array;
}
template <class Tuple, std::size_t... I>
json tuple_to_args(Tuple& t, std::index_sequence<I...>) {
  return to_args(std::get<I>(std::move(t))...);
}
template <class T>
inline constexpr bool is_ack_callback_v = std::is_invocable_v<std::decay_t<T>&, std::optional<Error>, json>;
template <class... A>
constexpr bool last_is_ack() {
  if constexpr (sizeof...(A) == 0) {
    return false;
  } else {
    return is_ack_callback_v<std::tuple_element_t<sizeof...(A) - 1, std::tuple<A...>>>;
  }
}
template <class... A>
inline constexpr bool last_is_ack_v = last_is_ack<A...>();
struct AckState;
}  // namespace detail

// The ack function of a received event that asked for one. Calling it (once; later calls are
// ignored) answers the server. Copyable, callable from any thread. Empty when no ack was asked.
class Ack {
 public:
  Ack() = default;
  explicit operator bool() const noexcept { return static_cast<bool>(state_); }
  template <class... A>
  void operator()(A&&... args) const {
    send(detail::to_args(std::forward<A>(args)...));
  }
  void send(json args) const;  // args: the array of ack arguments

 private:
  friend class detail::ManagerImpl;
  explicit Ack(std::shared_ptr<detail::AckState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::AckState> state_;
};

// Emit flags: socket->timeout(5s).emit(...), socket->volatile_().emit(...).
class Emitter {
 public:
  Emitter& timeout(std::chrono::milliseconds t) {
    timeout_ = t;
    return *this;
  }
  Emitter& volatile_() {
    volatile_flag_ = true;
    return *this;
  }

  // emit("event", args...[, ack]): the last argument is the ack callback if it is callable as
  // AckCallback. std::vector<std::uint8_t> (sio::Bytes) arguments are sent as binary.
  template <class... A>
  void emit(std::string event, A&&... args) {
    if constexpr (detail::last_is_ack_v<A...>) {
      auto t = std::forward_as_tuple(std::forward<A>(args)...);
      json array = detail::tuple_to_args(t, std::make_index_sequence<sizeof...(A) - 1>{});
      AckCallback ack = std::get<sizeof...(A) - 1>(t);
      emit_array(std::move(event), std::move(array), std::move(ack));
    } else {
      emit_array(std::move(event), detail::to_args(std::forward<A>(args)...));
    }
  }

  // Resolves with the ack's arguments (an array), or fails with AckError.
  template <class... A>
  std::future<json> emit_with_ack(std::string event, A&&... args) {
    return emit_array_with_ack(std::move(event), detail::to_args(std::forward<A>(args)...));
  }

  void emit_array(std::string event, json args, AckCallback ack = {});
  std::future<json> emit_array_with_ack(std::string event, json args);

  const std::shared_ptr<Socket>& socket() const noexcept { return socket_; }

 private:
  friend class Socket;
  explicit Emitter(std::shared_ptr<Socket> s) : socket_(std::move(s)) {}
  std::shared_ptr<Socket> socket_;
  std::optional<std::chrono::milliseconds> timeout_;
  bool volatile_flag_ = false;
};

class Socket : public std::enable_shared_from_this<Socket> {
 public:
  using Handler = std::function<void(const json& args)>;
  using AckHandler = std::function<void(const json& args, Ack ack)>;
  using AnyHandler = std::function<void(const std::string& event, const json& args)>;
  using AnyAckHandler = std::function<void(const std::string& event, const json& args, Ack ack)>;

  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // -- listeners (args: the event's arguments as an array). Reserved events: "connect" ([]),
  // "connect_error" ([{"message":..., "data":...}]), "disconnect" ([reason, description]).
  ListenerId on(const std::string& event, Handler handler);
  ListenerId on(const std::string& event, AckHandler handler);
  ListenerId once(const std::string& event, Handler handler);
  ListenerId once(const std::string& event, AckHandler handler);
  void off(const std::string& event, ListenerId id);
  void off(const std::string& event);  // all listeners of the event
  void off();                           // all listeners
  ListenerId on_connect(std::function<void()> handler);
  ListenerId on_connect_error(std::function<void(const ConnectError&)> handler);
  ListenerId on_disconnect(std::function<void(const std::string& reason)> handler);
  ListenerId on_any(AnyHandler handler);
  ListenerId on_any(AnyAckHandler handler);  // with the event's ack function (empty if none asked)
  ListenerId prepend_any(AnyHandler handler);
  void off_any(ListenerId id);
  void off_any();
  ListenerId on_any_outgoing(AnyHandler handler);
  void off_any_outgoing(ListenerId id);
  void off_any_outgoing();

  // -- emitting (see Emitter::emit). Reserved event names throw std::invalid_argument, like JS.
  template <class... A>
  Socket& emit(std::string event, A&&... args) {
    Emitter(shared_from_this()).emit(std::move(event), std::forward<A>(args)...);
    return *this;
  }
  template <class... A>
  std::future<json> emit_with_ack(std::string event, A&&... args) {
    return Emitter(shared_from_this()).emit_with_ack(std::move(event), std::forward<A>(args)...);
  }
  template <class... A>
  Socket& send(A&&... args) {
    return emit("message", std::forward<A>(args)...);
  }
  Socket& emit_array(std::string event, json args, AckCallback ack = {});
  Emitter emitter() { return Emitter(shared_from_this()); }  // no flags
  Emitter timeout(std::chrono::milliseconds t) { return Emitter(shared_from_this()).timeout(t); }
  Emitter volatile_() { return Emitter(shared_from_this()).volatile_(); }

  // -- lifecycle
  Socket& connect();
  Socket& open() { return connect(); }
  Socket& disconnect();
  Socket& close() { return disconnect(); }
  void set_auth(json auth);  // used from the next CONNECT on
  void set_auth_callback(AsyncAuthCallback callback);  // asked on every CONNECT from the next on

  // -- state (snapshots, readable from any thread)
  std::string id() const;  // empty when not connected
  bool connected() const;
  bool disconnected() const { return !connected(); }
  bool active() const;
  bool recovered() const;
  const std::string& nsp() const noexcept { return nsp_; }
  std::shared_ptr<Manager> io() const { return manager_; }

 private:
  friend class Manager;
  friend class Emitter;
  Socket(std::shared_ptr<Manager> manager, std::shared_ptr<detail::SocketShared> shared, std::string nsp);
  void do_emit(std::string event, json args, AckCallback ack, std::optional<std::chrono::milliseconds> timeout,
               bool is_volatile);

  std::shared_ptr<Manager> manager_;
  std::shared_ptr<detail::SocketShared> shared_;
  std::string nsp_;
};

class Manager : public std::enable_shared_from_this<Manager> {
 public:
  using Handler = std::function<void(const json& args)>;

  // url: http(s)://host[:port] (ws/wss accepted). Opens at once unless options.auto_connect is false.
  static std::shared_ptr<Manager> create(std::string url, Options options = {});
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // The socket of a namespace (the same object while it is alive); connects it if auto_connect.
  std::shared_ptr<Socket> socket(std::string nsp = "/");
  std::shared_ptr<Socket> socket(std::string nsp, SocketOptions options);
  // The same, with `setup(socket)` run (on this thread) before the socket's connection starts.
  std::shared_ptr<Socket> socket(std::string nsp, SocketOptions options, const SocketSetup& setup);

  void open();
  void connect() { open(); }
  void close();  // closes the connection and stops reconnecting (JS manager.disconnect())
  void disconnect() { close(); }
  // Closes the current Engine.IO connection as if its transport had ended (socket.io-client's
  // manager.engine.close()): "close" with "forced close", then reconnection unless it is off.
  void close_engine();

  // socket.io-client's Manager setters, at any time: a reconnection already scheduled keeps its
  // delay; the next delay, the give-up check and the next connection attempt use the new values.
  void set_reconnection(bool on);
  void set_reconnection_attempts(std::uint64_t attempts);  // UINT64_MAX: Infinity
  void set_reconnection_delay(std::chrono::milliseconds delay);
  void set_reconnection_delay_max(std::chrono::milliseconds delay);
  void set_randomization_factor(double factor);
  void set_timeout(std::optional<std::chrono::milliseconds> timeout);  // nullopt: none

  // Manager events: "open" [], "error" [message], "close" [reason, description], "ping" [],
  // "reconnect_attempt" [attempt], "reconnect" [attempt], "reconnect_error" [message],
  // "reconnect_failed" []; and those of its Engine.IO connection (socket.io-client's
  // manager.engine): "engine_open" [], "engine_upgrade" [transport], "engine_close" []; and
  // "idle" [] when the Manager becomes idle() (the browser bridge frees idle Managers on it).
  ListenerId on(const std::string& event, Handler handler);
  ListenerId once(const std::string& event, Handler handler);
  void off(const std::string& event, ListenerId id);
  void off(const std::string& event);

  // Name of the current Engine.IO transport ("polling", "websocket"; "" when closed).
  std::string transport() const;
  std::string engine_id() const;  // the Engine.IO session id; "" when closed
  // "closed", "opening" or "open" (socket.io-client's manager._readyState).
  std::string ready_state() const;
  // Nothing left to do: closed, not reconnecting, nothing buffered or awaiting an ack (sockets may
  // still be active - subscribed - after close() or reconnect_failed: nothing runs for them until
  // the application connects or opens again).
  bool idle() const;
  const Options& options() const noexcept { return options_; }
  const std::string& url() const noexcept { return url_; }

 private:
  friend class Socket;
  friend std::shared_ptr<Socket> io(const std::string& url, Options options);
  Manager(std::string url, Options options);

  friend class detail::ManagerImpl;
  std::string url_;
  Options options_;
  std::shared_ptr<void> keepalive_;  // natively: the shared client thread (released last)
  std::shared_ptr<detail::ManagerImpl> impl_;
  std::mutex sockets_mutex_;
  std::map<std::string, std::weak_ptr<Socket>> sockets_;
};

// socket.io-client's io(url, options): "http://host:port/nsp?query". Reuses a cached Manager
// for the same scheme://host:port + path unless force_new, !multiplex, or that Manager already has
// a live socket for the namespace.
std::shared_ptr<Socket> io(const std::string& url, Options options);
inline std::shared_ptr<Socket> io(const std::string& url) { return io(url, Options{}); }

// io() with a setup function that runs on the calling thread before the connection (and a new
// Manager) starts, from any thread: listeners it adds see every event, "connect" and the Manager's
// "open" included.
//   auto socket = sio::io(url, options, [](sio::Socket& s) { s.on("welcome", ...); });
// Do not wait in it for the connection: it starts once setup returns.
std::shared_ptr<Socket> io(const std::string& url, Options options, const SocketSetup& setup);

// ---- the end of main() -----------------------------------------------------------------------
// A program that runs on callbacks ends its main() with `return sio::run_until_exit();`, on both
// platforms: natively it blocks until exit_main(code) is called (from any thread, e.g. a callback)
// and returns that code; in the browser it returns 0 at once and the page goes on running (the
// end of main() does not end an Emscripten program); exit_main(code) then calls the page's
// Module.onExit(code) if it has one.
int run_until_exit();
void exit_main(int code);

// ---- logging --------------------------------------------------------------------------------
// Debug output like the JS `debug` module (DEBUG=socket.io*): sio::set_log_sink, set_log_filter
// and log_enabled of sio/core/debug_log.hpp. The client's categories: socket.io-client:manager,
// socket.io-client:socket.

}  // namespace sio
