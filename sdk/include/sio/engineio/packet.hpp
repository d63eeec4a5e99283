// sio/engineio/packet.hpp - Engine.IO packets and their wire forms, protocol v3 and v4.
//
// Pure functions: bytes in, packets out (and back). Used by the client and the server alike.
//   WebSocket: one packet per frame (encode_frame / decode_frame).
//   HTTP long-polling: several packets per body (encode_payload / decode_payload).
// Binary data is carried as raw bytes in Packet::data with Packet::binary set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sio/core/result.hpp"

namespace sio::engineio {

enum class Protocol : std::uint8_t { v3 = 3, v4 = 4 };

enum class PacketType : std::uint8_t {
  open = 0,
  close = 1,
  ping = 2,
  pong = 3,
  message = 4,
  upgrade = 5,
  noop = 6,
};

std::string_view to_string(PacketType type) noexcept;

struct Packet {
  PacketType type = PacketType::message;
  std::string data;     // UTF-8 text, or raw bytes when binary is set
  bool binary = false;  // only message packets carry binary data

  static Packet text(PacketType t, std::string d = {}) { return Packet{t, std::move(d), false}; }
  static Packet message(std::string text) { return Packet{PacketType::message, std::move(text), false}; }
  static Packet bytes(std::string raw) { return Packet{PacketType::message, std::move(raw), true}; }

  friend bool operator==(const Packet&, const Packet&) = default;
};

// ---- WebSocket: one packet per frame -------------------------------------------------------

struct Frame {
  std::string bytes;
  bool binary = false;  // send as a binary WebSocket frame
  // When set, the frame's payload is `bytes` followed by *shared: a message encoded once and
  // shared by every recipient of a broadcast (the server's WebSocket writes it without a copy).
  std::shared_ptr<const std::string> shared;
  std::size_t size() const noexcept { return bytes.size() + (shared ? shared->size() : 0); }
  friend bool operator==(const Frame&, const Frame&) = default;
};

// v4: text packet -> text frame "<type><data>"; binary message -> binary frame of the raw bytes.
// v3: binary message -> binary frame "<type byte 0x04><raw bytes>".
Frame encode_frame(const Packet& packet, Protocol protocol);
// The same, reusing the packet's data for the frame (no copy of a text message's bytes).
Frame encode_frame(Packet&& packet, Protocol protocol);

// A text frame "b<base64>" (v4) / "b4<base64>" (v3) is a binary message, as in engine.io-parser.
// Rejects: empty text frame or empty v3 binary frame (truncated; an empty v4 binary frame is an
// empty buffer), unknown type, v3 binary frame whose type byte is not 0x04 (unknown_packet_type),
// bad base64, frames larger than max_bytes (payload_too_large).
Result<Packet> decode_frame(std::string_view bytes, bool binary, Protocol protocol,
                            std::size_t max_bytes = SIZE_MAX);

// ---- HTTP long-polling: several packets per body --------------------------------------------

struct PayloadLimits {
  std::size_t max_bytes = 1'000'000;  // body size past which decoding fails (payload_too_large)
};

struct Body {
  std::string bytes;
  bool binary = false;  // true: send with Content-Type application/octet-stream (v3 XHR2 form)
  friend bool operator==(const Body&, const Body&) = default;
};

// v4: packets joined by 0x1e, binary as "b<base64>".
// v3: "<length>:<packet>" with length in UTF-16 code units; binary as "b4<base64>" when
//     supports_binary is false (b64=1 clients); when supports_binary is true and some packet is
//     binary, the XHR2 binary form (<0|1><length digits as bytes><0xFF><packet>...) is used.
// An empty packet list encodes as "" (v4) or "0:" (v3). A binary packet is always encoded as a
// message whatever its type. v4 text data must not contain 0x1e (the protocol cannot carry it).
Body encode_payload(std::span<const Packet> packets, Protocol protocol, bool supports_binary = false);

// `binary_body` is true when the body came with Content-Type application/octet-stream (v3 XHR2;
// a binary body in v4 is rejected with protocol_violation, as engine.io does).
// Rejects: body larger than limits.max_bytes (payload_too_large, checked first), empty body
// (truncated), empty packet (truncated), unknown type, bad base64, bad v3 length (bad_length).
// v3 "0:" decodes to no packets; packets of length 0 inside a v3 text payload are skipped.
Result<std::vector<Packet>> decode_payload(std::string_view body, Protocol protocol,
                                           bool binary_body = false, PayloadLimits limits = {});

// ---- helpers shared by the codecs (exposed for tests and for transports) --------------------

// Standard alphabet with '=' padding. decode requires a length multiple of 4 and padding only at
// the end, rejects any other character (bad_base64); non-zero bits before the padding are ignored.
std::string base64_encode(std::string_view raw);
Result<std::string> base64_decode(std::string_view text);

// Length of a UTF-8 string in UTF-16 code units (JavaScript's String.length). Invalid UTF-8
// sequences count one unit per byte (as a replacement character would).
std::size_t utf16_length(std::string_view utf8) noexcept;

}  // namespace sio::engineio
