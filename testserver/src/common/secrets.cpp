// Ids and secrets from OpenSSL: RAND_bytes, CRYPTO_memcmp, SHA-256 (see sio/server/secrets.hpp).
#include "sio/server/secrets.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <pthread.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "sio/engineio/packet.hpp"

namespace sio::server {

namespace {

// Fills [p, p + n) from RAND_bytes; aborts if it fails.
void fill_random(unsigned char* p, std::size_t n) {
  while (n > 0) {
    const int chunk = n > INT_MAX ? INT_MAX : static_cast<int>(n);
    if (RAND_bytes(p, chunk) != 1) {
      std::fputs("sio::server: the OpenSSL CSPRNG (RAND_bytes) failed; refusing to make predictable ids\n", stderr);
      std::abort();
    }
    p += chunk;
    n -= static_cast<std::size_t>(chunk);
  }
}

// A call to RAND_bytes costs about as much for 15 bytes as for 1 KiB (OpenSSL 3 goes through its
// provider and locks the DRBG each call: about 6,700 instructions for an id, two ids per
// connection). Small requests are served from a block of RAND_bytes output per thread; bytes
// handed out are wiped from the block, and a forked child drops the block it inherited (it would
// otherwise hand out the parent's next ids).
constexpr std::size_t kPoolBytes = 1024;
constexpr std::size_t kPooledMax = 64;

struct RandomPool {
  unsigned char bytes[kPoolBytes];
  std::size_t used = kPoolBytes;  // nothing left
  ~RandomPool() { OPENSSL_cleanse(bytes, sizeof bytes); }
};
thread_local RandomPool t_pool;

void drop_pool_in_child() {
  OPENSSL_cleanse(t_pool.bytes, sizeof t_pool.bytes);
  t_pool.used = kPoolBytes;
}

void take_from_pool(unsigned char* out, std::size_t n) {
  static std::once_flag at_fork;
  std::call_once(at_fork, [] { pthread_atfork(nullptr, nullptr, drop_pool_in_child); });
  RandomPool& pool = t_pool;
  if (kPoolBytes - pool.used < n) {
    fill_random(pool.bytes, kPoolBytes);
    pool.used = 0;
  }
  std::memcpy(out, pool.bytes + pool.used, n);
  OPENSSL_cleanse(pool.bytes + pool.used, n);
  pool.used += n;
}

}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  if (n <= kPooledMax) {
    take_from_pool(p, n);
  } else {
    fill_random(p, n);
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
