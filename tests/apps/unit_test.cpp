// Unit tests of the apps' shared code: bcrypt against the bcryptjs npm package (hashes made at test
// time, both directions), HS256 JWTs against tokens signed independently with OpenSSL-free
// reference values, and the configuration helpers.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "app.hpp"
#include "bcrypt.hpp"
#include "credentials.hpp"
#include "jwt.hpp"
#include "password_checks.hpp"

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
  const std::string future = node_token({{"sub", 7}, {"exp", now + 600}, {"nbf", now + 100}}, "s3cret");
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

// The value of a base64url digit, -1 if none.
int b64url_value(char c) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto i = alphabet.find(c);
  return i == std::string::npos ? -1 : static_cast<int>(i);
}

// One token has one spelling: the same signature bytes written another way are refused.
TEST(AppsJwt, RefusesOtherSpellingsOfOneToken) {
  const std::int64_t now = sio::apps::now_s();
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // A token whose signature has a '-' or '_' (so that the standard alphabet spells it otherwise).
  std::string good;
  for (int i = 0; i < 64 && good.empty(); ++i) {
    const std::string t = node_token({{"sub", i}, {"exp", now + 600}}, "s3cret");
    const std::string sig = t.substr(t.rfind('.') + 1);
    if (sig.find_first_of("-_") != std::string::npos) good = t;
  }
  ASSERT_FALSE(good.empty());
  ASSERT_EQ(sio::apps::jwt_verify_hs256(good, "s3cret", now).status, sio::apps::JwtStatus::ok);
  const std::string head = good.substr(0, good.rfind('.') + 1);
  const std::string sig = good.substr(good.rfind('.') + 1);
  ASSERT_EQ(sig.size(), 43u);  // 32 bytes: the last digit carries 4 bits and 2 unused ones

  std::vector<std::string> spellings;
  spellings.push_back(good + "=");                       // base64 padding
  spellings.push_back(good + "==");
  std::string standard = sig;                             // standard alphabet
  for (auto& c : standard) c = c == '-' ? '+' : c == '_' ? '/' : c;
  spellings.push_back(head + standard);
  for (int bits = 1; bits < 4; ++bits) {                  // the last digit's unused low bits set
    spellings.push_back(head + sig.substr(0, 42) + alphabet[b64url_value(sig[42]) ^ bits]);
  }
  spellings.push_back(good + ".");                        // trailing garbage
  spellings.push_back(good + ".x");
  spellings.push_back(good + "A");
  spellings.push_back(good + " ");
  spellings.push_back(good + "\n");
  spellings.push_back(good + std::string(1, '\0') + "garbage");
  spellings.push_back(" " + good);
  spellings.push_back(head.substr(0, head.size() - 1) + "=." + sig);  // padding inside
  for (const auto& s : spellings) {
    EXPECT_EQ(sio::apps::jwt_verify_hs256(s, "s3cret", now).status, sio::apps::JwtStatus::invalid) << s;
  }
  // Longer than kMaxJwtSize: refused before decoding.
  const std::string huge = node_token({{"sub", std::string(9000, 'x')}, {"exp", now + 600}}, "s3cret");
  EXPECT_GT(huge.size(), sio::apps::kMaxJwtSize);
  EXPECT_EQ(sio::apps::jwt_verify_hs256(huge, "s3cret", now).status, sio::apps::JwtStatus::invalid);
}

TEST(AppsJwt, RefusesValidlySignedTokenWithoutExp) {
  const std::int64_t now = sio::apps::now_s();
  const std::string forever = node_token({{"sub", 7}, {"client_type", "node"}}, "s3cret");
  ASSERT_FALSE(forever.empty());
  const auto r = sio::apps::jwt_verify_hs256(forever, "s3cret", now);
  EXPECT_EQ(r.status, sio::apps::JwtStatus::invalid);
  EXPECT_NE(r.error.find("exp"), std::string::npos) << r.error;
  const std::string not_a_number = node_token({{"sub", 7}, {"exp", "soon"}}, "s3cret");
  EXPECT_EQ(sio::apps::jwt_verify_hs256(not_a_number, "s3cret", now).status, sio::apps::JwtStatus::invalid);
}

TEST(AppsJwt, RefusesDeeplyNestedClaims) {
  const std::int64_t now = sio::apps::now_s();
  // A validly signed token whose payload nests 20,000 deep: refused, no crash.
  const std::string deep = std::string(20000, '[') + std::string(20000, ']');
  const std::string js =
      "const c=require('crypto');const b=(s)=>Buffer.from(s).toString('base64url');"
      "const h=b(JSON.stringify({alg:'HS256',typ:'JWT'}));const p=b('{\\\"a\\\":'+'['.repeat(20000)+']'.repeat(20000)+'}');"
      "const s=c.createHmac('sha256','k').update(h+'.'+p).digest('base64url');process.stdout.write(h+'.'+p+'.'+s)";
  const std::string token = run(std::string(SIO_NODE) + " -e \"" + js + "\"");
  ASSERT_GT(token.size(), deep.size());
  EXPECT_EQ(sio::apps::jwt_verify_hs256(token, "k", now).status, sio::apps::JwtStatus::invalid);
}

TEST(AppsSecrets, ConstantTimeCompareIsExactAndLengthSafe) {
  EXPECT_TRUE(sio::apps::secret_equals("tok", "tok"));
  EXPECT_FALSE(sio::apps::secret_equals("to", "tok"));
  EXPECT_FALSE(sio::apps::secret_equals("tokk", "tok"));
  EXPECT_FALSE(sio::apps::secret_equals("", "tok"));
  EXPECT_FALSE(sio::apps::secret_equals("tok", ""));
  EXPECT_TRUE(sio::apps::secret_equals("", ""));
  EXPECT_FALSE(sio::apps::secret_equals(std::string("tok\0", 4), "tok"));
  EXPECT_FALSE(sio::apps::secret_equals(std::string(100000, 'x'), "xxx"));
}

TEST(AppsJsonInput, BodiesAndConfigFilesAreDepthLimited) {
  std::string error;
  const std::string deep = std::string(15000, '[') + std::string(15000, ']');
  EXPECT_FALSE(sio::apps::parse_json_body("{\"a\":" + deep + "}", error).has_value());
  EXPECT_NE(error.find("deeper"), std::string::npos) << error;
  EXPECT_FALSE(sio::apps::parse_json_body("{bad", error).has_value());
  EXPECT_EQ(error, "body is not valid JSON");
  EXPECT_FALSE(sio::apps::parse_json_body("[1]", error).has_value());
  EXPECT_EQ(error, "body must be a JSON object");
  const auto ok = sio::apps::parse_json_body(R"({"id":1,"x":[[1]]})", error);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ((*ok)["x"][0][0], 1);

  const std::string file = testing::TempDir() + "/apps_deep.json";
  std::ofstream(file) << "{\"server\":" << deep << "}";
  try {
    sio::apps::read_json_file(file);
    ADD_FAILURE() << "a 15,000-deep config file was accepted";
  } catch (const sio::apps::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
  std::remove(file.c_str());
}

// A gate the checks wait at, so that they stay pending while the test submits more.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  int done = 0;
  void wait_open() {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return open; });
  }
  void release() {
    std::lock_guard lock(m);
    open = true;
    cv.notify_all();
  }
  void finished() {
    std::lock_guard lock(m);
    ++done;
    cv.notify_all();
  }
  bool wait_done(int n) {  // generous: a bound, not a speed requirement
    std::unique_lock lock(m);
    return cv.wait_for(lock, std::chrono::seconds(60), [&] { return done >= n; });
  }
};

TEST(AppsPasswordChecks, PendingChecksAreBoundedPerClientAndInAll) {
  sio::apps::PasswordCheckPool pool({/*threads*/ 1, /*per_client*/ 4, /*total*/ 10});
  Gate gate;
  auto submit = [&](const std::string& client) {
    return pool.submit(client, [&] { gate.wait_open(); return false; }, [&](bool) { gate.finished(); });
  };
  int accepted = 0;
  for (int i = 0; i < 150; ++i) accepted += submit("flooder");  // 150 CONNECTs in one write
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(pool.pending(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(submit("b")) << i;
  EXPECT_FALSE(submit("b"));
  EXPECT_TRUE(submit("c"));
  EXPECT_TRUE(submit("d"));
  EXPECT_FALSE(submit("e"));  // 10 in all
  EXPECT_EQ(pool.pending(), 10u);
  gate.release();
  ASSERT_TRUE(gate.wait_done(10));
  EXPECT_EQ(pool.completed(), 10u);
  EXPECT_EQ(pool.pending(), 0u);
  EXPECT_TRUE(submit("flooder"));  // a client's budget comes back as its checks finish
  ASSERT_TRUE(gate.wait_done(11));
  pool.stop();
  EXPECT_FALSE(submit("x"));
}

TEST(AppsPasswordChecks, ChecksRunOffTheCallersThread) {
  sio::apps::PasswordCheckPool pool;
  Gate gate;
  std::thread::id ran_on;
  ASSERT_TRUE(pool.submit("c", [&] { ran_on = std::this_thread::get_id(); return true; },
                          [&](bool ok) { EXPECT_TRUE(ok); gate.finished(); }));
  ASSERT_TRUE(gate.wait_done(1));
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(AppsCredentials, CheckCostDoesNotDependOnTheUsername) {
  const std::string hash = *sio::apps::bcrypt_hash_random("hashed-secret", 5);
  const sio::apps::Credentials creds(std::vector<sio::apps::Credential>{{"plain", "plain-secret"}, {"hashed", hash}});
  struct Case {
    const char* user;
    const char* password;
    bool ok;
  };
  for (const Case& c : {Case{"hashed", "hashed-secret", true}, Case{"hashed", "wrong", false},
                        Case{"plain", "plain-secret", true}, Case{"plain", "wrong", false},
                        Case{"nobody", "wrong", false}, Case{"nobody", "plain-secret", false},
                        Case{"", "", false}}) {
    sio::apps::CheckWork work;
    EXPECT_EQ(creds.check(c.user, c.password, &work), c.ok) << c.user;
    // One bcrypt at cost 5 whoever asks: an unknown user is not refused faster.
    EXPECT_EQ(work.bcrypt_runs, 1) << c.user;
    EXPECT_EQ(work.bcrypt_cost_sum, 5) << c.user;
  }
  // Only plain passwords configured: no bcrypt at all, for anyone.
  const sio::apps::Credentials plain_only(std::vector<sio::apps::Credential>{{"plain", "plain-secret"}});
  sio::apps::CheckWork work;
  EXPECT_FALSE(plain_only.check("nobody", "x", &work));
  EXPECT_EQ(work.bcrypt_runs, 0);
}

TEST(AppsCredentials, OverlongLoginsAreRefusedUnchecked) {
  EXPECT_FALSE(sio::apps::Credentials::refuse_unchecked("u", std::string(72, 'p')).has_value());
  EXPECT_TRUE(sio::apps::Credentials::refuse_unchecked("u", std::string(73, 'p')).has_value());
  EXPECT_TRUE(sio::apps::Credentials::refuse_unchecked("u", std::string(900000, 'p')).has_value());
  EXPECT_TRUE(sio::apps::Credentials::refuse_unchecked(std::string(257, 'u'), "p").has_value());
  // A plain password no login could send is a configuration error, not a silent lock-out.
  EXPECT_THROW(sio::apps::Credentials(std::vector<sio::apps::Credential>{{"u", std::string(73, 'p')}}), sio::apps::ConfigError);
  EXPECT_THROW(sio::apps::Credentials::from_json(json::parse(R"([{"username":"u"}])"), "c.json"),
               sio::apps::ConfigError);
  EXPECT_THROW(sio::apps::Credentials(std::vector<sio::apps::Credential>{{"u", "$2b$31$" + std::string(53, 'a')}}), sio::apps::ConfigError);
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
  // Found by fuzz_app_config: values that do not fit the option's type are refused, not converted.
  for (const char* bad : {R"({"maxHttpBufferSize":1e300})", R"({"maxHttpBufferSize":-5})",
                          R"({"pingTimeout":18446744073709551615})", R"({"pingInterval":2147483648})",
                          R"({"connectTimeout":1.5})"}) {
    EXPECT_THROW(sio::apps::apply_node_options(o, json::parse(bad), "test"), sio::apps::ConfigError) << bad;
  }
  sio::apps::apply_node_options(o, json::parse(R"({"pingInterval":2147483647})"), "test");
  EXPECT_EQ(o.ping_interval.count(), 2147483647);
  EXPECT_THROW(sio::apps::parse_port("70000"), sio::apps::ConfigError);
  EXPECT_THROW(sio::apps::parse_port("8o"), sio::apps::ConfigError);
  EXPECT_EQ(sio::apps::parse_port("0"), 0);
  EXPECT_EQ(sio::apps::bearer_token({{"authorization", "Bearer abc.def"}}), "abc.def");
  EXPECT_EQ(sio::apps::bearer_token({{"authorization", "Basic abc"}}), "");
}

}  // namespace

TEST(AppsLog, ControlCharactersOfAMessageAreEscaped) {
  EXPECT_EQ(sio::apps::log_line("forwarder", "refused \"bob\""), "[forwarder] refused \"bob\"");
  EXPECT_EQ(sio::apps::log_line("forwarder", std::string("a\nb\r\x1b[31m\x7f\0z", 12)),
            "[forwarder] a\\x0ab\\x0d\\x1b[31m\\x7f\\x00z");
  EXPECT_EQ(sio::apps::log_line("app", "caf\xc3\xa9"), "[app] caf\xc3\xa9");  // UTF-8 kept
}
