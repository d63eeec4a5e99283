// The Redis adapter and its per-process cluster connections (see sio/redis/adapter.hpp).
#include "sio/redis/adapter.hpp"

#include <iostream>
#include <utility>

#include <boost/asio/dispatch.hpp>

#include "sio/server/secrets.hpp"

namespace sio::redis {

using server::BroadcastOptions;
using server::Room;
using wire::RequestType;

// ---- Cluster ---------------------------------------------------------------------------------

std::shared_ptr<Cluster> Cluster::create(boost::asio::any_io_executor executor, ClusterOptions options) {
  return std::shared_ptr<Cluster>(new Cluster(std::move(executor), std::move(options)));
}

Cluster::Cluster(boost::asio::any_io_executor executor, ClusterOptions options)
    : executor_(std::move(executor)), options_(std::move(options)), uid_(server::generate_id().substr(0, 6)) {
  ConnectionOptions c;
  c.host = options_.host;
  c.port = options_.port;
  c.log = options_.log;
  c.name = "pub";
  pub_ = Connection::create(executor_, c);
  c.name = "sub";
  sub_ = Connection::create(executor_, c);
}

Cluster::~Cluster() {
  pub_->close();
  sub_->close();
}

void Cluster::log(const std::string& line) const {
  const std::string text = "sio::redis: " + line;
  if (options_.log) {
    options_.log(text);
  } else {
    std::cerr << text << "\n";
  }
}

server::AdapterFactory Cluster::adapter_factory() {
  auto self = shared_from_this();
  return [self](server::Namespace& nsp) -> std::unique_ptr<server::Adapter> {
    return std::make_unique<Adapter>(nsp, self);
  };
}

void Cluster::attach(Adapter* adapter) {
  const bool first = adapters_.empty();
  adapters_.insert(adapter);
  if (first) {
    std::weak_ptr<Cluster> weak = weak_from_this();
    sub_->on_message = [weak](const std::string& channel, const std::string& payload) {
      if (auto self = weak.lock()) self->on_message(channel, payload);
    };
    pub_->start();
    sub_->start();
  }
  sub_->psubscribe(adapter->channels().broadcast + "*");
  sub_->subscribe(adapter->channels().request);
  sub_->subscribe(adapter->channels().response);
  sub_->subscribe(adapter->channels().specific_response);
}

void Cluster::detach(Adapter* adapter) {
  if (!adapters_.erase(adapter)) return;
  sub_->punsubscribe(adapter->channels().broadcast + "*");
  sub_->unsubscribe(adapter->channels().request);
  sub_->unsubscribe(adapter->channels().response);
  sub_->unsubscribe(adapter->channels().specific_response);
  if (adapters_.empty()) {
    pub_->close();
    sub_->close();
  }
}

void Cluster::publish(const std::string& channel, std::string payload) {
  pub_->command({"PUBLISH", channel, std::move(payload)});
}

void Cluster::on_message(const std::string& channel, const std::string& payload) {
  // Adapters may go away while we deliver (a handler closing the server): copy first.
  const std::vector<Adapter*> adapters(adapters_.begin(), adapters_.end());
  for (auto* adapter : adapters) {
    if (adapters_.count(adapter)) adapter->on_channel_message(channel, payload);
  }
}

// ---- Adapter ---------------------------------------------------------------------------------

namespace {
constexpr std::uint64_t kRemoteAckIdBase = std::uint64_t{1} << 52;  // < 2^53: exact in JavaScript
}  // namespace

struct Adapter::Request {
  RequestType type = RequestType::remote_fetch;
  std::size_t expected = 0;  // responses from other servers
  std::size_t received = 0;
  std::unique_ptr<boost::asio::steady_timer> timer;
  std::vector<RemoteSocket> sockets;
  std::set<Room> rooms;
  json responses = json::array();
  std::function<void(std::optional<sio::Error>, Request&)> done;
};

Adapter::Adapter(server::Namespace& nsp, std::shared_ptr<Cluster> cluster)
    : InMemoryAdapter(nsp),
      cluster_(std::move(cluster)),
      channels_(wire::Channels::make(cluster_->options().key, nsp.name(), cluster_->uid())) {}

Adapter::~Adapter() { close(); }

void Adapter::init() {
  if (attached_) return;
  attached_ = true;
  cluster_->attach(this);
}

void Adapter::close() {
  if (!attached_) return;
  attached_ = false;
  cluster_->detach(this);
  for (auto& [id, ack] : ack_requests_) ack.expiry->cancel();
  ack_requests_.clear();
  auto requests = std::move(requests_);
  requests_.clear();
  for (auto& [id, request] : requests) {
    request->timer->cancel();
    if (request->done) request->done(make_error(Errc::disconnected, "adapter closed"), *request);
  }
}

void Adapter::ignored(const std::string& what) {
  // Anyone who can publish on the Redis server can send us garbage: say so, but not endlessly.
  ++ignored_count_;
  if (ignored_count_ <= 100 || ignored_count_ % 1000 == 0) {
    cluster_->log("namespace " + nsp().name() + ": ignored " + what + " (" + std::to_string(ignored_count_) +
                  " so far)");
  }
}

std::string Adapter::new_request_id() { return server::generate_id().substr(0, 6) + server::generate_id().substr(0, 6); }

void Adapter::server_count(std::function<void(std::size_t)> cb) {
  // Node's serverCount(): PUBSUB NUMSUB of the request channel (every node subscribes to it).
  // (nothing is called once this adapter is gone: callers may capture it)
  std::weak_ptr<int> alive = alive_;
  cluster_->publisher().command({"PUBSUB", "NUMSUB", channels_.request}, [alive, cb = std::move(cb)](std::optional<Reply> r) {
    if (alive.expired()) return;
    std::size_t n = 1;
    if (r && r->type == Reply::Type::array && r->elements.size() == 2 &&
        r->elements[1].type == Reply::Type::integer && r->elements[1].integer > 0) {
      n = static_cast<std::size_t>(r->elements[1].integer);
    }
    cb(n);
  });
}

// ---- outgoing --------------------------------------------------------------------------------

void Adapter::broadcast(socketio::Packet packet, const BroadcastOptions& opts) {
  packet.nsp = nsp().name();
  if (!opts.flags.local) {
    cluster_->publish(channels_.for_rooms(opts.rooms), wire::encode_broadcast(cluster_->uid(), packet, opts));
  }
  InMemoryAdapter::broadcast(std::move(packet), opts);
}

void Adapter::broadcast_with_ack(socketio::Packet packet, const BroadcastOptions& opts,
                                 std::function<void(std::size_t)> client_count,
                                 std::function<void(json)> ack) {
  packet.nsp = nsp().name();
  if (!opts.flags.local) {
    const auto id = new_request_id();
    json request = json::object();
    request["uid"] = cluster_->uid();
    request["requestId"] = id;
    request["type"] = static_cast<int>(RequestType::broadcast);
    request["packet"] = wire::packet_to_wire(packet);
    request["opts"] = wire::options_to_wire(opts);
    cluster_->publish(channels_.request, wire::encode_msgpack(request));
    // As Node: the replies are expected until the broadcast's timeout (without one, for
    // requests_timeout), then forgotten.
    auto& entry = ack_requests_[id];
    entry.client_count = client_count;
    entry.ack = ack;
    entry.expiry = std::make_unique<boost::asio::steady_timer>(cluster_->executor());
    entry.expiry->expires_after(opts.flags.timeout.value_or(cluster_->options().requests_timeout));
    entry.expiry->async_wait([this, id](const boost::system::error_code& ec) {
      if (!ec) ack_requests_.erase(id);
    });
  }
  InMemoryAdapter::broadcast_with_ack(std::move(packet), opts, std::move(client_count), std::move(ack));
}

void Adapter::publish_rooms_request(RequestType type, const BroadcastOptions& opts, json extra) {
  json request = json::object();
  request["uid"] = cluster_->uid();
  request["type"] = static_cast<int>(type);
  request["opts"] = wire::options_to_wire(opts, false);
  for (auto& [key, value] : extra.items()) request[key] = value;
  cluster_->publish(channels_.request, wire::encode_json(request));
}

// Node publishes these and applies them when its own request comes back; we apply them at once
// (a following local emit sees the change) and ignore our own request.
void Adapter::add_sockets(const BroadcastOptions& opts, const std::vector<Room>& rooms) {
  if (!opts.flags.local) publish_rooms_request(RequestType::remote_join, opts, {{"rooms", rooms}});
  InMemoryAdapter::add_sockets(opts, rooms);
}

void Adapter::del_sockets(const BroadcastOptions& opts, const std::vector<Room>& rooms) {
  if (!opts.flags.local) publish_rooms_request(RequestType::remote_leave, opts, {{"rooms", rooms}});
  InMemoryAdapter::del_sockets(opts, rooms);
}

void Adapter::disconnect_sockets(const BroadcastOptions& opts, bool close) {
  if (!opts.flags.local) publish_rooms_request(RequestType::remote_disconnect, opts, {{"close", close}});
  InMemoryAdapter::disconnect_sockets(opts, close);
}

void Adapter::server_side_emit(const json& args) {
  json request = json::object();
  request["uid"] = cluster_->uid();
  request["type"] = static_cast<int>(RequestType::server_side_emit);
  request["data"] = args;
  cluster_->publish(channels_.request, wire::encode_json(request));
}

void Adapter::start_request(std::shared_ptr<Request> request, json body) {
  const auto id = body["requestId"].get<std::string>();
  request->timer = std::make_unique<boost::asio::steady_timer>(cluster_->executor());
  request->timer->expires_after(cluster_->options().requests_timeout);
  request->timer->async_wait([this, id](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = requests_.find(id);
    if (it == requests_.end()) return;
    const auto message = "timeout reached: only " + std::to_string(it->second->received) +
                         " responses received out of " + std::to_string(it->second->expected);
    finish_request(id, make_error(Errc::timeout, message));
  });
  requests_[id] = std::move(request);
  cluster_->publish(channels_.request, wire::encode_json(body));
}

void Adapter::finish_request(const std::string& id, std::optional<sio::Error> error) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  auto request = std::move(it->second);
  requests_.erase(it);
  request->timer->cancel();
  if (request->done) request->done(std::move(error), *request);
}

void Adapter::server_side_emit_with_ack(const json& args, server::ServerSideAckCallback cb) {
  json data = args;
  server_count([this, data = std::move(data), cb = std::move(cb)](std::size_t count) mutable {
    if (!attached_) return cb(make_error(Errc::disconnected, "adapter closed"), json::array());
    if (count <= 1) return cb(std::nullopt, json::array());
    auto request = std::make_shared<Request>();
    request->type = RequestType::server_side_emit;
    request->expected = count - 1;
    request->done = [cb = std::move(cb)](std::optional<sio::Error> error, Request& r) {
      cb(std::move(error), std::move(r.responses));
    };
    json body = json::object();
    body["uid"] = cluster_->uid();
    body["requestId"] = new_request_id();
    body["type"] = static_cast<int>(RequestType::server_side_emit);
    body["data"] = std::move(data);
    start_request(std::move(request), std::move(body));
  });
}

void Adapter::fetch_remote_sockets(const BroadcastOptions& opts,
                                   std::function<void(std::optional<sio::Error>, std::vector<RemoteSocket>)> cb) {
  std::vector<RemoteSocket> local;
  InMemoryAdapter::fetch_sockets(opts, [&](std::vector<server::SocketPtr> sockets) {
    for (const auto& s : sockets) {
      const json info = socket_info(*s);
      local.push_back(RemoteSocket{s->id(), info["handshake"], s->rooms(), s->data});
    }
  });
  if (opts.flags.local) return cb(std::nullopt, std::move(local));
  server_count([this, opts, local = std::move(local), cb = std::move(cb)](std::size_t count) mutable {
    if (count <= 1 || !attached_) return cb(std::nullopt, std::move(local));
    auto request = std::make_shared<Request>();
    request->type = RequestType::remote_fetch;
    request->expected = count - 1;
    request->sockets = std::move(local);
    request->done = [cb = std::move(cb)](std::optional<sio::Error> error, Request& r) {
      cb(std::move(error), std::move(r.sockets));
    };
    json body = json::object();
    body["uid"] = cluster_->uid();
    body["requestId"] = new_request_id();
    body["type"] = static_cast<int>(RequestType::remote_fetch);
    body["opts"] = wire::options_to_wire(opts, false);
    start_request(std::move(request), std::move(body));
  });
}

void Adapter::all_rooms(std::function<void(std::optional<sio::Error>, std::set<Room>)> cb) {
  std::set<Room> local;
  for (const auto& [room, members] : rooms_) local.insert(room);
  server_count([this, local = std::move(local), cb = std::move(cb)](std::size_t count) mutable {
    if (count <= 1 || !attached_) return cb(std::nullopt, std::move(local));
    auto request = std::make_shared<Request>();
    request->type = RequestType::all_rooms;
    request->expected = count - 1;
    request->rooms = std::move(local);
    request->done = [cb = std::move(cb)](std::optional<sio::Error> error, Request& r) {
      cb(std::move(error), std::move(r.rooms));
    };
    json body = json::object();
    body["uid"] = cluster_->uid();
    body["requestId"] = new_request_id();
    body["type"] = static_cast<int>(RequestType::all_rooms);
    start_request(std::move(request), std::move(body));
  });
}

json Adapter::socket_info(const server::Socket& socket) {
  const auto& h = socket.handshake();
  json headers = json::object();
  for (const auto& [k, v] : h.headers) headers[k] = v;
  json query = json::object();
  for (const auto& [k, v] : h.query) {
    auto it = query.find(k);
    if (it == query.end()) {
      query[k] = v;
    } else if (it->is_array()) {
      it->push_back(v);
    } else {
      *it = json::array({*it, v});
    }
  }
  json handshake = {{"headers", headers}, {"time", h.time},       {"address", h.address},
                    {"xdomain", h.xdomain}, {"secure", h.secure}, {"issued", h.issued},
                    {"url", h.url},         {"query", query},     {"auth", h.auth}};
  json rooms = json::array();
  for (const auto& r : socket.rooms()) rooms.push_back(r);
  return {{"id", socket.id()}, {"handshake", handshake}, {"rooms", rooms}, {"data", socket.data}};
}

// ---- incoming --------------------------------------------------------------------------------

void Adapter::on_channel_message(const std::string& channel, const std::string& payload) {
  if (channel == channels_.request) return on_request(payload);
  if (channel == channels_.response || channel == channels_.specific_response) return on_response(payload);
  if (channel.compare(0, channels_.broadcast.size(), channels_.broadcast) == 0) on_broadcast(channel, payload);
}

void Adapter::on_broadcast(const std::string& channel, const std::string& payload) {
  auto room = wire::room_of_channel(channel, channels_.broadcast);
  if (!room) return;  // another namespace's channel under the same pattern
  if (!room->empty() && !rooms_.count(*room)) return;  // no member here (as Node)
  auto message = wire::decode_broadcast(payload);
  if (!message) return ignored("malformed broadcast on " + channel + ": " + message.error().message);
  if (message->uid == cluster_->uid()) return;
  if (message->packet.nsp != nsp().name()) return;
  message->opts.flags.local = true;  // never published again
  InMemoryAdapter::broadcast(std::move(message->packet), message->opts);
}

void Adapter::publish_response(const wire::Message& request, std::string payload) {
  std::string channel = channels_.response;
  if (cluster_->options().publish_on_specific_response_channel && request.uid) {
    channel += *request.uid + "#";
  }
  cluster_->publish(channel, std::move(payload));
}

void Adapter::on_request(const std::string& payload) {
  auto decoded = wire::decode_message(payload);
  if (!decoded) return ignored("malformed request: " + decoded.error().message);
  const wire::Message& request = *decoded;
  if (!request.type) return ignored("request without a type");
  const json& body = request.body;
  const bool own = request.uid && *request.uid == cluster_->uid();
  const std::string request_id = request.request_id.value_or("");
  auto reply = [&](json response) {
    if (request.request_id) response["requestId"] = request_id;
    publish_response(request, wire::encode_json(response));
  };
  auto opts_of = [&]() -> std::optional<BroadcastOptions> {
    auto it = body.find("opts");
    if (it == body.end()) return std::nullopt;
    return wire::options_from_wire(*it);
  };
  auto rooms_list = [&]() {
    const auto rooms = wire::rooms_field(body, "rooms");
    return std::vector<Room>(rooms.begin(), rooms.end());
  };
  // The old one-socket form of join/leave/disconnect: {sid, room} and a reply.
  auto single_socket = [&]() -> std::optional<BroadcastOptions> {
    auto sid = wire::string_field(body, "sid");
    if (!sid || !nsp().sockets().count(*sid)) return std::nullopt;
    BroadcastOptions opts;
    opts.rooms = {*sid};
    return opts;
  };
  switch (static_cast<RequestType>(*request.type)) {
    case RequestType::sockets: {
      if (own || requests_.count(request_id)) return;
      json ids = json::array();
      InMemoryAdapter::sockets(wire::rooms_field(body, "rooms"), [&](std::set<server::SocketId> s) {
        for (const auto& id : s) ids.push_back(id);
      });
      return reply({{"sockets", ids}});
    }
    case RequestType::all_rooms: {
      if (own || requests_.count(request_id)) return;
      json rooms = json::array();
      for (const auto& [room, members] : rooms_) rooms.push_back(room);
      return reply({{"rooms", rooms}});
    }
    case RequestType::remote_join:
    case RequestType::remote_leave:
    case RequestType::remote_disconnect: {
      if (own) return;
      const auto type = static_cast<RequestType>(*request.type);
      std::optional<BroadcastOptions> opts = opts_of();
      std::vector<Room> rooms = rooms_list();
      const bool single = !opts;
      if (single) {
        opts = single_socket();
        if (!opts) return;
        if (auto room = wire::string_field(body, "room")) rooms = {*room};
      }
      if (!opts) return ignored("request with bad options");
      if (type == RequestType::remote_join) {
        InMemoryAdapter::add_sockets(*opts, rooms);
      } else if (type == RequestType::remote_leave) {
        InMemoryAdapter::del_sockets(*opts, rooms);
      } else {
        auto close = body.find("close");
        InMemoryAdapter::disconnect_sockets(*opts, close != body.end() && close->is_boolean() && close->get<bool>());
      }
      if (single) reply(json::object());
      return;
    }
    case RequestType::remote_fetch: {
      if (own || requests_.count(request_id)) return;
      auto opts = opts_of();
      if (!opts) return ignored("fetch request with bad options");
      json sockets = json::array();
      InMemoryAdapter::fetch_sockets(*opts, [&](std::vector<server::SocketPtr> found) {
        for (const auto& s : found) sockets.push_back(socket_info(*s));
      });
      return reply({{"sockets", sockets}});
    }
    case RequestType::server_side_emit: {
      if (own) return;
      auto data = body.find("data");
      if (data == body.end() || !data->is_array()) return ignored("serverSideEmit without data");
      if (!request.request_id) return nsp().deliver_server_side(*data, {});
      // One reply (the first argument), on the shared response channel as Node does.
      auto called = std::make_shared<bool>(false);
      std::weak_ptr<Cluster> weak = cluster_;
      const std::string channel = channels_.response;
      server::AckFn ack = [called, weak, channel, request_id](json args) {
        if (*called) return;
        *called = true;
        auto cluster = weak.lock();
        if (!cluster) return;
        json response = {{"type", static_cast<int>(RequestType::server_side_emit)}, {"requestId", request_id}};
        if (args.is_array() && !args.empty()) {
          response["data"] = args[0];
        } else if (!args.is_array() && !args.is_discarded()) {
          response["data"] = args;
        }
        // The ack may be called from any thread: publish on the executor.
        boost::asio::dispatch(cluster->executor(), [cluster, channel, payload = wire::encode_json(response)]() mutable {
          cluster->publish(channel, std::move(payload));
        });
      };
      return nsp().deliver_server_side(*data, std::move(ack));
    }
    case RequestType::broadcast: {
      if (own || ack_requests_.count(request_id)) return;
      auto packet_it = body.find("packet");
      auto packet = packet_it == body.end() ? std::nullopt : wire::packet_from_wire(*packet_it, nsp().name());
      auto opts = opts_of();
      if (!packet || !opts || !request.request_id) return ignored("malformed broadcast request");
      packet->nsp = nsp().name();
      // The sender's id means nothing here (Node publishes the packet before numbering it): the
      // clients' replies come back under an id of ours, from a range the namespace's own ack ids
      // (counting from 0) never reach.
      packet->id = kRemoteAckIdBase + (remote_ack_ids_++ % kRemoteAckIdBase);
      opts->flags.local = true;
      const wire::Message req = request;
      std::weak_ptr<Cluster> weak = cluster_;
      InMemoryAdapter::broadcast_with_ack(
          std::move(*packet), *opts,
          [this, req, request_id](std::size_t count) {
            json response = {{"type", static_cast<int>(RequestType::broadcast_client_count)},
                             {"requestId", request_id},
                             {"clientCount", count}};
            publish_response(req, wire::encode_json(response));
          },
          [weak, req, request_id, channel = channels_.response](json arg) {
            // Client acks arrive on the executor, possibly after this adapter is gone.
            auto cluster = weak.lock();
            if (!cluster) return;
            json response = {{"type", static_cast<int>(RequestType::broadcast_ack)},
                             {"requestId", request_id},
                             {"packet", std::move(arg)}};
            std::string target = channel;
            if (cluster->options().publish_on_specific_response_channel && req.uid) target += *req.uid + "#";
            cluster->publish(target, wire::encode_msgpack(response));
          });
      return;
    }
    default:
      return ignored("request of unknown type " + std::to_string(*request.type));
  }
}

void Adapter::on_response(const std::string& payload) {
  auto decoded = wire::decode_message(payload);
  if (!decoded) return ignored("malformed response: " + decoded.error().message);
  const wire::Message& response = *decoded;
  if (!response.request_id) return;  // not an answer to anything we asked
  const auto& id = *response.request_id;
  const json& body = response.body;
  if (auto it = ack_requests_.find(id); it != ack_requests_.end()) {
    if (response.type == static_cast<int>(RequestType::broadcast_client_count)) {
      auto count = body.find("clientCount");
      if (count != body.end() && count->is_number_unsigned()) it->second.client_count(count->get<std::size_t>());
    } else if (response.type == static_cast<int>(RequestType::broadcast_ack)) {
      auto packet = body.find("packet");
      it->second.ack(packet == body.end() ? json(nullptr) : *packet);
    }
    return;
  }
  auto it = requests_.find(id);
  if (it == requests_.end()) return;  // another node's, or too late
  Request& request = *it->second;
  switch (request.type) {
    case RequestType::remote_fetch: {
      auto sockets = body.find("sockets");
      if (sockets == body.end() || !sockets->is_array()) return;
      for (const auto& s : *sockets) {
        auto sid = wire::string_field(s, "id");
        if (!sid) continue;
        RemoteSocket remote;
        remote.id = *sid;
        if (auto h = s.find("handshake"); h != s.end() && h->is_object()) remote.handshake = *h;
        remote.rooms = wire::rooms_field(s, "rooms");
        if (auto d = s.find("data"); d != s.end()) remote.data = *d;
        request.sockets.push_back(std::move(remote));
      }
      break;
    }
    case RequestType::all_rooms: {
      auto rooms = wire::rooms_field(body, "rooms");
      request.rooms.insert(rooms.begin(), rooms.end());
      break;
    }
    case RequestType::server_side_emit: {
      auto data = body.find("data");
      request.responses.push_back(data == body.end() ? json(nullptr) : *data);
      break;
    }
    default:
      return;
  }
  if (++request.received >= request.expected) finish_request(id, std::nullopt);
}

}  // namespace sio::redis
