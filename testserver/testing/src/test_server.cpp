// The in-process test server: sio::server::Server over a recording EngineServer, on its own io
// thread. See sio/testing/test_server.hpp.
#include "sio/testing/test_server.hpp"

#include <algorithm>
#include <deque>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sio::testing {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---- shared state ---------------------------------------------------------------------------

struct TestServer::Shared {
  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<Note> notes;
  std::vector<RecordedPacket> packets;
  std::vector<std::string> sids;
  std::map<std::string, std::string> socket_sid;  // Socket.IO id -> Engine.IO sid
  std::optional<std::string> refuse_handshakes;
  std::optional<std::string> refuse_connects;
  bool refuse_websocket = false;
  std::size_t miss_recoveries = 0;
  // io thread only: the live sessions by sid.
  std::map<std::string, std::weak_ptr<Connection>> connections;

  void note(std::string name, json data) {
    std::lock_guard lock(mu);
    notes.push_back(Note{std::move(name), std::move(data), Clock::now()});
    cv.notify_all();
  }
  void record(const std::string& sid, RecordedPacket::Direction direction, std::string_view data, bool binary) {
    std::lock_guard lock(mu);
    packets.push_back(RecordedPacket{sid, direction, std::string(data), binary, Clock::now()});
    cv.notify_all();
  }
  bool take_recovery_miss() {
    std::lock_guard lock(mu);
    if (miss_recoveries == 0) return false;
    --miss_recoveries;
    return true;
  }
};

// ---- one session: records, and holds packets back when told (delay, reorder) ---------------

class TestServer::Connection : public server::EngineSocket, public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<server::EngineSocket> inner, std::shared_ptr<Shared> shared, boost::asio::io_context& io)
      : inner_(std::move(inner)), shared_(std::move(shared)), timer_(io) {}

  void attach() {
    std::weak_ptr<Connection> weak = shared_from_this();
    inner_->on_message = [weak](std::string_view data, bool binary) {
      if (auto self = weak.lock()) self->received(data, binary);
    };
    inner_->on_close = [weak](std::string_view reason) {
      if (auto self = weak.lock()) self->closed(reason);
    };
  }

  const std::string& id() const override { return inner_->id(); }
  const server::HandshakeInfo& handshake() const override { return inner_->handshake(); }
  engineio::Protocol protocol() const override { return inner_->protocol(); }
  std::string_view transport() const override { return inner_->transport(); }

  bool send(std::string data, bool binary, bool droppable) override {
    shared_->record(id(), RecordedPacket::Direction::sent, data, binary);
    if (!holding()) return inner_->send(std::move(data), binary, droppable);
    hold(Out{std::move(data), binary, droppable, nullptr});
    return true;
  }
  bool send_shared(std::shared_ptr<const std::string> text, bool droppable) override {
    shared_->record(id(), RecordedPacket::Direction::sent, text ? *text : std::string(), false);
    if (!holding()) return inner_->send_shared(std::move(text), droppable);
    hold(Out{{}, false, droppable, std::move(text)});
    return true;
  }
  void close() override {
    if (!delayed_.empty() || !reordered_.empty()) {
      close_after_held_ = true;  // what is held back goes out first
      return;
    }
    inner_->close();
  }

  // ---- faults (io thread)
  void set_delay(std::chrono::milliseconds delay) {
    delay_ = delay;
    if (delay_ == 0ms) release_due(true);
  }
  void set_reorder(std::size_t count) { reorder_target_ = count; }

 private:
  struct Out {
    std::string data;
    bool binary = false;
    bool droppable = false;
    std::shared_ptr<const std::string> shared;
    Clock::time_point due{};
  };

  // The cheap check on the send path: nothing is held unless a fault asked for it.
  bool holding() const { return delay_ > 0ms || reorder_target_ > 0 || !delayed_.empty(); }

  void hold(Out out) {
    if (reorder_target_ > 0) {
      reordered_.push_back(std::move(out));
      if (reordered_.size() < reorder_target_) return;
      reorder_target_ = 0;
      auto batch = std::move(reordered_);
      reordered_.clear();
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) pass_on(std::move(*it));
      return;
    }
    pass_on(std::move(out));
  }

  // Into the delay queue (order kept) or straight to the session.
  void pass_on(Out out) {
    if (delay_ == 0ms && delayed_.empty()) {
      write(std::move(out));
      finish_close_if_done();
      return;
    }
    out.due = Clock::now() + delay_;
    delayed_.push_back(std::move(out));
    arm();
  }

  void arm() {
    if (delayed_.empty() || armed_) return;
    armed_ = true;
    timer_.expires_at(delayed_.front().due);
    timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!self) return;
      self->armed_ = false;
      if (ec) return;
      self->release_due(false);
    });
  }

  void release_due(bool all) {
    const auto now = Clock::now();
    while (!delayed_.empty() && (all || delayed_.front().due <= now)) {
      auto out = std::move(delayed_.front());
      delayed_.pop_front();
      write(std::move(out));
    }
    finish_close_if_done();
    arm();
  }

  void write(Out out) {
    if (out.shared) {
      inner_->send_shared(std::move(out.shared), out.droppable);
    } else {
      inner_->send(std::move(out.data), out.binary, out.droppable);
    }
  }

  void finish_close_if_done() {
    if (close_after_held_ && delayed_.empty() && reordered_.empty()) {
      close_after_held_ = false;
      inner_->close();
    }
  }

  void received(std::string_view data, bool binary) {
    shared_->record(id(), RecordedPacket::Direction::received, data, binary);
    if (on_message) on_message(data, binary);
  }

  void closed(std::string_view reason) {
    timer_.cancel();
    delayed_.clear();
    reordered_.clear();
    shared_->note("close", json{{"sid", id()}, {"reason", std::string(reason)}});
    auto cb = std::move(on_close);
    on_close = nullptr;
    on_message = nullptr;
    if (cb) cb(reason);
  }

  std::shared_ptr<server::EngineSocket> inner_;
  std::shared_ptr<Shared> shared_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds delay_{0};
  std::size_t reorder_target_ = 0;
  std::deque<Out> delayed_;
  std::vector<Out> reordered_;
  bool armed_ = false;
  bool close_after_held_ = false;
};

// ---- the engine: wraps each session ---------------------------------------------------------

class TestServer::Engine : public server::EngineServer {
 public:
  Engine(std::unique_ptr<server::EngineServer> inner, std::shared_ptr<Shared> shared, boost::asio::io_context& io)
      : inner_(std::move(inner)), shared_(std::move(shared)), io_(io) {
    inner_->on_connection = [this](std::shared_ptr<server::EngineSocket> socket) {
      auto conn = std::make_shared<Connection>(std::move(socket), shared_, io_);
      conn->attach();
      const std::string sid = conn->id();
      shared_->connections[sid] = conn;
      {
        std::lock_guard lock(shared_->mu);
        shared_->sids.push_back(sid);
      }
      shared_->note("open", json{{"sid", sid}});
      if (on_connection) on_connection(conn);
    };
    inner_->on_http_request = [this](const server::HttpRequest& request, server::HttpResponder respond) {
      return on_http_request && on_http_request(request, std::move(respond));
    };
  }
  boost::asio::any_io_executor executor() const override { return inner_->executor(); }
  std::uint16_t port() const override { return inner_->port(); }
  std::size_t client_count() const override { return inner_->client_count(); }
  void close() override { inner_->close(); }
  bool drop_transport(const std::string& sid) override { return inner_->drop_transport(sid); }
  bool stop_heartbeat(const std::string& sid) override { return inner_->stop_heartbeat(sid); }
  void refuse_websocket(bool on) override { inner_->refuse_websocket(on); }

  server::EngineServer& inner() { return *inner_; }

 private:
  std::unique_ptr<server::EngineServer> inner_;
  std::shared_ptr<Shared> shared_;
  boost::asio::io_context& io_;
};

// ---- recovery misses ------------------------------------------------------------------------

class TestServer::Adapter : public server::SessionAwareAdapter {
 public:
  Adapter(server::Namespace& nsp, std::chrono::milliseconds max_duration, std::shared_ptr<Shared> shared)
      : SessionAwareAdapter(nsp, max_duration), shared_(std::move(shared)) {}
  void restore_session(const std::string& pid, const std::string& offset,
                       std::function<void(std::optional<server::Session>)> cb) override {
    if (shared_->take_recovery_miss()) {
      shared_->note("recovery-missed", json{{"pid", pid}});
      return cb(std::nullopt);
    }
    SessionAwareAdapter::restore_session(pid, offset, std::move(cb));
  }

 private:
  std::shared_ptr<Shared> shared_;
};

// ---- TestServer -----------------------------------------------------------------------------

server::ServerOptions TestServer::default_options() {
  server::ServerOptions o;
  o.ping_interval = 1000ms;
  o.ping_timeout = 1000ms;
  o.connect_timeout = 10000ms;
  return o;
}

TestServer::TestServer(server::ServerOptions options, std::string host)
    : options_(std::move(options)), host_(std::move(host)), shared_(std::make_shared<Shared>()) {
  auto shared = shared_;
  auto user_allow = options_.allow_request;
  options_.allow_request = [shared, user_allow](const server::HttpRequest& request, server::AllowRequestDone done) {
    std::optional<std::string> refuse;
    {
      std::lock_guard lock(shared->mu);
      refuse = shared->refuse_handshakes;
    }
    if (refuse) return done(*refuse, false);
    if (user_allow) return user_allow(request, std::move(done));
    done("", true);
  };
  if (options_.connection_state_recovery && !options_.adapter) {
    const auto duration = options_.connection_state_recovery->max_disconnection_duration;
    options_.adapter = [shared, duration](server::Namespace& nsp) -> std::unique_ptr<server::Adapter> {
      return std::make_unique<Adapter>(nsp, duration, shared);
    };
  }
}

TestServer::~TestServer() { stop(); }

void TestServer::setup(std::function<void(server::Server&)> fn) {
  setups_.push_back(fn);
  if (server_) run([&fn](server::Server& s) { fn(s); });
}

void TestServer::start(std::uint16_t port) {
  if (server_) return;
  start_locked(port);
}

void TestServer::start_locked(std::uint16_t port) {
  io_ = std::make_unique<boost::asio::io_context>();
  auto inner = server::make_engine_server(*io_, server::engine_options(options_), host_, port);
  {
    std::lock_guard lock(shared_->mu);
    inner->refuse_websocket(shared_->refuse_websocket);
  }
  server_ = std::make_unique<server::Server>(std::make_unique<Engine>(std::move(inner), shared_, *io_), options_);
  port_ = server_->port();
  // Before io.run(): the setup calls may be made from this thread.
  watch(*server_->sockets());
  server_->on_new_namespace([this](server::Namespace& nsp) { watch(nsp); });
  for (const auto& fn : setups_) fn(*server_);
  std::promise<void> stopped;
  stopped_ = stopped.get_future();
  work_.emplace(io_->get_executor());  // until stop()
  // The io thread starts running once thread_ is assigned: whatever it does (a restart from the
  // control endpoint's thread included) happens after this assignment.
  std::promise<void> go;
  thread_ = std::thread([io = io_.get(), stopped = std::move(stopped), go = go.get_future()]() mutable {
    go.wait();
    io->run();
    stopped.set_value();
  });
  go.set_value();
}

void TestServer::watch(server::Namespace& nsp) {
  auto shared = shared_;
  nsp.use([shared](server::Socket&, server::Next next) {
    std::optional<std::string> refuse;
    {
      std::lock_guard lock(shared->mu);
      refuse = shared->refuse_connects;
    }
    if (refuse) return next(server::ConnectError{*refuse});
    next(std::nullopt);
  });
  nsp.on_connection([shared](server::Socket& socket) {
    auto conn = socket.conn();
    const std::string sid = conn ? conn->id() : std::string();
    const std::string name = socket.nsp().name();
    const std::string id = socket.id();
    {
      std::lock_guard lock(shared->mu);
      shared->socket_sid[id] = sid;
    }
    shared->note("connection", json{{"nsp", name},
                                    {"id", id},
                                    {"sid", sid},
                                    {"recovered", socket.recovered()},
                                    {"transport", conn ? std::string(conn->transport()) : std::string()}});
    socket.on_any([shared, name, id](const std::string& event, const json& args) {
      shared->note("event", json{{"nsp", name}, {"id", id}, {"event", event}, {"args", args}});
    });
    socket.on_disconnect([shared, name, id](const std::string& reason) {
      shared->note("disconnect", json{{"nsp", name}, {"id", id}, {"reason", reason}});
    });
  });
}

void TestServer::stop() {
  if (!server_) return;
  // close() leaves the connections to finish their closing handshakes; run() returns once they
  // did (the work guard goes with the close). Bounded: what is still going after that is cut.
  boost::asio::post(server_->executor(), [this] {
    server_->close();
    work_.reset();
  });
  if (stopped_.wait_for(std::chrono::seconds(5)) != std::future_status::ready) io_->stop();
  thread_.join();
  server_.reset();
  io_.reset();
  shared_->connections.clear();
}

void TestServer::restart() {
  const std::uint16_t port = port_.load();
  stop();
  start_locked(port);
}

std::string TestServer::url() const { return "http://" + host_ + ":" + std::to_string(port_); }

void TestServer::note(std::string name, json data) { shared_->note(std::move(name), std::move(data)); }

std::optional<json> TestServer::wait_for(const std::string& name, std::size_t n, std::chrono::milliseconds timeout,
                                         std::function<bool(const json&)> match) {
  std::unique_lock lock(shared_->mu);
  std::optional<json> out;
  shared_->cv.wait_for(lock, timeout, [&] {
    std::size_t seen = 0;
    for (const auto& note : shared_->notes) {
      if (note.name == name && (!match || match(note.data)) && ++seen == n) {
        out = note.data;
        return true;
      }
    }
    return false;
  });
  return out;
}

std::optional<json> TestServer::wait_event(const std::string& event, std::size_t n, std::chrono::milliseconds timeout) {
  return wait_for("event", n, timeout, [&event](const json& d) { return d.value("event", "") == event; });
}

bool TestServer::wait_until(const std::function<bool(const std::vector<Note>&)>& pred,
                            std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mu);
  return shared_->cv.wait_for(lock, timeout, [&] { return pred(shared_->notes); });
}

std::size_t TestServer::count(const std::string& name) const {
  std::lock_guard lock(shared_->mu);
  return static_cast<std::size_t>(std::count_if(shared_->notes.begin(), shared_->notes.end(),
                                                [&](const Note& n) { return n.name == name; }));
}

std::vector<Note> TestServer::notes() const {
  std::lock_guard lock(shared_->mu);
  return shared_->notes;
}

std::vector<RecordedPacket> TestServer::packets(const std::string& sid) const {
  std::lock_guard lock(shared_->mu);
  std::vector<RecordedPacket> out;
  for (const auto& p : shared_->packets) {
    if (sid.empty() || p.sid == sid) out.push_back(p);
  }
  return out;
}

std::vector<std::string> TestServer::sessions() const {
  std::lock_guard lock(shared_->mu);
  return shared_->sids;
}

bool TestServer::wait_packet(const std::function<bool(const RecordedPacket&)>& pred, std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mu);
  return shared_->cv.wait_for(lock, timeout, [&] {
    return std::any_of(shared_->packets.begin(), shared_->packets.end(), pred);
  });
}

std::string TestServer::sid_of(const std::string& socket_id) const {
  std::lock_guard lock(shared_->mu);
  auto it = shared_->socket_sid.find(socket_id);
  return it == shared_->socket_sid.end() ? std::string() : it->second;
}

// ---- faults ---------------------------------------------------------------------------------

bool TestServer::drop_transport(const std::string& sid) {
  return run([&sid](server::Server& s) { return s.engine().drop_transport(sid); });
}

bool TestServer::stop_heartbeat(const std::string& sid) {
  return run([&sid](server::Server& s) { return s.engine().stop_heartbeat(sid); });
}

template <class F>
bool TestServer::post_to_connection(const std::string& sid, F&& fn) {
  return run([this, &sid, &fn](server::Server&) {
    auto it = shared_->connections.find(sid);
    if (it == shared_->connections.end()) return false;
    auto conn = it->second.lock();
    if (!conn) return false;
    fn(*conn);
    return true;
  });
}

bool TestServer::delay_packets(const std::string& sid, std::chrono::milliseconds delay) {
  return post_to_connection(sid, [delay](Connection& c) { c.set_delay(delay); });
}

bool TestServer::reorder_packets(const std::string& sid, std::size_t count) {
  return post_to_connection(sid, [count](Connection& c) { c.set_reorder(count); });
}

void TestServer::refuse_websocket(bool on) {
  {
    std::lock_guard lock(shared_->mu);
    shared_->refuse_websocket = on;
  }
  if (server_) run([on](server::Server& s) { s.engine().refuse_websocket(on); });
}

void TestServer::refuse_handshakes(std::optional<std::string> message) {
  std::lock_guard lock(shared_->mu);
  shared_->refuse_handshakes = std::move(message);
}

void TestServer::refuse_connects(std::optional<std::string> message) {
  std::lock_guard lock(shared_->mu);
  shared_->refuse_connects = std::move(message);
}

void TestServer::miss_recoveries(std::size_t count) {
  std::lock_guard lock(shared_->mu);
  shared_->miss_recoveries = count;
}

}  // namespace sio::testing
