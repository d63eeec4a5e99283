// sio/engineio/server_session.hpp - the server side of one Engine.IO session, sans I/O.
//
// The I/O layer (an HTTP/WebSocket server) routes requests to a session by sid and feeds it:
//   - polling GETs (on_poll_request) and POST bodies (on_post),
//   - WebSocket frames (on_frame) of the session's single WebSocket (the main transport once
//     upgraded or for a WebSocket-only session, or the probe WebSocket during an upgrade),
//   - transport failures (on_poll_aborted, on_websocket_closed),
//   - the time, as steady_clock time points, and handle_timeout() at next_timeout().
// After every call the I/O layer drains the outputs:
//   - take_poll_response(): the body for the held GET, when it may be answered,
//   - take_frames() / websocket_should_close(): what to write on the WebSocket, then close it,
//   - take_events(): messages received, "upgraded", and exactly one "closed" with Node's reason.
// Behaviour follows Node's engine.io 6 server (docs/protocol.md sections 1, 3.1):
//   v4: the server pings every ping_interval and closes with "ping timeout" when no pong comes
//       within ping_timeout; v3: the client pings, the server answers "3" and closes when no ping
//       came within ping_interval + ping_timeout. A ping in v4 / a pong in v3 from the client is
//       "invalid heartbeat direction" -> closed with "transport error".
//   Upgrade: begin_upgrade() when a WebSocket with this sid arrives; "2probe" -> "3probe" and any
//       held (or new) GET is answered with a noop; "5" switches the transport to the WebSocket and
//       queued packets go there. Anything else on the probe socket, or upgrade_timeout, aborts the
//       upgrade (websocket_should_close) and the session stays on polling.
//   close(): flush what is queued, then a close packet ("1"), then "forced close". Over polling
//       with no GET held, the close waits for the next GET (at most close_timeout).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sio/engineio/packet.hpp"

namespace sio::engineio {

enum class ServerTransport : std::uint8_t { polling, websocket };

std::string_view to_string(ServerTransport kind) noexcept;  // "polling" / "websocket"

struct ServerSessionOptions {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds upgrade_timeout{10000};
  std::chrono::milliseconds close_timeout{30000};  // polling close waiting for a GET (Node: 30 s)
  std::size_t max_payload = 1'000'000;             // maxHttpBufferSize: POST bodies and WS frames
  bool allow_upgrades = true;                      // announce ["websocket"] on a polling session
  bool supports_binary = true;  // v3 polling: false when the client asked for b64=1
  // Bytes queued for a peer and not yet written (polling: packets awaiting a GET; WebSocket:
  // frames taken by the I/O layer and not yet reported by on_written). Past this bound a volatile
  // message is dropped and any other message closes the session ("send buffer full"): a peer
  // that stops reading cannot grow the server. 0: no bound.
  std::size_t max_buffered_bytes = 16u << 20;
};

class ServerSession {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  struct Event {
    enum class Type : std::uint8_t { message, upgraded, closed };
    Type type = Type::message;
    std::string data;  // message: text or raw bytes; closed: the reason
    bool binary = false;
  };

  enum class PollAction : std::uint8_t {
    respond,  // answer the GET now with `body` (HTTP 200)
    hold,     // keep the GET open; its body comes from take_poll_response() later
    reject,   // answer HTTP 400: a GET was already pending ("overlap"); the session is closing
  };
  struct PollResult {
    PollAction action = PollAction::hold;
    Body body;
  };

  enum class PostResult : std::uint8_t {
    ok,        // HTTP 200 "ok"
    rejected,  // HTTP 400: the body did not decode; the session is closed ("parse error")
    ignored,   // the session is closing/closed: HTTP 200 "ok" is fine (Node answers ok)
  };

  // Creates the session and queues the open packet. `transport` is the handshake transport.
  ServerSession(std::string sid, Protocol protocol, ServerTransport transport,
                ServerSessionOptions options, TimePoint now);

  const std::string& sid() const noexcept { return sid_; }
  Protocol protocol() const noexcept { return protocol_; }
  ServerTransport transport() const noexcept { return transport_; }
  bool upgrading() const noexcept { return upgrade_ != Upgrade::none; }
  bool upgraded() const noexcept { return upgraded_; }
  bool open() const noexcept { return state_ == State::open; }
  bool closing() const noexcept { return state_ == State::closing; }
  bool closed() const noexcept { return state_ == State::closed; }
  bool poll_held() const noexcept { return poll_held_; }

  // The open packet's JSON data (as queued at construction).
  const std::string& handshake_json() const noexcept { return handshake_json_; }

  // ---- application side -----------------------------------------------------------------
  enum class SendResult : std::uint8_t {
    queued,   // on its way
    dropped,  // volatile, and the send buffer is full: dropped, the session stays
    closed,   // not open (ignored), or the send buffer overflowed and the session closed
  };
  // Queues a message packet (ignored unless open). `droppable`: a volatile message, dropped rather
  // than closing the session when the send buffer is full (max_buffered_bytes).
  SendResult send(Packet packet, TimePoint now, bool droppable = false);
  // A text message shared with other sessions (a broadcast encoded once). On an open WebSocket
  // it becomes a frame that refers to the bytes (Frame::shared); otherwise it is copied into a
  // packet and sent as above.
  SendResult send_shared(std::shared_ptr<const std::string> text, TimePoint now, bool droppable = false);
  // Bytes queued for the peer and not yet written (see max_buffered_bytes).
  std::size_t buffered_bytes() const noexcept { return buffered_; }
  // Flushes, sends a close packet, then closes with "forced close". With discard (server
  // shutdown) the session closes right away without a close packet (clients reconnect): the
  // queued packets go out, a WebSocket is closed with a close frame only (as Node), a held GET is
  // answered with the queued packets or a noop "6" (Node answers "1", after which
  // python-engineio does not reconnect).
  void close(TimePoint now, bool discard = false);

  // ---- polling ----------------------------------------------------------------------------
  PollResult on_poll_request(TimePoint now);
  // The held GET's connection went away before it was answered: "transport error".
  void on_poll_aborted(TimePoint now);
  // One complete POST body. binary_body: Content-Type was application/octet-stream.
  PostResult on_post(std::string_view body, bool binary_body, TimePoint now);
  // The I/O layer failed the transport itself (e.g. a POST body past max_payload, answered
  // HTTP 413): closes at once with "transport error" (a held GET gets a close packet).
  void on_transport_error(TimePoint now);

  // ---- WebSocket --------------------------------------------------------------------------
  // A WebSocket with this sid was accepted: starts an upgrade. False when not allowed (not on
  // polling, already upgrading/upgraded, upgrades disabled, or not open): close that WebSocket.
  bool begin_upgrade(TimePoint now);
  // One frame from the session's WebSocket (main or probe).
  void on_frame(std::string_view bytes, bool binary, TimePoint now);
  // The session's WebSocket closed (error: it failed rather than closed cleanly).
  void on_websocket_closed(bool error, TimePoint now);

  // ---- outputs ----------------------------------------------------------------------------
  std::optional<Body> take_poll_response();
  std::vector<Frame> take_frames();
  // As take_frames(), into `out` (cleared first); the session keeps out's former buffer, so an I/O
  // layer that passes the same vector each time reallocates neither.
  void take_frames(std::vector<Frame>& out);
  // The I/O layer wrote `bytes` of the frames it took (WebSocket): they leave the send buffer.
  void on_written(std::size_t bytes) noexcept;
  // True once the WebSocket must be closed after the frames taken so far are written.
  // Reading it resets it (the I/O layer closes once).
  bool take_websocket_close();
  std::vector<Event> take_events();
  void take_events(std::vector<Event>& out);  // as take_frames(out)

  // ---- fault injection (the test server, docs/testing.md) ---------------------------------
  // Stops the heartbeat for good: no more pings (v4) or answers to the client's pings (v3), and
  // no ping timeout on this side. The client's own ping timeout then ends the session.
  void stop_heartbeat() noexcept;
  bool heartbeat_stopped() const noexcept { return heartbeat_stopped_; }

  // ---- time -------------------------------------------------------------------------------
  std::optional<TimePoint> next_timeout() const;
  void handle_timeout(TimePoint now);

 private:
  enum class State : std::uint8_t { open, closing, closed };
  enum class Upgrade : std::uint8_t { none, started, probed };

  void on_packet(Packet packet, TimePoint now);
  void flush();
  void finish_close(std::string reason);  // -> closed, emits the event, clears timers
  void shut_down();                       // close(now, discard=true) of an open session
  void abort_upgrade();
  void complete_upgrade(TimePoint now);
  void enqueue(Packet packet);
  void push_frame(Frame frame);  // a frame for the WebSocket, counted in buffered_
  Body encode(std::vector<Packet> packets) const;
  void emit_frames(std::vector<Packet>& packets);

  std::string sid_;
  Protocol protocol_;
  ServerTransport transport_;
  ServerSessionOptions options_;
  std::string handshake_json_;

  State state_ = State::open;
  Upgrade upgrade_ = Upgrade::none;
  bool upgraded_ = false;
  bool poll_held_ = false;
  bool close_after_flush_ = false;     // close() called while packets were queued
  std::string pending_close_reason_;  // reason for the closing state

  std::vector<Packet> queue_;
  std::size_t buffered_ = 0;  // see buffered_bytes()
  std::optional<Body> poll_response_;
  std::vector<Frame> frames_;
  bool ws_close_ = false;
  std::vector<Event> events_;

  // timers
  std::optional<TimePoint> ping_at_;        // v4: next ping to send
  std::optional<TimePoint> pong_deadline_;  // v4: pong expected by; v3: next client ping by
  bool pong_refreshed_ = false;             // v4: a non-pong packet already refreshed the wait
  bool heartbeat_stopped_ = false;          // stop_heartbeat()
  std::optional<TimePoint> upgrade_deadline_;
  std::optional<TimePoint> close_deadline_;
};

}  // namespace sio::engineio
