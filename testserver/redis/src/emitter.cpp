// The @socket.io/redis-emitter compatible emitter (see sio/redis/emitter.hpp).
#include "sio/redis/emitter.hpp"

#include <utility>

#include "sio/redis/wire.hpp"
#include "sio/socketio/packet.hpp"

namespace sio::redis {

namespace {
// The uid @socket.io/redis-emitter puts in its messages (no server has it: theirs are 6 characters).
constexpr std::string_view kEmitterUid = "emitter";

json event_data(std::string_view event, json args) {
  json data = json::array({std::string(event)});
  if (args.is_array()) {
    for (auto& a : args) data.push_back(std::move(a));
  } else if (!args.is_discarded()) {
    data.push_back(std::move(args));
  }
  return data;
}
}  // namespace

Emitter::Emitter(std::shared_ptr<Connection> connection, std::string nsp, std::string key)
    : connection_(std::move(connection)), nsp_(std::move(nsp)), key_(std::move(key)) {
  if (nsp_.empty() || nsp_[0] != '/') nsp_ = "/" + nsp_;
}

Emitter Emitter::of(std::string nsp) const { return Emitter(connection_, std::move(nsp), key_); }

Emitter Emitter::to(const server::Room& room) const {
  auto copy = *this;
  copy.opts_.rooms.insert(room);
  return copy;
}
Emitter Emitter::to(const std::vector<server::Room>& rooms) const {
  auto copy = *this;
  copy.opts_.rooms.insert(rooms.begin(), rooms.end());
  return copy;
}
Emitter Emitter::except(const server::Room& room) const {
  auto copy = *this;
  copy.opts_.except.insert(room);
  return copy;
}
Emitter Emitter::except(const std::vector<server::Room>& rooms) const {
  auto copy = *this;
  copy.opts_.except.insert(rooms.begin(), rooms.end());
  return copy;
}
Emitter Emitter::volatile_() const {
  auto copy = *this;
  copy.opts_.flags.volatile_ = true;
  return copy;
}
Emitter Emitter::compress(bool compress) const {
  auto copy = *this;
  copy.opts_.flags.compress = compress;
  return copy;
}

void Emitter::publish(const std::string& channel, std::string payload) const {
  connection_->command({"PUBLISH", channel, std::move(payload)});
}

bool Emitter::emit(std::string_view event, json args) const {
  if (socketio::is_reserved_event(event)) return false;
  const auto channels = wire::Channels::make(key_, nsp_, kEmitterUid);
  const auto packet = socketio::Packet::event(nsp_, event_data(event, std::move(args)));
  publish(channels.for_rooms(opts_.rooms), wire::encode_broadcast(kEmitterUid, packet, opts_));
  return true;
}

void Emitter::sockets_join(const std::vector<server::Room>& rooms) const {
  const auto channels = wire::Channels::make(key_, nsp_, kEmitterUid);
  json request = {{"type", static_cast<int>(wire::RequestType::remote_join)},
                  {"opts", wire::options_to_wire(opts_, false)},
                  {"rooms", rooms}};
  publish(channels.request, wire::encode_json(request));
}

void Emitter::sockets_leave(const std::vector<server::Room>& rooms) const {
  const auto channels = wire::Channels::make(key_, nsp_, kEmitterUid);
  json request = {{"type", static_cast<int>(wire::RequestType::remote_leave)},
                  {"opts", wire::options_to_wire(opts_, false)},
                  {"rooms", rooms}};
  publish(channels.request, wire::encode_json(request));
}

void Emitter::disconnect_sockets(bool close) const {
  const auto channels = wire::Channels::make(key_, nsp_, kEmitterUid);
  json request = {{"type", static_cast<int>(wire::RequestType::remote_disconnect)},
                  {"opts", wire::options_to_wire(opts_, false)},
                  {"close", close}};
  publish(channels.request, wire::encode_json(request));
}

bool Emitter::server_side_emit(std::string_view event, json args) const {
  if (event == "connect" || event == "connection" || event == "new_namespace") return false;
  const auto channels = wire::Channels::make(key_, nsp_, kEmitterUid);
  json request = {{"uid", std::string(kEmitterUid)},
                  {"type", static_cast<int>(wire::RequestType::server_side_emit)},
                  {"data", event_data(event, std::move(args))}};
  publish(channels.request, wire::encode_json(request));
  return true;
}

}  // namespace sio::redis
