// hiredis's async context on an asio executor (see sio/redis/connection.hpp).
#include "sio/redis/connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <iostream>
#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

namespace sio::redis {

namespace {

// Redis replies to our commands are shallow; a bound keeps the copy's recursion bounded anyway.
constexpr int kMaxReplyDepth = 8;

Reply copy_reply(const redisReply* r, int depth = 0) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = Reply::Type::string; break;
    case REDIS_REPLY_ARRAY: out.type = Reply::Type::array; break;
    case REDIS_REPLY_INTEGER: out.type = Reply::Type::integer; break;
    case REDIS_REPLY_STATUS: out.type = Reply::Type::status; break;
    case REDIS_REPLY_ERROR: out.type = Reply::Type::error; break;
    default: out.type = Reply::Type::nil; break;
  }
  if (r->str) out.str.assign(r->str, r->len);
  out.integer = r->integer;
  if (r->type == REDIS_REPLY_ARRAY && depth < kMaxReplyDepth) {
    out.elements.reserve(r->elements);
    for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy_reply(r->element[i], depth + 1));
  }
  return out;
}

// What a command's privdata points to: delivered (posted) once, then deleted.
struct Pending {
  boost::asio::any_io_executor executor;
  Connection::ReplyHandler handler;
};

}  // namespace

// The ev hooks' state: which readiness hiredis wants, and the waits in flight. Shared with the
// waits so that it outlives the context (cleanup clears `ac`).
struct Connection::Glue {
  Glue(const boost::asio::any_io_executor& ex, int fd) : sd(ex, fd) {}
  boost::asio::posix::stream_descriptor sd;
  redisAsyncContext* ac = nullptr;
  bool reading = false;
  bool writing = false;
  bool read_armed = false;
  bool write_armed = false;
  std::weak_ptr<Glue> self;

  void arm_read() {
    if (read_armed || !ac) return;
    read_armed = true;
    sd.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                  [g = self.lock()](const boost::system::error_code& ec) {
                    g->read_armed = false;
                    if (ec || !g->ac || !g->reading) return;
                    redisAsyncHandleRead(g->ac);  // may run cleanup (g->ac becomes null)
                    if (g->ac && g->reading) g->arm_read();
                  });
  }
  void arm_write() {
    if (write_armed || !ac) return;
    write_armed = true;
    sd.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                  [g = self.lock()](const boost::system::error_code& ec) {
                    g->write_armed = false;
                    if (ec || !g->ac || !g->writing) return;
                    redisAsyncHandleWrite(g->ac);
                    if (g->ac && g->writing) g->arm_write();
                  });
  }
  static Glue& of(void* privdata) { return *static_cast<Glue*>(privdata); }
  static void add_read(void* p) {
    auto& g = of(p);
    g.reading = true;
    g.arm_read();
  }
  static void del_read(void* p) { of(p).reading = false; }
  static void add_write(void* p) {
    auto& g = of(p);
    g.writing = true;
    g.arm_write();
  }
  static void del_write(void* p) { of(p).writing = false; }
  static void cleanup(void* p) {
    auto& g = of(p);
    g.ac = nullptr;
    g.reading = g.writing = false;
    boost::system::error_code ignored;
    g.sd.cancel(ignored);
    g.sd.release();  // hiredis closes the descriptor
  }
};

std::shared_ptr<Connection> Connection::create(boost::asio::any_io_executor executor,
                                               ConnectionOptions options) {
  return std::shared_ptr<Connection>(new Connection(std::move(executor), std::move(options)));
}

Connection::Connection(boost::asio::any_io_executor executor, ConnectionOptions options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      reconnect_timer_(executor_),
      backoff_(options_.reconnect_min) {}

Connection::~Connection() { close(); }

void Connection::log(const std::string& line) const {
  const std::string text = "sio::redis[" + options_.name + "]: " + line;
  if (options_.log) {
    options_.log(text);
  } else {
    std::cerr << text << "\n";
  }
}

// Failed attempts are logged once per outage (the first one), not at every retry.
void Connection::log_failure(const std::string& line) {
  if (failure_logged_) return;
  failure_logged_ = true;
  log(line + " (retrying quietly)");
}

void Connection::start() {
  if (!closed_) return;
  closed_ = false;
  connect();
}

void Connection::close() {
  closed_ = true;
  reconnect_timer_.cancel();
  connected_ = false;
  if (auto* ac = std::exchange(ac_, nullptr)) {
    ac->data = nullptr;
    redisAsyncFree(ac);  // pending commands get their (posted) failure; runs cleanup
  }
  glue_.reset();
}

void Connection::connect() {
  if (closed_ || ac_) return;
  redisAsyncContext* ac = redisAsyncConnect(options_.host.c_str(), options_.port);
  if (!ac) {
    log("cannot allocate a connection");
    schedule_reconnect();
    return;
  }
  if (ac->err) {
    log_failure(std::string("connect to ") + options_.host + ":" + std::to_string(options_.port) + " failed: " + ac->errstr);
    redisAsyncFree(ac);
    schedule_reconnect();
    return;
  }
  auto glue = std::make_shared<Glue>(executor_, ac->c.fd);
  glue->self = glue;
  glue->ac = ac;
  ac->ev.data = glue.get();
  ac->ev.addRead = &Glue::add_read;
  ac->ev.delRead = &Glue::del_read;
  ac->ev.addWrite = &Glue::add_write;
  ac->ev.delWrite = &Glue::del_write;
  ac->ev.cleanup = &Glue::cleanup;
  ac->data = this;
  ac_ = ac;
  glue_ = std::move(glue);
  redisAsyncSetConnectCallback(ac, &Connection::on_connect_cb);  // waits for writability
  redisAsyncSetDisconnectCallback(ac, &Connection::on_disconnect_cb);
  // Queued until connected: the subscriptions survive reconnections.
  for (const auto& channel : channels_) send({"SUBSCRIBE", channel}, {}, true);
  for (const auto& pattern : patterns_) send({"PSUBSCRIBE", pattern}, {}, true);
}

void Connection::schedule_reconnect() {
  if (closed_) return;
  reconnect_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
  std::weak_ptr<Connection> weak = weak_from_this();
  reconnect_timer_.async_wait([weak](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->connect();
  });
}

// The context is being freed by hiredis (after a failed connect or a lost connection).
void Connection::lost(const std::string& why) {
  ac_ = nullptr;
  const bool was_connected = connected_;
  connected_ = false;
  if (closed_) return;
  if (was_connected) {
    log(why);
  } else {
    log_failure(why);
  }
  std::weak_ptr<Connection> weak = weak_from_this();
  boost::asio::post(executor_, [weak, was_connected] {
    auto self = weak.lock();
    if (!self || self->closed_) return;
    self->glue_.reset();
    if (was_connected && self->on_disconnect) self->on_disconnect();
    self->schedule_reconnect();
  });
}

void Connection::on_connect_cb(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<Connection*>(ac->data);
  if (!self) return;
  if (status != REDIS_OK) {
    self->lost(std::string("connect to ") + self->options_.host + ":" + std::to_string(self->options_.port) +
               " failed: " + ac->errstr);
    return;
  }
  self->connected_ = true;
  self->failure_logged_ = false;
  self->backoff_ = self->options_.reconnect_min;
  if (self->ever_connected_) self->log("reconnected");
  self->ever_connected_ = true;
  std::weak_ptr<Connection> weak = self->weak_from_this();
  boost::asio::post(self->executor_, [weak] {
    auto self = weak.lock();
    if (self && self->connected_ && self->on_connect) self->on_connect();
  });
}

void Connection::on_disconnect_cb(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<Connection*>(ac->data);
  if (!self) return;
  self->lost(status == REDIS_OK ? std::string("disconnected")
                                : std::string("connection lost: ") + (ac->errstr[0] ? ac->errstr : "closed"));
}

void Connection::on_reply_cb(redisAsyncContext* /*ac*/, void* reply, void* privdata) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(privdata));
  if (!pending || !pending->handler) return;
  std::optional<Reply> copy;
  if (reply) copy = copy_reply(static_cast<const redisReply*>(reply));
  auto executor = pending->executor;
  boost::asio::post(executor, [handler = std::move(pending->handler), copy = std::move(copy)]() mutable {
    handler(std::move(copy));
  });
}

void Connection::on_subscription_cb(redisAsyncContext* ac, void* reply, void* /*privdata*/) {
  auto* self = static_cast<Connection*>(ac->data);
  if (!self || !reply) return;
  Reply copy = copy_reply(static_cast<const redisReply*>(reply));
  std::weak_ptr<Connection> weak = self->weak_from_this();
  boost::asio::post(self->executor_, [weak, copy = std::move(copy)] {
    if (auto self = weak.lock()) self->deliver_subscription(copy);
  });
}

void Connection::deliver_subscription(const Reply& reply) {
  if (closed_ || reply.type != Reply::Type::array || reply.elements.empty() || !on_message) return;
  const auto& kind = reply.elements[0].str;
  // ["message", channel, payload] / ["pmessage", pattern, channel, payload]
  if (kind == "message" && reply.elements.size() == 3) {
    on_message(reply.elements[1].str, reply.elements[2].str);
  } else if (kind == "pmessage" && reply.elements.size() == 4) {
    on_message(reply.elements[2].str, reply.elements[3].str);
  }
}

void Connection::send(std::vector<std::string> args, ReplyHandler handler, bool subscription) {
  if (!ac_) {
    if (handler) boost::asio::post(executor_, [handler = std::move(handler)] { handler(std::nullopt); });
    return;
  }
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  int rc = 0;
  if (subscription) {
    rc = redisAsyncCommandArgv(ac_, &Connection::on_subscription_cb, nullptr, static_cast<int>(argv.size()),
                               argv.data(), lens.data());
  } else {
    auto* pending = new Pending{executor_, std::move(handler)};
    rc = redisAsyncCommandArgv(ac_, &Connection::on_reply_cb, pending, static_cast<int>(argv.size()),
                               argv.data(), lens.data());
    if (rc != REDIS_OK) {
      std::unique_ptr<Pending> owned(pending);
      if (owned->handler) boost::asio::post(executor_, [h = std::move(owned->handler)] { h(std::nullopt); });
    }
  }
  (void)rc;
}

void Connection::command(std::vector<std::string> args, ReplyHandler handler) {
  send(std::move(args), std::move(handler), false);
}

void Connection::subscribe(const std::string& channel) {
  if (channels_.insert(channel).second) send({"SUBSCRIBE", channel}, {}, true);
}
void Connection::unsubscribe(const std::string& channel) {
  if (channels_.erase(channel)) send({"UNSUBSCRIBE", channel}, {}, true);
}
void Connection::psubscribe(const std::string& pattern) {
  if (patterns_.insert(pattern).second) send({"PSUBSCRIBE", pattern}, {}, true);
}
void Connection::punsubscribe(const std::string& pattern) {
  if (patterns_.erase(pattern)) send({"PUNSUBSCRIBE", pattern}, {}, true);
}

}  // namespace sio::redis
