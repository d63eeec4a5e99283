// packet.cpp - Engine.IO packet codecs (WebSocket frames and polling payloads), v3 and v4.
//
// Wire forms (docs/protocol.md sections 1 and 3.1):
//   packet text            "<type digit><data>"                      e.g. "4hello", "2probe"
//   v4 polling payload     packets joined by 0x1e, binary as "b<base64>"
//   v4 WebSocket binary    raw bytes (no type byte)
//   v3 polling payload     "<len>:<packet>"..., len in UTF-16 code units, binary as "b4<base64>"
//   v3 XHR2 binary payload <0|1><len digits as bytes 0-9><0xFF><packet>..., len in bytes,
//                          binary packets as <0x04><raw bytes>
//   v3 WebSocket binary    <0x04><raw bytes>
//
// Decoders never throw and bound every index by the input size; lengths read from the input
// are compared against the remaining input before they are used, so huge numbers are rejected
// without overflow.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sio/engineio/packet.hpp"

namespace sio::engineio {

namespace {

constexpr char kRecordSeparator = '\x1e';
constexpr unsigned char kXhr2StringMarker = 0x00;
constexpr unsigned char kXhr2BinaryMarker = 0x01;
constexpr unsigned char kXhr2LengthEnd = 0xFF;
constexpr unsigned char kMessageTypeByte = 0x04;

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// 0-63 for alphabet characters, -1 otherwise.
constexpr std::array<std::int8_t, 256> make_base64_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<std::int8_t>(i);
  return table;
}
constexpr std::array<std::int8_t, 256> kBase64Table = make_base64_table();

bool is_continuation(unsigned char c) noexcept { return (c & 0xC0) == 0x80; }

// Byte length of the well-formed UTF-8 sequence starting at text[i], or 0 when the bytes there
// are not one (stray continuation byte, overlong form, surrogate, past U+10FFFF, truncated).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const std::size_t left = text.size() - i;
  const unsigned char c = at(i);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return (left >= 2 && is_continuation(at(i + 1))) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3) return 0;
    const unsigned char c1 = at(i + 1);
    const bool second_ok = c == 0xE0   ? (c1 >= 0xA0 && c1 <= 0xBF)
                           : c == 0xED ? (c1 >= 0x80 && c1 <= 0x9F)
                                       : is_continuation(c1);
    return (second_ok && is_continuation(at(i + 2))) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4) return 0;
    const unsigned char c1 = at(i + 1);
    const bool second_ok = c == 0xF0   ? (c1 >= 0x90 && c1 <= 0xBF)
                           : c == 0xF4 ? (c1 >= 0x80 && c1 <= 0x8F)
                                       : is_continuation(c1);
    return (second_ok && is_continuation(at(i + 2)) && is_continuation(at(i + 3))) ? 4 : 0;
  }
  return 0;
}

struct CharStep {
  std::size_t bytes;
  std::size_t units;
};

// One character of UTF-8 text at text[i] (i < size): its bytes and its UTF-16 code units.
// Invalid bytes count as one unit each.
CharStep utf8_step(std::string_view text, std::size_t i) noexcept {
  const std::size_t n = utf8_sequence_length(text, i);
  if (n == 0) return {1, 1};
  return {n, n == 4 ? std::size_t{2} : std::size_t{1}};
}

char type_digit(PacketType type) noexcept {
  return static_cast<char>('0' + static_cast<unsigned>(static_cast<std::uint8_t>(type)));
}

// "<type digit><data>" for text packets; binary packets take the base64 form of the payload
// encoders ("b<base64>" in v4, "b4<base64>" in v3).
std::string encode_packet_text(const Packet& packet, Protocol protocol) {
  if (packet.binary) {
    std::string out = protocol == Protocol::v3 ? "b4" : "b";
    out += base64_encode(packet.data);
    return out;
  }
  std::string out;
  out.reserve(1 + packet.data.size());
  out += type_digit(packet.type);
  out += packet.data;
  return out;
}

// Decodes one packet in its text form: "<type digit><data>", or "b<base64>" (v4) /
// "b4<base64>" (v3) for a binary message.
Result<Packet> decode_packet_text(std::string_view text, Protocol protocol) {
  if (text.empty()) return make_error(Errc::truncated, "empty packet");
  if (text.front() == 'b') {
    std::string_view encoded = text.substr(1);
    if (protocol == Protocol::v3) {
      if (encoded.empty()) return make_error(Errc::truncated, "base64 packet without a type");
      if (encoded.front() != '4') {
        return make_error(Errc::unknown_packet_type, "base64 packet that is not a message");
      }
      encoded.remove_prefix(1);
    }
    auto raw = base64_decode(encoded);
    if (!raw) return raw.error();
    return Packet::bytes(std::move(raw).value());
  }
  const char digit = text.front();
  if (digit < '0' || digit > '6') return make_error(Errc::unknown_packet_type, "unknown packet type");
  return Packet::text(static_cast<PacketType>(digit - '0'), std::string(text.substr(1)));
}

// Appends n's decimal digits, each as a byte value 0-9 (XHR2 length header).
void append_length_bytes(std::string& out, std::size_t n) {
  const std::string digits = std::to_string(n);
  for (const char d : digits) out += static_cast<char>(d - '0');
}

// Adds digit d to n unless the result would exceed limit; false when it would.
bool accumulate_digit(std::size_t& n, unsigned d, std::size_t limit) noexcept {
  if (d > limit || n > (limit - d) / 10) return false;
  n = n * 10 + d;
  return true;
}

Body encode_v4_payload(std::span<const Packet> packets) {
  Body body;
  bool first = true;
  for (const Packet& packet : packets) {
    if (!first) body.bytes += kRecordSeparator;
    first = false;
    body.bytes += encode_packet_text(packet, Protocol::v4);
  }
  return body;
}

Body encode_v3_text_payload(std::span<const Packet> packets) {
  Body body;
  if (packets.empty()) {
    body.bytes = "0:";
    return body;
  }
  for (const Packet& packet : packets) {
    const std::string text = encode_packet_text(packet, Protocol::v3);
    body.bytes += std::to_string(utf16_length(text));
    body.bytes += ':';
    body.bytes += text;
  }
  return body;
}

Body encode_v3_binary_payload(std::span<const Packet> packets) {
  Body body;
  body.binary = true;
  for (const Packet& packet : packets) {
    if (packet.binary) {
      body.bytes += static_cast<char>(kXhr2BinaryMarker);
      append_length_bytes(body.bytes, packet.data.size() + 1);
      body.bytes += static_cast<char>(kXhr2LengthEnd);
      body.bytes += static_cast<char>(kMessageTypeByte);
      body.bytes += packet.data;
    } else {
      body.bytes += static_cast<char>(kXhr2StringMarker);
      append_length_bytes(body.bytes, packet.data.size() + 1);
      body.bytes += static_cast<char>(kXhr2LengthEnd);
      body.bytes += type_digit(packet.type);
      body.bytes += packet.data;
    }
  }
  return body;
}

Result<std::vector<Packet>> decode_v4_payload(std::string_view body) {
  std::vector<Packet> packets;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = body.find(kRecordSeparator, start);
    const std::string_view text =
        body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    auto packet = decode_packet_text(text, Protocol::v4);
    if (!packet) return packet.error();
    packets.push_back(std::move(packet).value());
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return packets;
}

Result<std::vector<Packet>> decode_v3_text_payload(std::string_view body) {
  std::vector<Packet> packets;
  const std::size_t size = body.size();
  std::size_t pos = 0;
  while (pos < size) {
    // <length digits>
    const std::size_t digits_start = pos;
    std::size_t length = 0;
    while (pos < size && body[pos] >= '0' && body[pos] <= '9') {
      // A length above the body size cannot be satisfied: stop before it can overflow.
      if (!accumulate_digit(length, static_cast<unsigned>(body[pos] - '0'), size)) {
        return make_error(Errc::bad_length, "length past the end of the payload");
      }
      ++pos;
    }
    if (pos == digits_start) return make_error(Errc::bad_length, "length is not a number");
    if (pos == size || body[pos] != ':') return make_error(Errc::bad_length, "missing ':' after length");
    ++pos;
    // <packet>: `length` UTF-16 code units of text.
    const std::size_t packet_start = pos;
    std::size_t units = 0;
    while (units < length) {
      if (pos >= size) return make_error(Errc::bad_length, "length past the end of the payload");
      const CharStep step = utf8_step(body, pos);
      units += step.units;
      pos += step.bytes;
    }
    if (units != length) {
      return make_error(Errc::bad_length, "length ends inside a character");
    }
    const std::string_view text = body.substr(packet_start, pos - packet_start);
    if (text.empty()) continue;  // "0:" (an empty payload) carries no packet
    auto packet = decode_packet_text(text, Protocol::v3);
    if (!packet) return packet.error();
    packets.push_back(std::move(packet).value());
  }
  return packets;
}

Result<std::vector<Packet>> decode_v3_binary_payload(std::string_view body) {
  std::vector<Packet> packets;
  const std::size_t size = body.size();
  std::size_t pos = 0;
  while (pos < size) {
    const auto marker = static_cast<unsigned char>(body[pos]);
    if (marker != kXhr2StringMarker && marker != kXhr2BinaryMarker) {
      return make_error(Errc::bad_length, "binary payload entry is neither string (0) nor binary (1)");
    }
    ++pos;
    std::size_t length = 0;
    std::size_t digit_count = 0;
    while (pos < size && static_cast<unsigned char>(body[pos]) != kXhr2LengthEnd) {
      const auto digit = static_cast<unsigned char>(body[pos]);
      if (digit > 9) return make_error(Errc::bad_length, "length byte is not a digit 0-9");
      if (!accumulate_digit(length, digit, size)) {
        return make_error(Errc::bad_length, "length past the end of the payload");
      }
      ++digit_count;
      ++pos;
    }
    if (pos == size) return make_error(Errc::bad_length, "length not terminated by 0xFF");
    if (digit_count == 0) return make_error(Errc::bad_length, "missing length");
    ++pos;
    if (length > size - pos) return make_error(Errc::bad_length, "length past the end of the payload");
    const std::string_view packet_bytes = body.substr(pos, length);
    pos += length;
    if (marker == kXhr2StringMarker) {
      auto packet = decode_packet_text(packet_bytes, Protocol::v3);
      if (!packet) return packet.error();
      packets.push_back(std::move(packet).value());
    } else {
      if (packet_bytes.empty()) return make_error(Errc::truncated, "empty binary packet");
      if (static_cast<unsigned char>(packet_bytes.front()) != kMessageTypeByte) {
        return make_error(Errc::unknown_packet_type, "binary packet that is not a message");
      }
      packets.push_back(Packet::bytes(std::string(packet_bytes.substr(1))));
    }
  }
  if (packets.empty()) return make_error(Errc::truncated, "empty payload");
  return packets;
}

}  // namespace

std::string_view to_string(PacketType type) noexcept {
  switch (type) {
    case PacketType::open: return "open";
    case PacketType::close: return "close";
    case PacketType::ping: return "ping";
    case PacketType::pong: return "pong";
    case PacketType::message: return "message";
    case PacketType::upgrade: return "upgrade";
    case PacketType::noop: return "noop";
  }
  return "unknown";
}

// ---- WebSocket ------------------------------------------------------------------------------

Frame encode_frame(const Packet& packet, Protocol protocol) {
  Frame frame;
  if (packet.binary) {
    frame.binary = true;
    if (protocol == Protocol::v3) {
      frame.bytes.reserve(packet.data.size() + 1);
      frame.bytes += static_cast<char>(kMessageTypeByte);
    }
    frame.bytes += packet.data;
    return frame;
  }
  frame.bytes.reserve(packet.data.size() + 1);
  frame.bytes += type_digit(packet.type);
  frame.bytes += packet.data;
  return frame;
}

Frame encode_frame(Packet&& packet, Protocol protocol) {
  if (packet.binary && protocol == Protocol::v3) return encode_frame(packet, protocol);
  Frame frame;
  frame.binary = packet.binary;
  frame.bytes = std::move(packet.data);
  if (!packet.binary) frame.bytes.insert(frame.bytes.begin(), type_digit(packet.type));
  return frame;
}

Result<Packet> decode_frame(std::string_view bytes, bool binary, Protocol protocol, std::size_t max_bytes) {
  if (bytes.size() > max_bytes) return make_error(Errc::payload_too_large, "frame larger than the maximum");
  if (!binary) return decode_packet_text(bytes, protocol);
  if (protocol == Protocol::v4) return Packet::bytes(std::string(bytes));  // empty = empty buffer
  if (bytes.empty()) return make_error(Errc::truncated, "binary frame without a type byte");
  if (static_cast<unsigned char>(bytes.front()) != kMessageTypeByte) {
    return make_error(Errc::unknown_packet_type, "binary frame that is not a message");
  }
  return Packet::bytes(std::string(bytes.substr(1)));
}

// ---- HTTP long-polling ----------------------------------------------------------------------

Body encode_payload(std::span<const Packet> packets, Protocol protocol, bool supports_binary) {
  if (protocol == Protocol::v4) return encode_v4_payload(packets);
  if (supports_binary) {
    for (const Packet& packet : packets) {
      if (packet.binary) return encode_v3_binary_payload(packets);
    }
  }
  return encode_v3_text_payload(packets);
}

Result<std::vector<Packet>> decode_payload(std::string_view body, Protocol protocol, bool binary_body,
                                           PayloadLimits limits) {
  if (body.size() > limits.max_bytes) {
    return make_error(Errc::payload_too_large, "payload larger than the maximum");
  }
  if (body.empty()) return make_error(Errc::truncated, "empty payload");
  if (protocol == Protocol::v4) {
    // engine.io rejects octet-stream POST bodies on EIO=4 sessions ("invalid content").
    if (binary_body) return make_error(Errc::protocol_violation, "binary body in Engine.IO v4");
    return decode_v4_payload(body);
  }
  return binary_body ? decode_v3_binary_payload(body) : decode_v3_text_payload(body);
}

// ---- helpers --------------------------------------------------------------------------------

std::string base64_encode(std::string_view raw) {
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(raw[k])); };
  for (; i + 3 <= raw.size(); i += 3) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kBase64Alphabet[(v >> 18) & 0x3F];
    out += kBase64Alphabet[(v >> 12) & 0x3F];
    out += kBase64Alphabet[(v >> 6) & 0x3F];
    out += kBase64Alphabet[v & 0x3F];
  }
  const std::size_t rest = raw.size() - i;
  if (rest == 1) {
    const std::uint32_t v = byte(i) << 16;
    out += kBase64Alphabet[(v >> 18) & 0x3F];
    out += kBase64Alphabet[(v >> 12) & 0x3F];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kBase64Alphabet[(v >> 18) & 0x3F];
    out += kBase64Alphabet[(v >> 12) & 0x3F];
    out += kBase64Alphabet[(v >> 6) & 0x3F];
    out += '=';
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return make_error(Errc::bad_base64, "base64 length is not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    // Padding: only in the last group, as "xx==" or "xxx=".
    std::size_t pad = 0;
    if (last && text[i + 3] == '=') pad = text[i + 2] == '=' ? 2 : 1;
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      if (k >= 4 - pad) {
        v <<= 6;
        continue;
      }
      const std::int8_t d = kBase64Table[static_cast<unsigned char>(text[i + k])];
      if (d < 0) return make_error(Errc::bad_base64, "invalid base64 character");
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    out += static_cast<char>((v >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(v & 0xFF);
  }
  return out;
}

std::size_t utf16_length(std::string_view utf8) noexcept {
  std::size_t units = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const CharStep step = utf8_step(utf8, i);
    units += step.units;
    i += step.bytes;
  }
  return units;
}

}  // namespace sio::engineio
