// sio/testing/test_server.hpp - our Socket.IO server (sio::server) as a test fixture for clients:
// runs in-process on its own io thread on an ephemeral loopback port, records every Socket.IO
// packet each client sent and received, lets the test wait for what happened (with bounds, no
// sleeps), and breaks things on purpose (fault injection). docs/testing.md.
//
// Threading: the server runs on the fixture's io thread. setup() functions and handlers run there;
// run() executes a function there from the test thread and waits for its result. Everything else
// here (waits, the record, faults) may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "sio/core/json.hpp"
#include "sio/server/server.hpp"

namespace sio::testing {

// Every wait of the fixture is bounded by this unless told otherwise: a bound, not a pace (a wait
// returns as soon as what it waits for is there), generous for a busy machine.
inline constexpr std::chrono::milliseconds kDefaultWait{20000};

// One Socket.IO packet as it crossed one Engine.IO session: the encoded packet (e.g.
// `2["echo",1]`, or the bytes of a binary attachment).
struct RecordedPacket {
  enum class Direction { received, sent };  // seen from the server: received from the client
  std::string sid;                          // the Engine.IO session (one client connection)
  Direction direction = Direction::received;
  std::string data;
  bool binary = false;
  std::chrono::steady_clock::time_point at;
};

// A named thing that happened, with its data. The fixture notes these itself:
//   "open"        {"sid"}                                 an Engine.IO session opened
//   "close"       {"sid", "reason"}                       it closed (Node's engine.io reason)
//   "connection"  {"nsp", "id", "sid", "recovered", "transport"}   a Socket.IO socket connected
//   "disconnect"  {"nsp", "id", "reason"}
//   "event"       {"nsp", "id", "event", "args"}           every event a client emitted
// and handlers add their own with note().
struct Note {
  std::string name;
  json data;
  std::chrono::steady_clock::time_point at;
};

class TestServer {
 public:
  // Options for tests: short heartbeat (ping every 1 s, 1 s timeout) so that ping timeouts are
  // seen quickly, connect timeout 10 s. Connection state recovery off (set it to test recovery).
  static server::ServerOptions default_options();

  explicit TestServer(server::ServerOptions options = default_options(), std::string host = "127.0.0.1");
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // A setup step (handlers, namespaces, middlewares): run on the io thread at once when started,
  // and again at every restart() (a restarted server is a new sio::server::Server).
  void setup(std::function<void(server::Server&)> fn);

  // Listens (port 0: an ephemeral port; restart() keeps it) and starts the io thread.
  void start(std::uint16_t port = 0);
  // Closes the server ("server shutting down" for every socket) and joins the io thread.
  void stop();
  // stop(), then start() on the same port: every session is lost (no recovery is possible).
  void restart();
  bool running() const { return server_ != nullptr; }

  std::uint16_t port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:<port>"
  const server::ServerOptions& options() const { return options_; }

  // Runs fn on the io thread (at once when called there) and returns its result.
  template <class F>
  auto run(F&& fn) -> std::invoke_result_t<F&, server::Server&>;

  // ---- what happened ------------------------------------------------------------------------
  void note(std::string name, json data = nullptr);
  // Waits until `n` notes named `name` (whose data `match` accepts, when given) exist; returns
  // the data of the n-th, or nullopt after `timeout`.
  std::optional<json> wait_for(const std::string& name, std::size_t n = 1,
                               std::chrono::milliseconds timeout = kDefaultWait,
                               std::function<bool(const json&)> match = {});
  std::size_t count(const std::string& name) const;
  std::vector<Note> notes() const;
  // Waits until pred(all notes so far) holds (checked at every new note and packet); false after
  // `timeout`.
  bool wait_until(const std::function<bool(const std::vector<Note>&)>& pred, std::chrono::milliseconds timeout);
  // The data of the first "event" note for `event` (a client emitted it), waited for.
  std::optional<json> wait_event(const std::string& event, std::size_t n = 1,
                                 std::chrono::milliseconds timeout = kDefaultWait);

  // Every packet of one session (sid) or of all ("" ), in order.
  std::vector<RecordedPacket> packets(const std::string& sid = "") const;
  // Engine.IO sids in the order their sessions opened (across restarts).
  std::vector<std::string> sessions() const;
  // Waits until a packet matching pred was recorded.
  bool wait_packet(const std::function<bool(const RecordedPacket&)>& pred,
                   std::chrono::milliseconds timeout = kDefaultWait);
  // The Engine.IO sid of a Socket.IO socket id ("" when unknown).
  std::string sid_of(const std::string& socket_id) const;

  // ---- fault injection (thread-safe; docs/testing.md "Faults") ---------------------------
  // The session's TCP connections are cut without a close packet ("transport error" here; the
  // client sees its transport fail and reconnects). With recovery on, the client recovers.
  bool drop_transport(const std::string& sid);
  // No more pings (v4) / pong answers (v3) for the session: the client's ping timeout fires.
  bool stop_heartbeat(const std::string& sid);
  // Packets to the session leave `delay` after they were sent (their order kept); 0 ends it.
  bool delay_packets(const std::string& sid, std::chrono::milliseconds delay);
  // The next `count` packets to the session are held, then sent in reverse order.
  bool reorder_packets(const std::string& sid, std::size_t count);
  // WebSocket requests (direct and upgrades) are refused with 400 while on.
  void refuse_websocket(bool on);
  // Handshakes are refused with 403 {"code":4,"message": message} while set (nullopt: accepted).
  void refuse_handshakes(std::optional<std::string> message);
  // Socket.IO CONNECTs (any namespace) get CONNECT_ERROR {"message": message} while set.
  void refuse_connects(std::optional<std::string> message);
  // With recovery on: the next `count` recovery attempts find no session (a recovery miss: the
  // client gets a new id, recovered=false).
  void miss_recoveries(std::size_t count = 1);

 private:
  struct Shared;      // what the io thread and the test thread share (record, faults)
  class Engine;       // the recording EngineServer around the real one
  class Connection;   // the recording EngineSocket around each session
  class Adapter;      // SessionAwareAdapter with recovery misses

  void start_locked(std::uint16_t port);
  void watch(server::Namespace& nsp);
  template <class F>
  bool post_to_connection(const std::string& sid, F&& fn);

  server::ServerOptions options_;
  std::string host_;
  std::atomic<std::uint16_t> port_{0};  // written by restart(), which may run on another thread
  std::shared_ptr<Shared> shared_;
  std::vector<std::function<void(server::Server&)>> setups_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
  std::future<void> stopped_;  // ready once the io thread's run() returned
};

template <class F>
auto TestServer::run(F&& fn) -> std::invoke_result_t<F&, server::Server&> {
  using R = std::invoke_result_t<F&, server::Server&>;
  if (!server_) throw std::logic_error("TestServer::run: not started");
  server::Server& server = *server_;
  if (io_->get_executor().running_in_this_thread()) return fn(server);
  auto task = std::make_shared<std::packaged_task<R()>>([&fn, &server] { return fn(server); });
  auto result = task->get_future();
  boost::asio::post(server.executor(), [task] { (*task)(); });
  return result.get();
}

}  // namespace sio::testing
