// sio/redis/connection.hpp - one Redis connection (hiredis's async API) driven by an asio executor.
//
// hiredis does the protocol (RESP); this class only tells it when its socket is readable or
// writable (the ev.addRead/delRead/addWrite/delWrite/cleanup hooks of redisAsyncContext, mapped
// to async_wait on a posix::stream_descriptor that never owns the descriptor) and reconnects with
// a bounded back-off when the connection is lost or refused.
//
// Everything runs on the executor given to create() (single-threaded use: call it there). Replies
// and pub/sub messages are delivered by posting to that executor, never from inside hiredis, so
// handlers may do anything (close this connection included).
//
// While disconnected, command() fails at once (the handler gets no reply); subscriptions are kept
// and sent again on every (re)connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

struct redisAsyncContext;
struct redisReply;

namespace sio::redis {

// A reply, copied out of hiredis's redisReply.
struct Reply {
  enum class Type { string, array, integer, nil, status, error };
  Type type = Type::nil;
  std::string str;  // string, status, error
  long long integer = 0;
  std::vector<Reply> elements;
};

struct ConnectionOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{2000};
  std::string name = "redis";  // in log lines
  std::function<void(std::string_view line)> log;  // default: std::cerr
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using ReplyHandler = std::function<void(std::optional<Reply> reply)>;  // nullopt: failed
  using MessageHandler = std::function<void(const std::string& channel, const std::string& payload)>;

  static std::shared_ptr<Connection> create(boost::asio::any_io_executor executor, ConnectionOptions options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();  // connects (and keeps reconnecting until close())
  void close();  // disconnects now; pending commands fail
  bool connected() const { return connected_; }

  // A command (binary-safe arguments). Without a connection the handler gets nullopt at once.
  void command(std::vector<std::string> args, ReplyHandler handler = {});

  // Pub/sub (use a connection for nothing else once subscribed, as Redis requires).
  void subscribe(const std::string& channel);
  void unsubscribe(const std::string& channel);
  void psubscribe(const std::string& pattern);
  void punsubscribe(const std::string& pattern);
  MessageHandler on_message;
  std::function<void()> on_connect;     // after every (re)connection
  std::function<void()> on_disconnect;  // the connection was lost (not after close())

 private:
  struct Glue;
  Connection(boost::asio::any_io_executor executor, ConnectionOptions options);
  void connect();
  void schedule_reconnect();
  void lost(const std::string& why);
  void log(const std::string& line) const;
  void log_failure(const std::string& line);
  void send(std::vector<std::string> args, ReplyHandler handler, bool subscription);
  void deliver_subscription(const Reply& reply);

  static void on_connect_cb(const redisAsyncContext* ac, int status);
  static void on_disconnect_cb(const redisAsyncContext* ac, int status);
  static void on_reply_cb(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_subscription_cb(redisAsyncContext* ac, void* reply, void* privdata);

  boost::asio::any_io_executor executor_;
  ConnectionOptions options_;
  boost::asio::steady_timer reconnect_timer_;
  std::chrono::milliseconds backoff_;
  redisAsyncContext* ac_ = nullptr;
  std::shared_ptr<Glue> glue_;
  bool connected_ = false;
  bool closed_ = true;
  bool ever_connected_ = false;
  bool failure_logged_ = false;
  std::set<std::string> channels_;
  std::set<std::string> patterns_;
};

}  // namespace sio::redis
