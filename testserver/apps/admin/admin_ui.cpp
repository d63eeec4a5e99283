// The @socket.io/admin-ui server side on the reference server. See admin_ui.hpp.
#include "admin_ui.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "../common/bcrypt.hpp"
#include "../common/credentials.hpp"
#include "../common/password_checks.hpp"
#include "sio/server/static_files.hpp"

namespace sio::admin {

using server::ConnectError;
using server::EngineSocket;
using server::Namespace;
using server::NamespacePtr;
using server::Next;
using server::Room;
using server::Socket;
using server::SocketId;

namespace {

// Roughly the process start (static initialisation), for server_stats.uptime.
const auto kProcessStart = std::chrono::steady_clock::now();

const ConnectError kInvalidCredentials{"invalid credentials"};

void log(std::string_view message) { std::cerr << "[admin] " << message << std::endl; }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What JSON.stringify(new Date()) gives: "2024-05-01T12:34:56.789Z".
std::string iso_now() {
  const std::int64_t ms = now_ms();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string session_digest(std::string_view id) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(id.data()), id.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Node's querystring-parsed object: repeated keys become arrays.
json query_object(const std::multimap<std::string, std::string>& query) {
  json out = json::object();
  for (const auto& [k, v] : query) {
    if (!out.contains(k)) {
      out[k] = v;
    } else if (out[k].is_array()) {
      out[k].push_back(v);
    } else {
      out[k] = json::array({out[k], v});
    }
  }
  return out;
}

json data_without_admin(const json& data) {
  if (!data.is_object()) return data;
  json copy = data;
  copy.erase("_admin");
  return copy;
}

// Counts of one second of one kind (the package's EventBuffer).
struct Aggregate {
  std::int64_t timestamp;
  std::string type;
  std::optional<std::string> sub_type;
  std::int64_t count;
};

}  // namespace

// ---- shared state ------------------------------------------------------------------------------

struct AdminUi::State : std::enable_shared_from_this<State> {
  AdminOptions opts;
  bool development = true;
  std::string ui_root;  // resolved ui/dist directory ("" = no UI)
  std::string hostname = host_name();
  std::string server_id;

  server::Server* srv = nullptr;
  boost::asio::any_io_executor executor;
  std::weak_ptr<Namespace> admin;
  // Every namespace seen, keyed by creation number (the order of Node's io._nsps); entries of
  // namespaces that are gone are dropped by the stats tick (listing and sweep, below).
  std::map<std::uint64_t, std::weak_ptr<Namespace>> nsps;
  std::uint64_t next_nsp = 0;
  std::uint64_t sweep_from = 0;  // where the next tick's sweep starts
  bool warned_namespace_cap = false;
  std::shared_ptr<apps::PasswordCheckPool> verifier = std::make_shared<apps::PasswordCheckPool>();
  std::shared_ptr<boost::asio::steady_timer> timer;

  // The package's InMemoryStore, holding SHA-256 digests of the session ids: a lookup's timing
  // tells nothing about the secret ids themselves.
  std::set<std::string> sessions;
  // admin socket -> (session id to send on connect, when); dropped after a minute if it never connects
  std::map<SocketId, std::pair<std::string, std::chrono::steady_clock::time_point>> pending_session;
  std::vector<Aggregate> aggregated;
  std::vector<std::weak_ptr<EngineSocket>> engine_sessions;
  bool transport_check_posted = false;
  std::set<std::string> transport_checks;  // Engine.IO ids whose transport changed

  struct Tracked {
    std::weak_ptr<Socket> socket;
    std::string nsp;
    std::string transport;
    json data;
  };
  using TrackedKey = std::pair<std::string, SocketId>;  // (nsp, id)
  std::map<TrackedKey, Tracked> tracked;
  std::map<std::string, std::set<TrackedKey>> tracked_by_conn;  // Engine.IO id -> its sockets
  TrackedKey next_check;  // where the next tick's round of data checks starts

  bool live() const {
    auto a = admin.lock();
    return a && a->server() != nullptr;
  }

  void emit_admin(std::string_view event, json args) {
    auto a = admin.lock();
    if (a && a->server()) a->emit(event, std::move(args));
  }

  NamespacePtr find_nsp(const std::string& name) {
    for (const auto& [number, w] : nsps) {
      auto n = w.lock();
      if (n && n->name() == name) return n;
    }
    return nullptr;
  }

  void push_event(const std::string& type, std::optional<std::string> sub_type = std::nullopt,
                  std::int64_t count = 1) {
    const std::int64_t ts = now_ms() / 1000 * 1000;
    for (auto& a : aggregated) {
      if (a.timestamp == ts && a.type == type && a.sub_type == sub_type) {
        a.count += count;
        return;
      }
    }
    aggregated.push_back({ts, type, std::move(sub_type), count});
  }

  json take_aggregated() {
    json out = json::array();
    for (const auto& a : aggregated) {
      json e = {{"timestamp", a.timestamp}, {"type", a.type}, {"count", a.count}};
      if (a.sub_type) e["subType"] = *a.sub_type;
      out.push_back(std::move(e));
    }
    aggregated.clear();
    return out;
  }

  json serialize(const Socket& s) const {
    const auto conn = s.conn();
    const auto& hs = s.handshake();
    std::string address = hs.address;
    if (auto it = hs.headers.find("x-forwarded-for"); it != hs.headers.end() && !it->second.empty()) {
      address = it->second;
    }
    if (auto it = hs.headers.find("cf-connecting-ip"); it != hs.headers.end() && !it->second.empty()) {
      address = it->second;
    }
    json rooms = json::array();
    for (const auto& r : s.rooms()) rooms.push_back(r);
    return {
        {"id", s.id()},
        {"clientId", conn ? conn->id().substr(0, 12) : std::string()},
        {"transport", conn ? std::string(conn->transport()) : std::string()},
        {"nsp", s.nsp().name()},
        {"data", data_without_admin(s.data)},
        {"handshake",
         {{"address", address},
          {"headers", hs.headers},
          {"query", query_object(hs.query)},
          {"issued", hs.issued},
          {"secure", hs.secure},
          {"time", hs.time},
          {"url", hs.url},
          {"xdomain", hs.xdomain}}},
        {"rooms", std::move(rooms)},
    };
  }

  json all_sockets() const {
    json out = json::array();
    for (const auto& [number, w] : nsps) {
      auto n = w.lock();
      if (!n) continue;
      for (const auto& [id, s] : n->sockets()) out.push_back(serialize(*s));
    }
    return out;
  }

  json supported_features() const {
    json f = json::array();
    if (!opts.readonly) f = {"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"};
    f.push_back("AGGREGATED_EVENTS");
    if (development) f.push_back("ALL_EVENTS");
    return f;
  }

  // ---- listeners on every namespace (development mode)

  void on_socket_connected(Socket& s) {
    const std::string nsp = s.nsp().name();
    const auto conn = s.conn();
    const std::string conn_id = conn ? conn->id() : std::string();
    tracked[{nsp, s.id()}] = Tracked{s.weak_from_this(), nsp, conn ? std::string(conn->transport()) : "",
                                     data_without_admin(s.data)};
    tracked_by_conn[conn_id].insert({nsp, s.id()});
    emit_admin("socket_connected", json::array({serialize(s), iso_now()}));
    std::weak_ptr<State> weak = weak_from_this();
    const std::string id = s.id();
    if (nsp != opts.namespace_name) {
      s.on_any([weak, nsp, id](const std::string& event, const json& args) {
        auto st = weak.lock();
        if (!st) return;
        json all = json::array({event});
        for (const auto& a : args) all.push_back(a);
        st->emit_admin("event_received", json::array({nsp, id, std::move(all), iso_now()}));
      });
      s.on_any_outgoing([weak, nsp, id](const std::string& event, const json& args) {
        auto st = weak.lock();
        if (!st) return;
        json all = json::array({event});
        for (const auto& a : args) all.push_back(a);
        st->emit_admin("event_sent", json::array({nsp, id, std::move(all), iso_now()}));
      });
    }
    s.on_disconnect([weak, nsp, id, conn_id](const std::string& reason) {
      auto st = weak.lock();
      if (!st) return;
      st->tracked.erase({nsp, id});
      if (auto it = st->tracked_by_conn.find(conn_id); it != st->tracked_by_conn.end()) {
        it->second.erase({nsp, id});
        if (it->second.empty()) st->tracked_by_conn.erase(it);
      }
      st->emit_admin("socket_disconnected", json::array({nsp, id, reason, iso_now()}));
    });
  }

  void instrument(Namespace& n) {
    nsps.emplace(next_nsp++, n.weak_from_this());
    if (!development || n.name() == opts.namespace_name) return;  // the admin namespace: see attach
    std::weak_ptr<State> weak = weak_from_this();
    n.on_connection([weak](Socket& s) {
      if (auto st = weak.lock()) st->on_socket_connected(s);
    });
  }

  void room_joined(const std::string& nsp, const Room& room, const SocketId& id) {
    if (!development) return;
    emit_admin("room_joined", json::array({nsp, room, id, iso_now()}));
  }

  void room_left(const std::string& nsp, const Room& room, const SocketId& id) {
    if (!development || !executor) return;
    // Later, as the package does (process.nextTick): the socket has left by then.
    boost::asio::post(executor, [weak = weak_from_this(), nsp, room, id] {
      if (auto st = weak.lock()) st->emit_admin("room_left", json::array({nsp, room, id, iso_now()}));
    });
  }

  // socket_updated for one tracked socket whose transport (upgrade) or data changed since last
  // seen.
  void check_update(Tracked& t) {
    auto s = t.socket.lock();
    if (!s || !s->connected()) return;  // its disconnect handler removes it
    if (const auto conn = s->conn()) {
      const std::string transport(conn->transport());
      if (transport != t.transport) {
        t.transport = transport;
        emit_admin("socket_updated", json::array({{{"id", s->id()}, {"nsp", t.nsp}, {"transport", transport}}}));
      }
    }
    json data = data_without_admin(s->data);
    if (data != t.data) {
      t.data = data;
      emit_admin("socket_updated", json::array({{{"id", s->id()}, {"nsp", t.nsp}, {"data", std::move(data)}}}));
    }
  }

  // The stats tick's round: opts.socket_checks_per_tick tracked sockets, resuming where the last
  // round stopped (socket.data has no change hook; every socket is looked at within
  // ceil(sockets / socket_checks_per_tick) ticks).
  void check_updates() {
    if (!development || tracked.empty()) return;
    auto it = tracked.lower_bound(next_check);
    for (std::size_t n = 0; n < opts.socket_checks_per_tick && n < tracked.size(); ++n) {
      if (it == tracked.end()) it = tracked.begin();
      check_update(it->second);
      ++it;
    }
    next_check = it == tracked.end() ? TrackedKey{} : it->first;
  }

  // An Engine.IO session changed transport: soon (not in the middle of a send), check the
  // sockets of that session only.
  void schedule_transport_check(const std::string& conn_id) {
    if (!development || !executor) return;
    transport_checks.insert(conn_id);
    if (transport_check_posted) return;
    transport_check_posted = true;
    boost::asio::post(executor, [weak = weak_from_this()] {
      auto st = weak.lock();
      if (!st) return;
      st->transport_check_posted = false;
      const auto conns = std::move(st->transport_checks);
      st->transport_checks.clear();
      for (const auto& conn_id : conns) {
        const auto by = st->tracked_by_conn.find(conn_id);
        if (by == st->tracked_by_conn.end()) continue;
        for (const auto& key : by->second) {
          if (auto t = st->tracked.find(key); t != st->tracked.end()) st->check_update(t->second);
        }
      }
    });
  }

  void emit_stats() {
    if (!live()) return;
    std::size_t polling = 0;
    std::erase_if(engine_sessions, [](const std::weak_ptr<EngineSocket>& w) { return w.expired(); });
    for (const auto& w : engine_sessions) {
      if (auto c = w.lock(); c && c->transport() == "polling") ++polling;
    }
    json namespaces = list_namespaces();
    const double uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - kProcessStart).count();
    check_updates();
    const auto stale = std::chrono::steady_clock::now() - std::chrono::minutes(1);
    std::erase_if(pending_session, [stale](const auto& e) { return e.second.second < stale; });
    emit_admin("server_stats", json::array({{
                                   {"serverId", server_id},
                                   {"hostname", hostname},
                                   {"pid", static_cast<std::int64_t>(getpid())},
                                   {"uptime", uptime},
                                   {"clientsCount", srv->engine().client_count()},
                                   {"pollingClientsCount", polling},
                                   {"aggregatedEvents", take_aggregated()},
                                   {"namespaces", std::move(namespaces)},
                               }}));
  }

  static bool gone(const NamespacePtr& n) { return !n || n->server() == nullptr; }

  // server_stats.namespaces: the first opts.max_stats_namespaces live namespaces in creation
  // order (all of them, as Node, below that number). The work does not grow with the number of
  // namespaces: at most that many are listed, each dead entry met is dropped once, and a sweep
  // of as many entries (resuming where the last one stopped) drops dead ones further on.
  json list_namespaces() {
    const std::size_t cap = opts.max_stats_namespaces;
    json out = json::array();
    auto it = nsps.begin();
    while (it != nsps.end() && out.size() < cap) {
      auto n = it->second.lock();
      if (gone(n)) {
        it = nsps.erase(it);
        continue;
      }
      out.push_back({{"name", n->name()}, {"socketsCount", n->sockets().size()}});
      ++it;
    }
    if (it != nsps.end() && !warned_namespace_cap) {
      warned_namespace_cap = true;
      log("more than " + std::to_string(cap) + " namespaces: server_stats lists the first " + std::to_string(cap));
    }
    auto sweep = nsps.lower_bound(sweep_from);
    for (std::size_t seen = 0; seen < cap && sweep != nsps.end(); ++seen) {
      sweep = gone(sweep->second.lock()) ? nsps.erase(sweep) : std::next(sweep);
    }
    sweep_from = sweep == nsps.end() ? 0 : sweep->first;
    return out;
  }

  void start_timer() {
    timer = std::make_shared<boost::asio::steady_timer>(executor);
    arm_timer();
  }

  void arm_timer() {
    timer->expires_after(opts.stats_interval);
    timer->async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      auto st = weak.lock();
      if (!st || !st->live()) return;  // server closed: stop ticking
      st->emit_stats();
      st->arm_timer();
    });
  }

  // ---- the admin namespace

  void authenticate(Socket& socket, Next next) {
    if (!opts.auth) return next(std::nullopt);
    const json& auth = socket.handshake().auth;
    if (!auth.is_object()) return next(kInvalidCredentials);
    if (auto it = auth.find("sessionId"); it != auth.end() && it->is_string() && sessions.count(session_digest(it->get_ref<const std::string&>()))) {
      return next(std::nullopt);
    }
    const auto user = auth.find("username");
    const auto pass = auth.find("password");
    if (user == auth.end() || !user->is_string() || pass == auth.end() || !pass->is_string()) {
      log("refused " + socket.id() + ": invalid credentials");
      return next(kInvalidCredentials);
    }
    const auto& user_ref = user->get_ref<const std::string&>();
    const auto& pass_ref = pass->get_ref<const std::string&>();
    if (const auto why = apps::Credentials::refuse_unchecked(user_ref, pass_ref)) {
      log("refused " + socket.id() + ": " + *why);
      return next(kInvalidCredentials);
    }
    // bcrypt takes tens of milliseconds: on a worker, then back on the executor. A wrong username
    // costs the same bcrypt as a wrong password (no username oracle).
    const auto conn = socket.conn();
    const bool queued = verifier->submit(
        conn ? conn->id() : socket.id(),
        [password = pass_ref, hash = opts.password_hash, user_ok = user_ref == opts.username] {
          return apps::bcrypt_verify(password, hash) && user_ok;
        },
        [weak = weak_from_this(), ex = executor, id = socket.id(), next](bool ok) {
          boost::asio::post(ex, [weak, ok, id, next] {
            auto st = weak.lock();
            if (!st || !ok) {
              log("refused " + id + ": invalid credentials");
              return next(kInvalidCredentials);
            }
            const std::string session = random_hex(8);
            st->sessions.insert(session_digest(session));
            st->pending_session[id] = {session, std::chrono::steady_clock::now()};
            next(std::nullopt);
          });
        });
    if (!queued) {
      log("refused " + socket.id() + ": too many password checks pending");
      next(kInvalidCredentials);
    }
  }

  void on_admin_connection(Socket& socket) {
    if (auto it = pending_session.find(socket.id()); it != pending_session.end()) {
      socket.emit("session", json::array({it->second.first}));
      pending_session.erase(it);
    }
    if (development) on_socket_connected(socket);
    if (!opts.readonly) register_commands(socket);
    socket.emit("config", json::array({{{"supportedFeatures", supported_features()}}}));
    if (development) socket.emit("all_sockets", json::array({all_sockets()}));
  }

  static std::optional<std::string> filter_of(const json& args, std::size_t i) {
    if (args.size() > i && args[i].is_string() && !args[i].get<std::string>().empty()) return args[i].get<std::string>();
    return std::nullopt;
  }

  void register_commands(Socket& socket) {
    std::weak_ptr<State> weak = weak_from_this();
    // emit(nsp, filter, ev, ...args)
    socket.on("emit", [weak](const json& args, const server::AckFn&) {
      auto st = weak.lock();
      if (!st) return;
      if (args.size() < 3 || !args[0].is_string() || !args[2].is_string()) return log("ignored a malformed emit command");
      auto n = st->find_nsp(args[0].get<std::string>());
      if (!n) return log("emit: no namespace " + args[0].dump());
      json rest = json::array();
      for (std::size_t i = 3; i < args.size(); ++i) rest.push_back(args[i]);
      const std::string ev = args[2].get<std::string>();
      if (auto f = filter_of(args, 1)) {
        n->to(*f).emit(ev, std::move(rest));
      } else {
        n->emit(ev, std::move(rest));
      }
    });
    // join(nsp, room, filter) / leave(nsp, room, filter)
    for (const bool join : {true, false}) {
      socket.on(join ? "join" : "leave", [weak, join](const json& args, const server::AckFn&) {
        auto st = weak.lock();
        if (!st) return;
        if (args.size() < 2 || !args[0].is_string() || !args[1].is_string()) {
          return log(std::string("ignored a malformed ") + (join ? "join" : "leave") + " command");
        }
        auto n = st->find_nsp(args[0].get<std::string>());
        if (!n) return log("join/leave: no namespace " + args[0].dump());
        const Room room = args[1].get<std::string>();
        const auto f = filter_of(args, 2);
        const auto target = f ? n->in(*f) : n->all();
        if (join) {
          target.sockets_join(room);
        } else {
          target.sockets_leave(room);
        }
      });
    }
    // _disconnect(nsp, close, filter)
    socket.on("_disconnect", [weak](const json& args, const server::AckFn&) {
      auto st = weak.lock();
      if (!st) return;
      if (args.empty() || !args[0].is_string()) return log("ignored a malformed _disconnect command");
      auto n = st->find_nsp(args[0].get<std::string>());
      if (!n) return log("_disconnect: no namespace " + args[0].dump());
      const bool close = args.size() > 1 && args[1].is_boolean() && args[1].get<bool>();
      const auto f = filter_of(args, 2);
      (f ? n->in(*f) : n->all()).disconnect_sockets(close);
    });
  }
};

namespace {

using State = AdminUi::State;

// Reports room joins and leaves to the admin namespace (socket.io-adapter's join-room/leave-room).
template <class Base>
class ReportingAdapter final : public Base {
 public:
  template <class... A>
  ReportingAdapter(std::weak_ptr<State> state, Namespace& nsp, A&&... args)
      : Base(nsp, std::forward<A>(args)...), state_(std::move(state)) {}

  void add_all(const SocketId& id, const std::set<Room>& rooms) override {
    std::vector<Room> added;
    for (const auto& room : rooms) {
      auto it = this->rooms_.find(room);
      if (it == this->rooms_.end() || !it->second.count(id)) added.push_back(room);
    }
    Base::add_all(id, rooms);
    if (auto st = state_.lock()) {
      for (const auto& room : added) st->room_joined(this->nsp().name(), room, id);
    }
  }

  void del(const SocketId& id, const Room& room) override {
    auto it = this->rooms_.find(room);
    const bool was = it != this->rooms_.end() && it->second.count(id);
    Base::del(id, room);
    if (auto st = state_.lock(); st && was) st->room_left(this->nsp().name(), room, id);
  }

  void del_all(const SocketId& id) override {
    std::set<Room> had;
    if (auto it = this->sids_.find(id); it != this->sids_.end()) had = it->second;
    Base::del_all(id);
    if (auto st = state_.lock()) {
      for (const auto& room : had) st->room_left(this->nsp().name(), room, id);
    }
  }

 private:
  std::weak_ptr<State> state_;
};

// An Engine.IO session seen through the admin UI's counters (packetsIn/Out, bytesIn/Out,
// rawDisconnection): wraps the engine's session and is what the Socket.IO layer gets.
class CountingSession final : public EngineSocket, public std::enable_shared_from_this<CountingSession> {
 public:
  CountingSession(std::shared_ptr<EngineSocket> inner, std::weak_ptr<State> state)
      : inner_(std::move(inner)), state_(std::move(state)), transport_(inner_->transport()) {}

  static std::shared_ptr<CountingSession> wrap(std::shared_ptr<EngineSocket> inner, std::weak_ptr<State> state) {
    auto self = std::make_shared<CountingSession>(inner, std::move(state));
    std::weak_ptr<CountingSession> weak = self;
    inner->on_message = [weak](std::string_view data, bool binary) {
      auto s = weak.lock();
      if (!s) return;
      s->count("packetsIn", "bytesIn", data.size());
      if (s->on_message) s->on_message(data, binary);
    };
    inner->on_close = [weak](std::string_view reason) {
      auto s = weak.lock();
      if (!s) return;
      if (auto st = s->state_.lock()) st->push_event("rawDisconnection", std::string(reason));
      auto cb = std::move(s->on_close);
      s->on_message = nullptr;
      s->on_close = nullptr;
      if (cb) cb(reason);
    };
    return self;
  }

  const std::string& id() const override { return inner_->id(); }
  const server::HandshakeInfo& handshake() const override { return inner_->handshake(); }
  engineio::Protocol protocol() const override { return inner_->protocol(); }
  std::string_view transport() const override { return inner_->transport(); }
  bool send(std::string data, bool binary, bool droppable) override {
    count("packetsOut", "bytesOut", data.size());
    return inner_->send(std::move(data), binary, droppable);
  }
  bool send_shared(std::shared_ptr<const std::string> text, bool droppable) override {
    count("packetsOut", "bytesOut", text ? text->size() : 0);
    return inner_->send_shared(std::move(text), droppable);
  }
  void close() override { inner_->close(); }

 private:
  void count(const char* packets, const char* bytes, std::size_t size) {
    auto st = state_.lock();
    if (!st) return;
    st->push_event(packets);
    st->push_event(bytes, std::nullopt, static_cast<std::int64_t>(size));
    if (inner_->transport() != transport_) {  // upgraded: tell the UI soon (not in the middle of a send)
      transport_ = std::string(inner_->transport());
      st->schedule_transport_check(inner_->id());
    }
  }

  std::shared_ptr<EngineSocket> inner_;
  std::weak_ptr<State> state_;
  std::string transport_;
};

std::string resolve_ui_root(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const fs::path& candidate : {fs::path(dir), fs::path(dir) / "ui" / "dist"}) {
    if (fs::is_regular_file(candidate / "index.html", ec)) return fs::weakly_canonical(candidate, ec).string();
  }
  throw std::invalid_argument("admin UI directory " + dir +
                              " has no index.html (give the @socket.io/admin-ui package or its ui/dist)");
}

server::HttpResponse text_response(unsigned status, std::string body) {
  server::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

}  // namespace

// ---- AdminUi -----------------------------------------------------------------------------------

AdminUi::AdminUi(AdminOptions options) : state_(std::make_shared<State>()) {
  if (options.namespace_name.empty() || options.namespace_name[0] != '/') {
    throw std::invalid_argument("the admin namespace must start with '/'");
  }
  if (options.auth && !apps::is_bcrypt_hash(options.password_hash)) {
    throw std::invalid_argument("the admin password must be a valid bcrypt hash ($2a$/$2b$/$2y$, cost 04-16)");
  }
  if (options.ui_path.empty() || options.ui_path[0] != '/') throw std::invalid_argument("the admin UI path must start with '/'");
  while (options.ui_path.size() > 1 && options.ui_path.back() == '/') options.ui_path.pop_back();
  if (options.stats_interval.count() <= 0) throw std::invalid_argument("the stats interval must be positive");
  if (options.max_stats_namespaces == 0) throw std::invalid_argument("max_stats_namespaces must be positive");
  if (options.socket_checks_per_tick == 0) throw std::invalid_argument("socket_checks_per_tick must be positive");
  if (!options.ui_dir.empty()) state_->ui_root = resolve_ui_root(options.ui_dir);
  state_->development = options.mode == "development";
  state_->server_id = options.server_id.empty() ? state_->hostname : options.server_id;
  state_->opts = std::move(options);
}

AdminUi::~AdminUi() {
  if (state_->timer) state_->timer->cancel();
  state_->verifier->stop();
}

const AdminOptions& AdminUi::options() const { return state_->opts; }

void AdminUi::prepare(server::ServerOptions& options) {
  if (options.adapter) {
    log("an adapter factory is already set: room_joined/room_left will not be reported");
    return;
  }
  std::weak_ptr<State> weak = state_;
  if (options.connection_state_recovery) {
    const auto duration = options.connection_state_recovery->max_disconnection_duration;
    options.adapter = [weak, duration](Namespace& nsp) -> std::unique_ptr<server::Adapter> {
      return std::make_unique<ReportingAdapter<server::SessionAwareAdapter>>(weak, nsp, duration);
    };
  } else {
    options.adapter = [weak](Namespace& nsp) -> std::unique_ptr<server::Adapter> {
      return std::make_unique<ReportingAdapter<server::InMemoryAdapter>>(weak, nsp);
    };
  }
}

void AdminUi::attach(server::Server& server) {
  auto st = state_;
  std::weak_ptr<State> weak = st;
  st->srv = &server;
  st->executor = server.executor();

  // Every namespace: "/" now, the others as they are created (dynamic children included).
  st->instrument(*server.sockets());
  server.on_new_namespace([weak](Namespace& n) {
    if (auto s = weak.lock()) s->instrument(n);
  });

  auto admin = server.of(st->opts.namespace_name);
  st->admin = admin;
  admin->use([weak](Socket& socket, Next next) {
    auto s = weak.lock();
    if (!s) return next(kInvalidCredentials);
    s->authenticate(socket, std::move(next));
  });
  admin->on_connection([weak](Socket& socket) {
    if (auto s = weak.lock()) s->on_admin_connection(socket);
  });
  if (!st->opts.auth) log("warning: authentication is disabled for " + st->opts.namespace_name);

  // Engine.IO sessions: counted (rawConnection/rawDisconnection, packets and bytes, polling).
  auto& engine = server.engine();
  auto previous = engine.on_connection;
  engine.on_connection = [weak, previous](std::shared_ptr<EngineSocket> conn) {
    if (!previous) return;
    auto s = weak.lock();
    if (!s) return previous(std::move(conn));
    s->push_event("rawConnection");
    auto wrapped = CountingSession::wrap(conn, weak);
    s->engine_sessions.push_back(wrapped);
    previous(wrapped);
  };

  // The UI's files.
  if (!st->ui_root.empty()) {
    auto files = server::make_static_handler(st->ui_root);
    auto other = engine.on_http_request;
    const std::string prefix = st->opts.ui_path;
    engine.on_http_request = [files, other, prefix](const server::HttpRequest& request,
                                                     server::HttpResponder respond) -> bool {
      const bool mine = request.path == prefix || (starts_with(request.path, prefix) &&
                                                   (prefix == "/" || request.path[prefix.size()] == '/'));
      if (!mine) return other ? other(request, std::move(respond)) : false;
      if (request.method != "GET" && request.method != "HEAD") {
        auto r = text_response(405, "Method Not Allowed\n");
        r.headers.emplace_back("Allow", "GET, HEAD");
        respond(std::move(r));
        return true;
      }
      if (request.path == prefix && prefix != "/") {  // relative asset URLs need the slash
        auto r = text_response(301, "Moved Permanently\n");
        const auto q = request.target.find('?');
        r.headers.emplace_back("Location", prefix + "/" + (q == std::string::npos ? "" : request.target.substr(q)));
        respond(std::move(r));
        return true;
      }
      server::HttpRequest sub = request;
      sub.path = prefix == "/" ? request.path : request.path.substr(prefix.size());
      if (files(sub, respond)) return true;
      respond(text_response(404, "Not Found\n"));
      return true;
    };
  }

  st->start_timer();
}

}  // namespace sio::admin
