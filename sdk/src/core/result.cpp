// result.cpp - names of the error codes (see sio/core/result.hpp).
#include "sio/core/result.hpp"

namespace sio {

std::string_view to_string(Errc code) noexcept {
  switch (code) {
    case Errc::truncated: return "truncated";
    case Errc::unknown_packet_type: return "unknown_packet_type";
    case Errc::bad_json: return "bad_json";
    case Errc::bad_msgpack: return "bad_msgpack";
    case Errc::bad_payload: return "bad_payload";
    case Errc::bad_length: return "bad_length";
    case Errc::bad_base64: return "bad_base64";
    case Errc::bad_namespace: return "bad_namespace";
    case Errc::bad_ack_id: return "bad_ack_id";
    case Errc::ack_id_overflow: return "ack_id_overflow";
    case Errc::bad_attachment_count: return "bad_attachment_count";
    case Errc::too_many_attachments: return "too_many_attachments";
    case Errc::unexpected_attachment: return "unexpected_attachment";
    case Errc::placeholder_out_of_range: return "placeholder_out_of_range";
    case Errc::payload_too_large: return "payload_too_large";
    case Errc::too_deep: return "too_deep";
    case Errc::reserved_event_name: return "reserved_event_name";
    case Errc::bad_handshake: return "bad_handshake";
    case Errc::protocol_violation: return "protocol_violation";
    case Errc::timeout: return "timeout";
    case Errc::disconnected: return "disconnected";
  }
  return "unknown_error";
}

}  // namespace sio
