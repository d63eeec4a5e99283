// manager.cpp - the Socket.IO client (sio/client.hpp), once for every platform: the sans-I/O
// sio::socketio::ClientManager (sdk/) driven on a Backend's Loop (backend.hpp), with the Engine.IO
// connection of engine_driver.cpp and one timer; listeners, acks, the io() cache.
//
// Structure: the public Manager is a handle owning a ManagerImpl. Every asynchronous handler holds
// only a weak_ptr to the ManagerImpl (so no cycle keeps it alive); the Manager's destructor posts a
// final cleanup to the Loop. Engine callbacks carry the generation of their engine: after
// CloseEngine, reports of an old engine are ignored.
#include "sio/client.hpp"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <cstdio>
#include <future>
#include <random>

#include "backend.hpp"
#include "engine_driver.hpp"
#include "sio/engineio/client_url.hpp"
#include "sio/socketio/client.hpp"
#include "sio/socketio/packet.hpp"

namespace sio {

using Clock = std::chrono::steady_clock;

// ---- logging (sio/core/debug_log.hpp) ------------------------------------------------------------

namespace {

#if defined(SIO_CLIENT_NO_LOG)
constexpr bool kLogging = false;  // CMake option SIO_CLIENT_LOG=OFF (the JavaScript bundle)
#else
constexpr bool kLogging = true;
#endif

// Writes the message that make() builds, if the category is enabled: nothing is built otherwise.
template <class Make>
void log([[maybe_unused]] std::string_view category, [[maybe_unused]] Make&& make) {
  if constexpr (kLogging) {
    if (log_enabled(category)) debug_log(category, make());
  }
}

constexpr std::string_view kManagerLog = "socket.io-client:manager";
constexpr std::string_view kSocketLog = "socket.io-client:socket";

std::string brief(const json& value) {
  std::string text = socketio::has_binary(value) ? std::string("<with binary>") : dump_json(value);
  if (text.size() > 200) text = text.substr(0, 200) + "...";
  return text;
}

}  // namespace

// ---- listeners ----------------------------------------------------------------------------------

namespace detail {

namespace {
std::atomic<ListenerId> g_next_listener{1};

using Fn = std::function<void(const json&, Ack)>;
using AnyFn = std::function<void(const std::string&, const json&)>;
using AnyAckFn = std::function<void(const std::string&, const json&, Ack)>;

// Listener lists of an emitter; thread-safe; handlers are invoked outside the lock.
class Listeners {
 public:
  ListenerId add(const std::string& event, Fn fn, bool once, bool prepend = false) {
    const ListenerId id = g_next_listener++;
    std::lock_guard lock(mu_);
    auto& list = map_[event];
    Entry entry{id, std::move(fn), once};
    if (prepend) {
      list.insert(list.begin(), std::move(entry));
    } else {
      list.push_back(std::move(entry));
    }
    return id;
  }
  void remove(const std::string& event, ListenerId id) {
    std::lock_guard lock(mu_);
    auto it = map_.find(event);
    if (it == map_.end()) return;
    auto& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(), [id](const Entry& e) { return e.id == id; }), list.end());
  }
  void remove(const std::string& event) {
    std::lock_guard lock(mu_);
    map_.erase(event);
  }
  void clear() {
    std::lock_guard lock(mu_);
    map_.clear();
  }
  bool has(const std::string& event) {
    std::lock_guard lock(mu_);
    auto it = map_.find(event);
    return it != map_.end() && !it->second.empty();
  }
  // The handlers to call for `event` (once-listeners are removed).
  std::vector<Fn> take(const std::string& event) {
    std::vector<Fn> out;
    std::lock_guard lock(mu_);
    auto it = map_.find(event);
    if (it == map_.end()) return out;
    auto& list = it->second;
    for (const auto& e : list) out.push_back(e.fn);
    list.erase(std::remove_if(list.begin(), list.end(), [](const Entry& e) { return e.once; }), list.end());
    return out;
  }

 private:
  struct Entry {
    ListenerId id;
    Fn fn;
    bool once;
  };
  std::mutex mu_;
  std::map<std::string, std::vector<Entry>> map_;
};

template <class AnyFn>
class AnyListenersOf {
 public:
  ListenerId add(AnyFn fn, bool prepend = false) {
    const ListenerId id = g_next_listener++;
    std::lock_guard lock(mu_);
    if (prepend) {
      list_.insert(list_.begin(), {id, std::move(fn)});
    } else {
      list_.emplace_back(id, std::move(fn));
    }
    return id;
  }
  void remove(ListenerId id) {
    std::lock_guard lock(mu_);
    list_.erase(std::remove_if(list_.begin(), list_.end(), [id](const auto& e) { return e.first == id; }),
                list_.end());
  }
  void clear() {
    std::lock_guard lock(mu_);
    list_.clear();
  }
  std::vector<AnyFn> snapshot() {
    std::vector<AnyFn> out;
    std::lock_guard lock(mu_);
    for (const auto& e : list_) out.push_back(e.second);
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<ListenerId, AnyFn>> list_;
};
using AnyListeners = AnyListenersOf<AnyFn>;
using AnyAckListeners = AnyListenersOf<AnyAckFn>;

}  // namespace

// A hold scope (docs/client.md, "Listeners right after io()"): while one is open on a thread,
// Socket::connect() and Manager::open() called on that thread - directly or through io(),
// Manager::create() and Manager::socket() - are deferred to the end of the outermost scope, so the
// code that follows them in the scope adds its listeners before anything can be dispatched for
// what they start. Every callback of the client runs in one (invoke_guarded below); the setup
// functions of io()/Manager::socket() run in one. The deferred calls keep their order; a
// disconnect()/close() in between cancels them; nothing else is held (no queue of events).
class HoldScope {
 public:
  HoldScope() : outer_(current_) { current_ = this; }
  ~HoldScope() {
    current_ = outer_;
    if (outer_) {
      for (auto& action : deferred_) outer_->deferred_.push_back(std::move(action));
      return;
    }
    for (auto& action : deferred_) action();  // no scope is open any more: they run now
  }
  HoldScope(const HoldScope&) = delete;
  HoldScope& operator=(const HoldScope&) = delete;

  static bool open() { return current_ != nullptr; }
  static void defer(std::function<void()> action) { current_->deferred_.push_back(std::move(action)); }

 private:
  HoldScope* outer_;
  std::vector<std::function<void()>> deferred_;
  static thread_local HoldScope* current_;
};
thread_local HoldScope* HoldScope::current_ = nullptr;

namespace {

// A listener that throws is logged; it never unwinds through the loop. It runs in a HoldScope.
template <class F, class... A>
void invoke_guarded([[maybe_unused]] std::string_view category, F& fn, A&&... args) {
  HoldScope scope;
#if defined(__cpp_exceptions)
  try {
    fn(std::forward<A>(args)...);
  } catch (const std::exception& e) {
    log(category, [&] { return std::string("listener threw: ") + e.what(); });
  } catch (...) {
    log(category, [&] { return "listener threw"; });
  }
#else
  fn(std::forward<A>(args)...);
#endif
}

}  // namespace

struct SocketShared {
  Listeners listeners;
  AnyAckListeners any;
  AnyListeners any_outgoing;
  mutable std::mutex mu;  // guards the snapshot below
  std::string id;
  bool connected = false;
  bool active = false;
  bool recovered = false;
  // disconnect() calls whose loop task has not run yet: until it has, the loop must not publish
  // the core's (still connected) state over the "not connected" disconnect() set.
  int pending_disconnects = 0;
  // connect() was deferred by a HoldScope and has not run yet: active() is already true.
  bool connect_deferred = false;
  AsyncAuthCallback auth_async;  // used on the loop only
};

struct AckState {
  std::weak_ptr<ManagerImpl> impl;
  std::string nsp;
  std::uint64_t id = 0;
  std::atomic<bool> sent{false};
};

std::atomic<int> g_live_managers{0};

// The browser build has one thread, which is always the loop's (its backend's in_loop() is
// true): the paths for calls from other threads (the inbox of run(), the promise of query())
// are not compiled there. Each call site's lambda made them a std::function and a promise of
// their own: about 14 KB of the bundle's wasm.
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
constexpr bool kOneThread = true;
#else
constexpr bool kOneThread = false;
#endif

class ManagerImpl : public std::enable_shared_from_this<ManagerImpl> {
 public:
  ManagerImpl(std::shared_ptr<Backend> backend, socketio::ClientOptions core_options,
              EngineClientOptions engine_options)
      : backend_(std::move(backend)),
        timer_(backend_->loop().make_timer()),
        core_(std::move(core_options)),
        engine_options_(std::move(engine_options)) {
    ++g_live_managers;
  }
  ~ManagerImpl() { --g_live_managers; }

  // Runs f on the loop (inline if already there), then processes the outputs. From other
  // threads, calls are collected in an inbox that one posted drain empties: a burst of emits from
  // an application thread costs one wake-up of the loop, not one each. Order is kept (one FIFO).
  template <class F>
  void run(F&& f) {
    if (kOneThread || on_loop()) {  // inline, as the loop's dispatch would run it
      auto self = weak_from_this().lock();
      if (!self || shut_) return;
      f(*this);
      pump();
      return;
    }
    if constexpr (!kOneThread) {
      {
        std::lock_guard lock(inbox_mu_);
        inbox_.emplace_back(std::forward<F>(f));
        if (inbox_drain_posted_) return;
        inbox_drain_posted_ = true;
      }
      backend_->loop().post([w = weak_from_this()] {
        if (auto self = w.lock()) self->drain_inbox();
      });
    }
  }

  bool on_loop() const { return backend_->loop().in_loop(); }

  // Evaluates f on the loop and returns its result (directly when already on it; natively from
  // another thread it waits for the loop, at most 5 s).
  template <class R, class F>
  R query(F f, R fallback) {
    if constexpr (kOneThread) {
      return shut_ ? fallback : f(*this);
    } else {
      if (on_loop()) return shut_ ? fallback : f(*this);
      auto promise = std::make_shared<std::promise<R>>();
      auto future = promise->get_future();
      backend_->loop().post([w = weak_from_this(), f, promise, fallback] {
        auto self = w.lock();
        promise->set_value(self && !self->shut_ ? f(*self) : fallback);
      });
      if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return fallback;
      return future.get();
    }
  }

  static Backend& backend_of(const Manager& m) { return *m.impl_->backend_; }

  // Inside the loop's dispatch of outputs (where listeners run).
  bool dispatching() const { return pumping_; }

  void register_socket(const std::string& nsp, std::shared_ptr<SocketShared> shared, socketio::SocketOptions o,
                       bool replace_options) {
    const bool is_new = core_.add_socket(nsp, o);
    if (!is_new && replace_options && !o.auth.is_discarded()) core_.set_auth(nsp, o.auth);
    sockets_[nsp] = std::move(shared);
    refresh(nsp);
  }

  void unregister_socket(const std::string& nsp, const SocketShared* shared) {
    auto it = sockets_.find(nsp);
    if (it != sockets_.end() && it->second.get() == shared) sockets_.erase(it);
  }

  // Called (via post) when the Manager handle goes away.
  void shutdown() {
    if (shut_) return;
    core_.close(Clock::now());
    pump_io_only();
    shut_ = true;
    ++gen_;
    if (engine_) {
      engine_.reset();  // EngineClient's destructor says goodbye to the server
    }
    timer_->cancel();
    sockets_.clear();
  }

  std::string transport() const { return engine_ ? std::string(engine_->transport()) : std::string(); }
  std::string engine_id() const { return engine_ ? engine_->id() : std::string(); }

  void close_engine() {
    if (engine_) engine_->close();
  }

  // A socket's connect() deferred by a HoldScope, not run yet (it opens the Manager if closed).
  bool connect_deferred() const {
    return std::any_of(sockets_.begin(), sockets_.end(), [](const auto& entry) {
      std::lock_guard lock(entry.second->mu);
      return entry.second->connect_deferred;
    });
  }

  bool idle() const {
    if (connect_deferred()) return false;
    if (pumping_ || engine_ || core_.ready_state() != socketio::ReadyState::closed || core_.reconnecting() ||
        core_.has_output() || core_.next_timeout()) {
      return false;
    }
    // Sockets left active by close() or after reconnect_failed are only subscribed: nothing runs
    // for them until the application connects again.
    return std::none_of(sockets_.begin(), sockets_.end(), [&](const auto& entry) {
      const std::string& n = entry.first;
      return core_.send_buffer_size(n) > 0 || core_.pending_acks(n) > 0;
    });
  }

  void set_engine_timeout(std::optional<std::chrono::milliseconds> t) {
    core_.set_timeout(t);
    engine_options_.timeout = t.value_or(std::chrono::hours(24 * 365));
  }

  Listeners manager_listeners;
  std::shared_ptr<Backend> backend_;
  std::unique_ptr<Timer> timer_;
  socketio::ClientManager core_;
  std::atomic<bool> handle_gone{false};
  std::atomic<bool> open_deferred{false};  // Manager::open() deferred by a HoldScope, not run yet

 private:
  void drain_inbox() {
    std::vector<std::function<void(ManagerImpl&)>> calls;
    {
      std::lock_guard lock(inbox_mu_);
      calls.swap(inbox_);
      inbox_drain_posted_ = false;
    }
    for (auto& f : calls) {
      if (shut_) return;
      f(*this);
      pump();
    }
  }

  void pump() {
    if (pumping_) return;
    pumping_ = true;
    while (auto out = core_.poll()) {
      if (shut_) break;
      std::visit([this](auto& o) { handle(o); }, *out);
    }
    pumping_ = false;
    if (shut_) return;
    arm_timer();
    if (manager_listeners.has("idle")) announce_idle();
  }

  // "idle": the Manager has become idle (idle() turned true; once each time). Every change idle()
  // depends on happens in a pump, so this is where it is seen.
  void announce_idle() {
    const bool now = idle();
    const bool was = idle_announced_;
    idle_announced_ = now;
    if (now && !was) emit_manager("idle", json::array());
  }

  // Processes only transmissions and engine commands (used during shutdown).
  void pump_io_only() {
    while (auto out = core_.poll()) {
      if (auto* t = std::get_if<socketio::Transmit>(&*out)) {
        handle(*t);
      } else if (std::holds_alternative<socketio::CloseEngine>(*out)) {
        drop_engine();
      }
    }
  }

  void arm_timer() {
    const auto next = core_.next_timeout();
    if (next == armed_) return;
    armed_ = next;
    if (!next) {
      timer_->cancel();
      return;
    }
    timer_->set(*next, [w = weak_from_this()] {
      auto self = w.lock();
      if (!self || self->shut_) return;
      self->armed_.reset();
      self->core_.handle_timeout(Clock::now());
      self->pump();
    });
  }

  void handle(socketio::Transmit& t) {
    log(kManagerLog, [&] {
      return t.binary ? "writing binary attachment (" + std::to_string(t.data.size()) + " bytes)"
                      : "writing packet " + t.data;
    });
    if (engine_) engine_->send(std::move(t.data), t.binary);
  }

  void handle(socketio::OpenEngine&) {
    drop_engine();
    const std::uint64_t gen = ++gen_;
    log(kManagerLog, [&] { return "opening " + engine_options_.url; });
    engine_ = make_engine_driver(backend_, engine_options_);
    std::weak_ptr<ManagerImpl> w = weak_from_this();
    auto with = [w, gen](auto f) {
      auto self = w.lock();
      if (!self || self->shut_ || self->gen_ != gen) return;
      f(*self);
      self->pump();
    };
    engine_->on_open = [with] {
      with([](ManagerImpl& m) {
        m.emit_manager("engine_open", json::array());
        m.core_.on_engine_open(m.engine_ ? m.engine_->id() : std::string(), Clock::now());
      });
    };
    engine_->on_upgrade = [with] {
      with([](ManagerImpl& m) { m.emit_manager("engine_upgrade", json::array({"websocket"})); });
    };
    engine_->on_message = [with](std::string_view data, bool binary) {
      with([data, binary](ManagerImpl& m) { m.core_.on_engine_message(data, binary, Clock::now()); });
    };
    engine_->on_ping = [with] { with([](ManagerImpl& m) { m.core_.on_engine_ping(); }); };
    engine_->on_close = [with](std::string_view reason) {
      with([reason](ManagerImpl& m) { m.core_.on_engine_close(reason, Clock::now()); });
    };
    engine_->on_error = [with](std::string_view message) {
      with([message](ManagerImpl& m) { m.core_.on_engine_error(message, Clock::now()); });
    };
    engine_->open();
  }

  void handle(socketio::CloseEngine&) { drop_engine(); }

  // SocketOptions::auth_async: ask the application; its answer (once, from any thread, now or
  // later) sends the CONNECT unless the connection changed meanwhile.
  void handle(socketio::AuthRequest& r) {
    auto it = sockets_.find(r.nsp);
    AsyncAuthCallback ask = it == sockets_.end() ? nullptr : it->second->auth_async;
    if (!ask || handle_gone) return;
    auto answered = std::make_shared<std::atomic<bool>>(false);
    AuthAnswer answer = [w = weak_from_this(), nsp = r.nsp, token = r.token, answered](json auth) {
      if (answered->exchange(true)) return;
      if (auto self = w.lock()) {
        self->run([nsp, token, auth = std::move(auth)](ManagerImpl& m) mutable {
          m.core_.provide_auth(nsp, token, std::move(auth));
        });
      }
    };
    invoke_guarded(kSocketLog, ask, std::move(answer));
  }

  void drop_engine() {
    ++gen_;
    if (!engine_) return;
    std::shared_ptr<EngineClient> engine(std::move(engine_));
    engine->close();
    // Destroyed later, outside whatever engine callback we may be in.
    backend_->loop().post([engine] {});
    if (!shut_) emit_manager("engine_close", json::array());
  }

  void emit_manager(const std::string& name, const json& args) {
    if (handle_gone) return;
    for (auto& fn : manager_listeners.take(name)) invoke_guarded(kManagerLog, fn, args, Ack());
  }

  void handle(socketio::ManagerEvent& e) {
    using K = socketio::ManagerEvent::Kind;
    std::string name;
    json args = json::array();
    switch (e.kind) {
      case K::open: name = "open"; break;
      case K::error: name = "error"; args.push_back(e.message); break;
      case K::close: name = "close"; args.push_back(e.message); args.push_back(e.description); break;
      case K::ping: name = "ping"; break;
      case K::reconnect_attempt: name = "reconnect_attempt"; args.push_back(e.attempt); break;
      case K::reconnect: name = "reconnect"; args.push_back(e.attempt); break;
      case K::reconnect_error: name = "reconnect_error"; args.push_back(e.message); break;
      case K::reconnect_failed: name = "reconnect_failed"; break;
    }
    if (e.kind != K::ping) log(kManagerLog, [&] { return name + (args.empty() ? std::string() : " " + dump_json(args)); });
    emit_manager(name, args);
  }

  void refresh(const std::string& nsp) {
    auto it = sockets_.find(nsp);
    if (it == sockets_.end()) return;
    auto& s = *it->second;
    std::lock_guard lock(s.mu);
    if (s.pending_disconnects > 0) return;  // disconnect() already published "not connected"
    s.id = core_.id(nsp);
    s.connected = core_.connected(nsp);
    s.active = core_.active(nsp) || s.connect_deferred;
    s.recovered = core_.recovered(nsp);
  }

  void handle(socketio::SocketEvent& e) {
    using K = socketio::SocketEvent::Kind;
    if (e.kind == K::ack) {
      log(kSocketLog, [&] { return "calling ack with " + (e.error ? std::string(to_string(e.error->code)) : brief(e.args)); });
      if (e.callback && !handle_gone) invoke_guarded(kSocketLog, e.callback, e.error, std::move(e.args));
      return;
    }
    refresh(e.nsp);
    auto it = sockets_.find(e.nsp);
    std::shared_ptr<SocketShared> s = it == sockets_.end() ? nullptr : it->second;
    switch (e.kind) {
      case K::connect:
        log(kSocketLog, [&] { return "socket connected with id " + core_.id(e.nsp) + " (" + e.nsp + ")"; });
        if (s) emit_to(*s, "connect", json::array(), Ack());
        break;
      case K::connect_error: {
        log(kSocketLog, [&] { return "connect_error (" + e.nsp + "): " + e.message; });
        json err = {{"message", e.message}};
        if (!e.data.is_discarded()) err["data"] = e.data;
        if (s) emit_to(*s, "connect_error", json::array({err}), Ack());
        break;
      }
      case K::disconnect:
        log(kSocketLog, [&] { return "close (" + e.message + ") (" + e.nsp + ")"; });
        if (s) emit_to(*s, "disconnect", json::array({e.message, e.description}), Ack());
        break;
      case K::event:
      case K::outgoing: {
        if (!e.args.is_array() || e.args.empty()) break;
        const std::string name = e.args[0].is_string() ? e.args[0].get<std::string>() : dump_json(e.args[0]);
        json rest = json::array();
        for (std::size_t i = 1; i < e.args.size(); ++i) rest.push_back(std::move(e.args[i]));
        if (e.kind == K::outgoing) {
          if (s && !handle_gone) {
            for (auto& fn : s->any_outgoing.snapshot()) invoke_guarded(kSocketLog, fn, name, rest);
          }
          break;
        }
        log(kSocketLog, [&] { return "emitting event " + name + " " + brief(rest) + " (" + e.nsp + ")"; });
        Ack ack;
        if (e.ack_id) {
          auto state = std::make_shared<AckState>();
          state->impl = weak_from_this();
          state->nsp = e.nsp;
          state->id = *e.ack_id;
          ack = Ack(std::move(state));
        }
        if (s && !handle_gone) {
          for (auto& fn : s->any.snapshot()) invoke_guarded(kSocketLog, fn, name, rest, ack);
        }
        if (s) emit_to(*s, name, rest, ack);
        break;
      }
      case K::ack:
        break;
    }
  }

  void emit_to(SocketShared& s, const std::string& name, const json& args, const Ack& ack) {
    if (handle_gone) return;
    for (auto& fn : s.listeners.take(name)) invoke_guarded(kSocketLog, fn, args, ack);
  }

  std::optional<Clock::time_point> armed_;
  EngineClientOptions engine_options_;
  std::unique_ptr<EngineClient> engine_;
  std::uint64_t gen_ = 0;
  std::map<std::string, std::shared_ptr<SocketShared>> sockets_;
  bool pumping_ = false;
  bool idle_announced_ = false;  // announce_idle()
  bool shut_ = false;
  // run() from other threads: the calls waiting for the loop, and whether a drain is posted.
  std::mutex inbox_mu_;
  std::vector<std::function<void(ManagerImpl&)>> inbox_;
  bool inbox_drain_posted_ = false;
};

}  // namespace detail

// ---- Ack --------------------------------------------------------------------------------------

void Ack::send(json args) const {
  if (!state_ || state_->sent.exchange(true)) return;
  auto impl = state_->impl.lock();
  if (!impl) return;
  impl->run([nsp = state_->nsp, id = state_->id, args = std::move(args)](detail::ManagerImpl& m) mutable {
    log(kSocketLog, [&] { return "sending ack " + brief(args); });
    m.core_.send_ack(nsp, id, std::move(args));
  });
}

// ---- Emitter / Socket ---------------------------------------------------------------------------

void Emitter::emit_array(std::string event, json args, AckCallback ack) {
  socket_->do_emit(std::move(event), std::move(args), std::move(ack), timeout_, volatile_flag_);
}

std::future<json> Emitter::emit_array_with_ack(std::string event, json args) {
  auto promise = std::make_shared<std::promise<json>>();
  auto future = promise->get_future();
  socket_->do_emit(std::move(event), std::move(args),
                   [promise](std::optional<Error> error, json result) {
                     if (error) {
#if defined(__cpp_exceptions)
                       promise->set_exception(std::make_exception_ptr(AckError(*error)));
#else
                       promise->set_value(json::array());  // without exceptions: use the callback forms
#endif
                     } else {
                       promise->set_value(std::move(result));
                     }
                   },
                   timeout_, volatile_flag_);
  return future;
}

Socket::Socket(std::shared_ptr<Manager> manager, std::shared_ptr<detail::SocketShared> shared, std::string nsp)
    : manager_(std::move(manager)), shared_(std::move(shared)), nsp_(std::move(nsp)) {}

Socket::~Socket() {
  // Like socket.disconnect(): leave the namespace (the Manager closes when none is left).
  manager_->impl_->run([nsp = nsp_, shared = shared_](detail::ManagerImpl& m) {
    m.core_.disconnect(nsp, Clock::now());
    m.unregister_socket(nsp, shared.get());
  });
}

void Socket::do_emit(std::string event, json args, AckCallback ack, std::optional<std::chrono::milliseconds> timeout,
                     bool is_volatile) {
  if (socketio::is_reserved_event(event)) {
#if defined(__cpp_exceptions)
    throw std::invalid_argument("\"" + event + "\" is a reserved event name");
#else
    log(kSocketLog, [&] { return "emit refused: \"" + event + "\" is a reserved event name"; });
    if (ack) ack(make_error(Errc::reserved_event_name, "\"" + event + "\" is a reserved event name"), json::array());
    return;
#endif
  }
  if (!args.is_array()) args = json::array({std::move(args)});
  args.insert(args.begin(), json(std::move(event)));
  socketio::EmitOptions options;
  options.timeout = timeout;
  options.volatile_ = is_volatile;
  manager_->impl_->run([nsp = nsp_, args = std::move(args), ack = std::move(ack), options](detail::ManagerImpl& m) mutable {
    auto result = m.core_.emit(nsp, std::move(args), Clock::now(), ack, options);
    if (!result) {
      log(kSocketLog, [&] { return "emit failed: " + result.error().message; });
      if (ack) detail::invoke_guarded(kSocketLog, ack, result.error(), json::array());
    }
  });
}

Socket& Socket::emit_array(std::string event, json args, AckCallback ack) {
  do_emit(std::move(event), std::move(args), std::move(ack), std::nullopt, false);
  return *this;
}

ListenerId Socket::on(const std::string& event, Handler handler) {
  return shared_->listeners.add(event, [h = std::move(handler)](const json& a, Ack) { h(a); }, false);
}
ListenerId Socket::on(const std::string& event, AckHandler handler) {
  return shared_->listeners.add(event, std::move(handler), false);
}
ListenerId Socket::once(const std::string& event, Handler handler) {
  return shared_->listeners.add(event, [h = std::move(handler)](const json& a, Ack) { h(a); }, true);
}
ListenerId Socket::once(const std::string& event, AckHandler handler) {
  return shared_->listeners.add(event, std::move(handler), true);
}
void Socket::off(const std::string& event, ListenerId id) { shared_->listeners.remove(event, id); }
void Socket::off(const std::string& event) { shared_->listeners.remove(event); }
void Socket::off() {
  shared_->listeners.clear();
  shared_->any.clear();
  shared_->any_outgoing.clear();
}
ListenerId Socket::on_connect(std::function<void()> handler) {
  return on("connect", Handler([h = std::move(handler)](const json&) { h(); }));
}
ListenerId Socket::on_connect_error(std::function<void(const ConnectError&)> handler) {
  return on("connect_error", Handler([h = std::move(handler)](const json& args) {
              ConnectError e;
              if (args.is_array() && !args.empty() && args[0].is_object()) {
                e.message = args[0].value("message", std::string());
                if (args[0].contains("data")) e.data = args[0]["data"];
              }
              h(e);
            }));
}
ListenerId Socket::on_disconnect(std::function<void(const std::string& reason)> handler) {
  return on("disconnect", Handler([h = std::move(handler)](const json& args) {
              h(args.is_array() && !args.empty() && args[0].is_string() ? args[0].get<std::string>() : std::string());
            }));
}
ListenerId Socket::on_any(AnyHandler handler) {
  return shared_->any.add([h = std::move(handler)](const std::string& e, const json& a, Ack) { h(e, a); });
}
ListenerId Socket::on_any(AnyAckHandler handler) { return shared_->any.add(std::move(handler)); }
ListenerId Socket::prepend_any(AnyHandler handler) {
  return shared_->any.add([h = std::move(handler)](const std::string& e, const json& a, Ack) { h(e, a); }, true);
}
void Socket::off_any(ListenerId id) { shared_->any.remove(id); }
void Socket::off_any() { shared_->any.clear(); }
ListenerId Socket::on_any_outgoing(AnyHandler handler) {
  const ListenerId id = shared_->any_outgoing.add(std::move(handler));
  // The core reports outgoing packets from the next one sent (queued in order with later emits).
  manager_->impl_->run([](detail::ManagerImpl& m) { m.core_.set_report_outgoing(true); });
  return id;
}
void Socket::off_any_outgoing(ListenerId id) { shared_->any_outgoing.remove(id); }
void Socket::off_any_outgoing() { shared_->any_outgoing.clear(); }

Socket& Socket::connect() {
  if (detail::HoldScope::open()) {
    bool first = false;
    {
      std::lock_guard lock(shared_->mu);
      first = !shared_->connect_deferred;
      shared_->connect_deferred = true;
      shared_->active = true;  // as socket.io-client's connect(): active at once
    }
    if (first) {
      detail::HoldScope::defer([weak = weak_from_this()] {
        auto self = weak.lock();
        if (!self) return;
        // The flag is taken on the loop, so active() stays true until the core says so.
        self->manager_->impl_->run([nsp = self->nsp_, shared = self->shared_](detail::ManagerImpl& m) {
          {
            std::lock_guard lock(shared->mu);
            if (!shared->connect_deferred) return;  // disconnect() came in between
            shared->connect_deferred = false;
          }
          m.core_.connect(nsp, Clock::now());
        });
      });
    }
    return *this;
  }
  manager_->impl_->run([nsp = nsp_](detail::ManagerImpl& m) { m.core_.connect(nsp, Clock::now()); });
  return *this;
}

Socket& Socket::disconnect() {
  {
    // Not connected from now on, whatever thread asks (the loop confirms it right after).
    std::lock_guard lock(shared_->mu);
    shared_->connected = false;
    shared_->active = false;
    shared_->connect_deferred = false;
    shared_->id.clear();
    ++shared_->pending_disconnects;
  }
  manager_->impl_->run([nsp = nsp_, shared = shared_](detail::ManagerImpl& m) {
    {
      std::lock_guard lock(shared->mu);
      --shared->pending_disconnects;
    }
    m.core_.disconnect(nsp, Clock::now());
  });
  return *this;
}

void Socket::set_auth_callback(AsyncAuthCallback callback) {
  manager_->impl_->run([nsp = nsp_, shared = shared_, callback = std::move(callback)](detail::ManagerImpl& m) {
    shared->auth_async = callback;
    m.core_.set_auth_deferred(nsp, static_cast<bool>(callback));
  });
}

void Socket::set_auth(json auth) {
  manager_->impl_->run([nsp = nsp_, auth = std::move(auth)](detail::ManagerImpl& m) { m.core_.set_auth(nsp, auth); });
}

std::string Socket::id() const {
  std::lock_guard lock(shared_->mu);
  return shared_->id;
}
bool Socket::connected() const {
  std::lock_guard lock(shared_->mu);
  return shared_->connected;
}
bool Socket::active() const {
  std::lock_guard lock(shared_->mu);
  return shared_->active;
}
bool Socket::recovered() const {
  std::lock_guard lock(shared_->mu);
  return shared_->recovered;
}

// ---- Manager ------------------------------------------------------------------------------------

namespace {

std::string normalize_nsp(std::string nsp) {
  if (nsp.empty() || nsp.front() != '/') nsp.insert(nsp.begin(), '/');
  return nsp;
}

}  // namespace

Manager::Manager(std::string url, Options options) : url_(std::move(url)), options_(std::move(options)) {
  auto factory = options_.executor ? options_.executor.factory() : detail::default_backend_factory();
  detail::MadeBackend made = factory->make();
  keepalive_ = std::move(made.keepalive);

  socketio::ClientOptions core;
  core.reconnection = options_.reconnection;
  core.reconnection_attempts = options_.reconnection_attempts;
  core.reconnection_delay = options_.reconnection_delay;
  core.reconnection_delay_max = options_.reconnection_delay_max;
  core.randomization_factor = options_.randomization_factor;
  core.timeout = options_.timeout;
  core.report_outgoing = false;  // until a socket gets an onAnyOutgoing listener
  core.protocol = options_.eio3 ? socketio::Protocol::v4 : socketio::Protocol::v5;
  core.parser = options_.parser;
  core.random = [backend = std::weak_ptr<detail::Backend>(made.backend)] {
    auto b = backend.lock();
    return b ? b->random() : 0.5;
  };

  EngineClientOptions engine;
  engine.url = url_;
  engine.path = engineio::endpoint_path(options_.path, options_.add_trailing_slash);
  engine.query = options_.query;
  engine.extra_headers = options_.extra_headers;
  engine.transports = options_.transports;
  engine.upgrade = options_.upgrade;
  engine.remember_upgrade = options_.remember_upgrade;
  engine.protocol = options_.eio3 ? engineio::Protocol::v3 : engineio::Protocol::v4;
  engine.tls = options_.tls;
  engine.proxy = options_.proxy;
  engine.with_credentials = options_.with_credentials;
  engine.timeout = options_.timeout.value_or(std::chrono::hours(24 * 365));

  impl_ = std::make_shared<detail::ManagerImpl>(std::move(made.backend), std::move(core), std::move(engine));
}

Manager::~Manager() {
  auto impl = impl_;
  impl->handle_gone = true;
  if (impl->on_loop() && !impl->dispatching()) {
    impl->shutdown();  // on the loop, outside its callbacks (e.g. a freed Manager in the browser): now
    return;
  }
  impl->backend_->loop().post([impl] { impl->shutdown(); });
  // keepalive_ (natively the shared client thread) is released after impl_: the last Manager of
  // the process gives the goodbyes up to 2 s, then ends the thread.
}

std::shared_ptr<Manager> Manager::create(std::string url, Options options) {
  std::shared_ptr<Manager> manager(new Manager(std::move(url), std::move(options)));
  if (manager->options_.auto_connect) manager->open();
  return manager;
}

std::shared_ptr<Socket> Manager::socket(std::string nsp) { return socket(std::move(nsp), options_.socket_options()); }

std::shared_ptr<Socket> Manager::socket(std::string nsp, SocketOptions options, const SocketSetup& setup) {
  detail::HoldScope scope;
  auto s = socket(std::move(nsp), std::move(options));
  if (setup) setup(*s);
  return s;
}

std::shared_ptr<Socket> Manager::socket(std::string nsp, SocketOptions options) {
  nsp = normalize_nsp(std::move(nsp));
  std::shared_ptr<Socket> socket;
  std::shared_ptr<detail::SocketShared> created;
  {
    std::lock_guard lock(sockets_mutex_);
    auto& slot = sockets_[nsp];
    socket = slot.lock();
    if (!socket) {
      created = std::make_shared<detail::SocketShared>();
      socket.reset(new Socket(shared_from_this(), created, nsp));
      slot = socket;
    }
  }
  // Outside the lock: on the executor these run inline and may call listeners.
  if (created) {
    socketio::SocketOptions core;
    core.auth = options.auth;
    core.auth_provider = options.auth_callback;
    core.auth_deferred = static_cast<bool>(options.auth_async);
    created->auth_async = options.auth_async;
    core.ack_timeout = options.ack_timeout;
    core.retries = options.retries;
    impl_->run([nsp, created, core](detail::ManagerImpl& m) { m.register_socket(nsp, created, core, true); });
    if (options_.auto_connect) socket->connect();
  } else if (options_.auto_connect && !socket->active()) {
    socket->connect();
  }
  return socket;
}

void Manager::open() {
  if (detail::HoldScope::open()) {
    if (!impl_->open_deferred.exchange(true)) {
      detail::HoldScope::defer([weak = weak_from_this()] {
        auto self = weak.lock();
        if (!self) return;
        self->impl_->run([](detail::ManagerImpl& m) {
          if (m.open_deferred.exchange(false)) m.core_.open(Clock::now());  // unless close() came
        });
      });
    }
    return;
  }
  impl_->run([](detail::ManagerImpl& m) { m.core_.open(Clock::now()); });
}

void Manager::close() {
  impl_->open_deferred = false;
  impl_->run([](detail::ManagerImpl& m) { m.core_.close(Clock::now()); });
}

ListenerId Manager::on(const std::string& event, Handler handler) {
  return impl_->manager_listeners.add(event, [h = std::move(handler)](const json& a, Ack) { h(a); }, false);
}
ListenerId Manager::once(const std::string& event, Handler handler) {
  return impl_->manager_listeners.add(event, [h = std::move(handler)](const json& a, Ack) { h(a); }, true);
}
void Manager::off(const std::string& event, ListenerId id) { impl_->manager_listeners.remove(event, id); }
void Manager::off(const std::string& event) { impl_->manager_listeners.remove(event); }

std::string Manager::transport() const {
  return impl_->query<std::string>([](detail::ManagerImpl& m) { return m.transport(); }, std::string());
}
std::string Manager::engine_id() const {
  return impl_->query<std::string>([](detail::ManagerImpl& m) { return m.engine_id(); }, std::string());
}
std::string Manager::ready_state() const {
  if (impl_->open_deferred) return "opening";  // open() was called: it starts when its HoldScope ends
  return impl_->query<std::string>(
      [](detail::ManagerImpl& m) {
        switch (m.core_.ready_state()) {
          case socketio::ReadyState::open: return std::string("open");
          case socketio::ReadyState::opening: return std::string("opening");
          default: return std::string(m.connect_deferred() ? "opening" : "closed");
        }
      },
      std::string("closed"));
}
bool Manager::idle() const {
  if (impl_->open_deferred) return false;
  return impl_->query<bool>([](detail::ManagerImpl& m) { return m.idle(); }, true);
}

void Manager::close_engine() {
  impl_->run([](detail::ManagerImpl& m) { m.close_engine(); });
}
void Manager::set_reconnection(bool on) {
  impl_->run([on](detail::ManagerImpl& m) { m.core_.set_reconnection(on); });
}
void Manager::set_reconnection_attempts(std::uint64_t attempts) {
  impl_->run([attempts](detail::ManagerImpl& m) { m.core_.set_reconnection_attempts(attempts); });
}
void Manager::set_reconnection_delay(std::chrono::milliseconds delay) {
  impl_->run([delay](detail::ManagerImpl& m) { m.core_.set_reconnection_delay(delay); });
}
void Manager::set_reconnection_delay_max(std::chrono::milliseconds delay) {
  impl_->run([delay](detail::ManagerImpl& m) { m.core_.set_reconnection_delay_max(delay); });
}
void Manager::set_randomization_factor(double factor) {
  impl_->run([factor](detail::ManagerImpl& m) { m.core_.set_randomization_factor(factor); });
}
void Manager::set_timeout(std::optional<std::chrono::milliseconds> timeout) {
  impl_->run([timeout](detail::ManagerImpl& m) { m.set_engine_timeout(timeout); });
}

namespace detail {
Backend& backend_of(const Manager& manager) { return ManagerImpl::backend_of(manager); }
int live_managers() { return g_live_managers.load(); }
}  // namespace detail

// ---- io() ---------------------------------------------------------------------------------------

namespace {

struct ParsedUrl {
  std::string source;  // scheme://host:port
  std::string nsp = "/";
  std::map<std::string, std::string> query;
};

std::string uri_decode(std::string_view s) {
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

ParsedUrl parse_io_url(std::string url) {
  ParsedUrl out;
  if (url.find("://") == std::string::npos) url = "https://" + url;  // like the JS default
  const std::size_t scheme_end = url.find("://");
  std::string scheme = url.substr(0, scheme_end);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string rest = url.substr(scheme_end + 3);
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest.resize(q);
  }
  if (auto h = query.find('#'); h != std::string::npos) query.resize(h);
  if (auto h = rest.find('#'); h != std::string::npos) rest.resize(h);
  std::string authority = rest, path;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash);
  }
  // default port, so that http://h and http://h:80 share a Manager
  const bool bracket = !authority.empty() && authority.front() == '[';
  const std::size_t colon = authority.rfind(':');
  const bool has_port = colon != std::string::npos && (!bracket || colon > authority.find(']'));
  if (!has_port) authority += (scheme == "https" || scheme == "wss") ? ":443" : ":80";
  out.source = scheme + "://" + authority;
  out.nsp = path.empty() ? "/" : path;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      if (eq == std::string::npos) {
        out.query[uri_decode(pair)] = "";
      } else {
        out.query[uri_decode(pair.substr(0, eq))] = uri_decode(pair.substr(eq + 1));
      }
    }
    start = end + 1;
  }
  return out;
}

std::mutex g_cache_mutex;
std::map<std::string, std::weak_ptr<Manager>> g_cache;

}  // namespace

std::shared_ptr<Socket> io(const std::string& url, Options options) {
  // The Manager of io(): in a HoldScope its socket's deferred connect() opens it (so that a
  // disconnect() in the same scope leaves it closed, as socket.io-client's io() + disconnect()).
  const bool opened_by_socket = options.auto_connect && detail::HoldScope::open();
  ParsedUrl parsed = parse_io_url(url);
  for (auto& [k, v] : parsed.query) options.query.emplace(k, v);  // explicit options win
  const std::string id = parsed.source + options.path;
  std::shared_ptr<Manager> manager;
  {
    std::lock_guard lock(g_cache_mutex);
    std::shared_ptr<Manager> cached;
    if (auto it = g_cache.find(id); it != g_cache.end()) cached = it->second.lock();
    bool same_namespace = false;
    if (cached) {
      std::lock_guard sl(cached->sockets_mutex_);
      auto it = cached->sockets_.find(normalize_nsp(parsed.nsp));
      same_namespace = it != cached->sockets_.end() && !it->second.expired();
    }
    if (options.force_new || !options.multiplex || same_namespace) {
      log(kManagerLog, [&] { return "ignoring socket cache for " + parsed.source; });
      manager = opened_by_socket ? std::shared_ptr<Manager>(new Manager(parsed.source, options))
                                 : Manager::create(parsed.source, options);
    } else {
      if (!cached) {
        log(kManagerLog, [&] { return "new io instance for " + parsed.source; });
        cached = opened_by_socket ? std::shared_ptr<Manager>(new Manager(parsed.source, options))
                                  : Manager::create(parsed.source, options);
        g_cache[id] = cached;
      }
      manager = cached;
    }
  }
  return manager->socket(parsed.nsp, options.socket_options());
}

std::shared_ptr<Socket> io(const std::string& url, Options options, const SocketSetup& setup) {
  detail::HoldScope scope;
  auto socket = io(url, std::move(options));
  if (setup) setup(*socket);
  return socket;
}

}  // namespace sio
