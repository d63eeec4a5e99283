// sio/redis/adapter.hpp - the Redis adapter: servers (ours and Node's socket.io with
// @socket.io/redis-adapter 8.x) sharing broadcasts, rooms operations, fetchSockets and
// serverSideEmit through Redis pub/sub, with the Node adapter's wire format (sio/redis/wire.hpp).
//
//   auto cluster = sio::redis::Cluster::create(io.get_executor(), {.host = "127.0.0.1", .port = 6379});
//   options.adapter = cluster->adapter_factory();
//   sio::server::Server io_server(io, options, ...);
//
// One Cluster per server process: one connection publishing, one subscribed, and the node's uid,
// shared by the adapters of every namespace. Its connections open with the first adapter and
// close with the last one (Server::close() closes them all).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sio/redis/connection.hpp"
#include "sio/redis/wire.hpp"
#include "sio/server/server.hpp"

namespace sio::redis {

struct ClusterOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string key = "socket.io";                   // channel prefix (the Node adapter's `key`)
  std::chrono::milliseconds requests_timeout{5000};  // fetchSockets, allRooms, serverSideEmit acks
  bool publish_on_specific_response_channel = false;  // the Node adapter's option of that name
  std::function<void(std::string_view line)> log;    // default: std::cerr
};

// What fetch_remote_sockets reports of a socket (on this server or another one): Node's
// RemoteSocket data.
struct RemoteSocket {
  server::SocketId id;
  json handshake = json::object();
  std::set<server::Room> rooms;
  json data = json::object();
};

class Adapter;

class Cluster : public std::enable_shared_from_this<Cluster> {
 public:
  static std::shared_ptr<Cluster> create(boost::asio::any_io_executor executor, ClusterOptions options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // For ServerOptions::adapter.
  server::AdapterFactory adapter_factory();
  const std::string& uid() const { return uid_; }
  const ClusterOptions& options() const { return options_; }
  void log(const std::string& line) const;
  boost::asio::any_io_executor executor() const { return executor_; }

  void publish(const std::string& channel, std::string payload);
  Connection& subscriber() { return *sub_; }
  Connection& publisher() { return *pub_; }

 private:
  friend class Adapter;
  Cluster(boost::asio::any_io_executor executor, ClusterOptions options);
  void attach(Adapter* adapter);
  void detach(Adapter* adapter);
  void on_message(const std::string& channel, const std::string& payload);

  boost::asio::any_io_executor executor_;
  ClusterOptions options_;
  std::string uid_;
  std::shared_ptr<Connection> pub_;
  std::shared_ptr<Connection> sub_;
  std::set<Adapter*> adapters_;
};

class Adapter : public server::InMemoryAdapter {
 public:
  Adapter(server::Namespace& nsp, std::shared_ptr<Cluster> cluster);
  ~Adapter() override;

  void init() override;
  void close() override;
  void server_count(std::function<void(std::size_t)> cb) override;

  void broadcast(socketio::Packet packet, const server::BroadcastOptions& opts) override;
  void broadcast_with_ack(socketio::Packet packet, const server::BroadcastOptions& opts,
                          std::function<void(std::size_t)> client_count,
                          std::function<void(json response)> ack) override;
  void add_sockets(const server::BroadcastOptions& opts, const std::vector<server::Room>& rooms) override;
  void del_sockets(const server::BroadcastOptions& opts, const std::vector<server::Room>& rooms) override;
  void disconnect_sockets(const server::BroadcastOptions& opts, bool close) override;
  void server_side_emit(const json& args) override;
  void server_side_emit_with_ack(const json& args, server::ServerSideAckCallback cb) override;

  // Cluster-wide queries (Node's fetchSockets() and allRooms()). On timeout the callback gets an
  // error and what was collected.
  void fetch_remote_sockets(const server::BroadcastOptions& opts,
                            std::function<void(std::optional<sio::Error>, std::vector<RemoteSocket>)> cb);
  void all_rooms(std::function<void(std::optional<sio::Error>, std::set<server::Room>)> cb);

  const wire::Channels& channels() const { return channels_; }

 private:
  friend class Cluster;
  struct Request;
  struct AckRequest {
    std::function<void(std::size_t)> client_count;
    std::function<void(json)> ack;
    std::unique_ptr<boost::asio::steady_timer> expiry;
  };
  void on_channel_message(const std::string& channel, const std::string& payload);
  void on_broadcast(const std::string& channel, const std::string& payload);
  void on_request(const std::string& payload);
  void on_response(const std::string& payload);
  void publish_response(const wire::Message& request, std::string payload);
  void ignored(const std::string& what);
  std::string new_request_id();
  // Sends a request expecting `expected` responses; `finish` is called once (timeout: error).
  void start_request(std::shared_ptr<Request> request, json body);
  void finish_request(const std::string& id, std::optional<sio::Error> error);
  void publish_rooms_request(wire::RequestType type, const server::BroadcastOptions& opts, json extra);
  static json socket_info(const server::Socket& socket);

  std::shared_ptr<Cluster> cluster_;
  wire::Channels channels_;
  bool attached_ = false;
  std::map<std::string, std::shared_ptr<Request>> requests_;
  std::map<std::string, AckRequest> ack_requests_;
  std::uint64_t ignored_count_ = 0;
  std::uint64_t remote_ack_ids_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // expires with this adapter
};

}  // namespace sio::redis
