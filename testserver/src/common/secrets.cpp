// Ids and secrets from OpenSSL: RAND_bytes, CRYPTO_memcmp, SHA-256 (see sio/server/secrets.hpp).
#include "sio/server/secrets.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <cstdio>
#include <cstdlib>

#include "sio/engineio/packet.hpp"

namespace sio::server {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  while (n > 0) {
    const int chunk = n > INT_MAX ? INT_MAX : static_cast<int>(n);
    if (RAND_bytes(p, chunk) != 1) {
      std::fputs("sio::server: the OpenSSL CSPRNG (RAND_bytes) failed; refusing to make predictable ids\n", stderr);
      std::abort();
    }
    p += chunk;
    n -= static_cast<std::size_t>(chunk);
  }
  return out;
}

std::string random_id(std::size_t bytes) {
  std::string id = engineio::base64_encode(random_bytes(bytes));
  while (!id.empty() && id.back() == '=') id.pop_back();
  for (auto& c : id) {
    if (c == '/') c = '_';
    if (c == '+') c = '-';
  }
  return id;
}

bool secret_equals(std::string_view given, std::string_view expected) noexcept {
  if (expected.empty()) return given.empty();
  // Over expected's length whatever the given length: a given of another length compares expected
  // with itself (the same work), so that the time depends on neither content nor lengths of given.
  const bool same_size = given.size() == expected.size();
  const char* other = same_size ? given.data() : expected.data();
  const bool same = CRYPTO_memcmp(other, expected.data(), expected.size()) == 0;
  return same && same_size;
}

std::string secret_lookup_key(std::string_view secret) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(secret.data(), secret.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    std::fputs("sio::server: SHA-256 (EVP_Digest) failed\n", stderr);
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

}  // namespace sio::server
