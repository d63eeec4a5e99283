#include "bcrypt.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>

#include "app.hpp"

namespace sio::apps {
namespace {

constexpr std::size_t kHashSize = 60;     // "$2b$NN$" + 22 salt + 31 hash characters
constexpr std::size_t kSettingSize = 29;  // "$2b$NN$" + 22 salt characters

bool is_bcrypt_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '/';
}

// "$2?$NN$" with a known minor and a cost in range, then `chars` bcrypt base64 characters.
bool has_shape(std::string_view s, std::size_t size) {
  if (s.size() != size || s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$') return false;
  if (s[2] != 'a' && s[2] != 'b' && s[2] != 'y') return false;
  if (s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9') return false;
  const int cost = (s[4] - '0') * 10 + (s[5] - '0');
  if (cost < kBcryptMinCost || cost > kBcryptMaxCost) return false;
  for (std::size_t i = 7; i < size; ++i) {
    if (!is_bcrypt_char(s[i])) return false;
  }
  return true;
}

// crypt_rn over a password and a checked setting; nullopt when libxcrypt refuses.
std::optional<std::string> run_crypt(std::string_view password, const std::string& setting) {
  if (password.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string phrase(password);
  auto data = std::make_unique<crypt_data>();  // 32 KB: not on the stack
  const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  std::optional<std::string> result;
  if (out && out[0] != '*') result = std::string(out);
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return result;
}

}  // namespace

bool is_bcrypt_hash(std::string_view s) { return has_shape(s, kHashSize); }

int bcrypt_cost(std::string_view hash) {
  if (!is_bcrypt_hash(hash)) return 0;
  return (hash[4] - '0') * 10 + (hash[5] - '0');
}

std::optional<std::string> bcrypt_hash(std::string_view password, std::string_view salt16, int cost, char minor) {
  if (salt16.size() != 16 || cost < kBcryptMinCost || cost > kBcryptMaxCost) return std::nullopt;
  if (minor != 'a' && minor != 'b' && minor != 'y') return std::nullopt;
  const char prefix[] = {'$', '2', minor, '$', '\0'};
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn(prefix, static_cast<unsigned long>(cost), salt16.data(), static_cast<int>(salt16.size()),
                        setting, sizeof setting)) {
    return std::nullopt;
  }
  return run_crypt(password, setting);
}

std::optional<std::string> bcrypt_hash_random(std::string_view password, int cost) {
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) return std::nullopt;
  return bcrypt_hash(password, std::string_view(reinterpret_cast<const char*>(salt), sizeof salt), cost);
}

std::optional<std::string> bcrypt_hash_with_setting(std::string_view password, std::string_view setting) {
  if (setting.size() < kSettingSize || !has_shape(setting.substr(0, kSettingSize), kSettingSize)) return std::nullopt;
  return run_crypt(password, std::string(setting.substr(0, kSettingSize)));
}

bool bcrypt_verify(std::string_view password, std::string_view hash) {
  if (!is_bcrypt_hash(hash)) return false;
  const auto computed = run_crypt(password, std::string(hash));
  return computed && computed->size() == hash.size() &&
         CRYPTO_memcmp(computed->data(), hash.data(), hash.size()) == 0;
}

bool password_matches(std::string_view password, std::string_view stored) {
  if (is_bcrypt_hash(stored)) return bcrypt_verify(password, stored);
  return secret_equals(password, stored);
}

}  // namespace sio::apps
