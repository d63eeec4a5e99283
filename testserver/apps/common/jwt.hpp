// JSON Web Tokens signed with HS256 (HMAC-SHA256, OpenSSL), as flask-jwt-extended issues them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sio/core/json.hpp"

namespace sio::apps {

enum class JwtStatus { ok, invalid, expired };

struct JwtResult {
  JwtStatus status = JwtStatus::invalid;
  std::string error;                // why it is invalid/expired
  json claims = json::object();     // the payload when ok
};

// Verifies `token` ("header.payload.signature", base64url without padding): header alg must be
// HS256, the signature must match `secret`, "exp" (when present) must be after now_s and "nbf"
// (when present) not after it (leeway: 0 s).
JwtResult jwt_verify_hs256(std::string_view token, std::string_view secret, std::int64_t now_s);

// Signs claims with HS256 (for tools and tests).
std::string jwt_sign_hs256(const json& claims, std::string_view secret);

std::string base64url_encode(std::string_view data);
// nullopt-like: returns false on a bad character.
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace sio::apps
