// sio/core/timer_delay.hpp - timer delays from untrusted or arbitrary input, coerced the way
// Node's setTimeout coerces them, and deadlines computed from them without overflow.
//
// Every delay that comes from a peer, an application or a configuration (ack timeouts, connect
// timeouts, reconnection delays) goes through timer_delay() before it becomes a deadline, so no
// value (1e300, NaN, +-2^63 ms, milliseconds::max()) can overflow std::chrono arithmetic.
#pragma once

#include <chrono>
#include <cstdint>

namespace sio {

// Node's TIMEOUT_MAX: 2^31-1 ms (about 24.8 days), the longest delay setTimeout honours.
inline constexpr std::int64_t kMaxTimerDelayMs = 2147483647;

// Node's setTimeout: a delay that is NaN, below 1 ms or above kMaxTimerDelayMs becomes 1 ms;
// a fractional delay is truncated. The result is always in [1 ms, kMaxTimerDelayMs].
std::chrono::milliseconds timer_delay(double ms) noexcept;
std::chrono::milliseconds timer_delay(std::chrono::milliseconds ms) noexcept;

// now + timer_delay(delay), saturating at time_point::max() instead of overflowing.
std::chrono::steady_clock::time_point deadline_after(std::chrono::steady_clock::time_point now,
                                                     std::chrono::milliseconds delay) noexcept;

}  // namespace sio
