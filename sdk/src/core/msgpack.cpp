// MessagePack to and from sio::json (see sio/core/msgpack.hpp).
#include "sio/core/msgpack.hpp"

#include <cstdint>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

namespace sio {

namespace {

// Builds the decoded value from nlohmann's SAX events (json::sax_parse with
// input_format_t::msgpack), enforcing the nesting limit before anything deeper is built and
// mapping notepack.io's extension types.
class MsgpackBuilder {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  MsgpackBuilder(std::size_t max_depth, std::size_t input_size)
      : max_depth_(max_depth), input_size_(input_size) {}

  bool null() { return put(json(nullptr)); }
  bool boolean(bool v) { return put(json(v)); }
  bool number_integer(number_integer_t v) { return put(json(v)); }
  bool number_unsigned(number_unsigned_t v) { return put(json(v)); }
  bool number_float(number_float_t v, const string_t& /*unused*/) { return put(json(v)); }
  bool string(string_t& v) { return put(json(std::move(v))); }
  bool binary(binary_t& v) {
    if (!v.has_subtype()) return put(json::binary(std::move(static_cast<std::vector<std::uint8_t>&>(v))));
    const auto type = static_cast<std::int8_t>(static_cast<std::uint8_t>(v.subtype()));
    std::vector<std::uint8_t> bytes(v.begin(), v.end());
    if (type == 0 && bytes.size() == 1 && bytes[0] == 0) return put_undefined();
    if (type == 0) return put(json::binary(std::move(bytes)));  // notepack.io's ArrayBuffer
    json pair = json::array();
    pair.push_back(type);
    pair.push_back(json::binary(std::move(bytes)));
    return put(std::move(pair));
  }
  bool start_object(std::size_t len) { return open(json::object(), len); }
  bool key(string_t& k) {
    key_ = std::move(k);
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t len) { return open(json::array(), len); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& e) {
    if (!error_) error_ = make_error(Errc::bad_msgpack, e.what());
    return false;
  }

  json& root() { return root_; }
  const std::optional<Error>& error() const { return error_; }

 private:
  bool put(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return true;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(value));
    } else {
      top[key_] = std::move(value);
    }
    return true;
  }

  // JavaScript's undefined: JSON.stringify drops such a member and writes null in an array.
  bool put_undefined() {
    if (stack_.empty()) {
      root_ = json(json::value_t::discarded);
    } else if (stack_.back()->is_array()) {
      stack_.back()->push_back(nullptr);
    } else {
      stack_.back()->erase(key_);
    }
    return true;
  }

  bool open(json container, std::size_t len) {
    if (stack_.size() >= max_depth_) {
      error_ = make_error(Errc::too_deep, "MessagePack value nested too deep");
      return false;
    }
    // Every element takes at least one byte: a larger count cannot be honest.
    if (len != static_cast<std::size_t>(-1) && len > input_size_) {
      error_ = make_error(Errc::bad_msgpack, "MessagePack length beyond the end of the message");
      return false;
    }
    json* slot = nullptr;
    if (stack_.empty()) {
      root_ = std::move(container);
      slot = &root_;
    } else if (stack_.back()->is_array()) {
      stack_.back()->push_back(std::move(container));
      slot = &stack_.back()->back();
    } else {
      slot = &((*stack_.back())[key_] = std::move(container));
    }
    stack_.push_back(slot);
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  std::size_t max_depth_;
  std::size_t input_size_;
  json root_ = json(json::value_t::discarded);
  std::vector<json*> stack_;
  string_t key_;
  std::optional<Error> error_;
};

}  // namespace

Result<json> parse_msgpack(std::string_view bytes, std::size_t max_depth) {
  if (bytes.empty()) return make_error(Errc::truncated, "empty MessagePack value");
  MsgpackBuilder builder(max_depth, bytes.size());
  // The builder turns every parse error into `false`; nothing else throws but allocation
  // (builds without exceptions, such as the browser's, abort there instead).
  bool ok = false;
#if defined(__cpp_exceptions)
  try {
#endif
    ok = json::sax_parse(bytes.begin(), bytes.end(), &builder, json::input_format_t::msgpack,
                         /*strict=*/true);
#if defined(__cpp_exceptions)
  } catch (const std::exception& e) {
    return make_error(Errc::bad_msgpack, e.what());
  }
#endif
  if (!ok) {
    if (builder.error()) return *builder.error();
    return make_error(Errc::bad_msgpack, "malformed MessagePack");
  }
  if (builder.root().is_discarded()) return make_error(Errc::bad_msgpack, "MessagePack value is undefined");
  return std::move(builder.root());
}

std::string dump_msgpack(const json& value) {
  std::string out;
#if defined(__cpp_exceptions)
  try {
#endif
    json::to_msgpack(value, out);
#if defined(__cpp_exceptions)
  } catch (const std::exception&) {
    out.clear();  // nothing in a sio::json value makes nlohmann's writer throw; never half a value
  }
#endif
  return out;
}

}  // namespace sio
