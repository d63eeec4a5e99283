// sio/client/engine.hpp - one Engine.IO client connection (the layer under sio::Manager), on any
// platform. Natively it is made with sio::native::make_engine_client (sio/native/engine_client.hpp);
// sio::Manager makes its own.
//
// Behaviour (implementation: client/src/engine_driver.cpp, the same on every platform):
// - One session per EngineClient: open() starts it once (later calls do nothing); reconnecting
//   means making a new EngineClient.
// - on_open once the handshake is done (transport() is then "polling" or "websocket"; it stays
//   "polling" while an upgrade probe runs and turns "websocket" when the upgrade completes, which
//   on_upgrade reports).
// - on_close exactly once per opened session, with "transport close" (server closed),
//   "transport error" (I/O failure, failed open, handshake timeout), "ping timeout",
//   "forced close" (close(): invoked from inside it, or right after the running callback returns
//   when close() is called from a callback) or "parse error"; on_error(message)
//   comes right before an on_close("transport error"). Nothing is called after on_close.
// - on_ping: EIO=4, a server ping was received (the pong is already queued); EIO=3 (client
//   pings), the server's pong was received.
// - send() before the handshake buffers the message; after on_close it is ignored.
// - close() on polling waits for the POSTs in flight (engine.io-client's "drain") before the close
//   packet goes out, so that what was sent last is not overtaken by it.
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

#include "sio/engineio/packet.hpp"

namespace sio {

// TLS of the native transports (the browser does its own TLS: ignored there).
struct TlsOptions {
  bool verify_peer = true;        // verify the server certificate and host name
  std::string ca_file;            // extra CA bundle (PEM); empty: system store
  std::string client_cert_file;   // PEM client certificate, optional
  std::string client_key_file;
};

// HTTP proxy of the native transports (polling: libcurl's proxy; WebSocket: an HTTP CONNECT tunnel
// before the TLS and WebSocket handshakes). The browser uses the page's proxy: ignored there.
struct ProxyOptions {
  // "http://host:port" (an http:// proxy; "host:port" means http://) for every request whose host
  // no_proxy does not match. Empty: the environment's, if use_environment.
  std::string url;
  // Hosts that bypass the proxy, comma-separated ("*": all; "example.com" also matches its
  // subdomains; a leading '.' is ignored). Empty: the environment's no_proxy / NO_PROXY.
  std::string no_proxy;
  // Without `url`: http_proxy for http/ws servers (not HTTP_PROXY, as curl), https_proxy or
  // HTTPS_PROXY for https/wss servers; false: no proxy unless `url` is set.
  bool use_environment = true;
};

// How the transports reach the server, beyond the URL.
struct TransportOptions {
  TlsOptions tls;
  ProxyOptions proxy;
  bool with_credentials = false;  // browser: send cookies to other origins (fetch credentials "include")
};

struct EngineClientOptions {
  std::string url;                       // http(s)://host:port or ws(s)://host:port
  std::string path = "/socket.io/";
  std::map<std::string, std::string> query;  // EIO, transport, sid and t are the protocol's: dropped
  std::map<std::string, std::string> extra_headers;  // (browser: polling requests only)
  std::vector<std::string> transports = {"polling", "websocket"};
  bool upgrade = true;
  bool remember_upgrade = false;
  engineio::Protocol protocol = engineio::Protocol::v4;  // v3 talks to socket.io 2.x servers
  TlsOptions tls;
  ProxyOptions proxy;
  bool with_credentials = false;
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
  std::function<void()> on_upgrade;                          // now on "websocket"
  std::function<void(std::string_view reason)> on_close;    // "transport close", "ping timeout", ...
  std::function<void(std::string_view message)> on_error;   // open failed or transport error
};

}  // namespace sio
