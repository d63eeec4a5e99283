// Backoff: socket.io-client's exponential reconnection delay with jitter.
#include "sio/socketio/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace sio::socketio {

std::chrono::milliseconds Backoff::duration(double random) {
  if (!(random >= 0)) random = 0;  // also catches NaN
  if (random >= 1) random = std::nextafter(1.0, 0.0);
  const double max = static_cast<double>(std::max<std::int64_t>(options_.max.count(), 0));
  // socket.io-client computes min * factor^attempts without bound; past the maximum the result
  // is capped anyway, so stop growing there (this also avoids the infinity JS would reach).
  double ms = static_cast<double>(std::max<std::int64_t>(options_.min.count(), 0)) *
              std::pow(options_.factor, static_cast<double>(attempts_));
  if (attempts_ < UINT32_MAX) ++attempts_;
  if (!std::isfinite(ms) || ms > 4 * max + 1e12) ms = 4 * max + 1e12;
  const double jitter = options_.jitter;
  if (jitter > 0 && jitter <= 1) {
    const double deviation = std::floor(random * jitter * ms);
    const bool even = (static_cast<std::int64_t>(std::floor(random * 10)) & 1) == 0;
    ms = even ? ms - deviation : ms + deviation;
  }
  ms = std::min(ms, max);
  if (ms < 0) ms = 0;
  // max may be milliseconds::max(), whose double rounds up to 2^63: not convertible back.
  if (ms >= 0x1p63) return std::chrono::milliseconds::max();
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));  // truncation, like "| 0"
}

}  // namespace sio::socketio
