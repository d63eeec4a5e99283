// sio/native/engine_client.hpp - one Engine.IO client connection over libcurl (polling) and
// Boost.Beast (WebSocket), driven by the sans-I/O sio::engineio::ClientSession.
//
// Threading: runs on the asio executor it is given; every callback is invoked on that executor,
// and every member function must be called on it.
//
// Behaviour (implementation in native/src/engine/):
// - One session per EngineClient: open() starts it once (later calls do nothing); reconnecting
//   means making a new EngineClient.
// - on_open once the handshake is done (transport() is then "polling" or "websocket"; it stays
//   "polling" while an upgrade probe runs and turns "websocket" when the upgrade completes).
// - on_close exactly once per opened session, with "transport close" (server closed),
//   "transport error" (I/O failure, failed open, handshake timeout), "ping timeout",
//   "forced close" (close(): invoked from inside it, or right after the running callback returns
//   when close() is called from a callback) or "parse error"; on_error(message)
//   comes right before an on_close("transport error"). Nothing is called after on_close.
// - on_ping: EIO=4, a server ping was received (the pong is already queued); EIO=3 (client
//   pings), the server's pong was received.
// - send() before the handshake buffers the message; after on_close it is ignored.
// - Callbacks may call close() or destroy the EngineClient. Destroying it (open or not) runs no
//   callback and closes the session best effort (final POST "1" / WebSocket close in the
//   background).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "sio/engineio/packet.hpp"

namespace sio::native {

struct TlsOptions {
  bool verify_peer = true;        // verify the server certificate and host name
  std::string ca_file;            // extra CA bundle (PEM); empty: system store
  std::string client_cert_file;   // PEM client certificate, optional
  std::string client_key_file;
};

struct EngineClientOptions {
  std::string url;                       // http(s)://host:port or ws(s)://host:port
  std::string path = "/socket.io/";
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> extra_headers;
  std::vector<std::string> transports = {"polling", "websocket"};
  bool upgrade = true;
  bool remember_upgrade = false;
  engineio::Protocol protocol = engineio::Protocol::v4;  // v3 talks to socket.io 2.x servers
  TlsOptions tls;
  std::chrono::milliseconds timeout{20000};  // handshake timeout
};

class EngineClient {
 public:
  virtual ~EngineClient() = default;
  virtual void open() = 0;
  virtual void close() = 0;                          // fires on_close("forced close")
  virtual void send(std::string data, bool binary = false) = 0;  // one message packet
  virtual std::string_view transport() const = 0;    // "polling" / "websocket" / ""
  virtual const std::string& id() const = 0;         // sid once open

  std::function<void()> on_open;
  std::function<void(std::string_view data, bool binary)> on_message;
  std::function<void()> on_ping;
  std::function<void(std::string_view reason)> on_close;    // "transport close", "ping timeout", ...
  std::function<void(std::string_view message)> on_error;   // open failed or transport error
};

std::unique_ptr<EngineClient> make_engine_client(boost::asio::any_io_executor executor,
                                                 EngineClientOptions options);

}  // namespace sio::native
