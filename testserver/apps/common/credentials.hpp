// The forwarder's users (credentials.json: [{"username", "password"}], each password plain or a
// bcrypt hash) and the check of a login against them, made so that its cost does not tell
// whether a username exists: every check runs one bcrypt at the highest configured cost (against
// a dummy hash when the user is unknown or has a plain password).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sio/core/json.hpp"

namespace sio::apps {

// Longest username accepted; longer ones are refused before any check.
inline constexpr std::size_t kMaxUsernameBytes = 256;

struct Credential {
  std::string username;
  std::string password;  // plain or a bcrypt hash
};

// The work one check did (for tests: the cost must not depend on the username).
struct CheckWork {
  int bcrypt_runs = 0;
  int bcrypt_cost_sum = 0;  // sum of the costs of the hashes computed
};

class Credentials {
 public:
  // ConfigError for entries without string username/password, a "$2..." 60-character password
  // that is no bcrypt hash we can check, or a plain password over kBcryptMaxPasswordBytes (no
  // login could ever send it). Makes the dummy hash (at the highest cost of the hashes given).
  explicit Credentials(std::vector<Credential> entries);

  // Reads credentials.json (ConfigError naming the file).
  static Credentials load(const std::string& path);
  static Credentials from_json(const json& entries, const std::string& where);

  // Why a login is refused without a check, or nullopt: a password over kBcryptMaxPasswordBytes
  // (bcrypt would ignore the bytes after it) or a username over kMaxUsernameBytes. Call it before
  // copying anything.
  static std::optional<std::string> refuse_unchecked(std::string_view username, std::string_view password);

  // True when some entry has this username and password. Takes as long as one bcrypt at the
  // highest configured cost whether or not the user exists (none when no hash is configured).
  // Thread-safe (const); meant for a PasswordCheckPool worker.
  bool check(std::string_view username, std::string_view password, CheckWork* work = nullptr) const;

  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<Credential> entries_;
  std::string dummy_hash_;  // "" when no entry has a bcrypt hash
};

}  // namespace sio::apps
