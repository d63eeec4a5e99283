#include "client_files.hpp"
#include "request.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include <brotli/encode.h>
#include <zlib.h>

namespace sio::server::detail {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct Accepted {
  std::string name;
  double q = 1;
};

std::vector<Accepted> parse(std::string_view header) {
  std::vector<Accepted> out;
  while (!header.empty()) {
    const auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    Accepted a;
    const auto semi = item.find(';');
    a.name = lower(trim(item.substr(0, semi)));
    if (a.name.empty()) continue;
    std::string_view params = semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
    while (!params.empty()) {
      const auto next = params.find(';');
      std::string_view p = trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
      if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
        try {
          a.q = std::stod(std::string(p.substr(2)));
        } catch (const std::exception&) {
          a.q = 0;
        }
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::string brotli(const std::string& data) {
  std::string out(BrotliEncoderMaxCompressedSize(data.size()), '\0');
  std::size_t size = out.size();
  if (!BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, data.size(),
                             reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data()))) {
    throw std::runtime_error("brotli compression failed");
  }
  out.resize(size);
  return out;
}

// windowBits 15 + 16: a gzip wrapper; 15: a zlib wrapper (what HTTP's "deflate" means, and Node's).
std::string zlib(const std::string& data, int window_bits) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib init failed");
  }
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib compression failed");
  return out;
}

}  // namespace

bool is_our_client_file(std::string_view name) {
  // The WebAssembly of our bundle (its socket.io.js loads it from beside itself), the bundle with
  // the WebAssembly embedded, and the bundle with the MessagePack parser with its WebAssembly.
  static constexpr std::array<std::string_view, 4> kOurs = {"socket.io.wasm", "socket.io.single.js",
                                                            "socket.io.msgpack.js", "socket.io.msgpack.wasm"};
  return std::find(kOurs.begin(), kOurs.end(), name) != kOurs.end();
}

bool is_client_file(std::string_view name) {
  static constexpr std::array<std::string_view, 8> kFiles = {
      "socket.io.esm.min.js", "socket.io.esm.min.js.map", "socket.io.js",           "socket.io.js.map",
      "socket.io.min.js",     "socket.io.min.js.map",     "socket.io.msgpack.min.js", "socket.io.msgpack.min.js.map"};
  return std::find(kFiles.begin(), kFiles.end(), name) != kFiles.end() || is_our_client_file(name);
}

std::string content_type_of(std::string_view name) {
  const auto ends_with = [name](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".wasm")) return "application/wasm";
  if (ends_with(".map")) return "application/json; charset=utf-8";
  return "application/javascript; charset=utf-8";
}

std::string pick_encoding(std::string_view accept_encoding) {
  const auto accepted = parse(accept_encoding);
  static constexpr std::array<std::string_view, 3> kProvided = {"br", "gzip", "deflate"};
  std::string best;
  double best_q = 0;
  int best_s = -1;
  std::size_t best_o = 0;
  for (auto provided : kProvided) {
    // The accept entry that applies: the exact name, else "*" (negotiator's specificity).
    double q = 0;
    int s = -1;
    std::size_t o = 0;
    for (std::size_t i = 0; i < accepted.size(); ++i) {
      const auto& a = accepted[i];
      const int spec = a.name == provided ? 1 : a.name == "*" ? 0 : -1;
      if (spec < 0 || spec < s) continue;
      if (spec > s || a.q > q) {
        q = a.q;
        s = spec;
        o = i;
      }
    }
    if (s < 0 || q <= 0) continue;
    const bool better = best.empty() || q > best_q || (q == best_q && (s > best_s || (s == best_s && o < best_o)));
    if (better) {
      best = std::string(provided);
      best_q = q;
      best_s = s;
      best_o = o;
    }
  }
  return best;
}

std::string compressed(const std::string& data, const std::string& encoding) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, std::string>, std::string> cache;  // (encoding, data) -> body
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find({encoding, data});
    if (it != cache.end()) return it->second;
  }
  std::string out = encoding == "br" ? brotli(data) : zlib(data, encoding == "gzip" ? 15 + 16 : 15);
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() >= 32) cache.clear();  // a few files in a few encodings; never unbounded
  cache.emplace(std::make_pair(encoding, data), out);
  return out;
}

}  // namespace sio::server::detail
