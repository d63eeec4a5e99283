// JSON Web Tokens signed with HS256, as flask-jwt-extended issues them, through libjwt
// (<jwt.h>, -ljwt; Debian libjwt-dev).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sio/core/json.hpp"

namespace sio::apps {

// Longest token accepted (characters); longer ones are refused before decoding.
inline constexpr std::size_t kMaxJwtSize = 8192;

enum class JwtStatus { ok, invalid, expired };

struct JwtResult {
  JwtStatus status = JwtStatus::invalid;
  std::string error;                // why it is invalid/expired
  json claims = json::object();     // the payload when ok
};

// Verifies `token` ("header.payload.signature", base64url without padding, at most kMaxJwtSize
// characters of [A-Za-z0-9_-.]): header alg must be HS256, the signature must match `secret` in
// its one canonical spelling (libjwt re-encodes the HMAC and compares the text), the payload must
// be a JSON object no deeper than kMaxJsonDepth, "exp" must be present (a token without it is
// refused) and after now_s, and "nbf" (when present) not after it (leeway: 0 s).
JwtResult jwt_verify_hs256(std::string_view token, std::string_view secret, std::int64_t now_s);

// Signs claims (a JSON object) with HS256 (for tools and tests); "" on failure.
std::string jwt_sign_hs256(const json& claims, std::string_view secret);

}  // namespace sio::apps
