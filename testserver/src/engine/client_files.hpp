// The socket.io client files the server serves beside the Engine.IO endpoint, as Node's socket.io
// 4.8 serves them (its `serveClient`): which names, and the compression it picks for a request.
#pragma once

#include <string>
#include <string_view>

namespace sio::server::detail {

// socket.io's CLIENT_FILES: socket.io.js, .min.js, .esm.min.js, .msgpack.min.js and their .map;
// and ours: socket.io.wasm (the WebAssembly our socket.io.js fetches from beside itself),
// socket.io.single.js (our bundle with the WebAssembly embedded), socket.io.msgpack.js and its
// socket.io.msgpack.wasm (our bundle with the MessagePack parser).
bool is_client_file(std::string_view name);

// The files of ours among them (socket.io.wasm, socket.io.single.js, socket.io.msgpack.js,
// socket.io.msgpack.wasm), which the server also serves at the root, beside /socket.io.js.
bool is_our_client_file(std::string_view name);

// The Content-Type of a client file: application/wasm for .wasm (what streaming compilation
// needs), JSON for .map, JavaScript otherwise.
std::string content_type_of(std::string_view name);

// What Node answers for an Accept-Encoding header among br, gzip and deflate (accepts/negotiator:
// highest q, then an exact name over "*", then the client's order); "" for none (identity).
std::string pick_encoding(std::string_view accept_encoding);

// `data` compressed with `encoding` ("br": brotli, quality 11 as zlib.createBrotliCompress;
// "gzip"/"deflate": zlib's default level as createGzip/createDeflate). Results are cached per
// content and encoding (the files are a few hundred KB and brotli at 11 is slow).
std::string compressed(const std::string& data, const std::string& encoding);

}  // namespace sio::server::detail
