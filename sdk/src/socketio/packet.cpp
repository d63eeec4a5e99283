// Socket.IO packet codec (protocol v5, and v4 for Engine.IO v3 peers).
#include "sio/socketio/packet.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace sio::socketio {

namespace {

constexpr std::array<std::string_view, 6> kReservedEvents = {
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_binary_type(PacketType t) {
  return t == PacketType::binary_event || t == PacketType::binary_ack;
}

// {"_placeholder":true,"num":N}: socket.io-parser treats any object whose _placeholder is the
// boolean true as a placeholder (extra members ignored).
bool is_placeholder(const json& v) {
  if (!v.is_object()) return false;
  const auto it = v.find("_placeholder");
  return it != v.end() && it->is_boolean() && it->get<bool>();
}

// Replaces binary values by placeholders, depth first: arrays in index order, objects in
// member order. Iterative, so user-built values of any depth are fine.
void deconstruct(json& root, std::vector<std::string>& buffers) {
  std::vector<json*> stack{&root};
  while (!stack.empty()) {
    json* v = stack.back();
    stack.pop_back();
    if (v->is_binary()) {
      const auto& bytes = v->get_binary();
      std::string raw(bytes.size(), '\0');
      for (std::size_t i = 0; i < bytes.size(); ++i) raw[i] = static_cast<char>(bytes[i]);
      const std::size_t num = buffers.size();
      buffers.push_back(std::move(raw));
      *v = json{{"_placeholder", true}, {"num", num}};
    } else if (v->is_array()) {
      for (auto it = v->rbegin(); it != v->rend(); ++it) stack.push_back(&*it);
    } else if (v->is_object()) {
      // Push in reverse key order so the first key is visited first.
      std::vector<json*> children;
      children.reserve(v->size());
      for (auto& e : *v) children.push_back(&e);
      for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(*it);
    }
  }
}

void append_uint(std::string& out, std::uint64_t value) {
  std::array<char, 24> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), r.ptr);
}

// Bytes reserved for a packet's text before it is written (beside the namespace and query).
constexpr std::size_t kTextReserve = 64;

std::string encode_text(const Packet& p, std::size_t attachments, PacketType type) {
  std::string out;
  // Room for a small packet's JSON and the Engine.IO type digit put in front of it later
  // (encode_frame): one allocation where growing from empty took three.
  out.reserve(kTextReserve + p.nsp.size() + p.query.size());
  out += static_cast<char>('0' + static_cast<int>(type));
  if (is_binary_type(type)) {
    append_uint(out, attachments);
    out += '-';
  }
  const bool custom_nsp = !p.nsp.empty() && p.nsp != "/";
  if (custom_nsp || !p.query.empty()) {
    if (p.nsp.empty() || p.nsp.front() != '/') out += '/';
    out += p.nsp;
    if (!p.query.empty()) {
      out += '?';
      out += p.query;
    }
    out += ',';
  }
  if (p.id) append_uint(out, *p.id);
  if (p.has_data()) append_json(out, p.data);
  return out;
}

Error packet_error(Errc code, std::string message) { return make_error(code, std::move(message)); }

// Payload checks of socket.io-parser (4.2.x isPayloadValid for v5, 3.4.x for v4), plus the
// spec's mandatory payloads and ack-id rules (see decode_text in the header).
std::optional<Error> check_packet(const Packet& p, Protocol protocol) {
  const bool v5 = protocol == Protocol::v5;
  const json& d = p.data;
  // JavaScript's `typeof x === "object"`: objects, arrays and null.
  const bool js_object = d.is_object() || d.is_array() || d.is_null();
  switch (p.type) {
    case PacketType::connect:
      if (p.id) return packet_error(Errc::bad_ack_id, "CONNECT carries no ack id");
      if (p.has_data() && !(v5 ? d.is_object() : js_object)) {
        return packet_error(Errc::bad_payload, "CONNECT payload must be an object");
      }
      return std::nullopt;
    case PacketType::disconnect:
      if (p.id) return packet_error(Errc::bad_ack_id, "DISCONNECT carries no ack id");
      if (p.has_data()) return packet_error(Errc::bad_payload, "DISCONNECT carries no payload");
      return std::nullopt;
    case PacketType::connect_error:
      if (p.id) return packet_error(Errc::bad_ack_id, "CONNECT_ERROR carries no ack id");
      if (!p.has_data()) return packet_error(Errc::bad_payload, "CONNECT_ERROR without payload");
      if (!(d.is_string() || (v5 ? d.is_object() : js_object))) {
        return packet_error(Errc::bad_payload, "CONNECT_ERROR payload must be a string or an object");
      }
      return std::nullopt;
    case PacketType::event:
    case PacketType::binary_event:
      if (!p.has_data() || !d.is_array() || d.empty()) {
        return packet_error(Errc::bad_payload, "EVENT payload must be a non-empty array");
      }
      if (d[0].is_number()) return std::nullopt;
      if (!d[0].is_string()) {
        return packet_error(Errc::bad_payload, "event name must be a string or a number");
      }
      if (v5 && is_reserved_event(d[0].get_ref<const std::string&>())) {
        return packet_error(Errc::reserved_event_name,
                    "reserved event name \"" + d[0].get<std::string>() + "\"");
      }
      return std::nullopt;
    case PacketType::ack:
    case PacketType::binary_ack:
      if (!p.id) return packet_error(Errc::bad_ack_id, "ACK without ack id");
      if (!p.has_data() || !d.is_array()) {
        return packet_error(Errc::bad_payload, "ACK payload must be an array");
      }
      return std::nullopt;
  }
  return packet_error(Errc::unknown_packet_type, "unknown packet type");
}

}  // namespace

std::string_view to_string(PacketType type) noexcept {
  switch (type) {
    case PacketType::connect: return "CONNECT";
    case PacketType::disconnect: return "DISCONNECT";
    case PacketType::event: return "EVENT";
    case PacketType::ack: return "ACK";
    case PacketType::connect_error: return "CONNECT_ERROR";
    case PacketType::binary_event: return "BINARY_EVENT";
    case PacketType::binary_ack: return "BINARY_ACK";
  }
  return "UNKNOWN";
}

std::optional<Error> validate_packet(const Packet& packet, Protocol protocol) {
  return check_packet(packet, protocol);
}

bool is_reserved_event(std::string_view name) noexcept {
  for (std::string_view r : kReservedEvents) {
    if (r == name) return true;
  }
  return false;
}

Packet Packet::connect(std::string nsp, json auth) {
  Packet p;
  p.type = PacketType::connect;
  p.nsp = std::move(nsp);
  p.data = std::move(auth);
  return p;
}

Packet Packet::disconnect(std::string nsp) {
  Packet p;
  p.type = PacketType::disconnect;
  p.nsp = std::move(nsp);
  return p;
}

Packet Packet::event(std::string nsp, json args, std::optional<std::uint64_t> id) {
  Packet p;
  p.type = PacketType::event;
  p.nsp = std::move(nsp);
  p.id = id;
  p.data = std::move(args);
  return p;
}

Packet Packet::ack(std::string nsp, std::uint64_t id, json args) {
  Packet p;
  p.type = PacketType::ack;
  p.nsp = std::move(nsp);
  p.id = id;
  p.data = std::move(args);
  return p;
}

Packet Packet::connect_error(std::string nsp, json error) {
  Packet p;
  p.type = PacketType::connect_error;
  p.nsp = std::move(nsp);
  p.data = std::move(error);
  return p;
}

bool operator==(const Packet& a, const Packet& b) {
  if (a.type != b.type || a.nsp != b.nsp || a.query != b.query || a.id != b.id) return false;
  if (a.has_data() != b.has_data()) return false;
  return !a.has_data() || a.data == b.data;
}

bool has_binary(const json& value) {
  if (value.is_binary()) return true;
  if (!value.is_structured()) return false;
  // Iterative (a value built by the application may nest deeply). Elements are checked in place;
  // only non-empty arrays and objects wait on the stack, so a flat value allocates nothing.
  std::vector<const json*> stack;
  const json* v = &value;
  for (;;) {
    for (const auto& e : *v) {
      if (e.is_binary()) return true;
      if (e.is_structured() && !e.empty()) stack.push_back(&e);
    }
    if (stack.empty()) return false;
    v = stack.back();
    stack.pop_back();
  }
}

Encoded encode(const Packet& packet) {
  Encoded out;
  PacketType type = packet.type;
  const bool may_carry_binary = type == PacketType::event || type == PacketType::ack ||
                                is_binary_type(type);
  if (may_carry_binary && packet.has_data() && has_binary(packet.data)) {
    Packet copy = packet;
    deconstruct(copy.data, out.attachments);
    type = (type == PacketType::event || type == PacketType::binary_event)
               ? PacketType::binary_event
               : PacketType::binary_ack;
    out.text = encode_text(copy, out.attachments.size(), type);
    return out;
  }
  // A BINARY_* packet without any binary value is sent as the plain EVENT/ACK it is.
  if (type == PacketType::binary_event) type = PacketType::event;
  if (type == PacketType::binary_ack) type = PacketType::ack;
  out.text = encode_text(packet, 0, type);
  return out;
}

Result<Header> decode_text(std::string_view text, Protocol protocol, DecoderLimits limits) {
  if (text.empty()) return packet_error(Errc::truncated, "empty Socket.IO packet");
  const char t = text[0];
  if (t < '0' || t > '6') {
    return packet_error(Errc::unknown_packet_type, "unknown Socket.IO packet type");
  }
  Header h;
  Packet& p = h.packet;
  p.type = static_cast<PacketType>(t - '0');
  std::size_t i = 1;

  // <attachments>-
  if (is_binary_type(p.type)) {
    const std::size_t start = i;
    std::size_t count = 0;
    bool too_many = false;
    while (i < text.size() && is_digit(text[i])) {
      if (!too_many) {
        const auto digit = static_cast<std::size_t>(text[i] - '0');
        // (also stops before count * 10 + digit could wrap when the limit is SIZE_MAX)
        if (count > (limits.max_attachments - digit) / 10 || digit > limits.max_attachments) {
          too_many = true;
        } else {
          count = count * 10 + digit;
        }
      }
      ++i;
    }
    if (i == start || i >= text.size() || text[i] != '-') {
      return packet_error(Errc::bad_attachment_count, "attachment count missing or not a number");
    }
    if (!too_many && count == 0) {
      return packet_error(Errc::bad_attachment_count, "attachment count must be at least 1");
    }
    if (too_many) return packet_error(Errc::too_many_attachments, "too many attachments");
    h.attachments = count;
    ++i;  // '-'
  }

  // <nsp>,   (up to the next ',' or the end of the text)
  if (i < text.size() && text[i] == '/') {
    const std::size_t comma = text.find(',', i);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    std::string_view nsp = text.substr(i, end - i);
    if (protocol == Protocol::v4 && p.type == PacketType::connect) {
      const std::size_t q = nsp.find('?');
      if (q != std::string_view::npos) {
        p.query = std::string(nsp.substr(q + 1));
        nsp = nsp.substr(0, q);
      }
    }
    p.nsp = std::string(nsp);
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }

  // <ack id>
  if (i < text.size() && is_digit(text[i])) {
    std::uint64_t id = 0;
    while (i < text.size() && is_digit(text[i])) {
      const auto d = static_cast<std::uint64_t>(text[i] - '0');
      if (id > (kMaxAckId - d) / 10) {
        return packet_error(Errc::ack_id_overflow, "ack id larger than 2^53-1");
      }
      id = id * 10 + d;
      ++i;
    }
    p.id = id;
  }

  // <json>
  if (i < text.size()) {
    auto parsed = parse_json(text.substr(i), limits.max_depth);
    if (!parsed) return parsed.error();
    p.data = std::move(parsed).value();
  }

  if (auto err = check_packet(p, protocol)) return *std::move(err);
  return h;
}

Result<json> reconstruct(json data, const std::vector<std::string>& buffers) {
  std::vector<json*> stack{&data};
  while (!stack.empty()) {
    json* v = stack.back();
    stack.pop_back();
    if (is_placeholder(*v)) {
      const auto it = v->find("num");
      std::size_t index = buffers.size();  // invalid unless num is a valid integer index
      if (it != v->end()) {
        if (it->is_number_unsigned()) {
          const auto n = it->get<json::number_unsigned_t>();
          if (n < buffers.size()) index = static_cast<std::size_t>(n);
        } else if (it->is_number_integer()) {
          const auto n = it->get<json::number_integer_t>();
          if (n >= 0 && static_cast<std::uint64_t>(n) < buffers.size()) {
            index = static_cast<std::size_t>(n);
          }
        } else if (it->is_number_float()) {
          const double n = it->get<double>();
          if (n >= 0 && n < static_cast<double>(buffers.size()) &&
              n == static_cast<double>(static_cast<std::size_t>(n))) {
            index = static_cast<std::size_t>(n);
          }
        }
      }
      if (index >= buffers.size()) {
        return packet_error(Errc::placeholder_out_of_range, "attachment placeholder out of range");
      }
      *v = binary(std::string_view(buffers[index]));
    } else if (v->is_structured()) {
      for (auto& e : *v) stack.push_back(&e);
    }
  }
  return data;
}

Decoder::Decoder(Protocol protocol, DecoderLimits limits) : protocol_(protocol), limits_(limits) {}

void Decoder::reset() noexcept {
  pending_.reset();
  expected_ = 0;
  buffers_.clear();
}

Result<std::optional<Packet>> Decoder::feed_text(std::string_view text) {
  if (pending_) {
    reset();
    return packet_error(Errc::protocol_violation, "got plaintext data when reconstructing a packet");
  }
  auto header = decode_text(text, protocol_, limits_);
  if (!header) return header.error();
  if (is_binary_type(header->packet.type)) {
    pending_ = std::move(header->packet);
    expected_ = header->attachments;
    buffers_.clear();
    // Attachments arrive one message at a time: reserve a little, never what the peer announced.
    buffers_.reserve(std::min<std::size_t>(expected_, 16));
    return std::optional<Packet>{};
  }
  return std::optional<Packet>{std::move(header->packet)};
}

Result<std::optional<Packet>> Decoder::feed_binary(std::string_view bytes) {
  if (!pending_) {
    reset();
    return packet_error(Errc::unexpected_attachment, "got binary data when not reconstructing a packet");
  }
  buffers_.emplace_back(bytes);
  if (buffers_.size() < expected_) return std::optional<Packet>{};
  Packet packet = std::move(*pending_);
  std::vector<std::string> buffers = std::move(buffers_);
  reset();
  auto data = reconstruct(std::move(packet.data), buffers);
  if (!data) return data.error();
  packet.data = std::move(data).value();
  packet.type =
      packet.type == PacketType::binary_event ? PacketType::event : PacketType::ack;
  return std::optional<Packet>{std::move(packet)};
}

}  // namespace sio::socketio
