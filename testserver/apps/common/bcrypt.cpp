// bcrypt on a Blowfish written here. Blowfish's initial P-array and S-boxes are the hexadecimal
// digits of pi's fractional part (1042 words); they are computed once with Machin's formula
// pi = 16 atan(1/5) - 4 atan(1/239) in fixed point on OpenSSL BIGNUMs.
#include "bcrypt.hpp"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace sio::apps {
namespace {

constexpr std::size_t kWords = 18 + 4 * 256;

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;

Bn bn_new() {
  Bn b(BN_new());
  if (!b) throw std::runtime_error("BN_new failed");
  return b;
}

// scale * atan(1/x) = sum_k (-1)^k scale / ((2k+1) x^(2k+1)), truncated terms.
Bn atan_inverse(const BIGNUM* scale, BN_ULONG x) {
  Bn sum = bn_new();
  Bn power(BN_dup(scale));  // scale / x^(2k+1)
  Bn term = bn_new();
  if (!power) throw std::runtime_error("BN_dup failed");
  BN_div_word(power.get(), x);
  const BN_ULONG x2 = x * x;
  for (BN_ULONG k = 0; !BN_is_zero(power.get()); ++k) {
    if (!BN_copy(term.get(), power.get())) throw std::runtime_error("BN_copy failed");
    BN_div_word(term.get(), 2 * k + 1);
    if (k % 2 == 0) {
      BN_add(sum.get(), sum.get(), term.get());
    } else {
      BN_sub(sum.get(), sum.get(), term.get());
    }
    BN_div_word(power.get(), x2);
  }
  return sum;
}

std::array<std::uint32_t, kWords> compute_pi_words() {
  constexpr int kBits = static_cast<int>(kWords * 32);
  constexpr int kGuard = 64;
  Bn scale = bn_new();
  BN_one(scale.get());
  BN_lshift(scale.get(), scale.get(), kBits + kGuard);
  Bn a5 = atan_inverse(scale.get(), 5);
  Bn a239 = atan_inverse(scale.get(), 239);
  BN_mul_word(a5.get(), 16);
  BN_mul_word(a239.get(), 4);
  Bn pi = bn_new();
  BN_sub(pi.get(), a5.get(), a239.get());
  // Fractional part: pi - 3, then drop the guard bits.
  Bn three = bn_new();
  BN_copy(three.get(), scale.get());
  BN_mul_word(three.get(), 3);
  BN_sub(pi.get(), pi.get(), three.get());
  BN_rshift(pi.get(), pi.get(), kGuard);
  std::vector<unsigned char> bytes(kWords * 4);
  if (BN_bn2binpad(pi.get(), bytes.data(), static_cast<int>(bytes.size())) < 0) {
    throw std::runtime_error("BN_bn2binpad failed");
  }
  std::array<std::uint32_t, kWords> words{};
  for (std::size_t i = 0; i < kWords; ++i) {
    words[i] = (std::uint32_t{bytes[4 * i]} << 24) | (std::uint32_t{bytes[4 * i + 1]} << 16) |
               (std::uint32_t{bytes[4 * i + 2]} << 8) | std::uint32_t{bytes[4 * i + 3]};
  }
  // Known first and last words of Blowfish's tables: a wrong computation must not go unnoticed.
  if (words[0] != 0x243F6A88u || words[17] != 0x8979FB1Bu || words[18] != 0xD1310BA6u ||
      words[kWords - 1] != 0x3AC372E6u) {
    throw std::runtime_error("bcrypt: pi digits computed wrongly");
  }
  return words;
}

const std::array<std::uint32_t, kWords>& pi_words() {
  static const std::array<std::uint32_t, kWords> words = compute_pi_words();
  return words;
}

struct Blowfish {
  std::uint32_t p[18];
  std::uint32_t s[4][256];

  Blowfish() {
    const auto& w = pi_words();
    std::memcpy(p, w.data(), sizeof p);
    std::memcpy(s, w.data() + 18, sizeof s);
  }

  std::uint32_t f(std::uint32_t x) const {
    return ((s[0][x >> 24] + s[1][(x >> 16) & 0xff]) ^ s[2][(x >> 8) & 0xff]) + s[3][x & 0xff];
  }

  void encrypt(std::uint32_t& l, std::uint32_t& r) const {
    for (int i = 0; i < 16; i += 2) {
      l ^= p[i];
      r ^= f(l);
      r ^= p[i + 1];
      l ^= f(r);
    }
    l ^= p[16];
    r ^= p[17];
    std::swap(l, r);
  }

  // Next 32-bit big-endian word of `data` read cyclically from position j.
  static std::uint32_t stream_word(const std::uint8_t* data, std::size_t size, std::size_t& j) {
    std::uint32_t w = 0;
    for (int i = 0; i < 4; ++i) {
      if (j >= size) j = 0;
      w = (w << 8) | data[j++];
    }
    return w;
  }

  // EksBlowfish ExpandKey(state, salt, key); `salt` empty means the all-zero salt.
  void expand(const std::uint8_t* key, std::size_t key_size, const std::uint8_t* salt, std::size_t salt_size) {
    std::size_t j = 0;
    for (auto& word : p) word ^= stream_word(key, key_size, j);
    j = 0;
    std::uint32_t l = 0;
    std::uint32_t r = 0;
    auto next = [&](std::uint32_t* out) {
      if (salt_size > 0) {
        l ^= stream_word(salt, salt_size, j);
        r ^= stream_word(salt, salt_size, j);
      }
      encrypt(l, r);
      out[0] = l;
      out[1] = r;
    };
    for (int i = 0; i < 18; i += 2) next(&p[i]);
    for (auto& box : s) {
      for (int i = 0; i < 256; i += 2) next(&box[i]);
    }
  }
};

constexpr char kAlphabet[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

int alphabet_index(char c) {
  if (c == '.') return 0;
  if (c == '/') return 1;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 2;
  if (c >= 'a' && c <= 'z') return c - 'a' + 28;
  if (c >= '0' && c <= '9') return c - '0' + 54;
  return -1;
}

std::string encode64(const std::uint8_t* data, std::size_t size) {
  std::string out;
  for (std::size_t i = 0; i < size; i += 3) {
    const std::uint32_t b0 = data[i];
    const std::uint32_t b1 = i + 1 < size ? data[i + 1] : 0;
    const std::uint32_t b2 = i + 2 < size ? data[i + 2] : 0;
    const std::uint32_t v = (b0 << 16) | (b1 << 8) | b2;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (i + 1 < size) out += kAlphabet[(v >> 6) & 63];
    if (i + 2 < size) out += kAlphabet[v & 63];
  }
  return out;
}

// Decodes bcrypt base64 into exactly `size` bytes; nullopt on a bad character or short input.
std::optional<std::vector<std::uint8_t>> decode64(std::string_view text, std::size_t size) {
  std::vector<std::uint8_t> out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = alphabet_index(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
      if (out.size() == size) return out;
    }
  }
  return std::nullopt;
}

bool parse_cost(std::string_view digits, int& cost) {
  if (digits.size() != 2 || digits[0] < '0' || digits[0] > '9' || digits[1] < '0' || digits[1] > '9') return false;
  cost = (digits[0] - '0') * 10 + (digits[1] - '0');
  return cost >= kBcryptMinCost && cost <= kBcryptMaxCost;
}

std::string raw_hash(std::string_view password, const std::uint8_t* salt, int cost) {
  // The key: the password's bytes and a terminating NUL, at most 72 bytes.
  std::vector<std::uint8_t> key(password.begin(), password.end());
  key.push_back(0);
  if (key.size() > 72) key.resize(72);
  Blowfish bf;
  bf.expand(key.data(), key.size(), salt, 16);
  const std::uint64_t rounds = std::uint64_t{1} << cost;
  for (std::uint64_t i = 0; i < rounds; ++i) {
    bf.expand(key.data(), key.size(), nullptr, 0);
    bf.expand(salt, 16, nullptr, 0);
  }
  static constexpr char kMagic[] = "OrpheanBeholderScryDoubt";
  std::uint32_t words[6];
  std::size_t j = 0;
  for (auto& w : words) w = Blowfish::stream_word(reinterpret_cast<const std::uint8_t*>(kMagic), 24, j);
  for (int i = 0; i < 64; ++i) {
    for (int b = 0; b < 6; b += 2) bf.encrypt(words[b], words[b + 1]);
  }
  std::uint8_t out[24];
  for (int i = 0; i < 6; ++i) {
    out[4 * i] = static_cast<std::uint8_t>(words[i] >> 24);
    out[4 * i + 1] = static_cast<std::uint8_t>(words[i] >> 16);
    out[4 * i + 2] = static_cast<std::uint8_t>(words[i] >> 8);
    out[4 * i + 3] = static_cast<std::uint8_t>(words[i]);
  }
  OPENSSL_cleanse(key.data(), key.size());
  return encode64(out, 23);
}

}  // namespace

bool is_bcrypt_hash(std::string_view s) {
  if (s.size() != 60 || s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$') return false;
  if (s[2] != 'a' && s[2] != 'b' && s[2] != 'y') return false;
  int cost = 0;
  if (!parse_cost(s.substr(4, 2), cost)) return false;
  for (char c : s.substr(7)) {
    if (alphabet_index(c) < 0) return false;
  }
  return true;
}

std::optional<std::string> bcrypt_hash(std::string_view password, std::string_view salt16, int cost, char minor) {
  if (salt16.size() != 16 || cost < kBcryptMinCost || cost > kBcryptMaxCost) return std::nullopt;
  if (minor != 'a' && minor != 'b' && minor != 'y') return std::nullopt;
  const auto* salt = reinterpret_cast<const std::uint8_t*>(salt16.data());
  std::string out = "$2";
  out += minor;
  out += '$';
  out += static_cast<char>('0' + cost / 10);
  out += static_cast<char>('0' + cost % 10);
  out += '$';
  out += encode64(salt, 16);
  out += raw_hash(password, salt, cost);
  return out;
}

std::optional<std::string> bcrypt_hash_random(std::string_view password, int cost) {
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) return std::nullopt;
  return bcrypt_hash(password, std::string_view(reinterpret_cast<const char*>(salt), sizeof salt), cost);
}

std::optional<std::string> bcrypt_hash_with_setting(std::string_view password, std::string_view setting) {
  if (setting.size() < 29) return std::nullopt;
  std::string padded(setting.substr(0, 29));
  padded += std::string(31, '.');
  if (!is_bcrypt_hash(padded)) return std::nullopt;
  int cost = 0;
  parse_cost(padded.substr(4, 2), cost);
  const auto salt = decode64(padded.substr(7, 22), 16);
  if (!salt) return std::nullopt;
  return padded.substr(0, 29) + raw_hash(password, salt->data(), cost);
}

bool bcrypt_verify(std::string_view password, std::string_view hash) {
  if (!is_bcrypt_hash(hash)) return false;
  int cost = 0;
  parse_cost(hash.substr(4, 2), cost);
  const auto salt = decode64(hash.substr(7, 22), 16);
  if (!salt) return false;
  const std::string computed = raw_hash(password, salt->data(), cost);
  const std::string_view expected = hash.substr(29);
  return computed.size() == expected.size() &&
         CRYPTO_memcmp(computed.data(), expected.data(), computed.size()) == 0;
}

bool password_matches(std::string_view password, std::string_view stored) {
  if (is_bcrypt_hash(stored)) return bcrypt_verify(password, stored);
  // Plain string: compare in constant time over the stored length.
  bool equal = password.size() == stored.size();
  const std::size_t n = stored.size();
  unsigned char diff = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char a = i < password.size() ? static_cast<unsigned char>(password[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ static_cast<unsigned char>(stored[i]));
  }
  return equal && diff == 0;
}

}  // namespace sio::apps
