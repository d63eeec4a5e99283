// sio/socketio/packet.hpp - Socket.IO packets and their wire form (protocol v5, and v4 for EIO3
// peers), with binary attachments.
//
// A Socket.IO packet travels as the text of one Engine.IO message, followed for BINARY_EVENT /
// BINARY_ACK by one binary Engine.IO message per attachment. Binary values inside the packet's
// data are nlohmann::json binary values; the encoder swaps them for
// {"_placeholder":true,"num":N} and hands the bytes out as attachments, the decoder puts them back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sio/core/json.hpp"
#include "sio/core/result.hpp"

namespace sio::socketio {

// v5: socket.io 3.x/4.x on Engine.IO v4. v4: socket.io 1.x/2.x on Engine.IO v3.
enum class Protocol : std::uint8_t { v4 = 4, v5 = 5 };

enum class PacketType : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,  // "ERROR" in v4, payload a JSON string there
  binary_event = 5,
  binary_ack = 6,
};

std::string_view to_string(PacketType type) noexcept;

// Largest ack id accepted or produced: 2^53-1, the largest integer exact in JavaScript.
inline constexpr std::uint64_t kMaxAckId = 9007199254740991ULL;

// Event names a peer may not use (socket.io's RESERVED_EVENTS).
bool is_reserved_event(std::string_view name) noexcept;

struct Packet {
  PacketType type = PacketType::event;
  std::string nsp = "/";               // namespace, always starting with '/'
  std::string query;                   // v4 only: "a=1&b=2" from "/nsp?a=1&b=2,"; else empty
  std::optional<std::uint64_t> id;     // ack id
  json data = json(json::value_t::discarded);  // payload; discarded = absent

  bool has_data() const { return !data.is_discarded(); }

  static Packet connect(std::string nsp, json auth = json(json::value_t::discarded));
  static Packet disconnect(std::string nsp);
  static Packet event(std::string nsp, json args, std::optional<std::uint64_t> id = std::nullopt);
  static Packet ack(std::string nsp, std::uint64_t id, json args);
  static Packet connect_error(std::string nsp, json error);

  friend bool operator==(const Packet& a, const Packet& b);
};

// True if the value contains a binary value anywhere.
bool has_binary(const json& value);

struct Encoded {
  std::string text;                    // the first Engine.IO message (text, unless `binary`)
  std::vector<std::string> attachments;  // raw bytes, one binary Engine.IO message each
  bool binary = false;                 // the first message is binary (MessagePack parser)
  friend bool operator==(const Encoded&, const Encoded&) = default;
};

// Encodes a packet. EVENT/ACK whose data holds binary values are sent as BINARY_EVENT/BINARY_ACK
// with placeholders, as socket.io-parser does (a BINARY_* packet without binary values goes out as
// plain EVENT/ACK). Placeholders are numbered depth first: arrays in index order, objects in member
// order, as socket.io-parser numbers them (the receiver looks buffers up by num). The namespace is omitted for "/"; a
// non-empty query (v4 CONNECT) is written as "/nsp?query,". Data is written whenever present
// (has_data()), JSON null included, via dump_json. Encoding does not validate: it writes what
// it is given.
Encoded encode(const Packet& packet);

struct DecoderLimits {
  std::size_t max_attachments = 10;    // socket.io-parser's default maxAttachments
  std::size_t max_depth = kMaxJsonDepth;
};

// What every wire format's decoder offers (see sio/socketio/parser.hpp): one per connection, fed
// each Engine.IO message in order. Any error leaves the decoder reset (the caller closes).
class PacketDecoder {
 public:
  virtual ~PacketDecoder() = default;
  // A complete packet, std::nullopt while more messages are needed, or an error.
  virtual Result<std::optional<Packet>> feed_text(std::string_view text) = 0;
  virtual Result<std::optional<Packet>> feed_binary(std::string_view bytes) = 0;
  virtual void reset() noexcept = 0;
};

// Checks a decoded packet against its type (the payload and ack-id rules listed at decode_text
// below); every wire format applies them. std::nullopt when the packet is valid.
std::optional<Error> validate_packet(const Packet& packet, Protocol protocol);

// The default (socket.io-parser) wire format.
// Stateful decoder for one connection: text messages start packets; binary messages complete the
// pending BINARY_EVENT/BINARY_ACK. Any error leaves the decoder reset (the caller closes).
// A completed binary packet is returned as EVENT/ACK (like socket.io-parser 4.x), its
// placeholders replaced by json binary values. A text message while attachments are awaited is
// Errc::protocol_violation; a binary message while none are is Errc::unexpected_attachment.
class Decoder final : public PacketDecoder {
 public:
  explicit Decoder(Protocol protocol = Protocol::v5, DecoderLimits limits = {});

  // A complete packet, std::nullopt while attachments are still awaited, or an error.
  Result<std::optional<Packet>> feed_text(std::string_view text) override;
  Result<std::optional<Packet>> feed_binary(std::string_view bytes) override;

  bool awaiting_attachments() const noexcept { return pending_.has_value(); }
  void reset() noexcept override;

 private:
  Protocol protocol_;
  DecoderLimits limits_;
  std::optional<Packet> pending_;
  std::size_t expected_ = 0;
  std::vector<std::string> buffers_;
};

// Decodes one text message on its own (no attachments): BINARY_* yield the packet with
// placeholders still in place. Used by the Decoder, by tests, and by fuzzers.
// Follows socket.io-parser's decodeString (4.2.x for v5, 3.4.x for v4), but stricter where the JS
// is sloppy or the spec says MUST:
//  - type digit 0-6 (unknown_packet_type; empty text: truncated);
//  - BINARY_*: "<digits>-" with 1 <= n (bad_attachment_count), n <= max_attachments
//    (too_many_attachments);
//  - "/nsp" up to the next ',' or the end; v4 CONNECT splits "/nsp?query" into nsp and query;
//  - ack id: ASCII digits only, at most kMaxAckId (ack_id_overflow); an id on CONNECT, DISCONNECT
//    or CONNECT_ERROR, or ACK without one: bad_ack_id (JS accepts both);
//  - the rest is JSON (bad_json / too_deep) that must fit the type (bad_payload):
//    CONNECT: absent or object (v4: also array/null, JS typeof "object"); DISCONNECT: absent;
//    CONNECT_ERROR: string or object (v4: also array/null), and present (JS accepts it absent);
//    EVENT/BINARY_EVENT: non-empty array, first element a number or a string; in v5 a reserved
//    name there is reserved_event_name (v4's parser has no such check); the payload is mandatory
//    (JS accepts "2" alone);  ACK/BINARY_ACK: array, mandatory.
struct Header {
  Packet packet;
  std::size_t attachments = 0;
};
Result<Header> decode_text(std::string_view text, Protocol protocol = Protocol::v5,
                           DecoderLimits limits = {});

// Replaces placeholders in `data` by the given buffers (as json binary values).
// Errc::placeholder_out_of_range if a placeholder's num is not an index into buffers.
Result<json> reconstruct(json data, const std::vector<std::string>& buffers);

}  // namespace sio::socketio
