// sio/engineio/client_session.hpp - the client side of one Engine.IO session, sans-I/O.
//
// The session owns the protocol state (handshake, heartbeat, upgrade, send buffering); a transport
// layer owns the sockets and feeds the session what happened on them. No I/O, no clock: every
// input that depends on time carries `now`, and the session tells when it wants to be woken up
// (next_timeout / handle_timeout).
//
// Driving it (the transport's loop, after every input):
//   while (auto e = session.poll_event()) ...          // open, message, ping, upgrade, error, close
//   if (session.take_ws_connect()) open a WebSocket     // sid empty: WebSocket-only session
//   if (session.take_ws_close())   close the WebSocket  // failed upgrade probe, or the session ended
//   while (auto f = session.take_ws_frame()) write f on the WebSocket
//   if (session.take_get())        issue a polling GET  // sid empty: the handshake GET
//   if (auto b = session.take_post()) issue a polling POST with b
//   re-arm the timer at session.next_timeout()
//
// Polling: at most one GET and one POST in flight; report their ends with on_get_response /
// on_get_failed / on_post_done / on_post_failed. WebSocket: report on_ws_open / on_ws_frame /
// on_ws_closed; frames handed out by take_ws_frame are written in order.
//
// Upgrade (polling session whose handshake lists "websocket", when allowed): take_ws_connect()
// asks for a WebSocket with the sid; once open the session sends "2probe" on it and waits for
// "3probe"; then it stops issuing GET/POST, waits until the ones in flight end, sends "5" on the
// WebSocket, flushes its buffered packets there and emits Event::upgrade; polling is over. A failed
// probe (WebSocket error, or an answer other than "3probe") closes the WebSocket (take_ws_close)
// and the session stays on polling.
//
// Heartbeat: v4: the server pings ("2"); the session answers "3", emits Event::ping, and closes with
// "ping timeout" when no ping arrives within pingInterval + pingTimeout. v3: the client pings every
// pingInterval and closes with "ping timeout" when no packet arrives within pingTimeout after a ping
// (any packet received pushes the deadline to pingInterval + pingTimeout); Event::ping is emitted when
// the pong arrives.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "sio/engineio/handshake.hpp"
#include "sio/engineio/packet.hpp"

namespace sio::engineio {

using SteadyTime = std::chrono::steady_clock::time_point;

enum class TransportKind : std::uint8_t { polling, websocket };

std::string_view to_string(TransportKind kind) noexcept;

struct ClientSessionOptions {
  Protocol protocol = Protocol::v4;
  TransportKind initial_transport = TransportKind::polling;
  bool upgrade = true;  // probe and upgrade to WebSocket when the handshake offers it
  // v3 polling: whether XHR2 binary bodies may be POSTed (Content-Type application/octet-stream).
  // false: binary messages go as "b4<base64>" in text bodies, which every v3 server accepts.
  bool v3_binary_bodies = false;
  // Handshake deadline (from start() until the open packet); zero: none.
  std::chrono::milliseconds open_timeout{20000};
  // Largest polling body / WebSocket frame accepted from the server.
  std::size_t max_incoming_bytes = 100'000'000;
};

struct ClientEvent {
  enum class Type : std::uint8_t {
    open,     // handshake done: `handshake` is set
    message,  // `data` (text or raw bytes), `binary`
    ping,     // heartbeat: v4 server ping received (pong queued); v3 pong received
    upgrade,  // the session now runs on the WebSocket
    error,    // `data`: what failed; a close event follows
    close,    // `data`: reason ("transport close", "transport error", "ping timeout",
              //         "forced close", "parse error"); `detail`: more about it
  };
  Type type = Type::message;
  std::string data;
  bool binary = false;
  std::string detail;
  Handshake handshake;
};

class ClientSession {
 public:
  enum class State : std::uint8_t { opening, open, upgrading, closing, closed };

  explicit ClientSession(ClientSessionOptions options = {});

  // Begins the handshake on options.initial_transport.
  void start(SteadyTime now);

  // ---- inputs from the application ----
  // Queues one message packet. Ignored unless opening/open/upgrading (packets sent while opening
  // are buffered until the handshake).
  void send(std::string data, bool binary, SteadyTime now);
  // Closes the session: the buffered packets and a close packet ("1") are still handed out
  // (take_post / take_ws_frame) for a best-effort final flush; emits close "forced close".
  void close(SteadyTime now);

  // ---- inputs from the polling transport ----
  // `binary_body`: the response had Content-Type application/octet-stream (v3 XHR2 payload).
  void on_get_response(std::string_view body, bool binary_body, SteadyTime now);
  void on_get_failed(std::string_view what, SteadyTime now);
  void on_post_done(SteadyTime now);
  void on_post_failed(std::string_view what, SteadyTime now);

  // ---- inputs from the WebSocket transport ----
  void on_ws_open(SteadyTime now);
  void on_ws_frame(std::string_view bytes, bool binary, SteadyTime now);
  // The WebSocket ended: `error` true for a failure (connect failed, read/write error), false for
  // a close by the peer.
  void on_ws_closed(bool error, std::string_view what, SteadyTime now);

  // ---- timers ----
  std::optional<SteadyTime> next_timeout() const;
  void handle_timeout(SteadyTime now);

  // ---- outputs ----
  std::optional<ClientEvent> poll_event();
  bool take_get();                  // true: issue a GET now (it is then in flight)
  std::optional<Body> take_post();  // a body to POST now (it is then in flight)
  bool take_ws_connect();           // true: open a WebSocket now (with sid() when not empty)
  bool take_ws_close();             // true: close the WebSocket now
  std::optional<Frame> take_ws_frame();

  // ---- state ----
  State state() const noexcept { return state_; }
  TransportKind transport() const noexcept { return transport_; }
  const std::string& sid() const noexcept { return handshake_.sid; }
  const Handshake& handshake() const noexcept { return handshake_; }
  Protocol protocol() const noexcept { return options_.protocol; }
  bool get_in_flight() const noexcept { return get_in_flight_; }
  bool post_in_flight() const noexcept { return post_in_flight_; }
  std::size_t buffered() const noexcept { return write_buffer_.size(); }

 private:
  enum class Probe : std::uint8_t { none, connecting, probing, pausing, done, failed };

  void handle_packets_from_polling(Result<std::vector<Packet>> packets, SteadyTime now);
  void handle_packet(Packet packet, TransportKind from, SteadyTime now);
  void handle_open(const Packet& packet, TransportKind from, SteadyTime now);
  void handle_probe_frame(const Packet& packet, SteadyTime now);
  void enqueue(Packet packet);
  void flush_to_ws();
  void maybe_finish_upgrade();
  void fail_probe();
  void fail(std::string reason, std::string detail, bool error_event);
  void emit(ClientEvent event) { events_.push_back(std::move(event)); }
  void reset_heartbeat(SteadyTime now);
  std::size_t polling_batch_size() const;
  bool ws_is_main() const noexcept { return transport_ == TransportKind::websocket; }
  bool polling_active() const noexcept;

  ClientSessionOptions options_;
  State state_ = State::opening;
  TransportKind transport_ = TransportKind::polling;
  Handshake handshake_;
  bool started_ = false;

  std::deque<ClientEvent> events_;
  std::deque<Packet> write_buffer_;   // packets waiting for a POST (polling) or for the upgrade
  std::deque<Frame> ws_out_;          // frames to write on the WebSocket
  bool want_get_ = false;             // the handshake GET is pending
  bool get_in_flight_ = false;
  bool post_in_flight_ = false;
  bool want_ws_connect_ = false;
  bool want_ws_close_ = false;
  bool ws_connected_ = false;
  Probe probe_ = Probe::none;
  bool final_flush_ = false;          // closing: hand out the last packets regardless of limits

  std::optional<SteadyTime> open_deadline_;
  std::optional<SteadyTime> ping_deadline_;   // v4: no ping by then -> ping timeout; v3: no packet
  std::optional<SteadyTime> next_ping_at_;    // v3: when the client sends its next ping
};

}  // namespace sio::engineio
