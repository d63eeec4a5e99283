// Timer delays coerced as Node's setTimeout does (see sio/core/timer_delay.hpp).
#include "sio/core/timer_delay.hpp"

namespace sio {

std::chrono::milliseconds timer_delay(double ms) noexcept {
  // !(a && b) is also true for NaN.
  if (!(ms >= 1 && ms <= static_cast<double>(kMaxTimerDelayMs))) return std::chrono::milliseconds(1);
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));  // in range: no overflow
}

std::chrono::milliseconds timer_delay(std::chrono::milliseconds ms) noexcept {
  if (ms.count() < 1 || ms.count() > kMaxTimerDelayMs) return std::chrono::milliseconds(1);
  return ms;
}

std::chrono::steady_clock::time_point deadline_after(std::chrono::steady_clock::time_point now,
                                                     std::chrono::milliseconds delay) noexcept {
  using TimePoint = std::chrono::steady_clock::time_point;
  // At most 2^31-1 ms: representable in the clock's duration (nanoseconds in 64 bits).
  const auto d = std::chrono::duration_cast<TimePoint::duration>(timer_delay(delay));
  if (now > TimePoint::max() - d) return TimePoint::max();
  return now + d;
}

}  // namespace sio
