// bcrypt ($2a$ / $2b$ / $2y$) password hashing through libxcrypt (crypt_rn / crypt_gensalt_rn,
// <crypt.h>, -lcrypt): the hashes bcryptjs, node's bcrypt and PHP's password_hash make.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sio::apps {

inline constexpr int kBcryptMinCost = 4;
inline constexpr int kBcryptMaxCost = 16;  // higher costs are refused (seconds per check)
// bcrypt reads at most this many bytes of a password; the bytes after it do not change the hash.
inline constexpr std::size_t kBcryptMaxPasswordBytes = 72;

// True when `s` looks like a bcrypt hash we can check: $2a$/$2b$/$2y$, a two-digit cost within
// [kBcryptMinCost, kBcryptMaxCost], 53 characters of bcrypt base64 (60 in all).
bool is_bcrypt_hash(std::string_view s);

// The cost of a bcrypt hash (is_bcrypt_hash), else 0.
int bcrypt_cost(std::string_view hash);

// The hash of `password` with the given 16-byte salt and cost, as "$2b$NN$<salt><hash>"
// (`minor` 'a', 'b' or 'y'). nullopt for a bad cost, salt size or minor, or a password holding a
// NUL byte (libxcrypt takes C strings: such a password could never be checked as given).
std::optional<std::string> bcrypt_hash(std::string_view password, std::string_view salt16, int cost,
                                       char minor = 'b');

// The hash of `password` with the setting of an existing hash or salt string ("$2b$NN$" and 22
// salt characters; what follows is ignored), like bcryptjs' hashSync(password, salt).
std::optional<std::string> bcrypt_hash_with_setting(std::string_view password, std::string_view setting);

// A new hash with a random salt (OpenSSL RAND_bytes).
std::optional<std::string> bcrypt_hash_random(std::string_view password, int cost = 10);

// Checks `password` against a bcrypt hash (constant-time comparison). false for malformed hashes
// and passwords holding a NUL byte.
bool bcrypt_verify(std::string_view password, std::string_view hash);

// Checks a password against a stored secret: a bcrypt hash when it is one, else the plain string
// (constant-time comparison).
bool password_matches(std::string_view password, std::string_view stored);

}  // namespace sio::apps
