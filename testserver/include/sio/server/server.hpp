// sio/server/server.hpp - the Socket.IO server layer of the reference server, shaped like Node's
// socket.io 4.8 server API (Server / Namespace / Socket / BroadcastOperator / Adapter).
//
// It sits on the Engine.IO server interface (sio/server/engine.hpp): every EngineSocket becomes a
// "client" that multiplexes one Socket per namespace it connected to. Socket.IO protocol v5
// (socket.io 3/4 clients on EIO=4) and, with allow_eio3, protocol v4 (socket.io 2.x clients on
// EIO=3: implicit "/" connect, auth from the namespace query, string ERROR payload, "/nsp#sid" ids).
//
// Threading: everything runs on the executor of the EngineServer (one io_context). Handlers are
// always invoked on it. The *operations* below (emit, join, leave, disconnect, broadcast
// operators, sockets_join, ..., ack functions, middleware `next`) may be called from any thread:
// called off the executor they are posted to it (and run later, in call order); called on it they
// run at once. Accessors returning live state (Socket::rooms(), Namespace::sockets(), Socket::data,
// Adapter queries) must be used on the executor (inside a handler, or via boost::asio::post).
// Socket::id(), nsp name and handshake() are immutable once the socket exists and may be read
// anywhere.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include "sio/core/json.hpp"
#include "sio/core/result.hpp"
#include "sio/server/engine.hpp"
#include "sio/server/metrics.hpp"
#include "sio/socketio/packet.hpp"
#include "sio/socketio/parser.hpp"

namespace sio::server {

class Server;
class Namespace;
class Socket;
class Adapter;
namespace detail {
class Client;
class NamespaceAcks;
struct SocketAccess;
struct NamespaceAccess;
}  // namespace detail

using SocketId = std::string;
using Room = std::string;
using SocketPtr = std::shared_ptr<Socket>;
using NamespacePtr = std::shared_ptr<Namespace>;

// ---- callbacks -----------------------------------------------------------------------------

// The error a middleware passes to next(): refuses the connection with CONNECT_ERROR
// {"message": message, "data": data} (v5) or the string/data err.data || err.message (v4).
struct ConnectError {
  std::string message;
  json data = json(json::value_t::discarded);  // discarded: no "data" field
};
using Next = std::function<void(std::optional<ConnectError> error)>;
// Namespace middleware (io.use / nsp.use). May call next later, from any thread.
using Middleware = std::function<void(Socket& socket, Next next)>;
using ConnectionHandler = std::function<void(Socket& socket)>;

// Replies to an incoming event that asked for an acknowledgement; `args` is the argument array
// (a non-array value is sent as the single argument). Calls after the first are ignored.
using AckFn = std::function<void(json args)>;
// An incoming event: `args` is the argument array (without the event name); `ack` is empty when
// the client did not ask for an acknowledgement.
using EventHandler = std::function<void(const json& args, const AckFn& ack)>;
// Catch-all listeners (socket.onAny / onAnyOutgoing): event name and argument array.
using AnyHandler = std::function<void(const std::string& event, const json& args)>;
using DisconnectHandler = std::function<void(const std::string& reason)>;
// Node's socket.on("error"): the packet decoder refused what the client sent (e.g. "too many
// attachments"); the session is closed right after, with disconnect reason "forced close".
using ErrorHandler = std::function<void(const sio::Error& error)>;
// Server->client acknowledgement: error (Errc::timeout "operation has timed out" after
// timeout(ms), Errc::disconnected if the socket disconnects first) or the client's argument array.
using AckCallback = std::function<void(std::optional<sio::Error> error, json args)>;
// Broadcast acknowledgement: `responses` is an array with the first argument of each client's
// reply (as Node's); on timeout the error is set and `responses` holds the replies received.
using BroadcastAckCallback = std::function<void(std::optional<sio::Error> error, json responses)>;

// serverSideEmit with an acknowledgement: the first argument of every other server's reply.
using ServerSideAckCallback = std::function<void(std::optional<sio::Error> error, json responses)>;
// A serverSideEmit listener: the argument array, and (when the emitting server asked for one)
// the function replying to it (the first argument goes back).
using ServerSideHandler = std::function<void(const json& args, const AckFn& ack)>;

struct AckResult {
  std::optional<sio::Error> error;
  json args = json::array();  // socket: the client's argument array; broadcast: the responses
};

// ---- handshake -----------------------------------------------------------------------------

// socket.handshake, as Node builds it.
struct Handshake {
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string time;                            // like JS `new Date() + ""`
  std::string address;                         // remote address
  bool xdomain = false;                        // an Origin header was sent
  bool secure = false;
  std::int64_t issued = 0;                     // ms since the Unix epoch
  std::string url;                             // request target of the first request
  std::multimap<std::string, std::string> query;
  json auth = json::object();                  // CONNECT payload (v5) / namespace query (v4)
};

// ---- adapter (rooms, broadcast) ------------------------------------------------------------

// A packet encoded once for every recipient of a broadcast: the text message is shared by the
// sessions that write it (no per-recipient copy); attachments are copied per recipient.
struct SharedPacket {
  std::shared_ptr<const std::string> text;  // the first message (binary when `binary`)
  std::vector<std::string> attachments;
  bool binary = false;                      // the MessagePack parser's one binary message
  static SharedPacket encode(const socketio::Parser& parser, const socketio::Packet& packet);
};

struct EmitFlags {
  bool volatile_ = false;  // dropped (not queued) when the connection's send buffer is full
  bool compress = true;    // accepted and ignored (no permessage-deflate)
  bool local = false;      // only this server (meaningful for multi-server adapters)
  // Ack timeout; coerced as Node's setTimeout (sio::timer_delay): NaN-like, < 1 ms or > 2^31-1 ms
  // values become 1 ms.
  std::optional<std::chrono::milliseconds> timeout;
  bool expect_single_response = false;
};

// Which sockets an operation targets: members of any of `rooms` (all sockets when empty) that are
// in none of `except`.
struct BroadcastOptions {
  std::set<Room> rooms;
  std::set<Room> except;
  EmitFlags flags;
};

// Connection state recovery: what a disconnected socket leaves behind.
struct Session {
  SocketId sid;
  std::string pid;
  std::vector<Room> rooms;
  json data;
  std::vector<json> missed_packets;  // EVENT payloads (["ev", ...args, offset]) to replay
};

// The one interface rooms and broadcasts go through, like socket.io-adapter's Adapter. One
// instance per namespace. Operations that may need other servers (a Redis adapter) report
// through callbacks; the in-memory adapter calls them before returning.
//
// A multi-server adapter (e.g. sio::redis::Adapter, wire-compatible with @socket.io/redis-adapter:
// testserver/redis/, docs/scaling.md) derives from InMemoryAdapter, calls the base for the local
// part and publishes BroadcastOptions + the packet to the other nodes (skipping that when
// flags.local), which call their own local part; broadcast_with_ack sums client counts over
// server_count() servers.
class Adapter {
 public:
  explicit Adapter(Namespace& nsp) : nsp_(nsp) {}
  virtual ~Adapter() = default;
  Adapter(const Adapter&) = delete;
  Adapter& operator=(const Adapter&) = delete;

  Namespace& nsp() const { return nsp_; }

  virtual void init() {}
  virtual void close() {}
  virtual void server_count(std::function<void(std::size_t)> cb) { cb(1); }

  virtual void add_all(const SocketId& id, const std::set<Room>& rooms) = 0;
  virtual void del(const SocketId& id, const Room& room) = 0;
  virtual void del_all(const SocketId& id) = 0;

  // Sends packet (nsp set by the adapter) to every targeted socket.
  virtual void broadcast(socketio::Packet packet, const BroadcastOptions& opts) = 0;
  // packet.id is set by the caller; every targeted socket registers `ack` for that id.
  // client_count is called once per server with the number of sockets it sent to.
  virtual void broadcast_with_ack(socketio::Packet packet, const BroadcastOptions& opts,
                                  std::function<void(std::size_t)> client_count,
                                  std::function<void(json response)> ack) = 0;

  virtual void sockets(const std::set<Room>& rooms,
                       std::function<void(std::set<SocketId>)> cb) = 0;
  virtual std::optional<std::set<Room>> socket_rooms(const SocketId& id) const = 0;
  virtual void fetch_sockets(const BroadcastOptions& opts,
                             std::function<void(std::vector<SocketPtr>)> cb) = 0;
  virtual void add_sockets(const BroadcastOptions& opts, const std::vector<Room>& rooms) = 0;
  virtual void del_sockets(const BroadcastOptions& opts, const std::vector<Room>& rooms) = 0;
  virtual void disconnect_sockets(const BroadcastOptions& opts, bool close) = 0;

  // Other servers' namespaces get ["event", ...args]; nothing to do with one server.
  virtual void server_side_emit(const json& /*args*/) {}
  // The same, collecting one reply per other server: `responses` has the first argument of each
  // reply; error (Errc::timeout) when not all servers replied in time. One server: no replies.
  virtual void server_side_emit_with_ack(const json& /*args*/, ServerSideAckCallback cb) {
    cb(std::nullopt, json::array());
  }

  // Connection state recovery (no-ops unless the adapter keeps sessions).
  virtual void persist_session(Session /*session*/) {}
  virtual void restore_session(const std::string& /*pid*/, const std::string& /*offset*/,
                               std::function<void(std::optional<Session>)> cb) {
    cb(std::nullopt);
  }

  // Room -> members, for inspection (tests, admin tools).
  virtual std::map<Room, std::set<SocketId>> rooms() const = 0;

 private:
  Namespace& nsp_;
};

// socket.io-adapter's in-memory Adapter.
class InMemoryAdapter : public Adapter {
 public:
  using Adapter::Adapter;
  void add_all(const SocketId& id, const std::set<Room>& rooms) override;
  void del(const SocketId& id, const Room& room) override;
  void del_all(const SocketId& id) override;
  void broadcast(socketio::Packet packet, const BroadcastOptions& opts) override;
  void broadcast_with_ack(socketio::Packet packet, const BroadcastOptions& opts,
                          std::function<void(std::size_t)> client_count,
                          std::function<void(json)> ack) override;
  void sockets(const std::set<Room>& rooms, std::function<void(std::set<SocketId>)> cb) override;
  std::optional<std::set<Room>> socket_rooms(const SocketId& id) const override;
  void fetch_sockets(const BroadcastOptions& opts,
                     std::function<void(std::vector<SocketPtr>)> cb) override;
  void add_sockets(const BroadcastOptions& opts, const std::vector<Room>& rooms) override;
  void del_sockets(const BroadcastOptions& opts, const std::vector<Room>& rooms) override;
  void disconnect_sockets(const BroadcastOptions& opts, bool close) override;
  std::map<Room, std::set<SocketId>> rooms() const override { return rooms_; }

 protected:
  // Calls fn for every local connected socket targeted by opts (each once).
  void apply(const BroadcastOptions& opts, const std::function<void(const SocketPtr&)>& fn);
  std::set<SocketId> except_sids(const std::set<Room>& except) const;

  std::map<Room, std::set<SocketId>> rooms_;
  std::map<SocketId, std::set<Room>> sids_;
};

// socket.io-adapter's SessionAwareAdapter: the in-memory adapter plus connection state recovery
// (used when ServerOptions::connection_state_recovery is set and no adapter factory is given).
class SessionAwareAdapter : public InMemoryAdapter {
 public:
  SessionAwareAdapter(Namespace& nsp, std::chrono::milliseconds max_disconnection_duration);
  void broadcast(socketio::Packet packet, const BroadcastOptions& opts) override;
  void persist_session(Session session) override;
  void restore_session(const std::string& pid, const std::string& offset,
                       std::function<void(std::optional<Session>)> cb) override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Stored {
    Session session;
    Clock::time_point disconnected_at;
  };
  struct Kept {
    std::uint64_t counter = 0;  // the offset is "<counter>-<random>"
    std::string id;
    BroadcastOptions opts;
    json data;
    Clock::time_point emitted_at;
  };
  bool expired(Clock::time_point since, Clock::time_point now) const;
  void expire(Clock::time_point now);
  const Kept* find_offset(const std::string& offset) const;
  std::chrono::milliseconds max_duration_;
  // Every operation is O(log n) or amortised O(1) in what clients create (sessions, packets):
  // expiry pops from the front of queues in time order instead of scanning.
  std::map<std::string, Stored> sessions_;  // by secret_lookup_key(pid), never by the pid itself
  std::deque<std::pair<Clock::time_point, std::string>> session_expiry_;  // persist order
  std::deque<Kept> packets_;                // offset (counter) order, consecutive counters
  std::uint64_t counter_ = 0;
};

using AdapterFactory = std::function<std::unique_ptr<Adapter>(Namespace&)>;

// ---- broadcast operator --------------------------------------------------------------------

// io.to(room).except(room).timeout(ms).emit(...): an immutable description of a target set.
class BroadcastOperator {
 public:
  explicit BroadcastOperator(NamespacePtr nsp, std::set<Room> rooms = {},
                             std::set<Room> except = {}, EmitFlags flags = {});

  BroadcastOperator to(const Room& room) const;
  BroadcastOperator to(const std::vector<Room>& rooms) const;
  BroadcastOperator in(const Room& room) const { return to(room); }
  BroadcastOperator except(const Room& room) const;
  BroadcastOperator except(const std::vector<Room>& rooms) const;
  BroadcastOperator compress(bool compress) const;
  BroadcastOperator volatile_() const;
  BroadcastOperator local() const;
  BroadcastOperator timeout(std::chrono::milliseconds timeout) const;

  // `args`: the argument array (a non-array value is one argument). false (nothing sent) for a
  // reserved event name.
  bool emit(std::string_view event, json args = json::array()) const;
  // With acknowledgements from every targeted client (use timeout(); without it the callback
  // waits for every reply).
  bool emit(std::string_view event, json args, BroadcastAckCallback callback) const;
  std::future<AckResult> emit_with_ack(std::string_view event, json args = json::array()) const;

  void sockets_join(const Room& room) const { sockets_join(std::vector<Room>{room}); }
  void sockets_join(const std::vector<Room>& rooms) const;
  void sockets_leave(const Room& room) const { sockets_leave(std::vector<Room>{room}); }
  void sockets_leave(const std::vector<Room>& rooms) const;
  void disconnect_sockets(bool close = false) const;
  // Local sockets only (live Socket objects; the Redis adapter's fetch_remote_sockets gives the
  // whole cluster's). The callback runs on the executor.
  void fetch_sockets(std::function<void(std::vector<SocketPtr>)> callback) const;
  void all_sockets(std::function<void(std::set<SocketId>)> callback) const;

  const BroadcastOptions& options() const { return opts_; }

 private:
  NamespacePtr nsp_;
  BroadcastOptions opts_;
};

// ---- socket --------------------------------------------------------------------------------

// socket.timeout(ms) / socket.volatile / socket.compress(false): flags for one emit.
class SocketEmitter {
 public:
  SocketEmitter(SocketPtr socket, EmitFlags flags) : socket_(std::move(socket)), flags_(flags) {}
  SocketEmitter timeout(std::chrono::milliseconds t) const;
  SocketEmitter volatile_() const;
  SocketEmitter compress(bool c) const;
  bool emit(std::string_view event, json args = json::array()) const;
  bool emit(std::string_view event, json args, AckCallback ack) const;
  std::future<AckResult> emit_with_ack(std::string_view event, json args = json::array()) const;

 private:
  SocketPtr socket_;
  EmitFlags flags_;
};

class Socket : public std::enable_shared_from_this<Socket> {
 public:
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  const SocketId& id() const { return id_; }
  // Private session id for connection state recovery ("" when recovery is off).
  const std::string& pid() const { return pid_; }
  bool recovered() const { return recovered_; }
  bool connected() const { return connected_.load(); }
  bool disconnected() const { return !connected(); }
  const Handshake& handshake() const;  // filled on first use; any thread
  Namespace& nsp() const { return *nsp_; }
  std::shared_ptr<EngineSocket> conn() const;
  boost::asio::any_io_executor executor() const;

  // Arbitrary user data (socket.data): kept across recovery, returned by fetch_sockets.
  json data = json::object();

  // ---- incoming events (register on the executor, typically in the connection handler)
  void on(const std::string& event, EventHandler handler);
  void off(const std::string& event);
  std::size_t on_any(AnyHandler handler);           // returns an id for off_any
  void off_any(std::optional<std::size_t> id = std::nullopt);  // nullopt: all
  std::size_t on_any_outgoing(AnyHandler handler);
  void off_any_outgoing(std::optional<std::size_t> id = std::nullopt);
  void on_disconnecting(DisconnectHandler handler);
  void on_disconnect(DisconnectHandler handler);
  void on_error(ErrorHandler handler);

  // ---- outgoing (thread-safe)
  bool emit(std::string_view event, json args = json::array());
  bool emit(std::string_view event, json args, AckCallback ack);
  std::future<AckResult> emit_with_ack(std::string_view event, json args = json::array());
  bool send(json args) { return emit("message", std::move(args)); }
  SocketEmitter timeout(std::chrono::milliseconds t);
  SocketEmitter volatile_();
  SocketEmitter compress(bool c);

  // Broadcast to others (the sender excluded).
  BroadcastOperator broadcast() const;
  BroadcastOperator to(const Room& room) const;
  BroadcastOperator in(const Room& room) const { return to(room); }
  BroadcastOperator except(const Room& room) const;
  BroadcastOperator local() const;

  void join(const Room& room) { join(std::vector<Room>{room}); }
  void join(const std::vector<Room>& rooms);
  void leave(const Room& room);
  void leave_all();
  std::set<Room> rooms() const;  // executor only

  // Leaves the namespace (DISCONNECT packet, reason "server namespace disconnect"); with close,
  // every namespace of the client and then the Engine.IO session are closed.
  void disconnect(bool close = false);

  // ---- for adapters
  // Writes an encoded packet to the Engine.IO session (no-op once closed).
  void write_encoded(const socketio::Encoded& encoded, const EmitFlags& flags);
  // The same for a packet encoded once for many recipients (its text is shared, not copied).
  void write_shared(const SharedPacket& packet, const EmitFlags& flags);
  // Registers a broadcast acknowledgement under an id chosen by the broadcaster.
  void register_broadcast_ack(std::uint64_t id, std::function<void(json response)> ack);
  void notify_outgoing(const json& data);

 private:
  friend class Namespace;
  friend class Server;
  friend class SocketEmitter;
  friend class detail::Client;
  friend struct detail::SocketAccess;
  struct Private {};

 public:
  Socket(Private, NamespacePtr nsp, std::shared_ptr<detail::Client> client, json auth,
         std::optional<Session> previous);

 private:
  bool do_emit(std::string_view event, json args, AckCallback ack, EmitFlags flags);
  void send_packet(socketio::Packet packet, const EmitFlags& flags = {});
  void on_connect();
  void on_packet(socketio::Packet packet);
  void on_event(socketio::Packet packet);
  void on_ack(socketio::Packet packet);
  void on_close(const std::string& reason);
  void on_decode_error(const sio::Error& error);
  void cleanup();
  void send_connect_error(const ConnectError& error);
  void post(std::function<void()> fn) const;

  NamespacePtr nsp_;
  std::shared_ptr<detail::Client> client_;
  SocketId id_;
  std::string pid_;
  bool recovered_ = false;
  std::atomic<bool> connected_{false};
  bool closed_ = false;  // cleaned up (refused or disconnected); join becomes a no-op
  mutable std::once_flag handshake_once_;
  mutable Handshake handshake_;  // issued and auth set at construction, the rest by handshake()
  std::vector<json> missed_packets_;
  std::vector<Room> recovered_rooms_;

  std::multimap<std::string, std::shared_ptr<const EventHandler>> handlers_;
  std::vector<std::pair<std::size_t, AnyHandler>> any_;
  std::vector<std::pair<std::size_t, AnyHandler>> any_outgoing_;
  std::size_t next_listener_id_ = 1;
  std::vector<DisconnectHandler> on_disconnecting_;
  std::vector<ErrorHandler> on_error_;
  std::vector<DisconnectHandler> on_disconnect_;

  std::set<std::uint64_t> pending_acks_;  // ids in the namespace's ack table
  std::map<std::uint64_t, std::function<void(json)>> broadcast_acks_;
};

// ---- namespace -----------------------------------------------------------------------------

class Namespace : public std::enable_shared_from_this<Namespace> {
 public:
  ~Namespace();
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  const std::string& name() const { return name_; }
  // Null once the server is closed/destroyed.
  Server* server() const { return server_; }
  Adapter& adapter() const { return *adapter_; }
  boost::asio::any_io_executor executor() const { return executor_; }
  bool is_parent() const { return parent_; }

  Namespace& use(Middleware middleware);
  Namespace& on_connection(ConnectionHandler handler);  // Node's "connection"/"connect"
  // Node's "serverSideEmit" listeners (events from other servers; never fired with one server).
  Namespace& on_server_side(const std::string& event, std::function<void(const json&)> handler);
  Namespace& on_server_side(const std::string& event, ServerSideHandler handler);

  // Connected sockets by id (executor only).
  const std::map<SocketId, SocketPtr>& sockets() const { return sockets_; }
  // Children of a parent (dynamic) namespace by name (executor only).
  const std::map<std::string, NamespacePtr>& children() const { return children_; }

  BroadcastOperator to(const Room& room);
  BroadcastOperator to(const std::vector<Room>& rooms);
  BroadcastOperator in(const Room& room) { return to(room); }
  BroadcastOperator except(const Room& room);
  BroadcastOperator compress(bool c);
  BroadcastOperator volatile_();
  BroadcastOperator local();
  BroadcastOperator timeout(std::chrono::milliseconds t);
  BroadcastOperator all();  // every socket of the namespace

  bool emit(std::string_view event, json args = json::array());
  bool emit(std::string_view event, json args, BroadcastAckCallback callback);
  bool send(json args) { return emit("message", std::move(args)); }
  void sockets_join(const Room& room);
  void sockets_leave(const Room& room);
  void disconnect_sockets(bool close = false);
  void fetch_sockets(std::function<void(std::vector<SocketPtr>)> callback);
  // false for a reserved name ("connect", "connection", "new_namespace").
  bool server_side_emit(std::string_view event, json args = json::array());
  bool server_side_emit(std::string_view event, json args, ServerSideAckCallback callback);

  // ---- for adapters (executor only)
  // A serverSideEmit from another server: data is ["event", ...args]; ack empty when none asked.
  void deliver_server_side(const json& data, AckFn ack);

 private:
  friend class Server;
  friend class Socket;
  friend class BroadcastOperator;
  friend class InMemoryAdapter;
  friend class detail::Client;
  friend struct detail::NamespaceAccess;
  struct Private {};

 public:
  Namespace(Private, Server& server, std::string name, bool parent);

 private:
  void init_adapter();
  NamespacePtr create_child(const std::string& name);
  void add(const std::shared_ptr<detail::Client>& client, json auth,
           std::function<void(const SocketPtr&)> on_added);
  void run_middlewares(const SocketPtr& socket, std::size_t index,
                       std::function<void(std::optional<ConnectError>)> done);
  void do_connect(const SocketPtr& socket, const std::function<void(const SocketPtr&)>& fn);
  void remove(const Socket& socket);
  void detach();  // server gone
  bool dispatch_broadcast(std::function<void()> fn);

  Server* server_;
  std::string name_;
  bool parent_ = false;
  boost::asio::any_io_executor executor_;
  std::unique_ptr<Adapter> adapter_;
  std::vector<Middleware> middlewares_;
  std::vector<ConnectionHandler> connection_handlers_;
  std::multimap<std::string, ServerSideHandler> server_side_handlers_;
  std::map<SocketId, SocketPtr> sockets_;
  std::map<SocketId, SocketPtr> pre_connect_sockets_;
  std::map<std::string, NamespacePtr> children_;  // removal O(log n), not a scan
  std::weak_ptr<Namespace> cleanup_parent_;  // set on children when cleanup_empty_child_namespaces
  std::shared_ptr<detail::NamespaceAcks> acks_;
};

// ---- server --------------------------------------------------------------------------------

struct ConnectionStateRecoveryOptions {
  std::chrono::milliseconds max_disconnection_duration{120000};
  bool skip_middlewares = true;
};

struct ServerOptions {
  // Socket.IO
  std::chrono::milliseconds connect_timeout{45000};
  bool serve_client = true;          // serve client_bundle_file at <path>/socket.io.js if set
  std::string client_bundle_file;    // e.g. node_modules/socket.io-client/dist/socket.io.js; the
                                     // variants (socket.io.min.js, ..., our socket.io.wasm) are
                                     // the files of the same name beside it
  std::optional<ConnectionStateRecoveryOptions> connection_state_recovery;
  bool cleanup_empty_child_namespaces = false;
  AdapterFactory adapter;            // default: InMemoryAdapter / SessionAwareAdapter
  // Binary attachments one Socket.IO packet may announce (socket.io-parser's maxAttachments,
  // CVE-2026-33151). More is a decode error: the session is closed ("forced close"), after the
  // client's sockets got on_error "too many attachments".
  std::size_t max_attachments = 10;
  // Wire format (Node's `parser` option): nullptr or socketio::default_parser() for
  // socket.io-parser, socketio::msgpack_parser() for socket.io-msgpack-parser. Every client must
  // use the same one (docs/server.md, "MessagePack parser").
  std::shared_ptr<const socketio::Parser> parser;
  // Counters the server increments (connections, packets, bytes; sio/server/metrics.hpp); nullptr:
  // none. Share the pointer with whatever exports them (docs/server.md "Logging and metrics").
  std::shared_ptr<ServerMetrics> metrics;
  // Engine.IO (passed through to EngineOptions)
  std::string path = "/socket.io";   // a trailing '/' is added for the engine
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds upgrade_timeout{10000};
  std::size_t max_http_buffer_size = 1'000'000;
  std::vector<std::string> transports{"polling", "websocket"};
  bool allow_upgrades = true;
  bool allow_eio3 = false;
  CorsOptions cors;
  AllowRequest allow_request;                     // Node's allowRequest (handshake filter)
  std::chrono::milliseconds request_timeout{30000};  // per HTTP request / keep-alive wait
  // Per-connection send buffer bound and stalled-write deadline (EngineOptions, docs/security.md).
  std::size_t max_buffered_bytes = 16u << 20;
  std::chrono::milliseconds write_timeout{30000};
  // Threads serving connections (EngineOptions::io_threads): 1 runs everything on the io_context
  // given to Server; N > 1 spreads the connections over N threads (N-1 of the server's own), the
  // Socket.IO state and every handler staying on the given io_context (docs/server.md, "Threading").
  unsigned io_threads = 1;
};

// The Engine.IO options a ServerOptions implies.
EngineOptions engine_options(const ServerOptions& options);

// Dynamic namespace predicate: (name, auth) -> allow.
using NamespacePredicate = std::function<bool(const std::string& name, const json& auth)>;

class Server {
 public:
  // Attaches to an Engine.IO server (its on_connection is taken over).
  explicit Server(std::unique_ptr<EngineServer> engine, ServerOptions options = {});
  // Creates the Engine.IO server (make_engine_server) listening on address:port (0: any port).
  Server(boost::asio::io_context& io, ServerOptions options, std::string address = "127.0.0.1",
         std::uint16_t port = 0);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  EngineServer& engine() const { return *engine_; }
  boost::asio::any_io_executor executor() const { return executor_; }
  std::uint16_t port() const { return engine_->port(); }
  const ServerOptions& options() const { return options_; }

  // of(): on the executor (or before io.run()), like every namespace setup call (use,
  // on_connection). The main-namespace shortcuts below are thread-safe operations.
  // Static namespace (created on first use; "chat" means "/chat").
  NamespacePtr of(std::string name, ConnectionHandler on_connection = {});
  // Dynamic namespaces: a parent whose children are created per matching name, each inheriting
  // the parent's middlewares and connection handlers at creation time. Emitting on the parent
  // emits on every child.
  NamespacePtr of(const std::regex& pattern, ConnectionHandler on_connection = {});
  NamespacePtr of(NamespacePredicate predicate, ConnectionHandler on_connection = {});
  NamespacePtr sockets() const { return main_; }  // io.sockets

  // Main namespace shortcuts (io.use, io.on("connection"), io.emit, io.to, ...).
  Server& use(Middleware middleware);
  Server& on_connection(ConnectionHandler handler);
  Server& on_new_namespace(std::function<void(Namespace&)> handler);
  bool emit(std::string_view event, json args = json::array());
  bool send(json args) { return emit("message", std::move(args)); }
  BroadcastOperator to(const Room& room);
  BroadcastOperator in(const Room& room) { return to(room); }
  BroadcastOperator except(const Room& room);
  BroadcastOperator timeout(std::chrono::milliseconds t);
  BroadcastOperator volatile_();
  BroadcastOperator compress(bool c);
  BroadcastOperator local();
  void sockets_join(const Room& room);
  void sockets_leave(const Room& room);
  void disconnect_sockets(bool close = false);
  void fetch_sockets(std::function<void(std::vector<SocketPtr>)> callback);
  bool server_side_emit(std::string_view event, json args = json::array());

  // Every socket gets "server shutting down", then the Engine.IO server closes. Thread-safe.
  void close();

  // Number of Engine.IO sessions currently attached (executor only).
  std::size_t client_count() const { return clients_.size(); }

 private:
  friend class Namespace;
  friend class Socket;
  friend class detail::Client;

  void attach();
  void on_engine_connection(std::shared_ptr<EngineSocket> conn);
  void check_namespace(const std::string& name, const json& auth,
                       const std::function<void(NamespacePtr)>& fn);
  void remove_client(const detail::Client* client);
  void do_close();

  ServerOptions options_;
  std::unique_ptr<EngineServer> engine_;
  boost::asio::any_io_executor executor_;
  std::map<std::string, NamespacePtr> nsps_;
  NamespacePtr main_;  // "/", set once at construction: the shortcuts are safe off the executor
  struct ParentEntry {
    NamespacePredicate predicate;
    std::optional<std::regex> regex;
    NamespacePtr parent;
  };
  std::vector<ParentEntry> parents_;
  std::size_t parent_count_ = 0;
  std::vector<std::function<void(Namespace&)>> new_namespace_handlers_;
  std::map<const detail::Client*, std::shared_ptr<detail::Client>> clients_;
  bool closed_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// Random 20-character id in the base64url alphabet (like Node's base64id), from the OS CSPRNG:
// random_id(15) of sio/server/secrets.hpp. Socket ids, recovery pids and offsets.
std::string generate_id();

}  // namespace sio::server
