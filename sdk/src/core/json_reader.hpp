// The native reader behind sio::parse_json: Boost.JSON's SAX parser building the nlohmann value
// directly (no nlohmann lexer: its token buffers cost several allocations per document, and a
// Socket.IO packet is mostly a small document). Not compiled with emscripten, where parse_json
// uses the browser's JSON.parse.
#pragma once

#include <cstddef>
#include <string_view>

#include "sio/core/json.hpp"

namespace sio::detail {

// `text` (one complete JSON document, checked by parse_json for depth, byte order mark and NUL
// bytes) into `out`; false if it is not valid strict JSON (RFC 8259: no comments, no trailing
// commas, valid UTF-8, no lone UTF-16 surrogate escapes, nothing after the value but whitespace)
// or holds a number beyond double range. Numbers as nlohmann reads them: integers without a minus
// sign as std::uint64_t, with one as std::int64_t, when they fit; else doubles, rounded correctly.
bool read_json(std::string_view text, std::size_t max_depth, json& out);

}  // namespace sio::detail
