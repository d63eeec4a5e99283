#include "jwt.hpp"

#include <jwt.h>

#include <cstdlib>
#include <memory>

namespace sio::apps {
namespace {

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

struct CharFree {
  void operator()(char* s) const { std::free(s); }
};

JwtResult fail(JwtStatus status, std::string why) {
  JwtResult r;
  r.status = status;
  r.error = std::move(why);
  return r;
}

// Only the characters of unpadded base64url and the two dots: no padding, no standard alphabet,
// no NUL (libjwt reads a C string), nothing a lenient decoder could read past.
bool plain_token_text(std::string_view token) {
  for (char c : token) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

JwtResult jwt_verify_hs256(std::string_view token, std::string_view secret, std::int64_t now_s) {
  if (token.empty()) return fail(JwtStatus::invalid, "not a JWT");
  if (token.size() > kMaxJwtSize) return fail(JwtStatus::invalid, "token too long");
  if (!plain_token_text(token)) return fail(JwtStatus::invalid, "not a base64url JWT");
  std::size_t dots = 0;
  for (char c : token) dots += c == '.';
  if (dots != 2) return fail(JwtStatus::invalid, "not a JWT");
  if (secret.empty()) return fail(JwtStatus::invalid, "no secret");

  jwt_t* raw = nullptr;
  const std::string text(token);
  const int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                            static_cast<int>(secret.size()));
  JwtPtr decoded(raw);
  if (rc != 0 || !decoded) return fail(JwtStatus::invalid, "signature verification failed");
  if (jwt_get_alg(decoded.get()) != JWT_ALG_HS256) return fail(JwtStatus::invalid, "unsupported algorithm");

  std::unique_ptr<char, CharFree> grants(jwt_get_grants_json(decoded.get(), nullptr));
  if (!grants) return fail(JwtStatus::invalid, "payload is not a JSON object");
  auto parsed = parse_json(grants.get());
  if (!parsed || !parsed.value().is_object()) return fail(JwtStatus::invalid, "payload is not a JSON object");
  json claims = std::move(parsed.value());
  if (!claims.contains("exp")) return fail(JwtStatus::invalid, "token has no exp claim");
  if (!claims["exp"].is_number()) return fail(JwtStatus::invalid, "exp is not a number");
  if (claims["exp"].get<double>() <= static_cast<double>(now_s)) return fail(JwtStatus::expired, "token has expired");
  if (claims.contains("nbf")) {
    if (!claims["nbf"].is_number()) return fail(JwtStatus::invalid, "nbf is not a number");
    if (claims["nbf"].get<double>() > static_cast<double>(now_s)) return fail(JwtStatus::invalid, "token not yet valid");
  }
  JwtResult ok;
  ok.status = JwtStatus::ok;
  ok.claims = std::move(claims);
  return ok;
}

std::string jwt_sign_hs256(const json& claims, std::string_view secret) {
  if (!claims.is_object() || secret.empty()) return "";
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return "";
  JwtPtr token(raw);
  if (jwt_add_grants_json(token.get(), dump_json(claims).c_str()) != 0) return "";
  if (jwt_set_alg(token.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0) {
    return "";
  }
  std::unique_ptr<char, CharFree> encoded(jwt_encode_str(token.get()));
  return encoded ? std::string(encoded.get()) : std::string();
}

}  // namespace sio::apps
