// sio/socketio/backoff.hpp - the reconnection delay schedule of socket.io-client (its "backo2").
//
// duration() = min(reconnectionDelay * factor^attempts, reconnectionDelayMax), then randomised by
// +/- randomizationFactor: with r in [0,1) (passed in, so tests are deterministic)
//   deviation = floor(r * jitter * ms); ms = (floor(r * 10) is even) ? ms - deviation : ms + deviation
// and capped at the maximum. Each call counts one attempt; reset() starts over.
#pragma once

#include <chrono>
#include <cstdint>

namespace sio::socketio {

class Backoff {
 public:
  struct Options {
    std::chrono::milliseconds min{1000};  // reconnectionDelay
    std::chrono::milliseconds max{5000};  // reconnectionDelayMax
    double factor = 2;
    double jitter = 0.5;                  // randomizationFactor, in [0, 1]
  };

  Backoff() = default;
  explicit Backoff(Options options) : options_(options) {}

  // The next delay; `random` must be in [0, 1) (values outside are clamped).
  std::chrono::milliseconds duration(double random);

  std::uint32_t attempts() const noexcept { return attempts_; }
  void reset() noexcept { attempts_ = 0; }

  void set_min(std::chrono::milliseconds v) noexcept { options_.min = v; }
  void set_max(std::chrono::milliseconds v) noexcept { options_.max = v; }
  void set_jitter(double v) noexcept { options_.jitter = v; }
  const Options& options() const noexcept { return options_; }

 private:
  Options options_;
  std::uint32_t attempts_ = 0;
};

}  // namespace sio::socketio
