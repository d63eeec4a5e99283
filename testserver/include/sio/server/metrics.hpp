// sio/server/metrics.hpp - counters of a Socket.IO server, for the user to export
// (ServerOptions::metrics; docs/server.md "Logging and metrics").
//
// The server only increments (relaxed atomics, no lock, no allocation); read them from any thread
// with snapshot(), or as Prometheus text with prometheus_text().
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace sio::server {

struct ServerMetrics {
  // Engine.IO sessions: opened since start, and open now.
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> connections_open{0};
  // Socket.IO packets decoded from clients / queued for clients (a broadcast counts once per
  // recipient; a volatile packet the engine dropped is not counted).
  std::atomic<std::uint64_t> packets_in{0};
  std::atomic<std::uint64_t> packets_out{0};
  // Bytes of the Engine.IO messages carrying them (packet text or MessagePack, plus binary
  // attachments), without HTTP/WebSocket framing.
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> bytes_out{0};
  // Messages that did not decode (the session was closed, "forced close").
  std::atomic<std::uint64_t> decode_errors{0};

  struct Snapshot {
    std::uint64_t connections_total, connections_open, packets_in, packets_out, bytes_in, bytes_out,
        decode_errors;
  };
  Snapshot snapshot() const;

  // The counters in the Prometheus text exposition format, names prefixed with `prefix`:
  // <prefix>connections_total (counter), <prefix>connections_open (gauge), <prefix>packets_in_total,
  // <prefix>packets_out_total, <prefix>bytes_in_total, <prefix>bytes_out_total,
  // <prefix>decode_errors_total (counters).
  std::string prometheus_text(std::string_view prefix = "socketio_") const;
};

}  // namespace sio::server
