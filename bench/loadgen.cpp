// bench/loadgen.cpp - load generator for the benchmarks (bench/run.sh drives it).
//
// One thread, one io_context, thousands of Boost.Beast WebSocket connections to 127.0.0.1 that
// speak Engine.IO v4 / Socket.IO v5 through the core's codecs (sio/engineio/packet.hpp,
// sio/socketio/packet.hpp): handshake, pong every ping, CONNECT to "/". Everything received is
// checked: an unexpected packet, a decode error, a closed connection or a wrong count aborts the
// run with "loadgen: FAIL: ..." and exit status 1, so every figure printed is backed by messages
// actually received. Bounded: connection count from the command line, whole run under
// --timeout-s.
//
//   sio-loadgen MODE --port P [--host 127.0.0.1] [--pid SERVER_PID] [options]
//
// MODE
//   idle    --stages 1000,10000 [--settle-ms 2000]    hold connections; server RSS at each stage
//   fanout  --conns N --count M --payload B [--rounds R]
//           every client joins room "bench"; client 0 asks the server to emit M messages to the
//           room; timed until all N*M messages arrived (median of R rounds)
//   echo    --conns N --interval-ms I --duration-ms D [--warmup-ms W] --payload B
//           each client emits "echo" with an ack every I ms (random phase); ack round trips
//   setup   --conns N --concurrency C
//           polling handshake (HTTP GET) then WebSocket upgrade (2probe/3probe/5), then CONNECT
//   raw     --conns N --count M --payload B [--rounds R]
//           plain WebSocket to bench/raw_ws_server.cpp: same frames as fanout, no Socket.IO
//
// Output: lines "RESULT key=value ..." on stdout (parsed by run.sh); progress on stderr.
#include <algorithm>
#include <chrono>
#include <functional>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "sio/cli/options.hpp"
#include "sio/core/json.hpp"
#include "sio/engineio/handshake.hpp"
#include "sio/engineio/packet.hpp"
#include "sio/socketio/packet.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using sio::json;
namespace eio = sio::engineio;
namespace sp = sio::socketio;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

[[noreturn]] void fail(const std::string& what) {
  std::cout.flush();
  std::cerr << "loadgen: FAIL: " << what << std::endl;
  std::_Exit(1);
}

struct Config {
  std::string mode;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  long pid = 0;
  std::vector<std::size_t> stages;
  std::size_t conns = 1000;
  std::size_t count = 100;
  std::size_t payload = 16;
  std::size_t rounds = 3;
  long interval_ms = 100;
  long duration_ms = 10000;
  long warmup_ms = 1000;
  long settle_ms = 2000;
  std::size_t concurrency = 200;
  long timeout_s = 300;
  // Source addresses 127.0.0.1 ... 127.0.0.<sources>, taken in turn: each has its own range of
  // ephemeral ports (about 28,000 by default), so more connections than one range holds can
  // reach the one server port.
  std::size_t sources = 1;
};

// ---- /proc readings --------------------------------------------------------------------------

long rss_kb(long pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  fail("cannot read VmRSS of pid " + std::to_string(pid));
}

// utime + stime of a process, seconds.
double cpu_seconds(long pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close_paren = all.rfind(')');
  if (close_paren == std::string::npos) fail("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream rest(all.substr(close_paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Engine.IO v4 text frame carrying one Socket.IO packet.
std::string sio_frame(const sp::Packet& packet) {
  return eio::encode_frame(eio::Packet::message(sp::encode(packet).text), eio::Protocol::v4).bytes;
}

class Bench;

// ---- one connection ------------------------------------------------------------------------

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  enum class State { idle, probing, eio_open, sio_connecting, connected, raw };

  Conn(Bench& bench, std::size_t index, asio::io_context& io) : bench_(bench), index_(index), ws_(io), timer_(io) {}

  asio::awaitable<void> run(bool via_polling, bool raw);
  void send(std::string frame);
  void close_quietly() {
    beast::error_code ec;
    ws_.next_layer().close(ec);
  }

  std::size_t index() const { return index_; }
  State state() const { return state_; }

  // fanout / raw
  std::uint64_t received = 0;
  // echo
  asio::steady_timer& timer() { return timer_; }
  std::uint64_t next_ack_id = 1;
  std::optional<std::uint64_t> outstanding;
  Clock::time_point sent_at{};

 private:
  void on_frame(std::string_view bytes, bool binary);
  void on_sio(const sp::Packet& packet);
  void do_write();
  [[noreturn]] void fail_here(const std::string& what) { fail("conn " + std::to_string(index_) + ": " + what); }

  Bench& bench_;
  std::size_t index_;
  websocket::stream<tcp::socket> ws_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::deque<std::string> out_;
  bool writing_ = false;
  State state_ = State::idle;
};

// ---- the scenarios ---------------------------------------------------------------------------

class Bench {
 public:
  explicit Bench(Config cfg) : cfg_(std::move(cfg)), deadline_(io_), phase_timer_(io_) {
    endpoint_ = tcp::endpoint(asio::ip::make_address(cfg_.host), cfg_.port);
    payload_ = std::string(cfg_.payload, 'x');
    msg_frame_ = sio_frame(sp::Packet::event("/", json::array({"msg", payload_})));
    // Wrapped exactly as the socket.io frame so that both servers send the same bytes.
  }

  int run();

  // called by connections
  void on_connected(Conn& c);
  void on_event(Conn& c, const sp::Packet& p);
  void on_ack(Conn& c, const sp::Packet& p);
  void on_raw(Conn& c, std::string_view frame);
  void on_closed(Conn& c, const beast::error_code& ec) {
    if (finishing_) return;
    fail("conn " + std::to_string(c.index()) + " closed: " + ec.message());
  }
  bool is_msg_frame(std::string_view frame) const { return frame == msg_frame_; }
  void count_msg(Conn& c);

  const Config& cfg() const { return cfg_; }
  const tcp::endpoint& endpoint() const { return endpoint_; }
  // Opens `socket` bound to connection `index`'s source address (--sources), port chosen by the
  // kernel.
  void bind_source(tcp::socket& socket, std::size_t index) const {
    if (cfg_.sources <= 1) return;
    auto bytes = asio::ip::address_v4::loopback().to_bytes();
    bytes[3] = static_cast<unsigned char>(1 + index % cfg_.sources);
    beast::error_code ec;
    socket.open(tcp::v4(), ec);
    if (!ec) socket.bind(tcp::endpoint(asio::ip::address_v4(bytes), 0), ec);
    if (ec) fail("bind to source address " + asio::ip::address_v4(bytes).to_string() + ": " + ec.message());
  }
  std::string host_header() const { return cfg_.host + ":" + std::to_string(cfg_.port); }

 private:
  void launch_until(std::size_t target);
  void all_connected();
  void result(const std::string& line) { std::cout << "RESULT mode=" << cfg_.mode << " " << line << std::endl; }
  void finish() {
    finishing_ = true;
    for (auto& c : conns_) c->close_quietly();
    io_.stop();
  }

  // scenarios
  void idle_stage_reached();
  void fanout_join();
  void fanout_round();
  void fanout_check_done();
  void end_round(const char* what, std::function<void()> next_round, const std::string& extra);
  void echo_start();
  void echo_schedule(Conn& c, Clock::duration delay);
  void echo_fire(Conn& c);
  void echo_stop();
  void raw_round();

  Config cfg_;
  asio::io_context io_{1};
  asio::steady_timer deadline_;
  asio::steady_timer phase_timer_;
  tcp::endpoint endpoint_;
  std::string payload_;
  std::string msg_frame_;
  std::vector<std::shared_ptr<Conn>> conns_;
  std::size_t target_ = 0;     // connections wanted now
  std::size_t launched_ = 0;   // started
  std::size_t connected_ = 0;  // Socket.IO connected (or raw WebSocket open)
  bool finishing_ = false;
  Clock::time_point t_start_{};
  std::size_t stage_ = 0;
  long rss_base_ = 0;
  double cpu_base_ = 0, self_cpu_base_ = 0;
  // fanout
  std::size_t joined_ = 0;
  std::size_t round_ = 0;
  std::uint64_t delivered_ = 0;
  bool fanout_acked_ = false;
  std::vector<double> rates_;
  std::uint64_t slow_msgs_ = 0;  // fan-out messages that needed a full decode (other bytes)
  double server_cpu_ = 0, self_cpu_ = 0;
  // echo
  bool echo_running_ = false;
  Clock::time_point echo_measure_from_{};
  std::vector<std::int64_t> latencies_us_;
  std::size_t echo_outstanding_ = 0;
  std::uint64_t echo_late_ = 0;
  std::mt19937_64 rng_{42};
};

// ---- Conn implementation ---------------------------------------------------------------------

asio::awaitable<void> Conn::run(bool via_polling, bool raw) {
  auto self = shared_from_this();
  std::string target = "/socket.io/?EIO=4&transport=websocket";
  if (via_polling) {
    // Polling handshake: GET /socket.io/?EIO=4&transport=polling -> open packet with the sid.
    tcp::socket http_socket(ws_.get_executor());
    bench_.bind_source(http_socket, index_);
    auto [ec1] = co_await http_socket.async_connect(bench_.endpoint(), tuple_awaitable);
    if (ec1) fail_here("polling connect: " + ec1.message());
    http::request<http::empty_body> req{http::verb::get, "/socket.io/?EIO=4&transport=polling", 11};
    req.set(http::field::host, bench_.host_header());
    req.set(http::field::connection, "close");
    auto [ec2, n2] = co_await http::async_write(http_socket, req, tuple_awaitable);
    if (ec2) fail_here("polling write: " + ec2.message());
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    auto [ec3, n3] = co_await http::async_read(http_socket, buf, res, tuple_awaitable);
    if (ec3) fail_here("polling read: " + ec3.message());
    if (res.result() != http::status::ok) fail_here("polling handshake status " + std::to_string(res.result_int()));
    auto packets = eio::decode_payload(res.body(), eio::Protocol::v4);
    if (!packets) fail_here("polling handshake body: " + packets.error().message);
    if (packets.value().empty() || packets.value()[0].type != eio::PacketType::open)
      fail_here("polling handshake: no open packet in '" + res.body() + "'");
    auto hs = eio::decode_handshake(packets.value()[0].data);
    if (!hs) fail_here("polling handshake: " + hs.error().message);
    if (std::find(hs.value().upgrades.begin(), hs.value().upgrades.end(), "websocket") == hs.value().upgrades.end())
      fail_here("polling handshake offers no websocket upgrade");
    beast::error_code ignored;
    http_socket.close(ignored);
    target += "&sid=" + hs.value().sid;
  }
  if (raw) target = "/";

  bench_.bind_source(ws_.next_layer(), index_);
  auto [ec4] = co_await ws_.next_layer().async_connect(bench_.endpoint(), tuple_awaitable);
  if (ec4) fail_here("connect: " + ec4.message());
  ws_.next_layer().set_option(tcp::no_delay(true));
  auto [ec5] = co_await ws_.async_handshake(bench_.host_header(), target, tuple_awaitable);
  if (ec5) fail_here("websocket handshake: " + ec5.message());

  if (raw) {
    state_ = State::raw;
    bench_.on_connected(*this);
  } else if (via_polling) {
    state_ = State::probing;
    send(eio::encode_frame(eio::Packet::text(eio::PacketType::ping, "probe"), eio::Protocol::v4).bytes);
  } else {
    state_ = State::idle;  // waiting for the open packet
  }

  for (;;) {
    auto [ec, n] = co_await ws_.async_read(buffer_, tuple_awaitable);
    if (ec) {
      bench_.on_closed(*this, ec);
      co_return;
    }
    const auto data = buffer_.cdata();
    on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()), ws_.got_binary());
    buffer_.consume(n);
  }
}

void Conn::send(std::string frame) {
  out_.push_back(std::move(frame));
  if (!writing_) do_write();
}

void Conn::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(asio::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) {
      self->bench_.on_closed(*self, ec);
      return;
    }
    self->out_.pop_front();
    if (self->out_.empty()) {
      self->writing_ = false;
    } else {
      self->do_write();
    }
  });
}

void Conn::on_frame(std::string_view bytes, bool binary) {
  if (state_ == State::raw) {
    bench_.on_raw(*this, bytes);
    return;
  }
  // Fast path for the fan-out flood: the exact bytes both servers send.
  if (state_ == State::connected && !binary && bench_.is_msg_frame(bytes)) {
    bench_.count_msg(*this);
    return;
  }
  auto decoded = eio::decode_frame(bytes, binary, eio::Protocol::v4);
  if (!decoded) fail_here("bad Engine.IO frame: " + decoded.error().message);
  const eio::Packet& packet = decoded.value();
  switch (packet.type) {
    case eio::PacketType::open: {
      if (state_ != State::idle) fail_here("unexpected open packet");
      auto hs = eio::decode_handshake(packet.data);
      if (!hs) fail_here("bad open packet: " + hs.error().message);
      state_ = State::sio_connecting;
      send(sio_frame(sp::Packet::connect("/")));
      return;
    }
    case eio::PacketType::ping:
      send(eio::encode_frame(eio::Packet::text(eio::PacketType::pong, packet.data), eio::Protocol::v4).bytes);
      return;
    case eio::PacketType::pong:
      if (state_ != State::probing || packet.data != "probe") fail_here("unexpected pong '" + packet.data + "'");
      send(eio::encode_frame(eio::Packet::text(eio::PacketType::upgrade), eio::Protocol::v4).bytes);
      state_ = State::sio_connecting;
      send(sio_frame(sp::Packet::connect("/")));
      return;
    case eio::PacketType::noop:
      return;
    case eio::PacketType::message: {
      if (packet.binary) fail_here("unexpected binary message");
      auto header = sp::decode_text(packet.data);
      if (!header) fail_here("bad Socket.IO packet: " + header.error().message + " in '" + packet.data + "'");
      if (header.value().attachments != 0) fail_here("unexpected binary packet");
      on_sio(header.value().packet);
      return;
    }
    default:
      fail_here("unexpected Engine.IO packet " + std::string(eio::to_string(packet.type)) + " '" + packet.data + "'");
  }
}

void Conn::on_sio(const sp::Packet& p) {
  if (p.nsp != "/") fail_here("packet for namespace " + p.nsp);
  switch (p.type) {
    case sp::PacketType::connect:
      if (state_ != State::sio_connecting) fail_here("unexpected CONNECT");
      if (!p.data.is_object() || !p.data.contains("sid") || !p.data["sid"].is_string())
        fail_here("CONNECT without sid: " + p.data.dump());
      state_ = State::connected;
      bench_.on_connected(*this);
      return;
    case sp::PacketType::event:
      if (state_ != State::connected) fail_here("event before CONNECT");
      bench_.on_event(*this, p);
      return;
    case sp::PacketType::ack:
      if (state_ != State::connected) fail_here("ack before CONNECT");
      bench_.on_ack(*this, p);
      return;
    default:
      fail_here("unexpected Socket.IO packet " + std::string(sp::to_string(p.type)) + " " + p.data.dump());
  }
}

// ---- Bench implementation --------------------------------------------------------------------

int Bench::run() {
  deadline_.expires_after(std::chrono::seconds(cfg_.timeout_s));
  deadline_.async_wait([this](beast::error_code ec) {
    if (ec) return;
    fail("timeout after " + std::to_string(cfg_.timeout_s) + " s (connected " + std::to_string(connected_) + "/" +
         std::to_string(target_) + ", delivered " + std::to_string(delivered_) + ")");
  });
  rss_base_ = rss_kb(cfg_.pid);
  cpu_base_ = cpu_seconds(cfg_.pid);
  self_cpu_base_ = self_cpu_seconds();
  t_start_ = Clock::now();
  if (cfg_.mode == "idle") {
    if (cfg_.stages.empty()) fail("idle needs --stages");
    launch_until(cfg_.stages[0]);
  } else {
    launch_until(cfg_.conns);
  }
  io_.run();
  return 0;
}

void Bench::launch_until(std::size_t target) {
  target_ = target;
  const bool polling = cfg_.mode == "setup";
  const bool raw = cfg_.mode == "raw";
  while (launched_ < target_ && launched_ - connected_ < cfg_.concurrency) {
    auto c = std::make_shared<Conn>(*this, conns_.size(), io_);
    conns_.push_back(c);
    ++launched_;
    asio::co_spawn(io_, c->run(polling, raw), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        fail(std::string("exception: ") + ex.what());
      }
    });
  }
}

void Bench::on_connected(Conn&) {
  ++connected_;
  if (connected_ < target_) {
    launch_until(target_);
    return;
  }
  if (connected_ == target_) all_connected();
}

void Bench::all_connected() {
  const auto now = Clock::now();
  std::cerr << "loadgen: " << connected_ << " connected in " << seconds_between(t_start_, now) << " s" << std::endl;
  if (cfg_.mode == "idle") {
    phase_timer_.expires_after(std::chrono::milliseconds(cfg_.settle_ms));
    phase_timer_.async_wait([this](beast::error_code ec) {
      if (!ec) idle_stage_reached();
    });
  } else if (cfg_.mode == "setup") {
    const double secs = seconds_between(t_start_, now);
    std::ostringstream line;
    line << "conns=" << connected_ << " seconds=" << secs << " conns_per_sec=" << static_cast<double>(connected_) / secs
         << " server_cpu_s=" << cpu_seconds(cfg_.pid) - cpu_base_
         << " loadgen_cpu_s=" << self_cpu_seconds() - self_cpu_base_;
    result(line.str());
    finish();
  } else if (cfg_.mode == "fanout") {
    fanout_join();
  } else if (cfg_.mode == "raw") {
    raw_round();
  } else if (cfg_.mode == "echo") {
    echo_start();
  }
}

// -- idle

void Bench::idle_stage_reached() {
  const long rss = rss_kb(cfg_.pid);
  std::ostringstream line;
  line << "conns=" << connected_ << " rss_base_kb=" << rss_base_ << " rss_kb=" << rss << " bytes_per_conn="
       << static_cast<double>(rss - rss_base_) * 1024.0 / static_cast<double>(connected_);
  result(line.str());
  if (++stage_ < cfg_.stages.size()) {
    launch_until(cfg_.stages[stage_]);
  } else {
    finish();
  }
}

// -- fanout

void Bench::fanout_join() {
  t_start_ = Clock::now();
  for (auto& c : conns_) c->send(sio_frame(sp::Packet::event("/", json::array({"join", "bench"}), c->next_ack_id++)));
}

void Bench::fanout_round() {
  for (auto& c : conns_) c->received = 0;
  delivered_ = 0;
  fanout_acked_ = false;
  cpu_base_ = cpu_seconds(cfg_.pid);
  self_cpu_base_ = self_cpu_seconds();
  t_start_ = Clock::now();
  auto& controller = *conns_[0];
  controller.send(sio_frame(sp::Packet::event(
      "/", json::array({"fanout", "bench", cfg_.count, payload_}), controller.next_ack_id++)));
}

void Bench::count_msg(Conn& c) {
  if (cfg_.mode != "fanout" || round_ >= cfg_.rounds || joined_ < conns_.size())
    fail("conn " + std::to_string(c.index()) + ": msg outside a fan-out round");
  if (++c.received > cfg_.count)
    fail("conn " + std::to_string(c.index()) + ": more than " + std::to_string(cfg_.count) + " messages");
  ++delivered_;
  fanout_check_done();
}

void Bench::fanout_check_done() {
  if (!fanout_acked_ || delivered_ < cfg_.count * conns_.size()) return;
  // next round once everything settled (the controller's ack is already in)
  end_round("round", [this] { fanout_round(); }, " slow_path_msgs=" + std::to_string(slow_msgs_));
}

// One fan-out round is complete: records its rate and CPU, then starts the next round or reports
// the median of the rounds and finishes.
void Bench::end_round(const char* what, std::function<void()> next_round, const std::string& extra) {
  const double secs = seconds_between(t_start_, Clock::now());
  rates_.push_back(static_cast<double>(delivered_) / secs);
  server_cpu_ += cpu_seconds(cfg_.pid) - cpu_base_;
  self_cpu_ += self_cpu_seconds() - self_cpu_base_;
  std::cerr << "loadgen: " << what << " " << round_ << ": " << delivered_ << " messages in " << secs << " s"
            << std::endl;
  if (++round_ < cfg_.rounds) {
    asio::post(io_, std::move(next_round));
    return;
  }
  auto sorted = rates_;
  std::sort(sorted.begin(), sorted.end());
  const double total = static_cast<double>(cfg_.count * conns_.size() * cfg_.rounds);
  std::ostringstream line;
  line << "conns=" << conns_.size() << " count=" << cfg_.count << " payload=" << cfg_.payload
       << " rounds=" << cfg_.rounds << " msgs_per_sec=" << sorted[sorted.size() / 2]
       << " best_msgs_per_sec=" << sorted.back()
       << " server_cpu_s_per_M=" << server_cpu_ * 1e6 / total
       << " loadgen_cpu_s_per_M=" << self_cpu_ * 1e6 / total << extra;
  result(line.str());
  finish();
}

void Bench::on_event(Conn& c, const sp::Packet& p) {
  // Only "msg" is expected; the fast path compares bytes, here a server that writes the same
  // event with other bytes (key order, escapes) still counts if the content is right.
  if (p.data.size() == 2 && p.data[0] == "msg" && p.data[1] == payload_ && cfg_.mode == "fanout") {
    ++slow_msgs_;
    count_msg(c);
    return;
  }
  fail("conn " + std::to_string(c.index()) + ": unexpected event " + p.data.dump());
}

void Bench::on_ack(Conn& c, const sp::Packet& p) {
  const auto id = *p.id;
  if (cfg_.mode == "fanout") {
    if (id == 1) {  // join
      if (p.data != json::array()) fail("join ack: " + p.data.dump());
      if (++joined_ == conns_.size()) {
        std::cerr << "loadgen: " << joined_ << " joined in " << seconds_between(t_start_, Clock::now()) << " s"
                  << std::endl;
        fanout_round();
      }
      return;
    }
    if (c.index() != 0 || id != c.next_ack_id - 1 || fanout_acked_) fail("unexpected ack " + std::to_string(id));
    if (p.data != json::array({cfg_.count})) fail("fanout ack: " + p.data.dump());
    fanout_acked_ = true;
    fanout_check_done();
    return;
  }
  if (cfg_.mode == "echo") {
    if (!c.outstanding || *c.outstanding != id)
      fail("conn " + std::to_string(c.index()) + ": unexpected ack " + std::to_string(id));
    if (p.data != json::array({payload_})) fail("echo ack: " + p.data.dump());
    const auto now = Clock::now();
    c.outstanding.reset();
    --echo_outstanding_;
    if (c.sent_at >= echo_measure_from_)
      latencies_us_.push_back(std::chrono::duration_cast<std::chrono::microseconds>(now - c.sent_at).count());
    if (!echo_running_) {
      if (echo_outstanding_ == 0) echo_stop();
      return;
    }
    // next emit one interval after the previous one was sent; at once if already late
    const auto next = c.sent_at + std::chrono::milliseconds(cfg_.interval_ms);
    echo_schedule(c, next > now ? next - now : Clock::duration::zero());
    return;
  }
  fail("unexpected ack in mode " + cfg_.mode);
}

// -- echo

void Bench::echo_start() {
  echo_running_ = true;
  const auto now = Clock::now();
  echo_measure_from_ = now + std::chrono::milliseconds(cfg_.warmup_ms);
  cpu_base_ = -1;
  std::uniform_int_distribution<long> phase(0, std::max<long>(cfg_.interval_ms, 1) * 1000 - 1);
  for (auto& c : conns_) echo_schedule(*c, std::chrono::microseconds(phase(rng_)));
  phase_timer_.expires_after(std::chrono::milliseconds(cfg_.warmup_ms));
  phase_timer_.async_wait([this](beast::error_code ec) {
    if (ec) return;
    cpu_base_ = cpu_seconds(cfg_.pid);
    self_cpu_base_ = self_cpu_seconds();
    phase_timer_.expires_after(std::chrono::milliseconds(cfg_.duration_ms));
    phase_timer_.async_wait([this](beast::error_code ec2) {
      if (ec2) return;
      echo_running_ = false;
      server_cpu_ = cpu_seconds(cfg_.pid) - cpu_base_;
      self_cpu_ = self_cpu_seconds() - self_cpu_base_;
      for (auto& c : conns_) c->timer().cancel();
      if (echo_outstanding_ == 0) echo_stop();  // else: when the last ack arrives
    });
  });
}

void Bench::echo_schedule(Conn& c, Clock::duration delay) {
  c.timer().expires_after(delay);
  c.timer().async_wait([this, &c](beast::error_code ec) {
    if (ec || !echo_running_) return;
    echo_fire(c);
  });
}

void Bench::echo_fire(Conn& c) {
  if (c.outstanding) {
    ++echo_late_;
    return;
  }
  c.outstanding = c.next_ack_id++;
  c.sent_at = Clock::now();
  ++echo_outstanding_;
  c.send(sio_frame(sp::Packet::event("/", json::array({"echo", payload_}), *c.outstanding)));
}

void Bench::echo_stop() {
  if (latencies_us_.empty()) fail("no echo round trip measured");
  std::sort(latencies_us_.begin(), latencies_us_.end());
  auto pct = [&](double p) {
    const auto n = latencies_us_.size();
    auto idx = static_cast<std::size_t>(std::ceil(p * static_cast<double>(n)));
    return latencies_us_[std::min(n - 1, idx == 0 ? 0 : idx - 1)];
  };
  const double secs = static_cast<double>(cfg_.duration_ms) / 1000.0;
  std::ostringstream line;
  line << "conns=" << conns_.size() << " interval_ms=" << cfg_.interval_ms << " samples=" << latencies_us_.size()
       << " rate_per_sec=" << static_cast<double>(latencies_us_.size()) / secs
       << " p50_us=" << pct(0.50) << " p99_us=" << pct(0.99) << " max_us=" << latencies_us_.back()
       << " late=" << echo_late_ << " server_cpu_s=" << server_cpu_ << " loadgen_cpu_s=" << self_cpu_;
  result(line.str());
  finish();
}

// -- raw WebSocket fan-out

void Bench::raw_round() {
  for (auto& c : conns_) c->received = 0;
  delivered_ = 0;
  cpu_base_ = cpu_seconds(cfg_.pid);
  self_cpu_base_ = self_cpu_seconds();
  t_start_ = Clock::now();
  conns_[0]->send("fanout " + std::to_string(cfg_.count) + " " + msg_frame_);
}

void Bench::on_raw(Conn& c, std::string_view frame) {
  if (frame != msg_frame_) fail("conn " + std::to_string(c.index()) + ": unexpected raw frame '" + std::string(frame) + "'");
  if (++c.received > cfg_.count) fail("conn " + std::to_string(c.index()) + ": too many frames");
  if (++delivered_ < cfg_.count * conns_.size()) return;
  end_round("raw round", [this] { raw_round(); }, "");
}

// ---- command line ----------------------------------------------------------------------------

Config parse(int argc, char** argv) {
  Config cfg;
  std::string stages;
  sio::cli::Options cli("sio-loadgen",
                        "sio-loadgen idle|fanout|echo|setup|raw --port P [--host H] [--pid SERVER_PID]\n"
                        "       [--stages N,N] [--conns N] [--count M] [--payload B] [--rounds R]\n"
                        "       [--interval-ms I] [--duration-ms D] [--warmup-ms W] [--settle-ms S]\n"
                        "       [--concurrency C] [--timeout-s T] [--sources K]");
  constexpr std::int64_t kMany = 100'000'000, kDayMs = 86'400'000;
  cli.add()("mode", sio::cli::value(&cfg.mode), "idle, fanout, echo, setup or raw (the first operand)")(
      "host", sio::cli::value(&cfg.host), "the server (loopback only)")(
      "stages", sio::cli::value(&stages)->value_name("N,N"), "connection counts, increasing");
  cli.add_port("port", &cfg.port, "the server's port (required)", sio::cli::Port::allow_zero);
  cli.add_integer("pid", &cfg.pid, 0, 1L << 22, "the server's pid (RSS and CPU readings)");
  cli.add_integer("conns", &cfg.conns, 1, kMany, "connections");
  cli.add_integer("count", &cfg.count, 0, kMany, "messages per round");
  cli.add_integer("payload", &cfg.payload, 0, kMany, "payload bytes");
  cli.add_integer("rounds", &cfg.rounds, 1, kMany, "rounds");
  cli.add_integer("interval-ms", &cfg.interval_ms, 0, kDayMs, "ms between messages");
  cli.add_integer("duration-ms", &cfg.duration_ms, 0, kDayMs, "ms of measurement");
  cli.add_integer("warmup-ms", &cfg.warmup_ms, 0, kDayMs, "ms of warm-up");
  cli.add_integer("settle-ms", &cfg.settle_ms, 0, kDayMs, "ms to settle");
  cli.add_integer("concurrency", &cfg.concurrency, 1, kMany, "connection attempts in flight");
  cli.add_integer("timeout-s", &cfg.timeout_s, 1, 86'400, "give up after T seconds");
  cli.add_integer("sources", &cfg.sources, 1, 254,
                  "source addresses 127.0.0.1 to 127.0.0.K, in turn (more connections than one "
                  "ephemeral port range holds)");
  cli.positional("mode", 1);
  if (const auto exit_code = cli.parse(argc, argv)) std::exit(*exit_code);
  auto usage = [&cli]() {
    cli.print_usage(std::cerr);
    std::exit(2);
  };
  if (cfg.mode != "idle" && cfg.mode != "fanout" && cfg.mode != "echo" && cfg.mode != "setup" && cfg.mode != "raw")
    usage();
  std::istringstream in(stages);
  std::string item;
  try {
    while (std::getline(in, item, ',')) {
      cfg.stages.push_back(static_cast<std::size_t>(sio::cli::parse_integer("stages", item, 1, kMany)));
    }
  } catch (const std::exception& e) {
    fail(e.what());
  }
  if (cfg.port == 0 || cfg.conns == 0 || cfg.rounds == 0 || cfg.concurrency == 0) usage();
  const auto addr = asio::ip::make_address(cfg.host);
  if (!addr.is_loopback()) fail("loopback only: " + cfg.host);
  if (cfg.sources > 1 && !addr.is_v4()) fail("--sources needs an IPv4 host");
  for (std::size_t i = 1; i < cfg.stages.size(); ++i)
    if (cfg.stages[i] <= cfg.stages[i - 1]) fail("--stages must increase");
  return cfg;
}

void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg = parse(argc, argv);
  raise_fd_limit();
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  const std::size_t wanted = cfg.mode == "idle" && !cfg.stages.empty() ? cfg.stages.back() : cfg.conns;
  if (rl.rlim_cur < wanted + 64)
    fail("file descriptor limit " + std::to_string(rl.rlim_cur) + " too low for " + std::to_string(wanted) +
         " connections (raise ulimit -n)");
  Bench bench(std::move(cfg));
  return bench.run();
}
