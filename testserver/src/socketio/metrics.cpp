// ServerMetrics: snapshot and Prometheus text.
#include "sio/server/metrics.hpp"

namespace sio::server {

ServerMetrics::Snapshot ServerMetrics::snapshot() const {
  constexpr auto r = std::memory_order_relaxed;
  return Snapshot{connections_total.load(r), connections_open.load(r), packets_in.load(r),
                  packets_out.load(r),       bytes_in.load(r),         bytes_out.load(r),
                  decode_errors.load(r)};
}

std::string ServerMetrics::prometheus_text(std::string_view prefix) const {
  const Snapshot s = snapshot();
  std::string out;
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help,
                    std::uint64_t value) {
    const std::string full = std::string(prefix) + std::string(name);
    out += "# HELP " + full + " " + std::string(help) + "\n";
    out += "# TYPE " + full + " " + std::string(type) + "\n";
    out += full + " " + std::to_string(value) + "\n";
  };
  metric("connections_total", "counter", "Engine.IO sessions opened.", s.connections_total);
  metric("connections_open", "gauge", "Engine.IO sessions open now.", s.connections_open);
  metric("packets_in_total", "counter", "Socket.IO packets received.", s.packets_in);
  metric("packets_out_total", "counter", "Socket.IO packets sent.", s.packets_out);
  metric("bytes_in_total", "counter", "Bytes of Socket.IO packets received.", s.bytes_in);
  metric("bytes_out_total", "counter", "Bytes of Socket.IO packets sent.", s.bytes_out);
  metric("decode_errors_total", "counter", "Messages that did not decode.", s.decode_errors);
  return out;
}

}  // namespace sio::server
