#include "jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace sio::apps {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int index_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len)) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

JwtResult fail(JwtStatus status, std::string why) {
  JwtResult r;
  r.status = status;
  r.error = std::move(why);
  return r;
}

}  // namespace

std::string base64url_encode(std::string_view data) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8) |
                       static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

bool base64url_decode(std::string_view text, std::string& out) {
  out.clear();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = index_of(c);
    if (v < 0) return false;
    acc = ((acc << 6) | static_cast<unsigned>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return true;
}

JwtResult jwt_verify_hs256(std::string_view token, std::string_view secret, std::int64_t now_s) {
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return fail(JwtStatus::invalid, "not a JWT");
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(JwtStatus::invalid, "not a JWT");
  }
  std::string header_raw, payload_raw, signature;
  if (!base64url_decode(token.substr(0, dot1), header_raw) ||
      !base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1), payload_raw) ||
      !base64url_decode(token.substr(dot2 + 1), signature)) {
    return fail(JwtStatus::invalid, "bad base64url");
  }
  const json header = json::parse(header_raw, nullptr, false);
  if (!header.is_object() || !header.contains("alg") || header["alg"] != "HS256") {
    return fail(JwtStatus::invalid, "unsupported algorithm");
  }
  const std::string expected = hmac_sha256(secret, token.substr(0, dot2));
  if (expected.empty() || expected.size() != signature.size() ||
      CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
    return fail(JwtStatus::invalid, "signature verification failed");
  }
  json claims = json::parse(payload_raw, nullptr, false);
  if (!claims.is_object()) return fail(JwtStatus::invalid, "payload is not a JSON object");
  if (claims.contains("exp")) {
    if (!claims["exp"].is_number()) return fail(JwtStatus::invalid, "exp is not a number");
    if (claims["exp"].get<double>() <= static_cast<double>(now_s)) return fail(JwtStatus::expired, "token has expired");
  }
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
  const std::string input = base64url_encode(json{{"alg", "HS256"}, {"typ", "JWT"}}.dump()) + "." +
                            base64url_encode(claims.dump());
  return input + "." + base64url_encode(hmac_sha256(secret, input));
}

}  // namespace sio::apps
