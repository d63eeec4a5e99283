// libFuzzer target: JWT verification of the deployment apps (testserver/apps/common/jwt.hpp,
// libjwt underneath), what the coordinator decodes from every handshake.
//
// Input: byte 0 selects the mode, the rest is the text.
//   mode even: the text is a token, verified with the key "k" (and with an empty key).
//   mode odd:  the text is JSON; when it is an object, it gets an "exp" an hour ahead, is signed
//              with "k" and must verify (status ok, same exp), and a one-character change of the
//              signature must not.
// Invariants (abort on violation): no crash, no sanitizer report, no exception; an ok result
// carries an object with a numeric exp after now.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "jwt.hpp"
#include "sio/core/json.hpp"

namespace {

using sio::json;
using sio::apps::JwtStatus;

constexpr std::int64_t kNow = 1'800'000'000;  // fixed: the run does not depend on the clock

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_app_jwt: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void check_result(const sio::apps::JwtResult& r, std::string_view token) {
  if (r.status != JwtStatus::ok) return;
  if (!r.claims.is_object() || !r.claims.contains("exp") || !r.claims["exp"].is_number() ||
      r.claims["exp"].get<double>() <= static_cast<double>(kNow)) {
    fail("accepted a token without a valid exp", token);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) == 0) {
    check_result(sio::apps::jwt_verify_hs256(text, "k", kNow), text);
    if (sio::apps::jwt_verify_hs256(text, "", kNow).status == JwtStatus::ok) fail("empty key accepted", text);
    return 0;
  }
  auto parsed = sio::parse_json(text);
  if (!parsed || !parsed.value().is_object()) return 0;
  json claims = std::move(parsed.value());
  claims["exp"] = kNow + 3600;
  // A claim the verifier checks (nbf) may be anything here; a malformed or future one is rightly
  // refused. The round trip below is about tokens we sign with sound claims, so leave it out.
  claims.erase("nbf");
  const std::string token = sio::apps::jwt_sign_hs256(claims, "k");
  if (token.empty()) return 0;  // libjwt refuses some claims (e.g. NUL in strings): nothing signed
  const auto r = sio::apps::jwt_verify_hs256(token, "k", kNow);
  if (token.size() <= sio::apps::kMaxJwtSize) {
    if (r.status != JwtStatus::ok) fail("own token refused", r.error + " " + token);
    if (r.claims["exp"] != claims["exp"]) fail("exp changed", token);
  }
  check_result(r, token);
  std::string tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  if (sio::apps::jwt_verify_hs256(tampered, "k", kNow).status == JwtStatus::ok) fail("tampered token accepted", tampered);
  return 0;
}
