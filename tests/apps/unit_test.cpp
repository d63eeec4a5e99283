// Unit tests of the apps' shared code: bcrypt against the bcryptjs npm package (hashes made at test
// time, both directions), HS256 JWTs against tokens signed independently with OpenSSL-free
// reference values, and the configuration helpers.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "app.hpp"
#include "bcrypt.hpp"
#include "jwt.hpp"

using sio::json;

namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

const std::string kScript = std::string(SIO_TESTS_DIR) + "/apps/bcrypt_vectors.js";

TEST(AppsBcrypt, VerifiesHashesMadeByBcryptjs) {
  const json vectors = json::parse(run(std::string(SIO_NODE) + " " + kScript + " gen"), nullptr, false);
  ASSERT_TRUE(vectors.is_array()) << "node bcrypt_vectors.js gen failed";
  ASSERT_GE(vectors.size(), 10u);
  int prefixes[3] = {0, 0, 0};
  for (const auto& v : vectors) {
    const std::string pw = v["password"].get<std::string>();
    const std::string hash = v["hash"].get<std::string>();
    SCOPED_TRACE(hash);
    EXPECT_TRUE(sio::apps::is_bcrypt_hash(hash));
    EXPECT_TRUE(sio::apps::bcrypt_verify(pw, hash));
    EXPECT_TRUE(sio::apps::password_matches(pw, hash));
    // bcrypt uses the first 72 bytes of password + NUL: longer passwords differing later match.
    if (pw.size() < 72) {
      EXPECT_FALSE(sio::apps::bcrypt_verify(pw + "!", hash));
    } else {
      EXPECT_TRUE(sio::apps::bcrypt_verify(pw + "!", hash));
    }
    if (!pw.empty() && pw.size() <= 72) {
      EXPECT_FALSE(sio::apps::bcrypt_verify(pw.substr(0, pw.size() - 1), hash));
    }
    if (hash[2] == 'a') ++prefixes[0];
    if (hash[2] == 'b') ++prefixes[1];
    if (hash[2] == 'y') ++prefixes[2];
    // Same setting (prefix, cost, salt): our hash is the very same string.
    EXPECT_EQ(sio::apps::bcrypt_hash_with_setting(pw, hash).value_or(""), hash);
  }
  EXPECT_GT(prefixes[0], 0);
  EXPECT_GT(prefixes[1], 0);
  EXPECT_GT(prefixes[2], 0);
}

TEST(AppsBcrypt, TamperedHashesFail) {
  const json vectors = json::parse(run(std::string(SIO_NODE) + " " + kScript + " gen"), nullptr, false);
  ASSERT_TRUE(vectors.is_array());
  for (const auto& v : vectors) {
    std::string tampered = v["hash"].get<std::string>();
    tampered[40] = tampered[40] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(sio::apps::bcrypt_verify(v["password"].get<std::string>(), tampered)) << tampered;
  }
}

TEST(AppsBcrypt, HashesVerifiedByBcryptjs) {
  const std::string passwords[] = {"", "secret", "p\xc3\xa4ssw\xc3\xb6rd", std::string(71, 'q'), "a b c"};
  json items = json::array();
  int cost = 4;
  char minor[] = {'a', 'b', 'y'};
  int i = 0;
  for (const auto& pw : passwords) {
    auto h = sio::apps::bcrypt_hash_random(pw, cost);
    ASSERT_TRUE(h.has_value());
    std::string hash = *h;
    hash[2] = minor[i++ % 3];  // the algorithm is the same for a, b and y
    EXPECT_TRUE(sio::apps::bcrypt_verify(pw, hash));
    items.push_back({{"password", pw}, {"hash", hash}});
    items.push_back({{"password", pw + "x"}, {"hash", hash}});  // must be refused
  }
  const std::string file = testing::TempDir() + "/bcrypt_ours.json";
  std::ofstream(file) << items.dump();
  const json results = json::parse(run(std::string(SIO_NODE) + " " + kScript + " check " + file), nullptr, false);
  ASSERT_TRUE(results.is_array()) << "node bcrypt_vectors.js check failed";
  ASSERT_EQ(results.size(), items.size());
  for (std::size_t k = 0; k < results.size(); ++k) {
    EXPECT_EQ(results[k].get<bool>(), k % 2 == 0) << items[k].dump();
  }
  std::remove(file.c_str());
}

TEST(AppsBcrypt, RefusesMalformedHashes) {
  const std::string good = *sio::apps::bcrypt_hash("pw", std::string(16, 'x'), 4);
  EXPECT_TRUE(sio::apps::bcrypt_verify("pw", good));
  for (std::string bad : {std::string(""), std::string("$2b$04$short"), good.substr(0, 59), good + "x",
                          "$2x" + good.substr(3), "$2b$03" + good.substr(6), "$2b$31" + good.substr(6),
                          "$2b$4a" + good.substr(6), good.substr(0, 10) + "!" + good.substr(11)}) {
    EXPECT_FALSE(sio::apps::is_bcrypt_hash(bad)) << bad;
    EXPECT_FALSE(sio::apps::bcrypt_verify("pw", bad)) << bad;
  }
  EXPECT_FALSE(sio::apps::bcrypt_hash("pw", "short salt", 4).has_value());
  EXPECT_FALSE(sio::apps::bcrypt_hash("pw", std::string(16, 'x'), 3).has_value());
}

TEST(AppsBcrypt, PlainPasswords) {
  EXPECT_TRUE(sio::apps::password_matches("hunter2", "hunter2"));
  EXPECT_FALSE(sio::apps::password_matches("hunter", "hunter2"));
  EXPECT_FALSE(sio::apps::password_matches("hunter22", "hunter2"));
  EXPECT_FALSE(sio::apps::password_matches("", "x"));
  EXPECT_TRUE(sio::apps::password_matches("", ""));
}

// Tokens signed by node's crypto (HMAC-SHA256) at test time.
std::string node_token(const json& claims, const std::string& secret, const std::string& alg = "HS256") {
  const std::string js =
      "const c=require('crypto');const b=(s)=>Buffer.from(s).toString('base64url');"
      "const h=b(JSON.stringify({alg:process.argv[3],typ:'JWT'}));const p=b(process.argv[1]);"
      "const s=c.createHmac('sha256',process.argv[2]).update(h+'.'+p).digest('base64url');"
      "process.stdout.write(h+'.'+p+'.'+s)";
  std::string cmd = std::string(SIO_NODE) + " -e \"" + js + "\" '" + claims.dump() + "' '" + secret + "' " + alg;
  return run(cmd);
}

TEST(AppsJwt, VerifiesTokensSignedByNode) {
  const std::int64_t now = sio::apps::now_s();
  const std::string good = node_token({{"sub", 7}, {"client_type", "node"}, {"exp", now + 600}}, "s3cret");
  ASSERT_FALSE(good.empty());
  auto r = sio::apps::jwt_verify_hs256(good, "s3cret", now);
  ASSERT_EQ(r.status, sio::apps::JwtStatus::ok) << r.error;
  EXPECT_EQ(r.claims["sub"], 7);
  EXPECT_EQ(r.claims["client_type"], "node");

  EXPECT_EQ(sio::apps::jwt_verify_hs256(good, "other", now).status, sio::apps::JwtStatus::invalid);
  const std::string expired = node_token({{"sub", 7}, {"exp", now - 1}}, "s3cret");
  EXPECT_EQ(sio::apps::jwt_verify_hs256(expired, "s3cret", now).status, sio::apps::JwtStatus::expired);
  const std::string future = node_token({{"sub", 7}, {"nbf", now + 100}}, "s3cret");
  EXPECT_EQ(sio::apps::jwt_verify_hs256(future, "s3cret", now).status, sio::apps::JwtStatus::invalid);
  const std::string none_alg = node_token({{"sub", 7}}, "s3cret", "none");
  EXPECT_EQ(sio::apps::jwt_verify_hs256(none_alg, "s3cret", now).status, sio::apps::JwtStatus::invalid);
  // Our signer agrees with node's.
  const json claims = {{"sub", "user-1"}, {"exp", now + 60}};
  EXPECT_EQ(sio::apps::jwt_verify_hs256(sio::apps::jwt_sign_hs256(claims, "k"), "k", now).status,
            sio::apps::JwtStatus::ok);
  for (const std::string& bad : std::vector<std::string>{"", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.", good.substr(0, good.size() - 2)}) {
    EXPECT_EQ(sio::apps::jwt_verify_hs256(bad, "s3cret", now).status, sio::apps::JwtStatus::invalid) << bad;
  }
}

TEST(AppsConfig, EnvFileAndOptions) {
  const std::string file = testing::TempDir() + "/apps_test.env";
  std::ofstream(file) << "# comment\nHOST=0.0.0.0\nexport PORT = 9000\nUSERNAME='admin'\n"
                         "PASSWORD=\"$2b$10$abc\"\nNOTE=plain # trailing\n";
  const auto env = sio::apps::read_env_file(file, true);
  EXPECT_EQ(env.at("HOST"), "0.0.0.0");
  EXPECT_EQ(env.at("PORT"), "9000");
  EXPECT_EQ(env.at("USERNAME"), "admin");
  EXPECT_EQ(env.at("PASSWORD"), "$2b$10$abc");
  EXPECT_EQ(env.at("NOTE"), "plain");
  std::ofstream(file) << "not a pair\n";
  EXPECT_THROW(sio::apps::read_env_file(file, true), sio::apps::ConfigError);
  std::remove(file.c_str());
  EXPECT_THROW(sio::apps::read_env_file(file, true), sio::apps::ConfigError);
  EXPECT_TRUE(sio::apps::read_env_file(file, false).empty());

  sio::server::ServerOptions o;
  sio::apps::apply_node_options(o, json::parse(R"({"cors":{"origin":["http://a","http://b"],"credentials":true},
      "maxHttpBufferSize":1e8,"path":"/sock","pingTimeout":60000})"), "test");
  EXPECT_EQ(o.cors.origins, (std::vector<std::string>{"http://a", "http://b"}));
  EXPECT_TRUE(o.cors.credentials);
  EXPECT_EQ(o.max_http_buffer_size, 100000000u);
  EXPECT_EQ(o.path, "/sock");
  EXPECT_EQ(o.ping_timeout.count(), 60000);
  EXPECT_THROW(sio::apps::apply_node_options(o, json::parse(R"({"path":5})"), "test"), sio::apps::ConfigError);
  EXPECT_THROW(sio::apps::apply_node_options(o, json::parse(R"({"cors":{"origin":5}})"), "test"),
               sio::apps::ConfigError);
  EXPECT_THROW(sio::apps::apply_node_options(o, json::parse(R"({"pingTimeout":-1})"), "test"),
               sio::apps::ConfigError);
  EXPECT_THROW(sio::apps::parse_port("70000"), sio::apps::ConfigError);
  EXPECT_THROW(sio::apps::parse_port("8o"), sio::apps::ConfigError);
  EXPECT_EQ(sio::apps::parse_port("0"), 0);
  EXPECT_EQ(sio::apps::bearer_token({{"authorization", "Bearer abc.def"}}), "abc.def");
  EXPECT_EQ(sio::apps::bearer_token({{"authorization", "Basic abc"}}), "");
}

}  // namespace
