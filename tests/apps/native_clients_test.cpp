// End to end: the deployment apps (testserver/apps, docs/deployments.md) driven by our native client
// (sio/client.hpp), as tests/apps/*.e2e.js drive them with the official clients.
//
// Each test writes the app's configuration files to a temporary directory (as tests/apps/harness.js
// does), starts the app executable on port 0 (it prints "listening on http://host:port/"), talks to
// it with native clients and plain HTTP, and stops it with SIGTERM (it must exit with status 0).
//   Forwarder (parameterized: polling, WebSocket, upgrade): UNAUTHORIZED on / and for bad
//     credentials, controller/view protocol in /do-<name> (plain and bcrypt credentials),
//     __count__, __connect__/__disconnect__ {id}, re-broadcast (binary included), isolation of
//     another /do- namespace.
//   Job manager: EIO3 straight over WebSocket, /subscription acks ("ok" and error texts), updates
//     POSTed to /api/updates/... reaching subscribed clients only, /chat -> /message.
//   Coordinator: HS256 JWT (signed here with OpenSSL HMAC) in the Authorization header (extra
//     headers), rooms by the rules, node-online, POST /api/emit new_task reaching one collaboration
//     only, invalid_token / expired_token.
// Absence of an event is checked only after a later event or ack on the same connection arrived.
#include "child_process.hpp"
#include "event_log.hpp"
#include "sio/client.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using sio::json;
namespace fs = std::filesystem;

namespace {

constexpr auto kWait = 20s;

// ---- a child process (an app, or node) whose stdout lines are collected -------------------------

class Child {
 public:
  // env: variables set in the child (a value) or removed (empty string).
  Child(std::string exe, std::vector<std::string> args, std::map<std::string, std::string> env = {})
      : child_(options(std::move(exe), std::move(args), std::move(env))) {
    reader_ = std::thread([this] { read_loop(); });
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  ~Child() {
    child_.kill();  // SIGKILL and reap
    if (reader_.joinable()) reader_.join();
  }

  // Waits for a stdout line containing `text`; returns it.
  std::optional<std::string> wait_line(const std::string& text, std::chrono::seconds timeout = kWait) {
    std::unique_lock lock(mu_);
    std::optional<std::string> found;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& l : lines_) {
        if (l.find(text) != std::string::npos) {
          found = l;
          return true;
        }
      }
      return eof_;
    });
    return found;
  }

  // The port of "listening on http://host:port/", or -1.
  int listening_port() {
    const auto line = wait_line("listening on http://");
    if (!line) return -1;
    const auto colon = line->rfind(':');
    return colon == std::string::npos ? -1 : std::atoi(line->c_str() + colon + 1);
  }

  // SIGTERM, then waits for the exit (stdout closed); returns the wait status, or -1 (killed).
  int terminate(std::chrono::seconds timeout = kWait) {
    if (reaped_) return -1;
    child_.request_exit();
    return wait_exit(timeout);
  }

  int wait_exit(std::chrono::seconds timeout = kWait) {
    if (reaped_) return -1;
    std::unique_lock lock(mu_);
    const bool closed = cv_.wait_for(lock, timeout, [&] { return eof_; });
    lock.unlock();
    if (!closed) child_.kill();
    child_.wait();
    reaped_ = true;
    return closed ? child_.native_status() : -1;
  }

  std::string output() {
    std::lock_guard lock(mu_);
    std::string all;
    for (const auto& l : lines_) all += l + "\n";
    return all;
  }

 private:
  void read_loop() {
    std::string buffer;
    while (child_.read_blocking(buffer)) {
      for (std::size_t nl; (nl = buffer.find('\n')) != std::string::npos;) {
        std::lock_guard lock(mu_);
        lines_.push_back(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
        cv_.notify_all();
      }
    }
    std::lock_guard lock(mu_);
    if (!buffer.empty()) lines_.push_back(buffer);
    eof_ = true;
    cv_.notify_all();
  }

  static sio_test::ChildOptions options(std::string exe, std::vector<std::string> args,
                                       std::map<std::string, std::string> env) {
    sio_test::ChildOptions o;  // stderr stays the test's: the app's diagnostics show in the test log
    o.exe = std::move(exe);
    o.args = std::move(args);
    o.env = std::move(env);
    return o;
  }

  sio_test::ChildProcess child_;
  bool reaped_ = false;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false;
};

// A temporary directory with files, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sio-native-app-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& content) {
    const fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  std::string write(const std::string& name, const json& content) { return write(name, content.dump(2)); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

// Variables of the process environment win over the forwarder's .env (as with dotenv): the test's
// own environment must not leak into the apps.
std::map<std::string, std::string> clean_app_env() {
  std::map<std::string, std::string> env;
  for (const char* name : {"HOST", "PORT", "USERNAME", "PASSWORD", "NODE_ENV", "ADMIN_UI", "CLIENT_BUNDLE"}) {
    env[name] = "";
  }
  return env;
}

// An app started with its arguments; stopped (SIGTERM, clean exit expected) by stop().
struct App {
  std::unique_ptr<Child> child;
  int port = -1;

  App(const std::string& exe, std::vector<std::string> args)
      : child(std::make_unique<Child>(exe, std::move(args), clean_app_env())) {
    port = child->listening_port();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  // Expects a clean exit on SIGTERM (as harness.js' finish()).
  void stop() {
    const int status = child->terminate();
    EXPECT_TRUE(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "app did not exit cleanly on SIGTERM (wait status " << status << ")";
  }
};

// ---- plain HTTP (POST to the apps' APIs) ----------------------------------------------------------

struct HttpResponse {
  int status = 0;
  std::string body;
};

HttpResponse http_post(int port, const std::string& target, const std::string& body,
                       const std::map<std::string, std::string>& headers = {}) {
  HttpResponse res;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return res;
  timeval tv{20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return res;
  }
  std::string request = "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n" + body;
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      close(fd);
      return res;
    }
    sent += static_cast<std::size_t>(n);
  }
  // Reads the head, then Content-Length bytes (or up to EOF without one).
  std::string data;
  char chunk[4096];
  std::size_t head_end = std::string::npos;
  std::optional<std::size_t> length;
  for (;;) {
    if (head_end == std::string::npos && (head_end = data.find("\r\n\r\n")) != std::string::npos) {
      std::string head = data.substr(0, head_end);
      std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
      const auto cl = head.find("\r\ncontent-length:");
      if (cl != std::string::npos) length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
    }
    if (head_end != std::string::npos && length && data.size() >= head_end + 4 + *length) break;
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    data.append(chunk, static_cast<std::size_t>(n));
  }
  close(fd);
  if (data.rfind("HTTP/1.1 ", 0) == 0 && head_end != std::string::npos) {
    res.status = std::atoi(data.c_str() + 9);
    res.body = data.substr(head_end + 4, length.value_or(std::string::npos));
  }
  return res;
}

// ---- recording what a native client receives --------------------------------------------------

// What a native client received (name, data), waited for up to kWait.
struct Recorder : sio_test::EventLog {
  Recorder() : EventLog(kWait) {}
};

// A native client of its own Manager (force_new, no reconnection) recording every event it gets
// ("connect", "connect_error" {message}, "disconnect" reason, and each event's argument array).
// The socket is declared after the recorder, so it (and its Manager: no callback afterwards) is
// destroyed first.
struct Client {
  Recorder r;
  std::shared_ptr<sio::Socket> s;

  Client(const std::string& url, sio::Options o) {
    o.auto_connect = false;
    o.force_new = true;
    o.reconnection = false;
    s = sio::io(url, std::move(o));
    s->on_any([this](const std::string& event, const json& args) { r.add(event, args); });
    s->on_connect([this] { r.add("connect", nullptr); });
    s->on_connect_error([this](const sio::ConnectError& e) { r.add("connect_error", e.message); });
    s->on_disconnect([this](const std::string& reason) { r.add("disconnect", reason); });
    s->connect();
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client() { s.reset(); }

  bool wait_connected() { return r.wait("connect").has_value(); }
  std::string transport() const { return s->io()->transport(); }
};

// Waits (deadline kWait) until the client's Manager runs on `transport`. The Manager has no event
// for a completed upgrade, so its state is checked every 10 ms, as harness.js' waitFor does.
bool wait_transport(const Client& c, const std::string& transport) {
  const auto end = std::chrono::steady_clock::now() + kWait;
  while (c.transport() != transport) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// The ack of `event` (its argument array), or a discarded json after kWait.
json ack_of(Client& c, const std::string& event, json args) {
  auto f = c.s->timeout(kWait).emit_array_with_ack(event, std::move(args));
  if (f.wait_for(kWait) != std::future_status::ready) return json(json::value_t::discarded);
  try {
    return f.get();
  } catch (const std::exception& e) {
    return json{{"ack_error", e.what()}};
  }
}

// ---- Forwarder ------------------------------------------------------------------------------------

enum class Tr { polling, websocket, upgrade };

std::string name_of(Tr t) {
  switch (t) {
    case Tr::polling: return "polling";
    case Tr::websocket: return "websocket";
    case Tr::upgrade: return "upgrade";
  }
  return "?";
}
void PrintTo(Tr t, std::ostream* os) { *os << name_of(t); }

// A bcrypt hash of `password` made by the bcryptjs npm package (not by the app's own bcrypt).
std::string bcryptjs_hash(const std::string& password) {
  Child node(SIO_NODE,
             {"-e", "process.stdout.write(require('bcryptjs').hashSync(process.argv[1], 6) + '\\n')", password},
             {{"NODE_PATH", SIO_TESTS_DIR "/node_modules"}});
  const auto line = node.wait_line("$2");
  node.wait_exit();
  return line.value_or("");
}

class Forwarder : public ::testing::TestWithParam<Tr> {
 protected:
  void SetUp() override {
    const std::string hash = bcryptjs_hash("hashed-secret");
    ASSERT_EQ(hash.rfind("$2", 0), 0u) << "bcryptjs did not make a hash: " << hash;
    dir_.write("config.json", json{{"path", "/fwd/"}, {"maxHttpBufferSize", 100000}});
    dir_.write("credentials.json", json::array({{{"username", "plain"}, {"password", "plain-secret"}},
                                                {{"username", "hashed"}, {"password", hash}}}));
    dir_.write(".env", std::string("HOST=127.0.0.1\nPORT=0\n"));
    app_ = std::make_unique<App>(SIO_FORWARDER, std::vector<std::string>{"--dir", dir_.path()});
    ASSERT_GT(app_->port, 0) << app_->child->output();
  }
  void TearDown() override {
    if (app_) app_->stop();
  }

  sio::Options options(json auth) const {
    sio::Options o;
    o.path = "/fwd/";
    switch (GetParam()) {
      case Tr::polling: o.transports = {"polling"}; break;
      case Tr::websocket: o.transports = {"websocket"}; break;
      case Tr::upgrade: o.transports = {"polling", "websocket"}; break;
    }
    o.auth = std::move(auth);
    return o;
  }
  std::unique_ptr<Client> client(const std::string& nsp, json auth) {
    return std::make_unique<Client>(app_->url() + nsp, options(std::move(auth)));
  }
  // Connected, and on the transport the parameter asks for (upgrade: after the upgrade).
  void settled(Client& c) {
    ASSERT_TRUE(c.wait_connected()) << c.r.dump();
    const std::string want = GetParam() == Tr::polling ? "polling" : "websocket";
    ASSERT_TRUE(wait_transport(c, want)) << "transport " << c.transport();
  }

  TempDir dir_;
  std::unique_ptr<App> app_;
};

json creds(const std::string& user, const std::string& password, const std::string& type = "") {
  json a = {{"username", user}, {"password", password}};
  if (!type.empty()) a["type"] = type;
  return a;
}

TEST_P(Forwarder, RefusesRootAndBadCredentials) {
  auto root = client("/", creds("plain", "plain-secret"));
  auto wrong_plain = client("/do-alpha", creds("plain", "wrong"));
  auto wrong_hashed = client("/do-alpha", creds("hashed", "plain-secret"));
  auto unknown = client("/do-alpha", creds("nobody", "plain-secret"));
  auto none = client("/do-alpha", json(json::value_t::discarded));
  for (Client* c : {root.get(), wrong_plain.get(), wrong_hashed.get(), unknown.get(), none.get()}) {
    const auto err = c->r.wait("connect_error");
    ASSERT_TRUE(err) << c->r.dump();
    EXPECT_EQ(*err, "UNAUTHORIZED");
    EXPECT_EQ(c->r.count("connect"), 0u);
  }
  // Good credentials (plain and bcrypt) on the same namespace are accepted.
  auto plain = client("/do-alpha", creds("plain", "plain-secret"));
  auto hashed = client("/do-alpha", creds("hashed", "hashed-secret"));
  settled(*plain);
  settled(*hashed);
}

TEST_P(Forwarder, ControllerViewsAndIsolation) {
  auto controller = client("/do-alpha", creds("plain", "plain-secret", "controller"));
  settled(*controller);
  controller->s->emit("__count__");
  const auto zero = controller->r.wait("__count__");
  ASSERT_TRUE(zero) << controller->r.dump();
  EXPECT_EQ(*zero, json::array({0}));

  // A view of another do- namespace: neither announced nor counted in /do-alpha.
  auto other = client("/do-beta", creds("plain", "plain-secret", "view"));
  settled(*other);

  auto view = client("/do-alpha", creds("hashed", "hashed-secret", "view"));
  settled(*view);
  const std::string view_id = view->s->id();
  ASSERT_FALSE(view_id.empty());
  const auto announced = controller->r.wait("__connect__");
  ASSERT_TRUE(announced) << controller->r.dump();
  EXPECT_EQ(*announced, json::array({{{"id", view_id}}}));

  controller->s->emit("__count__");
  const auto one = controller->r.wait("__count__", 2);
  ASSERT_TRUE(one) << controller->r.dump();
  EXPECT_EQ(*one, json::array({1}));

  // An event is re-broadcast to the namespace, sender included, with the same arguments.
  controller->s->emit("show", "hello", json{{"n", 1}, {"list", {1, "two"}}}, sio::Bytes{0x00, 0x01, 0xff});
  const json expected = json::array({"hello", {{"n", 1}, {"list", {1, "two"}}}, sio::binary(sio::Bytes{0x00, 0x01, 0xff})});
  const auto at_view = view->r.wait("show");
  const auto at_controller = controller->r.wait("show");
  ASSERT_TRUE(at_view) << view->r.dump();
  ASSERT_TRUE(at_controller) << controller->r.dump();
  EXPECT_EQ(*at_view, expected);
  EXPECT_EQ(*at_controller, expected);

  // Isolation: once /do-beta's own marker came back on its connection, anything /do-alpha leaked
  // to it (the view's __connect__, "show") would have arrived before it.
  other->s->emit("marker", 7);
  const auto marker = other->r.wait("marker");
  ASSERT_TRUE(marker) << other->r.dump();
  EXPECT_EQ(*marker, json::array({7}));
  EXPECT_EQ(other->r.count("show"), 0u) << other->r.dump();
  EXPECT_EQ(other->r.count("__connect__"), 0u) << other->r.dump();
  EXPECT_EQ(controller->r.count("__connect__"), 1u) << controller->r.dump();  // not for /do-beta's view
  EXPECT_EQ(view->r.count("__connect__"), 0u) << view->r.dump();              // not to itself

  // The view leaves: __disconnect__ {id} to the controller; the count drops.
  view->s->disconnect();
  const auto left = controller->r.wait("__disconnect__");
  ASSERT_TRUE(left) << controller->r.dump();
  EXPECT_EQ(*left, json::array({{{"id", view_id}}}));
  controller->s->emit("__count__");
  const auto again = controller->r.wait("__count__", 3);
  ASSERT_TRUE(again) << controller->r.dump();
  EXPECT_EQ(*again, json::array({0}));
  EXPECT_EQ(other->r.count("__disconnect__"), 0u);
}

INSTANTIATE_TEST_SUITE_P(Transports, Forwarder, ::testing::Values(Tr::polling, Tr::websocket, Tr::upgrade),
                         [](const auto& info) { return name_of(info.param); });

// ---- Job manager --------------------------------------------------------------------------------

constexpr const char* kU1 = "11111111-2222-4333-8444-555555555555";
constexpr const char* kU2 = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

class JobManager : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string config =
        dir_.write("jobmanager.json", json{{"host", "127.0.0.1"}, {"port", 0}, {"api_token", "tok"}});
    app_ = std::make_unique<App>(SIO_JOBMANAGER, std::vector<std::string>{"--config", config});
    ASSERT_GT(app_->port, 0) << app_->child->output();
  }
  void TearDown() override {
    if (app_) app_->stop();
  }
  // socket.io 2 straight over WebSocket, as the manager's web app.
  std::unique_ptr<Client> client() {
    sio::Options o;
    o.eio3 = true;
    o.transports = {"websocket"};
    return std::make_unique<Client>(app_->url(), o);
  }
  HttpResponse post(const std::string& kind, const json& body, const std::string& token = "tok") {
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return http_post(app_->port, "/api/updates/" + kind, body.dump(), headers);
  }
  // A chat marker from `from`; once every client got it, everything sent to them before is in.
  void settle(Client& from, std::vector<Client*> all) {
    const std::string text = "marker-" + std::to_string(++markers_);
    from.s->emit("/chat", json{{"name", "test"}, {"text", text}});
    for (Client* c : all) {
      ASSERT_TRUE(c->r.wait_for("/message", [&](const json& a) { return a.at(0).value("text", "") == text; }))
          << c->r.dump();
    }
  }

  TempDir dir_;
  std::unique_ptr<App> app_;
  int markers_ = 0;
};

TEST_F(JobManager, Eio3WebSocketSubscriptionsUpdatesAndChat) {
  auto a = client();
  auto b = client();
  ASSERT_TRUE(a->wait_connected()) << a->r.dump();
  ASSERT_TRUE(b->wait_connected()) << b->r.dump();
  EXPECT_EQ(a->transport(), "websocket");
  EXPECT_EQ(a->s->id(), a->s->io()->engine_id());  // socket.io 2: the id of "/" is the Engine.IO id

  // Subscriptions: "ok", or the error text.
  EXPECT_EQ(ack_of(*a, "/subscription", json::array({{{"op", "subscribe"}, {"type", "allJobs"}}})),
            json::array({"ok"}));
  EXPECT_EQ(ack_of(*a, "/subscription", json::array({{{"op", "subscribe"}, {"type", "job"}, {"uuid", kU1}}})),
            json::array({"ok"}));
  EXPECT_EQ(ack_of(*b, "/subscription", json::array({{{"op", "subscribe"}, {"type", "job"}, {"uuid", kU2}}})),
            json::array({"ok"}));
  EXPECT_EQ(ack_of(*b, "/subscription", json::array({{{"op", "subscribe"}, {"type", "job"}, {"uuid", "nope"}}})),
            json::array({"invalid UUID \"nope\""}));  // the app quotes it (JSON)
  EXPECT_EQ(ack_of(*b, "/subscription", json::array({{{"op", "bogus"}, {"type", "allJobs"}}})),
            json::array({"unknown subscription operation \"bogus\""}));
  EXPECT_EQ(ack_of(*b, "/subscription", json::array({{{"op", "subscribe"}, {"type", "nothing"}}})),
            json::array({"unknown subscription type \"nothing\""}));
  EXPECT_EQ(ack_of(*b, "/subscription", json::array({"not an object"})),
            json::array({"invalid subscription request: expected an object"}));

  // /chat comes back as /message to every client, sender included.
  a->s->emit("/chat", json{{"name", "ann"}, {"text", "hello"}});
  for (Client* c : {a.get(), b.get()}) {
    const auto m = c->r.wait("/message");
    ASSERT_TRUE(m) << c->r.dump();
    EXPECT_EQ(*m, json::array({{{"name", "ann"}, {"text", "hello"}}}));
  }

  // Every client is in Jobs from its connect (Flamenco); b leaves it, so /jobs reach a only.
  EXPECT_EQ(ack_of(*b, "/subscription", json::array({{{"op", "unsubscribe"}, {"type", "allJobs"}}})),
            json::array({"ok"}));
  // Updates POSTed to the API reach the subscribed client only.
  const json task = {{"id", "99999999-8888-4777-8666-555555555555"}, {"job_id", kU1}, {"status", "active"}};
  const json job = {{"id", kU1}, {"name", "render"}, {"status", "queued"}};
  auto r1 = post("task", task);
  ASSERT_EQ(r1.status, 200) << r1.body;
  EXPECT_EQ(json::parse(r1.body, nullptr, false), json({{"event", "/task"}, {"rooms", {std::string("job-") + kU1}}}));
  auto r2 = post("job", job);
  ASSERT_EQ(r2.status, 200) << r2.body;
  const auto got_task = a->r.wait("/task");
  const auto got_job = a->r.wait("/jobs");
  ASSERT_TRUE(got_task) << a->r.dump();
  ASSERT_TRUE(got_job) << a->r.dump();
  EXPECT_EQ(*got_task, json::array({task}));
  EXPECT_EQ(*got_job, json::array({job}));
  settle(*b, {a.get(), b.get()});
  EXPECT_EQ(b->r.count("/task"), 0u) << b->r.dump();
  EXPECT_EQ(b->r.count("/jobs"), 0u) << b->r.dump();

  // A wrong API token is refused; nothing is sent.
  EXPECT_EQ(post("task", task, "wrong").status, 401);
  // After unsubscribing, a's job updates stop; b's job still reaches b.
  EXPECT_EQ(ack_of(*a, "/subscription", json::array({{{"op", "unsubscribe"}, {"type", "job"}, {"uuid", kU1}}})),
            json::array({"ok"}));
  ASSERT_EQ(post("task", task).status, 200);
  const json task2 = {{"id", "99999999-8888-4777-8666-555555555556"}, {"job_id", kU2}, {"status", "done"}};
  ASSERT_EQ(post("task", task2).status, 200);
  const auto at_b = b->r.wait("/task");
  ASSERT_TRUE(at_b) << b->r.dump();
  EXPECT_EQ(*at_b, json::array({task2}));
  settle(*a, {a.get(), b.get()});
  EXPECT_EQ(a->r.count("/task"), 1u) << a->r.dump();
  EXPECT_EQ(b->r.count("/task"), 1u) << b->r.dump();
}

// ---- Coordinator -----------------------------------------------------------------------------------

constexpr const char* kSecret = "coordinator-test-secret";
constexpr const char* kApiKey = "api-key-for-tests";

std::string base64url(const std::string& data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : data) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;  // no padding, as JWTs
}

std::string jwt_hs256(const json& claims, const std::string& secret = kSecret) {
  const std::string input = base64url(json{{"alg", "HS256"}, {"typ", "JWT"}}.dump()) + "." + base64url(claims.dump());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len);
  return input + "." + base64url(std::string(reinterpret_cast<const char*>(mac), mac_len));
}

std::string token(const json& sub, const std::string& client_type, std::int64_t exp_in = 600) {
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  return jwt_hs256({{"sub", sub}, {"client_type", client_type}, {"exp", now + exp_in}, {"type", "access"}});
}

class Coordinator : public ::testing::Test {
 protected:
  void SetUp() override {
    const json config = {
        {"host", "127.0.0.1"},
        {"port", 0},
        {"jwt_secret", kSecret},
        {"api_key", kApiKey},
        {"nodes",
         {{"1", {{"name", "node-c1-o10"}, {"collaboration", 1}, {"organization", 10}}},
          {"3", {{"name", "node-c2-o10"}, {"collaboration", 2}, {"organization", 10}}}}},
        {"users",
         {{"alice", {{"organization", 10}, {"rules", {{{"collaboration", 1}, {"scope", "collaboration"}}}}}},
          {"bob", {{"organization", 10}, {"rules", {{{"collaboration", 2}, {"scope", "collaboration"}}}}}}}},
    };
    const std::string path = dir_.write("coordinator.json", config);
    app_ = std::make_unique<App>(SIO_COORDINATOR, std::vector<std::string>{"--config", path});
    ASSERT_GT(app_->port, 0) << app_->child->output();
  }
  void TearDown() override {
    if (app_) app_->stop();
  }
  // The bearer token in the Authorization header of the handshake (extra headers).
  std::unique_ptr<Client> client(const std::string& tok, std::vector<std::string> transports = {"polling", "websocket"}) {
    sio::Options o;
    o.transports = std::move(transports);
    if (!tok.empty()) o.extra_headers["Authorization"] = "Bearer " + tok;
    return std::make_unique<Client>(app_->url() + "/tasks", o);
  }
  // Acked "pong": anything the server sent this client before has arrived (same connection).
  void settle(std::vector<Client*> all) {
    for (Client* c : all) EXPECT_EQ(ack_of(*c, "ping", json::array()), json::array({"pong"})) << c->r.dump();
  }
  HttpResponse emit(const json& body, const std::string& key = kApiKey) {
    return http_post(app_->port, "/api/emit", body.dump(), {{"Authorization", "Bearer " + key}});
  }

  TempDir dir_;
  std::unique_ptr<App> app_;
};

TEST_F(Coordinator, BearerTokenRoomsAndApiEmit) {
  auto alice = client(token("alice", "user"));
  auto bob = client(token("bob", "user"), {"websocket"});
  ASSERT_TRUE(alice->wait_connected()) << alice->r.dump();
  ASSERT_TRUE(bob->wait_connected()) << bob->r.dump();
  auto node1 = client(token("1", "node"), {"websocket"});
  ASSERT_TRUE(node1->wait_connected()) << node1->r.dump();

  // node-online to the node's collaboration only.
  const auto online = alice->r.wait("node-online");
  ASSERT_TRUE(online) << alice->r.dump();
  EXPECT_EQ(*online, json::array({{{"id", 1}, {"name", "node-c1-o10"}, {"org_id", 10}, {"collaboration_id", 1}}}));

  auto r = emit({{"event", "new_task"}, {"collaboration_id", 1}, {"data", {{"id", 42}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body, nullptr, false), json({{"event", "new_task"}, {"room", "collaboration_1"}}));
  for (Client* c : {alice.get(), node1.get()}) {
    const auto task = c->r.wait("new_task");
    ASSERT_TRUE(task) << c->r.dump();
    EXPECT_EQ(*task, json::array({{{"id", 42}}}));
  }
  settle({alice.get(), bob.get(), node1.get()});
  EXPECT_EQ(bob->r.count("new_task"), 0u) << bob->r.dump();
  EXPECT_EQ(bob->r.count("node-online"), 0u) << bob->r.dump();
  EXPECT_EQ(alice->r.count("invalid_token") + bob->r.count("invalid_token") + node1->r.count("invalid_token"), 0u);

  // Collaboration 2 gets its own.
  ASSERT_EQ(emit({{"event", "new_task"}, {"collaboration_id", 2}, {"data", {{"id", 43}}}}).status, 200);
  const auto at_bob = bob->r.wait("new_task");
  ASSERT_TRUE(at_bob) << bob->r.dump();
  EXPECT_EQ(*at_bob, json::array({{{"id", 43}}}));
  settle({alice.get(), node1.get()});
  EXPECT_EQ(alice->r.count("new_task"), 1u);
  EXPECT_EQ(node1->r.count("new_task"), 1u);

  // A wrong API key is refused.
  EXPECT_EQ(emit({{"event", "new_task"}, {"collaboration_id", 1}}, "wrong").status, 401);
}

TEST_F(Coordinator, BadTokens) {
  std::string tampered = token("1", "node");
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  const std::string forged = jwt_hs256({{"sub", "1"}, {"client_type", "node"}, {"exp", now + 600}}, "wrong secret");
  auto bad = client(tampered, {"websocket"});
  auto wrong_key = client(forged);
  auto unknown = client(token("99", "node"));
  auto none = client("", {"websocket"});
  auto expired = client(token("alice", "user", -10));
  for (Client* c : {bad.get(), wrong_key.get(), unknown.get(), none.get()}) {
    const auto ev = c->r.wait("invalid_token");
    ASSERT_TRUE(ev) << c->r.dump();
    EXPECT_EQ(*ev, json::array()) << ev->dump();  // as vantage6: no argument
  }
  const auto ev = expired->r.wait("expired_token");
  ASSERT_TRUE(ev) << expired->r.dump();
  EXPECT_EQ(*ev, json::array()) << ev->dump();
  // They stay connected and are in no room: an emit to every room reaches none of them.
  auto node3 = client(token("3", "node"), {"websocket"});
  ASSERT_TRUE(node3->wait_connected()) << node3->r.dump();
  ASSERT_EQ(emit({{"event", "sync"}, {"room", "all_nodes"}}).status, 200);
  ASSERT_TRUE(node3->r.wait("sync")) << node3->r.dump();
  std::vector<Client*> refused{bad.get(), wrong_key.get(), unknown.get(), none.get(), expired.get()};
  settle(refused);
  for (Client* c : refused) {
    EXPECT_TRUE(c->s->connected());
    EXPECT_EQ(c->r.count("sync"), 0u) << c->r.dump();
  }
}

}  // namespace
