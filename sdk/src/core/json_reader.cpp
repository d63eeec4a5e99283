// The native reader behind sio::parse_json (sio/core/json.hpp): Boost.JSON's SAX parser
// (boost::json::basic_parser) building the nlohmann value directly. See json_reader.hpp.
#if !defined(__EMSCRIPTEN__)

#include "json_reader.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace sio::detail {

namespace {

namespace bj = boost::json;

// The SAX handler: every value goes into the innermost open array or object (or becomes the root),
// every array or object opened is pushed on `open_`. Pointers into the tree stay valid: only the
// innermost open container grows, and it is not moved while it is open.
class Builder {
 public:
  static constexpr std::size_t max_object_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_array_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_key_size = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t max_string_size = std::numeric_limits<std::size_t>::max();

  explicit Builder(json& root) : root_(root) {}

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) { return open(json::object()); }
  bool on_object_end(std::size_t, bj::error_code&) { return close(); }
  bool on_array_begin(bj::error_code&) { return open(json::array()); }
  bool on_array_end(std::size_t, bj::error_code&) { return close(); }
  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_string_part(bj::string_view s, std::size_t, bj::error_code&) {
    string_.append(s.data(), s.size());
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, bj::error_code&) {
    if (string_.empty()) return put(json(std::string(s.data(), s.size())));
    string_.append(s.data(), s.size());
    const bool ok = put(json(std::move(string_)));
    string_.clear();
    return ok;
  }
  bool on_number_part(bj::string_view s, bj::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  // Integers as nlohmann reads them: unsigned when the text has no minus sign ("-0" is a signed 0).
  bool on_int64(std::int64_t v, bj::string_view s, bj::error_code&) {
    number_.append(s.data(), s.size());
    const bool negative = !number_.empty() && number_.front() == '-';
    number_.clear();
    return put(negative ? json(v) : json(static_cast<std::uint64_t>(v)));
  }
  bool on_uint64(std::uint64_t v, bj::string_view, bj::error_code&) {
    number_.clear();
    return put(json(v));
  }
  // Boost.JSON 1.81 rounds some decimal texts to a neighbouring double (e.g.
  // 2.2250738585072011e-308); std::from_chars rounds correctly, as JSON.parse does, so the
  // number is read again from its text. Out of double range ("1e400", Infinity in JS) is refused;
  // below the smallest denormal it is a zero, as in JS.
  bool on_double(double approx, bj::string_view s, bj::error_code& ec) {
    number_.append(s.data(), s.size());
    double value = 0;
    const char* first = number_.data();
    const char* last = first + number_.size();
    const auto r = std::from_chars(first, last, value);
    bool ok = r.ptr == last && r.ec == std::errc();
    if (r.ptr == last && r.ec == std::errc::result_out_of_range && std::isfinite(approx)) {
      value = approx;  // an underflow: Boost.JSON's ±0 is the exact answer
      ok = true;
    }
    number_.clear();
    if (!ok || !std::isfinite(value)) {
      ec = bj::error::exponent_overflow;
      return false;
    }
    return put(json(value));
  }
  bool on_bool(bool b, bj::error_code&) { return put(json(b)); }
  bool on_null(bj::error_code&) { return put(json(nullptr)); }
  // Comments are off (parse_options), so these are never called.
  bool on_comment_part(bj::string_view, bj::error_code&) { return false; }
  bool on_comment(bj::string_view, bj::error_code&) { return false; }

 private:
  // The slot for the next value: the root, the end of the open array, or the open object's member
  // named by the last key (an earlier member of that name is replaced in place, as JS does).
  json& slot() {
    if (open_.empty()) return root_;
    json& top = *open_.back();
    if (top.is_array()) {
      top.push_back(nullptr);
      return top.back();
    }
    json& member = top[key_];
    key_.clear();
    return member;
  }
  bool put(json&& value) {
    slot() = std::move(value);
    return true;
  }
  bool open(json&& container) {
    json& where = slot();
    where = std::move(container);
    open_.push_back(&where);
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }

  json& root_;
  std::vector<json*> open_;
  std::string key_;
  std::string string_;
  std::string number_;
};

}  // namespace

bool read_json(std::string_view text, std::size_t max_depth, json& out) {
  bj::parse_options options;  // strict JSON: no comments, no trailing commas, valid UTF-8 only
  // The caller has checked the depth (Errc::too_deep); Boost.JSON's own limit only must not refuse
  // what that check let through.
  options.max_depth = max_depth < std::numeric_limits<std::size_t>::max() ? max_depth + 1 : max_depth;
  bj::basic_parser<Builder> parser(options, out);
  bj::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  // Whitespace after the value is consumed; anything else after it is an error.
  return !ec && parser.done() && used == text.size();
}

}  // namespace sio::detail

#endif  // !__EMSCRIPTEN__
