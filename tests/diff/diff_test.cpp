// tests/diff/diff_test.cpp - differential test of our codecs against the official npm parsers.
//
// At test time, runs tests/diff/vectors.js under node (SIO_NODE, NODE_PATH = tests/node_modules).
// The script encodes packets and decodes (mostly malformed) inputs with engine.io-parser 5 / 2 and
// socket.io-parser 4 / 3 and prints the results as JSON vectors; each vector is replayed here with
// our core and must give the same bytes, the same accept/reject verdict and the same decoded packet.
//
// Where our core is deliberately stricter than the official parser (it rejects input Node
// accepts), the vector is listed in kStricterByDesign with the reason; such a vector must then be
// rejected by us AND accepted by Node, so the list cannot go stale silently.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sio/core/json.hpp"
#include "sio/engineio/handshake.hpp"
#include "sio/engineio/packet.hpp"
#include "sio/socketio/packet.hpp"

namespace {

using sio::json;
namespace eio = sio::engineio;
namespace sock = sio::socketio;

// ---- running the generator ---------------------------------------------------------------------

struct Vectors {
  json doc;
  std::string error;  // non-empty if the vectors could not be produced
};

const Vectors& vectors() {
  static const Vectors loaded = [] {
    Vectors v;
    const std::string node = SIO_NODE;
    const std::string tests = SIO_TESTS_DIR;
    if (access(node.c_str(), X_OK) != 0) {
      v.error = "node not found at " + node + " (install nodejs: bash scripts/deps.sh)";
      return v;
    }
    if (access((tests + "/node_modules/engine.io-parser").c_str(), R_OK) != 0) {
      v.error = "official npm packages missing in " + tests +
                "/node_modules (run: npm ci --prefix tests, or bash scripts/deps.sh)";
      return v;
    }
    const std::string command = "NODE_PATH='" + tests + "/node_modules' '" + node + "' '" + tests +
                                "/diff/vectors.js'";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
      v.error = "popen failed for: " + command;
      return v;
    }
    std::string output;
    char buffer[65536];
    std::size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
    const int status = pclose(pipe);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      v.error = "node vectors.js failed (status " + std::to_string(status) + "): " + command;
      return v;
    }
    v.doc = json::parse(output, nullptr, /*allow_exceptions=*/false);
    if (v.doc.is_discarded() || !v.doc.contains("vectors")) {
      v.error = "vectors.js printed no valid JSON (" + std::to_string(output.size()) + " bytes)";
    }
    return v;
  }();
  return loaded;
}

// All vectors of one kind; fails the calling test if there are none.
std::vector<json> of_kind(const std::string& kind) {
  std::vector<json> out;
  const Vectors& v = vectors();
  if (!v.error.empty()) {
    ADD_FAILURE() << v.error;
    return out;
  }
  for (const json& item : v.doc["vectors"]) {
    if (item.value("kind", "") == kind) out.push_back(item);
  }
  EXPECT_FALSE(out.empty()) << "no vectors of kind " << kind;
  return out;
}

// ---- small helpers -----------------------------------------------------------------------------

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// Readable form of wire bytes for failure messages: printable ASCII as is, the rest as \xNN.
std::string show(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
    if (out.size() > 300) return out + "...\"";
  }
  return out + "\"";
}

// {"__bin__": hex} -> json binary value, recursively.
json untag(const json& v) {
  if (v.is_object()) {
    if (v.size() == 1 && v.contains("__bin__")) return sio::binary(from_hex(v["__bin__"].get<std::string>()));
    json out = json::object();
    for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = untag(it.value());
    return out;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const json& e : v) out.push_back(untag(e));
    return out;
  }
  return v;
}

// Deep equality where binary values compare by bytes only (not by subtype) and numbers by value.
bool same_json(const json& a, const json& b) {
  if (a.is_binary() || b.is_binary()) {
    return a.is_binary() && b.is_binary() &&
           static_cast<const std::vector<std::uint8_t>&>(a.get_binary()) ==
               static_cast<const std::vector<std::uint8_t>&>(b.get_binary());
  }
  if (a.is_array() || b.is_array()) {
    if (!a.is_array() || !b.is_array() || a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same_json(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object() || b.is_object()) {
    if (!a.is_object() || !b.is_object() || a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!b.contains(it.key()) || !same_json(it.value(), b[it.key()])) return false;
    }
    return true;
  }
  return a == b;
}

// Printable form of a json value holding binary values (dump_json would write nlohmann's form).
std::string show_json(const json& v) {
  if (v.is_discarded()) return "<absent>";
  if (v.is_binary()) return "<bin " + to_hex(std::string(v.get_binary().begin(), v.get_binary().end())) + ">";
  if (v.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + show_json(v[i]);
    return out + "]";
  }
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it, first = false) {
      out += (first ? "" : ",") + json(it.key()).dump() + ":" + show_json(it.value());
    }
    return out + "}";
  }
  return v.dump();
}

// ---- deliberate differences --------------------------------------------------------------------

// A vector on which our core deliberately disagrees with the official parser.
struct Difference {
  bool we_reject;      // true: ours rejects what Node accepts; false: both accept, ours decodes differently
  std::string reason;
};

// key: "<kind> v<protocol> <input>" (see key_of: hex for Engine.IO inputs, "bin:" before binary
// ones; the Socket.IO messages joined by " | "). Each entry must still differ from Node, or the
// test fails (so the list cannot go stale).
const std::map<std::string, Difference>& deliberate_differences() {
  static const std::map<std::string, Difference> table = [] {
    std::map<std::string, Difference> t;
    auto stricter = [&t](const std::string& key, const std::string& reason) { t[key] = {true, reason}; };
    // Engine.IO
    const char* base64 = "Node's Buffer.from(.., 'base64') ignores invalid characters; we reject bad base64";
    stricter("eio_decode_frame v4 " + to_hex("b!!"), base64);
    stricter("eio_decode_payload v4 " + to_hex("b!!!"), base64);
    const char* v3bin = "EIO3 binary frame whose type byte is not message(4): Node makes e.g. a binary 'close'; "
                        "only message packets carry binary data";
    stricter("eio_decode_frame v3 bin:01020304", v3bin);
    stricter("eio_decode_frame v3 bin:00ff", v3bin);
    stricter("eio_decode_frame v3 bin:02", v3bin);
    const char* length = "EIO3 length prefix must be plain decimal digits (Node coerces with Number(): '1e1', ' 6')";
    stricter("eio_decode_payload v3 " + to_hex("1e1:4hellohell"), length);
    stricter("eio_decode_payload v3 " + to_hex(" 6:4hello"), length);
    stricter("eio_decode_payload v3 bin:", "empty XHR2 body: Node yields no packets, we reject it as truncated");
    stricter("eio_decode_payload v3 bin:0006ff3468656c",  // 00 06 ff "4hel"
             "XHR2 length past the end of the body: Node silently truncates the packet");
    // Socket.IO (both protocol revisions)
    const std::vector<std::pair<std::string, std::string>> sio = {
        {"", "empty message: Node reads Number('') == 0 as CONNECT"},
        {"01", "CONNECT with an ack id"},
        {"41", "CONNECT_ERROR with an ack id"},
        {"2", "EVENT without payload (the spec makes it mandatory)"},
        {"2/admin", "EVENT without payload (the spec makes it mandatory)"},
        {"2/admin,", "EVENT without payload (the spec makes it mandatory)"},
        {"3", "ACK without ack id or payload"},
        {"3[]", "ACK without ack id"},
        {"31", "ACK without payload (the spec makes it mandatory)"},
        {"4", "CONNECT_ERROR without payload"},
        {"51-", "BINARY_EVENT without payload"},
        {"61-[{\"_placeholder\":true,\"num\":0}]", "BINARY_ACK without ack id"},
        {"29007199254740992[\"a\"]", "ack id above 2^53-1 (not exact in JavaScript): ack_id_overflow"},
        {"299999999999999999999[\"a\"]", "ack id above 2^53-1 (not exact in JavaScript): ack_id_overflow"},
        {"2 1[\"a\"]", "Node's Number(' ') == 0 makes a space an ack-id digit"},
        {"5 1-[\"a\"]", "attachment count must be plain digits (Node coerces ' 1' with Number())"},
        {"2[\"a\",1e400]", "number out of double range: Node makes it Infinity (sent on as null)"},
        {"2[\"a\"," + std::string(200, '[') + std::string(200, ']') + "]",
         "JSON nested deeper than kMaxJsonDepth (128): too_deep"},
        {"51-[\"a\",{\"_placeholder\":true,\"num\":0.5}] | bin:01",
         "placeholder num not an integer: Node substitutes undefined"},
    };
    for (const auto& [input, reason] : sio) {
      stricter("sio_decode v5 " + input, reason);
      stricter("sio_decode v4 " + input, reason);
    }
    stricter("sio_decode v4  2[\"a\"]", "leading space: Node v3 parser reads Number(' ') == 0 as CONNECT with id 2");
    // Both accept, different packets.
    const char* space_id = "space before the JSON: Node's Number(' ') == 0 turns it into ack id 0; "
                           "we read it as JSON whitespace (no ack id)";
    t["sio_decode v5 2 [\"a\"]"] = {false, space_id};
    t["sio_decode v4 2 [\"a\"]"] = {false, space_id};
    return t;
  }();
  return table;
}

std::string key_of(const json& v) {
  std::string key = v["kind"].get<std::string>() + " v" + std::to_string(v["protocol"].get<int>()) + " ";
  if (v.contains("input")) {
    key += (v.value("binary", false) || v.value("binary_body", false) ? "bin:" : "") +
           v["input"].get<std::string>();
  } else {
    bool first = true;
    for (const json& m : v["messages"]) {
      key += first ? "" : " | ";
      key += m.contains("text") ? m["text"].get<std::string>() : "bin:" + m["bin"].get<std::string>();
      first = false;
    }
  }
  return key;
}

// ---- Engine.IO ---------------------------------------------------------------------------------

eio::Protocol eio_protocol(const json& v) {
  return v["protocol"].get<int>() == 3 ? eio::Protocol::v3 : eio::Protocol::v4;
}

std::optional<eio::PacketType> eio_type(const std::string& name) {
  static const std::map<std::string, eio::PacketType> names = {
      {"open", eio::PacketType::open},       {"close", eio::PacketType::close},
      {"ping", eio::PacketType::ping},       {"pong", eio::PacketType::pong},
      {"message", eio::PacketType::message}, {"upgrade", eio::PacketType::upgrade},
      {"noop", eio::PacketType::noop}};
  auto it = names.find(name);
  if (it == names.end()) return std::nullopt;
  return it->second;
}

eio::Packet eio_packet(const json& p) {
  eio::Packet packet;
  packet.type = eio_type(p["type"].get<std::string>()).value();
  if (p.contains("bin")) {
    packet.data = from_hex(p["bin"].get<std::string>());
    packet.binary = true;
  } else {
    packet.data = p["text"].get<std::string>();
  }
  return packet;
}

std::string show_packet(const eio::Packet& p) {
  return std::string(eio::to_string(p.type)) + (p.binary ? " bin " + to_hex(p.data) : " " + show(p.data));
}

TEST(DiffEngineIO, EncodeFrame) {
  int checked = 0;
  for (const json& v : of_kind("eio_encode_frame")) {
    const eio::Packet packet = eio_packet(v["packet"]);
    const eio::Frame frame = eio::encode_frame(packet, eio_protocol(v));
    const std::string expected = from_hex(v["expect"]["hex"].get<std::string>());
    const bool expected_binary = v["expect"]["binary"].get<bool>();
    EXPECT_TRUE(frame.bytes == expected && frame.binary == expected_binary)
        << "encode_frame v" << v["protocol"] << " " << show_packet(packet) << "\n  node: "
        << (expected_binary ? "binary " : "text ") << show(expected) << "\n  ours: "
        << (frame.binary ? "binary " : "text ") << show(frame.bytes);
    ++checked;
  }
  RecordProperty("vectors", checked);
}

TEST(DiffEngineIO, EncodePayload) {
  for (const json& v : of_kind("eio_encode_payload")) {
    std::vector<eio::Packet> packets;
    std::string shown;
    for (const json& p : v["packets"]) {
      packets.push_back(eio_packet(p));
      shown += "[" + show_packet(packets.back()) + "]";
    }
    const bool supports_binary = v["supports_binary"].get<bool>();
    const eio::Body body = eio::encode_payload(packets, eio_protocol(v), supports_binary);
    const std::string expected = from_hex(v["expect"]["hex"].get<std::string>());
    const bool expected_binary = v["expect"]["binary"].get<bool>();
    EXPECT_TRUE(body.bytes == expected && body.binary == expected_binary)
        << "encode_payload v" << v["protocol"] << " supports_binary=" << supports_binary << " " << shown
        << "\n  node: " << (expected_binary ? "binary " : "text ") << show(expected)
        << "\n  ours: " << (body.binary ? "binary " : "text ") << show(body.bytes);
  }
}

// Common accept/reject + decoded-packets comparison for Engine.IO decode vectors.
void check_eio_decode(const json& v, const sio::Result<std::vector<eio::Packet>>& ours,
                      const std::string& what) {
  const bool node_accepts = v["accept"].get<bool>();
  const auto& differences = deliberate_differences();
  const auto it = differences.find(key_of(v));
  if (it != differences.end()) {
    EXPECT_TRUE(it->second.we_reject && node_accepts && !ours.ok())
        << what << ": listed as a deliberate difference (" << it->second.reason
        << ") but node accepts=" << node_accepts << ", ours accepts=" << ours.ok();
    return;
  }
  if (node_accepts != ours.ok()) {
    ADD_FAILURE() << what << "\n  node: " << (node_accepts ? "accepts" : "rejects") << "\n  ours: "
                  << (ours.ok() ? "accepts" : "rejects: " + std::string(sio::to_string(ours.error().code)) +
                                                  " " + ours.error().message)
                  << "\n  key: " << key_of(v);
    return;
  }
  if (!node_accepts) return;
  std::vector<eio::Packet> expected;
  std::string expected_shown, ours_shown;
  for (const json& p : v["packets"]) {
    expected.push_back(eio_packet(p));
    expected_shown += "[" + show_packet(expected.back()) + "]";
  }
  for (const eio::Packet& p : *ours) ours_shown += "[" + show_packet(p) + "]";
  EXPECT_TRUE(expected == *ours) << what << " decodes differently\n  node: " << expected_shown
                                 << "\n  ours: " << ours_shown;
}

TEST(DiffEngineIO, DecodeFrame) {
  for (const json& v : of_kind("eio_decode_frame")) {
    const std::string input = from_hex(v["input"].get<std::string>());
    const bool binary = v["binary"].get<bool>();
    auto decoded = eio::decode_frame(input, binary, eio_protocol(v));
    sio::Result<std::vector<eio::Packet>> ours =
        decoded.ok() ? sio::Result<std::vector<eio::Packet>>(std::vector<eio::Packet>{*decoded})
                     : sio::Result<std::vector<eio::Packet>>(decoded.error());
    std::ostringstream what;
    what << "decode_frame v" << v["protocol"] << (binary ? " binary " : " text ") << show(input);
    check_eio_decode(v, ours, what.str());
  }
}

TEST(DiffEngineIO, DecodePayload) {
  for (const json& v : of_kind("eio_decode_payload")) {
    const std::string input = from_hex(v["input"].get<std::string>());
    const bool binary_body = v["binary_body"].get<bool>();
    std::ostringstream what;
    what << "decode_payload v" << v["protocol"] << (binary_body ? " binary body " : " text body ") << show(input);
    check_eio_decode(v, eio::decode_payload(input, eio_protocol(v), binary_body), what.str());
  }
}

TEST(DiffEngineIO, Handshake) {
  for (const json& v : of_kind("eio_handshake")) {
    const json& h = v["handshake"];
    eio::Handshake handshake;
    handshake.sid = h["sid"].get<std::string>();
    handshake.upgrades = h["upgrades"].get<std::vector<std::string>>();
    handshake.ping_interval_ms = h["ping_interval_ms"].get<std::int64_t>();
    handshake.ping_timeout_ms = h["ping_timeout_ms"].get<std::int64_t>();
    if (h["max_payload"].is_null()) {
      handshake.max_payload.reset();
    } else {
      handshake.max_payload = h["max_payload"].get<std::int64_t>();
    }
    const std::string expected = v["expect"].get<std::string>();
    EXPECT_EQ(eio::encode_handshake(handshake), expected);
    auto decoded = eio::decode_handshake(expected);
    ASSERT_TRUE(decoded.ok()) << "decode_handshake(" << expected << "): " << decoded.error().message;
    EXPECT_TRUE(*decoded == handshake) << "decode_handshake(" << expected << ") differs from the input";
  }
}

// ---- Socket.IO ---------------------------------------------------------------------------------

sock::Protocol sio_protocol(const json& v) {
  return v["protocol"].get<int>() == 4 ? sock::Protocol::v4 : sock::Protocol::v5;
}

// EVENT and BINARY_EVENT (ACK and BINARY_ACK) are the same packet once attachments are back in.
int normal_type(int type) { return type == 5 ? 2 : type == 6 ? 3 : type; }

std::string show_sio(const sock::Packet& p) {
  std::string out = "type " + std::to_string(static_cast<int>(p.type)) + " nsp " + show(p.nsp);
  if (!p.query.empty()) out += " query " + show(p.query);
  if (p.id) out += " id " + std::to_string(*p.id);
  return out + " data " + show_json(p.data);
}

std::string show_node_sio(const json& p) {
  std::string out = "type " + p["type"].dump() + " nsp " + show(p["nsp"].get<std::string>());
  if (p.contains("id")) out += " id " + p["id"].dump();
  return out + " data " + (p.contains("data") ? show_json(untag(p["data"])) : "<absent>");
}

TEST(DiffSocketIO, Encode) {
  for (const json& v : of_kind("sio_encode")) {
    const json& spec = v["packet"];
    sock::Packet packet;
    packet.type = static_cast<sock::PacketType>(spec["type"].get<int>());
    packet.nsp = spec["nsp"].get<std::string>();
    packet.query = spec["query"].get<std::string>();
    if (spec.contains("id")) packet.id = spec["id"].get<std::uint64_t>();
    if (spec.contains("data")) packet.data = untag(spec["data"]);
    const sock::Encoded encoded = sock::encode(packet);
    const std::string expected_text = v["expect"]["text"].get<std::string>();
    std::vector<std::string> expected_attachments;
    for (const json& a : v["expect"]["attachments"]) expected_attachments.push_back(from_hex(a.get<std::string>()));
    std::string node_att, ours_att;
    for (const auto& a : expected_attachments) node_att += " <" + to_hex(a) + ">";
    for (const auto& a : encoded.attachments) ours_att += " <" + to_hex(a) + ">";
    EXPECT_TRUE(encoded.text == expected_text && encoded.attachments == expected_attachments)
        << "encode (socket.io protocol v" << v["protocol"] << ") " << show_sio(packet)
        << "\n  node: " << show(expected_text) << node_att << "\n  ours: " << show(encoded.text) << ours_att;
  }
}

TEST(DiffSocketIO, Decode) {
  const auto& differences = deliberate_differences();
  for (const json& v : of_kind("sio_decode")) {
    sock::Decoder decoder(sio_protocol(v));
    std::string outcome = "pending";
    std::optional<sock::Packet> packet;
    std::string error;
    std::string shown;
    for (const json& m : v["messages"]) {
      const bool text = m.contains("text");
      const std::string bytes = text ? m["text"].get<std::string>() : from_hex(m["bin"].get<std::string>());
      shown += (shown.empty() ? "" : " | ") + (text ? show(bytes) : "bin <" + to_hex(bytes) + ">");
      auto r = text ? decoder.feed_text(bytes) : decoder.feed_binary(bytes);
      if (!r.ok()) {
        outcome = "error";
        error = std::string(sio::to_string(r.error().code)) + " " + r.error().message;
        break;
      }
      if (r->has_value()) {
        outcome = "packet";
        packet = std::move(**r);
      }
    }
    const std::string node_outcome = v["outcome"].get<std::string>();
    bool same_packet = false;
    if (outcome == "packet" && node_outcome == "packet") {
      const json& expected = v["packet"];
      const std::string nsp = packet->nsp + (packet->query.empty() ? "" : "?" + packet->query);
      same_packet = normal_type(expected["type"].get<int>()) == normal_type(static_cast<int>(packet->type)) &&
                    expected["nsp"].get<std::string>() == nsp;
      if (expected.contains("id")) {
        same_packet = same_packet && expected["id"].is_number_unsigned() && packet->id &&
                      *packet->id == expected["id"].get<std::uint64_t>();
      } else {
        same_packet = same_packet && !packet->id;
      }
      if (expected.contains("data")) {
        same_packet = same_packet && packet->has_data() && same_json(untag(expected["data"]), packet->data);
      } else {
        same_packet = same_packet && !packet->has_data();
      }
    }
    const bool agree = outcome == node_outcome && (outcome != "packet" || same_packet);
    const std::string what = "decode (socket.io protocol v" + std::to_string(v["protocol"].get<int>()) + ") " + shown;
    const std::string details =
        "\n  node: " + node_outcome + (node_outcome == "packet" ? " " + show_node_sio(v["packet"]) : "") +
        "\n  ours: " + outcome + (outcome == "error" ? " " + error : packet ? " " + show_sio(*packet) : "") +
        "\n  key: " + key_of(v);
    const auto it = differences.find(key_of(v));
    if (it == differences.end()) {
      EXPECT_TRUE(agree) << what << details;
    } else if (it->second.we_reject) {
      EXPECT_TRUE(node_outcome != "error" && outcome == "error")
          << what << ": listed as stricter by design (" << it->second.reason << ")" << details;
    } else {
      EXPECT_TRUE(node_outcome == "packet" && outcome == "packet" && !same_packet)
          << what << ": listed as a deliberate difference (" << it->second.reason << ")" << details;
    }
  }
}

}  // namespace
