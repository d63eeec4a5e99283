// sio/core/json.hpp - the one JSON type of the project.
//
// nlohmann's JSON everywhere, as nlohmann::ordered_json so that object keys keep their order as in
// JavaScript; binary data (Socket.IO attachments, Buffers, ArrayBuffers) is its
// binary type, json::binary_t. Parsing and dumping go through these helpers, which never throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sio/core/result.hpp"

namespace sio {

using json = nlohmann::ordered_json;
using Bytes = std::vector<std::uint8_t>;

// Deepest nesting any decoder accepts; deeper input is rejected (Errc::too_deep), which keeps
// recursive walks over decoded values bounded.
inline constexpr std::size_t kMaxJsonDepth = 128;

// Parse without throwing: bad_json on invalid text, too_deep past max_depth (nesting of arrays and
// objects; a scalar is depth 0, "[]" depth 1). The depth is checked by a linear scan before
// parsing, so nothing deeper than max_depth is ever built. Differences from JSON.parse: a leading
// byte order mark is rejected (as JSON.parse does), but so are lone UTF-16 surrogate escapes
// ("\ud800", accepted by JSON.parse), numbers beyond double range ("1e400", Infinity in JS) and,
// natively, numbers whose exponent is out of 32-bit range ("1e-4000000000", 0 in JS).
// Duplicate keys: the last one wins (as in JS). Natively the text is read by Boost.JSON's SAX parser,
// which builds the nlohmann value directly (numbers re-read with std::from_chars, rounded as
// JSON.parse rounds them; sdk/src/core/json_reader.cpp).
// Compiled with emscripten, the browser's JSON.parse reads the text (no JSON parser in the
// wasm) with the same verdicts, and the value is what JavaScript sees: every number is a double,
// so integers beyond 2^53 are no longer exact, and integral numbers within it ("5", "5.0") are
// unsigned/integer json numbers; object members come in JavaScript's key order (integer-like keys
// such as "1" first, ascending; then the others in text order).
Result<json> parse_json(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// Serialise like JavaScript's JSON.stringify (compact, UTF-8 kept as is, same escapes), with
// numbers written as ECMAScript Number::toString does: 1.0 -> "1", 1e21 -> "1e+21",
// 0.000001 -> "0.000001", 1e-7 -> "1e-7"; NaN/Infinity -> "null". Invalid UTF-8 in strings is
// replaced by U+FFFD (one per maximal ill-formed subpart) rather than throwing.
// sio::json is nlohmann::ordered_json, so object members come out in insertion (or parse) order,
// as JSON.stringify writes them. (JavaScript alone puts integer-like keys such as "1" first.)
// Binary values must have been replaced before (the Socket.IO encoder does); any left are written
// as nlohmann's {"bytes":[..],"subtype":null}. Recursive: callers bound the depth (decoded values
// are at most kMaxJsonDepth deep).
std::string dump_json(const json& value);
// dump_json(value) appended to `out` (no string of its own).
void append_json(std::string& out, const json& value);

// A json binary value holding these bytes.
json binary(Bytes bytes);
json binary(std::string_view bytes);

}  // namespace sio
