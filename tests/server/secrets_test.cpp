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
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

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

// Small requests come from a per-thread block of RAND_bytes output: threads never hand out the
// same bytes, and small requests together still use every byte value.
TEST(Secrets, SmallRequestsFromSeveralThreadsAreDistinct) {
  constexpr int kThreads = 4, kIds = 3000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kIds; ++i) ids[t].push_back(random_id(15));
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> seen;
  for (const auto& list : ids) {
    for (const auto& id : list) ASSERT_TRUE(seen.insert(id).second) << "duplicate id " << id;
  }
  std::string small;
  for (int i = 0; i < 4096; ++i) small += random_bytes(16);
  EXPECT_EQ(std::set<unsigned char>(small.begin(), small.end()).size(), 256u);
}

// A forked child does not hand out the ids its parent's block holds next.
TEST(Secrets, ForkedChildDoesNotRepeatTheParentsIds) {
  (void)random_id(15);  // the block is filled
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string id = random_id(15);
    const bool written = ::write(fds[1], id.data(), id.size()) == static_cast<ssize_t>(id.size());
    ::_exit(written ? 0 : 1);
  }
  ::close(fds[1]);
  std::string child_id(20, '\0');
  std::size_t got = 0;
  while (got < child_id.size()) {
    const ssize_t n = ::read(fds[0], child_id.data() + got, child_id.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(got, child_id.size());
  const std::string parent_id = random_id(15);
  EXPECT_NE(child_id, parent_id);
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
