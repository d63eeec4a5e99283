// sio/core/msgpack.hpp - MessagePack as notepack.io writes and reads it (the codec of
// socket.io-msgpack-parser and of @socket.io/redis-adapter), to and from sio::json.
//
// The codec is nlohmann's MessagePack reader/writer (no hand-written MessagePack); this adds what
// a value from the network needs: a nesting bound checked before anything deeper is built, counts
// checked against the input's size, no exception, and notepack.io's extension types read as it
// reads them: fixext 1 of type 0 holding 0 is JavaScript's `undefined` (a member holding it is
// dropped and an array element becomes null, as JSON.stringify does; as the whole value it is an
// error), any other ext of type 0 is an ArrayBuffer (json binary), an ext of type T is
// [T, <binary>]. Map keys must be strings; trailing bytes are an error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sio/core/json.hpp"
#include "sio/core/result.hpp"

namespace sio {

// Errc::too_deep past max_depth (nesting of arrays and maps, as parse_json counts it),
// Errc::truncated on empty input, Errc::bad_msgpack on anything else that is not one MessagePack
// value.
Result<json> parse_msgpack(std::string_view bytes, std::size_t max_depth = kMaxJsonDepth);

// The MessagePack bytes of a value (json binary as bin). Values are at most kMaxJsonDepth deep
// when they come from a decoder; the writer is recursive.
std::string dump_msgpack(const json& value);

}  // namespace sio
