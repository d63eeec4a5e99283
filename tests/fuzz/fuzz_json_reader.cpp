// libFuzzer target: sio::parse_json (sio/core/json.hpp), whose native reader is Boost.JSON's SAX
// parser building the nlohmann value (sdk/src/core/json_reader.cpp), against nlohmann's own
// parser as the reference.
//
// Input: the JSON text itself. Invariants checked (abort on violation):
//   - no crash, no sanitizer report, no exception;
//   - where parse_json's own checks let the text through (depth, byte order mark, NUL bytes),
//     parse_json accepts exactly what nlohmann's json::parse accepts, but for exponents of 9 or
//     more digits, which it refuses (huge_exponent);
//   - when both accept, the values are the same: the same types all through (unsigned, integer,
//     float, ...), the same members in the same order, numbers equal bit for bit (both round
//     decimal texts correctly);
//   - an accepted value, dumped by dump_json and parsed again, is equal to itself.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "sio/core/json.hpp"

namespace {

using sio::json;

constexpr std::size_t kDepth = 32;

[[noreturn]] void fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "fuzz_json_reader: %s: %s\n", what, json(std::string(text)).dump().c_str());
  std::abort();
}

bool same(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!same(a[i], b[i])) return false;
      }
      return true;
    }
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      auto ia = a.begin();
      auto ib = b.begin();
      for (; ia != a.end(); ++ia, ++ib) {
        if (ia.key() != ib.key() || !same(ia.value(), ib.value())) return false;
      }
      return true;
    }
    case json::value_t::number_float: {
      const double x = a.get<double>();
      const double y = b.get<double>();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    default:
      return a == b;
  }
}

// Whether the text has an exponent of 9 or more significant digits outside strings: Boost.JSON
// refuses such numbers (error::exponent_overflow, also for "0e9999999999" or "1e-4000000000",
// which nlohmann and JSON.parse read as 0), a documented difference (sio/core/json.hpp).
bool huge_exponent(std::string_view text) {
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != 'e' && c != 'E') continue;
    std::size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    while (j < text.size() && text[j] == '0') ++j;
    std::size_t digits = 0;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') {
      ++digits;
      ++j;
    }
    if (digits >= 9) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ours = sio::parse_json(text, kDepth);
  if (ours) {
    auto again = sio::parse_json(sio::dump_json(*ours), kDepth);
    if (!again || *again != *ours) fail("dump_json of an accepted value does not parse back to it", text);
  }
  // What parse_json refuses before reading: nesting past the limit, a NUL byte, a byte order mark.
  if (!ours && ours.error().code == sio::Errc::too_deep) return 0;
  if (text.find('\0') != std::string_view::npos || (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0)) {
    if (ours) fail("accepted a NUL byte or a byte order mark", text);
    return 0;
  }
  const json reference = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (reference.is_discarded() != !ours && !(!ours && huge_exponent(text))) {
    fail(ours ? "accepted where nlohmann refuses" : "refused where nlohmann accepts", text);
  }
  if (ours && !same(*ours, reference)) fail("a value different from nlohmann's", text);
  return 0;
}
