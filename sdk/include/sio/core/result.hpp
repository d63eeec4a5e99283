// sio/core/result.hpp - the typed error every decoder in the core returns.
//
// The core never throws across its API: a decoder returns Result<T>, which holds either the
// value or an Error naming what was wrong with the input. Transports turn an Error into a clean
// close; nothing in the core aborts or throws on bad input.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sio {

// Every way input can be rejected. Stable names: tests and logs refer to them.
enum class Errc {
  truncated,                 // input ends before the packet does
  unknown_packet_type,       // type digit/byte outside the protocol's range
  bad_json,                  // payload is not valid JSON
  bad_msgpack,               // payload is not well-formed MessagePack (msgpack parser)
  bad_payload,               // JSON is valid but not what this packet type carries
  bad_length,                // v3 length prefix missing, not a number, or past the end
  bad_base64,                // base64 body that does not decode
  bad_namespace,             // namespace not terminated/invalid
  bad_ack_id,                // ack id where none is allowed, or not digits
  ack_id_overflow,           // ack id larger than 2^53-1 (not exact in JavaScript)
  bad_attachment_count,      // "<n>-" missing, zero, or not a number
  too_many_attachments,      // attachment count above the decoder's limit
  unexpected_attachment,     // binary frame when no packet awaits attachments
  placeholder_out_of_range,  // {"_placeholder":true,"num":N} with N not in [0, count)
  payload_too_large,         // input larger than the configured maximum
  too_deep,                  // JSON nested deeper than the decoder allows
  reserved_event_name,       // EVENT named connect/disconnect/... (reserved)
  bad_handshake,             // Engine.IO open packet without the required fields
  protocol_violation,        // a well-formed packet that is not allowed in this state
  timeout,                   // an ack, handshake or ping did not arrive in time
  disconnected,              // the connection closed while the operation was pending
};

// Short stable name of an error code, e.g. "truncated".
std::string_view to_string(Errc code) noexcept;

struct Error {
  Errc code;
  std::string message;  // human-readable detail, for logs and close reasons

  friend bool operator==(const Error& a, const Error& b) { return a.code == b.code; }
};

// Either a value or an Error. Minimal on purpose (std::expected is C++23).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}       // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}   // NOLINT: implicit by design

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

inline Error make_error(Errc code, std::string message = {}) {
  return Error{code, std::move(message)};
}

}  // namespace sio
