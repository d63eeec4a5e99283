// sio/redis/wire.hpp - the messages of @socket.io/redis-adapter 8.x (classic pub/sub) and
// @socket.io/redis-emitter, encoded and decoded. Pure: no I/O, never throws, safe on any input
// (what arrives on the channels may come from anyone who can publish on the Redis server).
//
// Channels (prefix "socket.io" by default, nsp e.g. "/"):
//   <prefix>#<nsp>#            broadcasts to the whole namespace (or to several rooms)
//   <prefix>#<nsp>#<room>#     broadcasts to exactly one room
//   <prefix>-request#<nsp>#    requests; its subscriber count is the server count
//   <prefix>-response#<nsp>#   responses (and <...>#<uid># when a node asks for specific ones)
// Broadcast: MessagePack [uid, packet, {rooms, except, flags}], packet {type, data, nsp, id?}.
// Requests/responses: JSON text, except BROADCAST requests and BROADCAST_ACK responses, which are
// MessagePack (they carry packets that may hold binary). A payload starting with '{' is JSON.
// MessagePack is the core's notepack.io-compatible codec (sio/core/msgpack.hpp: nlohmann's, depth-limited).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sio/core/json.hpp"
#include "sio/core/result.hpp"
#include "sio/server/server.hpp"
#include "sio/socketio/packet.hpp"

namespace sio::redis::wire {

// @socket.io/redis-adapter's RequestType.
enum class RequestType : int {
  sockets = 0,
  all_rooms = 1,
  remote_join = 2,
  remote_leave = 3,
  remote_disconnect = 4,
  remote_fetch = 5,
  server_side_emit = 6,
  broadcast = 7,
  broadcast_client_count = 8,
  broadcast_ack = 9,
};

struct Channels {
  std::string broadcast;          // <prefix>#<nsp>#
  std::string request;            // <prefix>-request#<nsp>#
  std::string response;           // <prefix>-response#<nsp>#
  std::string specific_response;  // <prefix>-response#<nsp>#<uid>#
  static Channels make(std::string_view prefix, std::string_view nsp, std::string_view uid);
  // The channel a broadcast goes to: the room's own when exactly one room is targeted.
  std::string for_rooms(const std::set<server::Room>& rooms) const;
};

// A payload from a channel: JSON if it starts with '{', else MessagePack. Depth-limited
// (kMaxJsonDepth); bad_json or bad_msgpack on anything else.
Result<json> decode_payload(std::string_view bytes);
std::string encode_msgpack(const json& value);
std::string encode_json(const json& value);

// Socket.IO packet <-> the packet object Node publishes ({type, data, nsp, id?}; binary data as
// MessagePack bin = json binary). Only EVENT-like packets are accepted (type 2 or 5).
json packet_to_wire(const socketio::Packet& packet);
std::optional<socketio::Packet> packet_from_wire(const json& packet, std::string_view default_nsp = "/");

// BroadcastOptions <-> {rooms: [...], except: [...], flags: {...}} (flags: volatile, compress,
// local, timeout, expectSingleResponse; absent ones keep their defaults). Rooms given as numbers
// (JavaScript allows them) become their decimal text.
json options_to_wire(const server::BroadcastOptions& opts, bool with_flags = true);
std::optional<server::BroadcastOptions> options_from_wire(const json& opts);

// A broadcast message.
struct Broadcast {
  std::string uid;  // the sender (the emitter's is "emitter")
  socketio::Packet packet;
  server::BroadcastOptions opts;
};
std::string encode_broadcast(std::string_view uid, const socketio::Packet& packet,
                             const server::BroadcastOptions& opts);
Result<Broadcast> decode_broadcast(std::string_view bytes);

// The room a broadcast channel names (channel = <prefix>#<nsp>#<room>#); "" for the namespace's
// own channel, nullopt if the channel is not under `broadcast_channel`.
std::optional<std::string> room_of_channel(std::string_view channel, std::string_view broadcast_channel);

// A request or response, decoded: its "type" (if a number) and "requestId" (if a string).
struct Message {
  json body;  // an object
  std::optional<int> type;
  std::optional<std::string> request_id;
  std::optional<std::string> uid;
};
Result<Message> decode_message(std::string_view bytes);

// A JSON value -> string, for string fields (nullopt if not a string).
std::optional<std::string> string_field(const json& object, std::string_view key);
// A JSON array of strings/numbers -> rooms (non-strings/numbers skipped).
std::set<server::Room> rooms_field(const json& object, std::string_view key);

}  // namespace sio::redis::wire
