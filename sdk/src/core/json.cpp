// JSON helpers: non-throwing, depth-limited parsing and a JSON.stringify-like serialiser.
#include "sio/core/json.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <system_error>

#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#else
#include "json_reader.hpp"
#endif

namespace sio {

namespace {

// Deepest bracket nesting of `text`, counting '[' and '{' outside string literals. Exact for
// valid JSON; for invalid JSON the parser rejects the text anyway. Iterative and O(n), so the
// depth limit is enforced before the reader builds (and later code walks) anything.
bool nesting_exceeds(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character (a \u's hex digits need no special care)
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return true;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return false;
}

// ---- serialiser ------------------------------------------------------------------------------

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

void append_escaped_ascii(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default:
      if (c < 0x20) {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      } else {
        out += static_cast<char>(c);
      }
  }
}

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 if ill-formed; on 0, `skip`
// is the length of the maximal ill-formed subpart to replace by one U+FFFD (at least 1).
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::size_t& skip) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 < 0x80) {
    return 1;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    skip = 1;
    return 0;
  }
  std::size_t n = 1;
  while (n < need) {
    if (i + n >= s.size()) break;
    const auto b = static_cast<unsigned char>(s[i + n]);
    const unsigned char l = (n == 1) ? lo : 0x80;
    const unsigned char h = (n == 1) ? hi : 0xBF;
    if (b < l || b > h) break;
    ++n;
  }
  if (n == need) return need;
  skip = n;
  return 0;
}

// Printable ASCII other than '"' and '\\': written as is.
bool plain_ascii(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

void append_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // A run of characters that need no escaping is appended in one go.
    std::size_t run = i;
    while (run < s.size() && plain_ascii(static_cast<unsigned char>(s[run]))) ++run;
    if (run != i) {
      out.append(s.data() + i, run - i);
      i = run;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      append_escaped_ascii(out, c);
      ++i;
      continue;
    }
    std::size_t skip = 0;
    const std::size_t len = utf8_sequence(s, i, skip);
    if (len == 0) {
      out += kReplacement;
      i += skip;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out += '"';
}

template <class Int>
void append_integer(std::string& out, Int value) {
  std::array<char, 32> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  out.append(buf.data(), r.ptr);
}

#if defined(__EMSCRIPTEN__)
// `value` (finite, > 0) as "d[.ddd]e[+-]x" with the fewest digits that read back as `value`:
// Number.prototype.toExponential() without an argument. Returns the length written.
// clang-format off
EM_JS(int, js_exponential, (double value, char* out, int size), {
  return stringToUTF8(value.toExponential(), out, size);
});
// clang-format on
#endif

#if defined(__EMSCRIPTEN__)
// ---- parser in the browser -------------------------------------------------------------------
//
// Compiled with emscripten, parse_json hands the text to the JavaScript engine's JSON.parse and
// builds the nlohmann value from the result, one node at a time (js_json_*): nlohmann's lexer and
// parser (and the libc number parsing and printf they bring) stay out of the wasm, which is for the
// most part a page's download. The nodes live in a table (Module.__sioJson) for one parse_json call.
// clang-format off
// Parses the UTF-8 text (strictly: invalid UTF-8 and a byte order mark are refused, as natively)
// into node 0; false if JSON.parse refuses it.
EM_JS(bool, js_json_parse, (const char* text, int len), {
  var J = Module["__sioJson"] = { n: [], k: [] };
  var dec = Module["__sioJsonDec"] || (Module["__sioJsonDec"] = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }));
  try {
    J.n.push(JSON.parse(dec.decode(HEAPU8.subarray(text, text + len))));
  } catch (e) {
    return false;
  }
  return true;
});
// What node h is: 0 null, 1 false, 2 true, 3 integer >= 0, 4 integer < 0 (both within 2^53),
// 5 other number, 6 string, 7 array, 8 object (its keys are kept for js_json_string); -1 for what
// parse_json refuses although JSON.parse accepts it: a number out of double range (Infinity) and
// a lone UTF-16 surrogate in a string or key.
EM_JS(int, js_json_kind, (int h), {
  var J = Module["__sioJson"];
  var v = J.n[h];
  var lone = function (s) {  // a UTF-16 surrogate without its pair
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c < 0xD800 || c > 0xDFFF) continue;
      var d = s.charCodeAt(i + 1);
      if (c > 0xDBFF || !(d >= 0xDC00 && d <= 0xDFFF)) return true;
      i++;
    }
    return false;
  };
  if (v === null) return 0;
  if (v === false) return 1;
  if (v === true) return 2;
  if (typeof v === "number") return !isFinite(v) ? -1 : Number.isSafeInteger(v) ? (v >= 0 ? 3 : 4) : 5;
  if (typeof v === "string") return lone(v) ? -1 : 6;
  if (Array.isArray(v)) return 7;
  var keys = Object.keys(v);
  for (var i = 0; i < keys.length; i++) if (lone(keys[i])) return -1;
  J.k[h] = keys;
  return 8;
});
EM_JS(double, js_json_number, (int h), { return Module["__sioJson"].n[h]; });
// The element count of array h or member count of object h.
EM_JS(int, js_json_size, (int h), {
  var J = Module["__sioJson"];
  return J.k[h] ? J.k[h].length : J.n[h].length;
});
// Element i of array h, or the value of member i of object h, as a new node.
EM_JS(int, js_json_child, (int h, int i), {
  var J = Module["__sioJson"];
  J.n.push(J.k[h] ? J.n[h][J.k[h][i]] : J.n[h][i]);
  return J.n.length - 1;
});
// String node h (key < 0) or the key of member `key` of object h, in UTF-8: its length with
// out == 0, else copied to out (len bytes and a NUL).
EM_JS(int, js_json_string, (int h, int key, char* out, int len), {
  var J = Module["__sioJson"];
  var s = key < 0 ? J.n[h] : J.k[h][key];
  return out ? stringToUTF8(s, out, len + 1) : lengthBytesUTF8(s);
});
EM_JS(void, js_json_done, (), { Module["__sioJson"] = null; });
// clang-format on

std::string js_json_text(int h, int key) {
  std::string s(static_cast<std::size_t>(js_json_string(h, key, nullptr, 0)), '\0');
  if (!s.empty()) js_json_string(h, key, s.data(), static_cast<int>(s.size()));
  return s;
}

// Node h as a json value; false if it holds something parse_json refuses. The depth is bounded
// by the caller's nesting check on the text.
bool from_js(int h, json& out) {
  switch (js_json_kind(h)) {
    case 0: out = nullptr; return true;
    case 1: out = false; return true;
    case 2: out = true; return true;
    case 3: out = static_cast<std::uint64_t>(js_json_number(h)); return true;
    case 4: out = static_cast<std::int64_t>(js_json_number(h)); return true;
    case 5: out = js_json_number(h); return true;
    case 6: out = js_json_text(h, -1); return true;
    case 7: {
      out = json::array();
      const int n = js_json_size(h);
      for (int i = 0; i < n; ++i) {
        json element;
        if (!from_js(js_json_child(h, i), element)) return false;
        out.push_back(std::move(element));
      }
      return true;
    }
    case 8: {
      out = json::object();
      const int n = js_json_size(h);
      for (int i = 0; i < n; ++i) {
        json member;
        if (!from_js(js_json_child(h, i), member)) return false;
        out[js_json_text(h, i)] = std::move(member);
      }
      return true;
    }
    default: return false;
  }
}
#endif

// ECMAScript Number::toString for a finite double (what JSON.stringify writes).
void append_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";  // JSON.stringify(NaN / Infinity)
    return;
  }
  if (value == 0) {
    out += '0';  // also -0
    return;
  }
  if (value < 0) {
    out += '-';
    value = -value;
  }
  // Shortest round-trip digits in scientific form: "d[.ddd]e[+-]x".
  std::array<char, 64> buf{};
#if defined(__EMSCRIPTEN__)
  // Emscripten's libc++ has no floating-point to_chars; the JavaScript engine's own shortest
  // round-trip digits (see js_exponential) instead of printf and strtod, which would bring libc's
  // long-double formatting and parsing into the wasm.
  const int len = js_exponential(value, buf.data(), static_cast<int>(buf.size()));
  const std::string_view sci(buf.data(), static_cast<std::size_t>(len));
#else
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), value,
                               std::chars_format::scientific);
  const std::string_view sci(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
#endif
  const std::size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos)) {
    if (c != '.') digits += c;
  }
  int exp10 = 0;
  {
    std::string_view e = sci.substr(epos + 1);
    const bool neg = !e.empty() && e.front() == '-';
    if (!e.empty() && (e.front() == '+' || e.front() == '-')) e.remove_prefix(1);
    std::from_chars(e.data(), e.data() + e.size(), exp10);
    if (neg) exp10 = -exp10;
  }
  // value = 0.digits * 10^n with k digits.
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits, static_cast<std::size_t>(n), std::string::npos);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    out += 'e';
    const int e = n - 1;
    out += (e < 0) ? '-' : '+';
    append_integer(out, e < 0 ? -e : e);
  }
}

void append_value(std::string& out, const json& v) {
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      out += "null";
      return;
    case json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case json::value_t::number_integer:
      append_integer(out, v.get<json::number_integer_t>());
      return;
    case json::value_t::number_unsigned:
      append_integer(out, v.get<json::number_unsigned_t>());
      return;
    case json::value_t::number_float:
      append_double(out, v.get<json::number_float_t>());
      return;
    case json::value_t::string:
      append_string(out, v.get_ref<const json::string_t&>());
      return;
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        append_value(out, e);
      }
      out += ']';
      return;
    }
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, e] : v.items()) {
        if (!first) out += ',';
        first = false;
        append_string(out, key);
        out += ':';
        append_value(out, e);
      }
      out += '}';
      return;
    }
    case json::value_t::binary: {
      const auto& b = v.get_binary();
      out += "{\"bytes\":[";
      for (std::size_t i = 0; i < b.size(); ++i) {
        if (i) out += ',';
        append_integer(out, static_cast<unsigned>(b[i]));
      }
      out += "],\"subtype\":";
      if (b.has_subtype()) {
        append_integer(out, static_cast<std::uint64_t>(b.subtype()));
      } else {
        out += "null";
      }
      out += '}';
      return;
    }
  }
  out += "null";
}

}  // namespace

Result<json> parse_json(std::string_view text, std::size_t max_depth) {
  if (nesting_exceeds(text, max_depth)) {
    return make_error(Errc::too_deep, "JSON nested deeper than " + std::to_string(max_depth));
  }
  // JSON.parse does not skip a byte order mark; nlohmann does. Be as strict as JavaScript.
  if (text.size() >= 3 && std::memcmp(text.data(), "\xEF\xBB\xBF", 3) == 0) {
    return make_error(Errc::bad_json, "byte order mark before JSON text");
  }
  // No valid JSON text contains a NUL byte (in strings it must be escaped); refused here for both
  // readers, whatever they would make of it.
  if (text.find('\0') != std::string_view::npos) {
    return make_error(Errc::bad_json, "NUL byte in JSON text");
  }
#if defined(__EMSCRIPTEN__)
  json value;
  const bool ok = js_json_parse(text.data(), static_cast<int>(text.size())) && from_js(0, value);
  js_json_done();
  if (!ok) return make_error(Errc::bad_json, "invalid JSON");
  return value;
#else
  json value;
  if (!detail::read_json(text, max_depth, value)) return make_error(Errc::bad_json, "invalid JSON");
  return value;
#endif
}

std::string dump_json(const json& value) {
  std::string out;
  append_value(out, value);
  return out;
}

void append_json(std::string& out, const json& value) { append_value(out, value); }

json binary(Bytes bytes) { return json::binary(std::move(bytes)); }

json binary(std::string_view bytes) {
  Bytes b(bytes.size());
  if (!bytes.empty()) std::memcpy(b.data(), bytes.data(), bytes.size());
  return json::binary(std::move(b));
}

}  // namespace sio
