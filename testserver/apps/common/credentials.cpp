#include "credentials.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "app.hpp"
#include "bcrypt.hpp"

namespace sio::apps {
namespace {

std::string random_text(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1) {
    throw ConfigError("RAND_bytes failed");
  }
  for (auto& c : raw) c = static_cast<char>('a' + static_cast<unsigned char>(c) % 26);
  return raw;
}

}  // namespace

Credentials::Credentials(std::vector<Credential> entries) : entries_(std::move(entries)) {
  int max_cost = 0;
  for (const auto& e : entries_) {
    const std::string_view pw = e.password;
    if (pw.rfind("$2", 0) == 0 && pw.size() == 60 && !is_bcrypt_hash(pw)) {
      throw ConfigError("the password of \"" + e.username +
                        "\" looks like a bcrypt hash we cannot check ($2a$/$2b$/$2y$, cost 04-16)");
    }
    if (is_bcrypt_hash(pw)) {
      max_cost = std::max(max_cost, bcrypt_cost(pw));
    } else if (pw.size() > kBcryptMaxPasswordBytes) {
      throw ConfigError("the plain password of \"" + e.username + "\" is longer than " +
                        std::to_string(kBcryptMaxPasswordBytes) + " bytes (logins that long are refused)");
    }
    if (e.username.size() > kMaxUsernameBytes) {
      throw ConfigError("the username \"" + e.username.substr(0, 32) + "...\" is longer than " +
                        std::to_string(kMaxUsernameBytes) + " bytes");
    }
  }
  if (max_cost > 0) {
    auto dummy = bcrypt_hash_random(random_text(16), max_cost);
    if (!dummy) throw ConfigError("cannot make the dummy bcrypt hash");
    dummy_hash_ = *dummy;
  }
}

Credentials Credentials::from_json(const json& j, const std::string& where) {
  if (!j.is_array()) throw ConfigError(where + ": expected an array of {\"username\", \"password\"}");
  std::vector<Credential> out;
  for (const auto& e : j) {
    if (!e.is_object() || !e.contains("username") || !e["username"].is_string() || !e.contains("password") ||
        !e["password"].is_string()) {
      throw ConfigError(where + ": every entry needs string \"username\" and \"password\"");
    }
    out.push_back({e["username"].get<std::string>(), e["password"].get<std::string>()});
  }
  try {
    return Credentials(std::move(out));
  } catch (const ConfigError& e) {
    throw ConfigError(where + ": " + e.what());
  }
}

Credentials Credentials::load(const std::string& path) { return from_json(read_json_file(path), path); }

std::optional<std::string> Credentials::refuse_unchecked(std::string_view username, std::string_view password) {
  if (password.size() > kBcryptMaxPasswordBytes) {
    return "password longer than " + std::to_string(kBcryptMaxPasswordBytes) + " bytes";
  }
  if (username.size() > kMaxUsernameBytes) {
    return "username longer than " + std::to_string(kMaxUsernameBytes) + " bytes";
  }
  return std::nullopt;
}

bool Credentials::check(std::string_view username, std::string_view password, CheckWork* work) const {
  bool matched = false;
  bool hashed = false;
  auto run_bcrypt = [&](const std::string& hash) {
    const bool ok = bcrypt_verify(password, hash);
    if (work) {
      ++work->bcrypt_runs;
      work->bcrypt_cost_sum += bcrypt_cost(hash);
    }
    return ok;
  };
  for (const auto& e : entries_) {
    if (e.username != username) continue;
    if (is_bcrypt_hash(e.password)) {
      hashed = true;
      matched = run_bcrypt(e.password) || matched;
    } else {
      matched = secret_equals(password, e.password) || matched;
    }
  }
  // An unknown user, or one with a plain password: the same bcrypt work, against the dummy.
  if (!hashed && !dummy_hash_.empty()) run_bcrypt(dummy_hash_);
  return matched;
}

}  // namespace sio::apps
