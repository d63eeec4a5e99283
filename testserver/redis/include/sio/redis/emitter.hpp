// sio/redis/emitter.hpp - emits to the clients of a cluster (servers joined by the Redis adapter,
// ours or Node's) from any process that is not a Socket.IO server, as @socket.io/redis-emitter 5
// does: same messages (uid "emitter"), same channels.
//
//   auto redis = sio::redis::Connection::create(io.get_executor(), {.host = "127.0.0.1", .port = 6379});
//   redis->start();
//   sio::redis::Emitter emitter(redis);
//   emitter.to("room1").except("room2").emit("news", json::array({"hello"}));
//   emitter.of("/admin").emit("alert", json::array({1}));
//   emitter.in("room1").sockets_join("room3");
//   emitter.server_side_emit("ping", json::array({"from outside"}));
//
// An Emitter is an immutable value (like BroadcastOperator); the connection is shared. Use it on
// the connection's executor. What is emitted while Redis is unreachable is dropped (no queue);
// no acknowledgements (as in Node's emitter).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sio/core/json.hpp"
#include "sio/redis/connection.hpp"
#include "sio/server/server.hpp"

namespace sio::redis {

class Emitter {
 public:
  explicit Emitter(std::shared_ptr<Connection> connection, std::string nsp = "/", std::string key = "socket.io");

  Emitter of(std::string nsp) const;  // "chat" means "/chat"
  Emitter to(const server::Room& room) const;
  Emitter to(const std::vector<server::Room>& rooms) const;
  Emitter in(const server::Room& room) const { return to(room); }
  Emitter except(const server::Room& room) const;
  Emitter except(const std::vector<server::Room>& rooms) const;
  Emitter volatile_() const;
  Emitter compress(bool compress) const;

  // `args`: the argument array (a non-array value is one argument). false for a reserved name.
  bool emit(std::string_view event, json args = json::array()) const;
  void sockets_join(const std::vector<server::Room>& rooms) const;
  void sockets_join(const server::Room& room) const { sockets_join(std::vector<server::Room>{room}); }
  void sockets_leave(const std::vector<server::Room>& rooms) const;
  void sockets_leave(const server::Room& room) const { sockets_leave(std::vector<server::Room>{room}); }
  void disconnect_sockets(bool close = false) const;
  // serverSideEmit to every server of the namespace (no acknowledgement). false for a reserved name.
  bool server_side_emit(std::string_view event, json args = json::array()) const;

 private:
  void publish(const std::string& channel, std::string payload) const;
  std::shared_ptr<Connection> connection_;
  std::string nsp_;
  std::string key_;
  server::BroadcastOptions opts_;
};

}  // namespace sio::redis
