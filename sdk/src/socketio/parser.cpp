// The built-in Socket.IO wire formats behind the Parser interface.
#include "sio/socketio/parser.hpp"

#include "sio/socketio/msgpack_packet.hpp"

namespace sio::socketio {

namespace {

class DefaultParser final : public Parser {
 public:
  std::string_view name() const noexcept override { return "default"; }
  Encoded encode(const Packet& packet) const override { return socketio::encode(packet); }
  std::unique_ptr<PacketDecoder> make_decoder(Protocol protocol,
                                              DecoderLimits limits) const override {
    return std::make_unique<Decoder>(protocol, limits);
  }
};

class MsgpackParser final : public Parser {
 public:
  std::string_view name() const noexcept override { return "msgpack"; }
  Encoded encode(const Packet& packet) const override {
    Encoded out;
    out.text = encode_msgpack(packet);
    out.binary = true;
    return out;
  }
  std::unique_ptr<PacketDecoder> make_decoder(Protocol /*protocol*/,
                                              DecoderLimits limits) const override {
    return std::make_unique<MsgpackDecoder>(limits);
  }
};

}  // namespace

std::shared_ptr<const Parser> default_parser() {
  static const auto parser = std::make_shared<const DefaultParser>();
  return parser;
}

std::shared_ptr<const Parser> msgpack_parser() {
  static const auto parser = std::make_shared<const MsgpackParser>();
  return parser;
}

std::shared_ptr<const Parser> parser_by_name(std::string_view name) {
  if (name == "default" || name == "json") return default_parser();
  if (name == "msgpack") return msgpack_parser();
  return nullptr;
}

const Parser& parser_or_default(const std::shared_ptr<const Parser>& parser) {
  if (parser) return *parser;
  static const auto fallback = default_parser();
  return *fallback;
}

}  // namespace sio::socketio
