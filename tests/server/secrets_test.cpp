// Ids and secrets of the server (sio/server/secrets.hpp): CSPRNG ids of the expected length and
// alphabet, constant-time comparison, digest lookup keys; and a code check that no
// non-cryptographic generator is left in the server's sources.
#include "sio/server/secrets.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "sio/server/server.hpp"

using sio::server::random_bytes;
using sio::server::random_id;
using sio::server::secret_equals;
using sio::server::secret_lookup_key;

namespace {

bool base64url(const std::string& s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

TEST(Secrets, IdsHaveTheExpectedLengthAndAlphabetAndAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) {
    const auto id = random_id(15);
    ASSERT_EQ(id.size(), 20u);
    ASSERT_TRUE(base64url(id)) << id;
    ASSERT_TRUE(seen.insert(id).second) << "duplicate id " << id;
  }
  EXPECT_EQ(random_id(16).size(), 22u);  // no '=' padding
  EXPECT_EQ(random_id(17).size(), 23u);
  EXPECT_TRUE(base64url(random_id(16)));
  EXPECT_EQ(random_id(0), "");
  EXPECT_EQ(sio::server::generate_id().size(), 20u);
  EXPECT_TRUE(base64url(sio::server::generate_id()));
}

TEST(Secrets, RandomBytesUseEveryByteValue) {
  // Not a statistical test of quality (that is OpenSSL's job), only that the bytes are not a
  // constant, a counter or text.
  const auto bytes = random_bytes(1 << 16);
  ASSERT_EQ(bytes.size(), 1u << 16);
  std::set<unsigned char> values(bytes.begin(), bytes.end());
  EXPECT_EQ(values.size(), 256u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
}

TEST(Secrets, ConstantTimeEqualityAndLookupKeys) {
  EXPECT_TRUE(secret_equals("", ""));
  EXPECT_TRUE(secret_equals("abcdef", "abcdef"));
  EXPECT_FALSE(secret_equals("abcdef", "abcdeg"));
  EXPECT_FALSE(secret_equals("abcdef", "abcde"));   // given longer than expected
  EXPECT_FALSE(secret_equals("abcde", "abcdef"));   // shorter: a prefix is not the secret
  EXPECT_FALSE(secret_equals("", "abc"));
  EXPECT_FALSE(secret_equals("abc", ""));
  EXPECT_FALSE(secret_equals(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_EQ(secret_lookup_key("pid").size(), 32u);
  EXPECT_EQ(secret_lookup_key("pid"), secret_lookup_key("pid"));
  EXPECT_NE(secret_lookup_key("pid"), secret_lookup_key("pie"));
  // SHA-256("abc")
  const auto key = secret_lookup_key("abc");
  EXPECT_EQ(static_cast<unsigned char>(key[0]), 0xbau);
  EXPECT_EQ(static_cast<unsigned char>(key[31]), 0xadu);
}

// Code review as a test: the server makes ids and secrets only through secrets.hpp. A
// non-cryptographic generator in its sources is refused here (the apps, which use random numbers
// for other things, have their own rules).
TEST(Secrets, NoNonCryptographicGeneratorInTheServerSources) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(SIO_TESTS_DIR).parent_path() / "testserver";
  std::size_t files = 0;
  for (const char* dir : {"src", "include"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file()) continue;
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".hpp") continue;
      ++files;
      std::ifstream in(entry.path());
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      for (const char* banned : {"mt19937", "random_device", "std::rand(", "srand(", "minstd_rand",
                                 "default_random_engine"}) {
        EXPECT_EQ(text.find(banned), std::string::npos) << entry.path() << " uses " << banned;
      }
    }
  }
  EXPECT_GT(files, 5u);
}
