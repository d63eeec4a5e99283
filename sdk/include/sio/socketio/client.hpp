// sio/socketio/client.hpp - the Socket.IO client logic, sans I/O: socket.io-client's Manager and
// its per-namespace Sockets as one state machine, driven by client/src/manager.cpp on every platform.
//
// The ClientManager owns no connection, thread or clock. A driver (client/src/manager.cpp) feeds it
//   - user operations: open/close, connect/disconnect/emit per namespace, answers to acks;
//   - what its Engine.IO connection reports: on_engine_open/message/close/error/ping;
//   - time: every call that may start a deadline takes `now`; the driver arms one timer at
//     next_timeout() and calls handle_timeout(now) when it fires;
// and drains, after each call, the ordered outputs with poll():
//   - Transmit: one Engine.IO message to send (text, or binary for attachments);
//   - OpenEngine / CloseEngine: create and open a new Engine.IO connection / drop the current one
//     (after CloseEngine the driver must report nothing more from that connection);
//   - ManagerEvent / SocketEvent: what socket.io-client would emit to the application, including
//     ack results (SocketEvent::kind == ack, carrying the user's callback to invoke).
// No user code runs inside the ClientManager except SocketOptions::auth_provider, so the driver may
// call back into it freely while dispatching the outputs.
//
// Behaviour follows socket.io-client 4.8 (defaults, event names and order, disconnect reasons);
// the differences are listed in docs/client.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sio/core/json.hpp"
#include "sio/core/result.hpp"
#include "sio/socketio/acks.hpp"
#include "sio/socketio/backoff.hpp"
#include "sio/socketio/packet.hpp"
#include "sio/socketio/parser.hpp"

namespace sio::socketio {

using TimePoint = std::chrono::steady_clock::time_point;

// Result of an emit's acknowledgement: error (Errc::timeout, Errc::disconnected) or the ack's
// arguments as an array.
using AckCallback = std::function<void(std::optional<sio::Error> error, sio::json args)>;

struct ClientOptions {
  bool reconnection = true;
  std::uint64_t reconnection_attempts = std::numeric_limits<std::uint64_t>::max();  // Infinity
  std::chrono::milliseconds reconnection_delay{1000};
  std::chrono::milliseconds reconnection_delay_max{5000};
  double randomization_factor = 0.5;
  // Connect timeout of each Engine.IO connection attempt; nullopt = none (JS `timeout: false`).
  std::optional<std::chrono::milliseconds> timeout = std::chrono::milliseconds(20000);
  // v5: socket.io 3/4 servers (Engine.IO v4). v4: socket.io 2 servers (Engine.IO v3).
  Protocol protocol = Protocol::v5;
  DecoderLimits decoder_limits;
  // Wire format (socket.io-client's `parser` option); nullptr: the default parser.
  std::shared_ptr<const Parser> parser;
  // Uniform random values in [0, 1) for the reconnection jitter. Empty: a fixed-seed generator
  // (drivers should pass a seeded one).
  std::function<double()> random;
  // Report SocketEvent::outgoing for every packet sent (needed for onAnyOutgoing listeners).
  bool report_outgoing = true;
};

struct SocketOptions {
  // Sent in the CONNECT packet (an object, or discarded for none). In protocol v4 it is sent as
  // the namespace query string instead ("/nsp?k=v,"), as socket.io 2 expects.
  sio::json auth = sio::json(sio::json::value_t::discarded);
  // If set, called on every CONNECT to produce the auth value (re-evaluated on each connect). Must
  // not call into the ClientManager.
  std::function<sio::json()> auth_provider;
  // If set (and auth_provider is not): the auth is answered asynchronously (socket.io-client's
  // `auth: (cb) => ...` answering later). Every CONNECT then starts with an AuthRequest output; the
  // CONNECT goes out when provide_auth() answers it.
  bool auth_deferred = false;
  // Default ack timeout of emits with an ack (JS ackTimeout); nullopt = wait forever.
  std::optional<std::chrono::milliseconds> ack_timeout;
  // Retries of each emit until acknowledged (JS `retries`, socket.io-client 4.6+); 0 = off. With
  // retries, emits are sent one at a time in order, each waiting for its ack.
  std::uint32_t retries = 0;
};

struct EmitOptions {
  std::optional<std::chrono::milliseconds> timeout;  // overrides SocketOptions::ack_timeout
  bool volatile_ = false;  // dropped instead of buffered when the socket is not connected
};

enum class ReadyState { closed, opening, open };

// ---- outputs ----------------------------------------------------------------------------------

struct Transmit {
  std::string data;
  bool binary = false;
};
struct OpenEngine {};
struct CloseEngine {};
// SocketOptions::auth_deferred: ask for the auth of `nsp`'s CONNECT, answer with provide_auth(nsp, token, auth).
struct AuthRequest {
  std::string nsp;
  std::uint64_t token = 0;
};

struct ManagerEvent {
  enum class Kind {
    open,               // Engine.IO connection open
    error,              // message: connection attempt failed ("timeout", engine message) or error
    close,              // message: reason ("transport close", "forced close", "parse error", ...)
    ping,
    reconnect_attempt,  // attempt
    reconnect,          // attempt
    reconnect_error,    // message
    reconnect_failed,
  };
  Kind kind;
  std::string message;
  std::string description;
  std::uint32_t attempt = 0;
};

struct SocketEvent {
  enum class Kind {
    connect,        // connected (id, recovered are set)
    connect_error,  // message, data (server's CONNECT_ERROR, or an engine error while connecting)
    disconnect,     // message: reason ("io server disconnect", "io client disconnect", ...)
    event,          // args: [name, ...args]; ack_id: the server wants an ack (answer with send_ack)
    outgoing,       // args: [name, ...args] of a packet being sent (for onAnyOutgoing)
    ack,            // callback(error, args): the result of an emit with an ack
  };
  SocketEvent() = default;
  SocketEvent(Kind k, std::string n) : kind(k), nsp(std::move(n)) {}

  Kind kind = Kind::event;
  std::string nsp;
  std::string message;
  std::string description;
  sio::json data;  // connect_error: the error's data (discarded if none)
  sio::json args;  // event/outgoing/ack
  std::optional<std::uint64_t> ack_id;
  std::optional<sio::Error> error;  // ack
  AckCallback callback;             // ack
};

using Output = std::variant<Transmit, OpenEngine, CloseEngine, ManagerEvent, SocketEvent, AuthRequest>;

// ---- the state machine ------------------------------------------------------------------------

class ClientManager {
 public:
  explicit ClientManager(ClientOptions options = {});

  // -- Manager (socket.io-client's Manager) --
  // Opens the Engine.IO connection unless opening/open (Manager.open()).
  void open(TimePoint now);
  // Closes the connection and stops reconnecting (Manager.disconnect()); connected sockets get a
  // "disconnect" with reason "forced close", like socket.io-client's. Sockets stay active: the next
  // connect() on one of them reopens.
  void close(TimePoint now);
  ReadyState ready_state() const noexcept { return ready_state_; }
  bool reconnecting() const noexcept { return reconnecting_; }
  const ClientOptions& options() const noexcept { return options_; }
  // ClientOptions::report_outgoing from now on (a driver turns it on with the first onAnyOutgoing
  // listener, so that emits without one cost no outgoing event).
  void set_report_outgoing(bool on) noexcept { options_.report_outgoing = on; }
  void set_reconnection(bool on);
  // socket.io-client's Manager setters (reconnectionAttempts(n), reconnectionDelay(ms),
  // reconnectionDelayMax(ms), randomizationFactor(f), timeout(ms|false)), usable at any time. A
  // reconnection already scheduled keeps its delay; the next delay and the give-up check use the new
  // values. The connect timeout applies from the next connection attempt.
  void set_reconnection_attempts(std::uint64_t attempts);
  void set_reconnection_delay(std::chrono::milliseconds delay);
  void set_reconnection_delay_max(std::chrono::milliseconds delay);
  void set_randomization_factor(double factor);
  void set_timeout(std::optional<std::chrono::milliseconds> timeout);
  const std::string& engine_id() const noexcept { return engine_sid_; }

  // -- Engine.IO connection inputs (only for the connection opened after the last OpenEngine) --
  void on_engine_open(std::string_view engine_sid, TimePoint now);
  void on_engine_message(std::string_view data, bool binary, TimePoint now);
  void on_engine_close(std::string_view reason, TimePoint now, std::string_view description = {});
  void on_engine_error(std::string_view message, TimePoint now);
  void on_engine_ping();

  // -- time --
  std::optional<TimePoint> next_timeout() const;
  void handle_timeout(TimePoint now);

  // -- Sockets (one per namespace) --
  // Creates the socket for `nsp` (Manager.socket(nsp)); false if it already exists (the options
  // are then left unchanged). Does not connect.
  bool add_socket(std::string nsp, SocketOptions options = {});
  bool has_socket(std::string_view nsp) const;
  void set_auth(std::string_view nsp, sio::json auth);
  void set_auth_deferred(std::string_view nsp, bool deferred);
  // The answer to an AuthRequest: sends the CONNECT with `auth`. An answer to an older request
  // (the connection changed, or the socket left meanwhile) is ignored.
  void provide_auth(std::string_view nsp, std::uint64_t token, sio::json auth);
  // Socket.connect(): joins the namespace, opening the connection if needed.
  void connect(std::string_view nsp, TimePoint now);
  // Socket.disconnect(): leaves the namespace; closes the connection if no socket is left.
  void disconnect(std::string_view nsp, TimePoint now);
  // Socket.emit(): args = [eventName, ...args]. Errors: reserved_event_name, bad_payload (not an
  // array starting with a string), protocol_violation (unknown namespace). With an ack callback,
  // its result arrives once as a SocketEvent::ack output: the ack's args, or Errc::timeout
  // (EmitOptions::timeout / SocketOptions::ack_timeout), or Errc::disconnected (connection lost
  // after the packet was sent; buffered packets keep waiting). A dropped volatile packet's ack
  // times out or fails at the next disconnect, as in socket.io-client.
  Result<std::monostate> emit(std::string_view nsp, sio::json args, TimePoint now, AckCallback ack = {},
                              EmitOptions options = {});
  // Answers an event that carried an ack id (the ack function of a received event).
  void send_ack(std::string_view nsp, std::uint64_t id, sio::json args);

  bool connected(std::string_view nsp) const;
  bool active(std::string_view nsp) const;  // subscribed: connecting, connected or reconnecting
  bool recovered(std::string_view nsp) const;
  std::string id(std::string_view nsp) const;  // empty when not connected
  std::size_t pending_acks(std::string_view nsp) const;
  std::size_t send_buffer_size(std::string_view nsp) const;

  // -- outputs, in order --
  std::optional<Output> poll();
  bool has_output() const noexcept { return !outputs_.empty(); }

 private:
  struct QueuedEmit {
    std::uint64_t seq = 0;
    std::uint32_t tries = 0;
    bool pending = false;
    sio::json args;
    AckCallback ack;
    EmitOptions options;
  };
  struct SocketState {
    std::string nsp;
    SocketOptions options;
    bool active = false;
    bool connected = false;
    bool connect_pending = false;  // CONNECT sent on the current connection, no answer yet
    std::uint64_t auth_token = 0;  // auth_deferred: the AuthRequest awaiting its answer (0: none)
    bool recovered = false;
    std::string id;
    std::optional<std::string> pid;
    std::optional<std::string> last_offset;
    AckTable acks;
    // Packets emitted while offline. A packet whose ack timed out is left in place but no longer
    // live (its id is gone from buffered_ack_ids) and skipped when the buffer is flushed; the
    // buffer is compacted once half of it is dead. No operation scans it per ack.
    std::deque<Packet> send_buffer;
    std::set<std::uint64_t> buffered_ack_ids;  // ack ids of the live packets in send_buffer
    std::size_t dead_in_buffer = 0;
    std::deque<SocketEvent> receive_buffer;
    std::deque<QueuedEmit> queue;
    std::uint64_t queue_seq = 0;
  };
  enum class RootState { awaiting_server, server_connected, not_connected };  // protocol v4 "/"

  SocketState* find(std::string_view nsp);
  const SocketState* find(std::string_view nsp) const;

  // manager
  // (private helpers use now_, the time given to the last public call)
  void open_engine(bool reconnect_attempt);
  void on_open_error(std::string message);
  void on_close(std::string reason, std::string description);
  void force_close();
  void reconnect();
  void maybe_close_after_destroy();
  void send_packet(const Packet& packet);
  void dispatch(Packet packet);
  double next_random();

  // socket
  void socket_on_open(SocketState& s);
  void send_connect(SocketState& s);
  void send_connect_with(SocketState& s, sio::json auth);
  void socket_on_connect(SocketState& s, std::string id, std::optional<std::string> pid);
  void socket_on_close(SocketState& s, const std::string& reason, const std::string& description);
  void socket_on_event(SocketState& s, Packet packet);
  void socket_emit_event(SocketState& s, SocketEvent event);
  void socket_destroy(SocketState& s);
  void socket_clear_acks(SocketState& s);
  // OnAck: a callable (std::optional<sio::Error>, sio::json), or std::nullptr_t for no ack. A
  // template, so that the ack table's one std::function holds it directly (client.cpp).
  template <class OnAck>
  void emit_packet(SocketState& s, sio::json args, OnAck on_ack, const EmitOptions& options);
  void send_or_buffer(SocketState& s, Packet packet, const EmitOptions& options);
  static void drop_buffered(SocketState& s, std::uint64_t ack_id);
  void add_to_queue(SocketState& s, sio::json args, AckCallback ack, EmitOptions options);
  void drain_queue(SocketState& s, bool force);
  void queued_ack(SocketState& s, std::uint64_t seq, std::optional<sio::Error> error, sio::json args);
  void notify_outgoing(SocketState& s, const sio::json& args);

  void push_manager(ManagerEvent::Kind kind, std::string message = {}, std::uint32_t attempt = 0,
                    std::string description = {});
  void push_socket(SocketEvent event) { outputs_.emplace_back(std::move(event)); }

  ClientOptions options_;
  TimePoint now_{};
  Backoff backoff_;
  std::unique_ptr<PacketDecoder> decoder_;
  ReadyState ready_state_ = ReadyState::closed;
  bool reconnecting_ = false;
  bool skip_reconnect_ = false;
  bool open_is_reconnect_ = false;  // the pending open was started by the reconnection timer
  std::optional<TimePoint> connect_deadline_;
  std::optional<TimePoint> reconnect_deadline_;
  std::string engine_sid_;
  RootState root_state_ = RootState::not_connected;
  std::uint64_t random_state_ = 0x9E3779B97F4A7C15ULL;
  std::uint64_t auth_seq_ = 0;
  std::map<std::string, SocketState, std::less<>> sockets_;
  // The outputs not yet polled: outputs_[outputs_head_..]. A vector emptied when drained, so that
  // its capacity serves the next calls (a deque of these large variants allocates a block every
  // other output).
  std::vector<Output> outputs_;
  std::size_t outputs_head_ = 0;
};

}  // namespace sio::socketio
