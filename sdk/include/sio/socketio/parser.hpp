// sio/socketio/parser.hpp - Socket.IO wire formats ("parsers", as Node's `parser` option calls
// them): how a packet becomes Engine.IO messages and back.
//
// Two are built in:
//  - default_parser(): socket.io-parser's format (text packet + binary attachments,
//    sio/socketio/packet.hpp). What every Socket.IO peer speaks unless told otherwise.
//  - msgpack_parser(): socket.io-msgpack-parser's format (sio/socketio/msgpack_packet.hpp): each
//    packet is one binary message, the MessagePack map {type, data, nsp, id}.
// Both ends of a connection must use the same one. Servers, clients and the core take a
// std::shared_ptr<const Parser>; nullptr means the default parser.
#pragma once

#include <memory>
#include <string_view>

#include "sio/socketio/packet.hpp"

namespace sio::socketio {

class Parser {
 public:
  virtual ~Parser() = default;
  // "default" or "msgpack" for the built-in ones.
  virtual std::string_view name() const noexcept = 0;
  // The Engine.IO messages of one packet. Does not validate (writes what it is given).
  virtual Encoded encode(const Packet& packet) const = 0;
  // A decoder for one connection speaking `protocol`.
  virtual std::unique_ptr<PacketDecoder> make_decoder(Protocol protocol,
                                                      DecoderLimits limits) const = 0;
};

std::shared_ptr<const Parser> default_parser();
std::shared_ptr<const Parser> msgpack_parser();

// "default" (also "json") or "msgpack"; nullptr for any other name.
std::shared_ptr<const Parser> parser_by_name(std::string_view name);

// The parser itself, or the default one for nullptr.
const Parser& parser_or_default(const std::shared_ptr<const Parser>& parser);

}  // namespace sio::socketio
