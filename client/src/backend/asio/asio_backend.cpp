// asio_backend.cpp - the native Loop (a strand), its timers, and the process-wide client thread
// that every Manager without Options::executor shares.
#include "asio_backend.hpp"

#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "sio/client/asio.hpp"

namespace sio::detail {

namespace asio = boost::asio;

namespace {

// The loop's strand, as every object of the client holds it. Over an io_context's executor (the
// client thread's, or a user's io_context) it is a strand of that concrete executor: small enough
// for any_io_executor to hold in place, so the copies that every asynchronous operation makes
// (work guards, handler executors) allocate nothing. A strand of any other executor is held
// through its any_io_executor, which allocates on each copy.
using IoStrand = asio::strand<asio::io_context::executor_type>;
using AnyStrand = asio::strand<asio::any_io_executor>;

// A steady_timer whose pending wait owns the callback: cancelling, firing, or the io_context going
// away releases it. A generation number drops a completion that was already queued when set() or
// cancel() came.
class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(const asio::any_io_executor& strand) : state_(std::make_shared<State>(strand)) {}
  ~AsioTimer() override { cancel(); }

  void set(Clock::time_point at, std::function<void()> fn) override {
    const std::uint64_t gen = ++state_->gen;
    state_->timer.expires_at(at);
    state_->timer.async_wait([weak = std::weak_ptr<State>(state_), gen, fn = std::move(fn)](boost::system::error_code ec) {
      if (ec) return;
      auto state = weak.lock();
      if (!state || state->gen != gen) return;
      fn();
    });
  }

  void cancel() override {
    ++state_->gen;
    state_->timer.cancel();
  }

 private:
  struct State {
    explicit State(const asio::any_io_executor& strand) : timer(strand) {}
    asio::steady_timer timer;
    std::uint64_t gen = 0;
  };
  std::shared_ptr<State> state_;
};

class AsioLoop final : public Loop {
 public:
  explicit AsioLoop(const asio::any_io_executor& executor) {
    if (const auto* io = executor.target<asio::io_context::executor_type>()) {
      io_strand_ = asio::make_strand(*io);
      strand_ = *io_strand_;
    } else {
      any_strand_ = asio::make_strand(executor);
      strand_ = *any_strand_;
    }
  }
  void post(std::function<void()> fn) override { asio::post(strand_, std::move(fn)); }
  void dispatch(std::function<void()> fn) override { asio::dispatch(strand_, std::move(fn)); }
  bool in_loop() const override {
    return io_strand_ ? io_strand_->running_in_this_thread() : any_strand_->running_in_this_thread();
  }
  std::unique_ptr<Timer> make_timer() override { return std::make_unique<AsioTimer>(strand_); }
  const asio::any_io_executor& strand() const { return strand_; }

 private:
  std::optional<IoStrand> io_strand_;    // one of these two is the strand
  std::optional<AnyStrand> any_strand_;
  asio::any_io_executor strand_;          // that strand
};

class AsioBackend final : public Backend {
 public:
  explicit AsioBackend(asio::any_io_executor executor) : loop_(std::move(executor)), rng_(std::random_device{}()) {}
  Loop& loop() override { return loop_; }
  double random() override { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  std::shared_ptr<HttpClient> make_http(const TransportOptions& options) override {
    return make_http_client(loop_.strand(), options.tls, options.proxy);
  }
  std::shared_ptr<WebSocket> make_websocket(const TransportOptions& options, WebSocketHandlers handlers, bool secure,
                                            const std::string& host) override {
    return detail::make_websocket(loop_.strand(), options.tls, options.proxy, std::move(handlers), secure, host);
  }
  asio::any_io_executor executor() const { return loop_.strand(); }

 private:
  AsioLoop loop_;
  std::mt19937_64 rng_;  // used on the loop only
};

// Backends on a given executor (Options::executor).
class ExecutorFactory final : public BackendFactory {
 public:
  explicit ExecutorFactory(asio::any_io_executor executor) : executor_(std::move(executor)) {}
  MadeBackend make() override { return {make_asio_backend(executor_), nullptr}; }

 private:
  asio::any_io_executor executor_;
};

// The process-wide client thread: one io_context, run by one thread, started by the first Manager
// that needs it and ended after the last Manager handle is gone (each holds it). Ending it waits
// up to 2 s for the goodbyes still running on it (close packets), then stops it.
class ClientThread {
 public:
  ClientThread() : ctx_(std::make_shared<asio::io_context>(1)), guard_(ctx_->get_executor()) {
    thread_ = std::thread([ctx = ctx_, done = std::make_shared<std::promise<void>>(std::move(done_))] {
      for (;;) {
        try {
          ctx->run();
          break;
        } catch (...) {
          // a handler threw: keep serving the other Managers
        }
      }
      done->set_value();
    });
  }

  ~ClientThread() {
    guard_.reset();
    if (thread_.get_id() == std::this_thread::get_id()) {
      // Ended from one of its own callbacks: the thread finishes what is left (the goodbyes) and
      // ends on its own; it holds the io_context.
      thread_.detach();
      return;
    }
    // Give the goodbyes (close packets) a moment, then stop whatever is still pending.
    if (finished_.wait_for(std::chrono::seconds(2)) != std::future_status::ready) ctx_->stop();
    thread_.join();
  }

  asio::any_io_executor executor() { return ctx_->get_executor(); }

 private:
  std::shared_ptr<asio::io_context> ctx_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::promise<void> done_;
  std::future<void> finished_ = done_.get_future();
  std::thread thread_;
};

class SharedThreadFactory final : public BackendFactory {
 public:
  // The Backend does not hold the thread (its Loop's handlers are destroyed with the io_context);
  // the keepalive, held by the Manager handle, does.
  MadeBackend make() override {
    std::shared_ptr<ClientThread> thread;
    {
      std::lock_guard lock(mu_);
      thread = thread_.lock();
      if (!thread) {
        thread = std::make_shared<ClientThread>();
        thread_ = thread;
      }
    }
    MadeBackend made;
    made.backend = make_asio_backend(thread->executor());
    made.keepalive = std::move(thread);
    return made;
  }

 private:
  std::mutex mu_;
  std::weak_ptr<ClientThread> thread_;
};

}  // namespace

std::shared_ptr<Backend> make_asio_backend(asio::any_io_executor executor) {
  return std::make_shared<AsioBackend>(std::move(executor));
}

asio::any_io_executor asio_executor_of(Backend& backend) {
  auto* b = dynamic_cast<AsioBackend*>(&backend);
  return b ? b->executor() : asio::any_io_executor();
}

std::shared_ptr<BackendFactory> default_backend_factory() {
  static const auto factory = std::make_shared<SharedThreadFactory>();
  return factory;
}

}  // namespace sio::detail

namespace sio {

Executor asio_executor(boost::asio::any_io_executor executor) {
  return Executor(std::make_shared<detail::ExecutorFactory>(std::move(executor)));
}

boost::asio::any_io_executor executor_of(const Manager& manager) {
  return detail::asio_executor_of(detail::backend_of(manager));
}

}  // namespace sio
