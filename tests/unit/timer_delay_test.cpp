// timer_delay / deadline_after: hostile delays are coerced as Node's setTimeout does (NaN, below
// 1 ms or above 2^31-1 ms: 1 ms) and never overflow std::chrono arithmetic (run under UBSan).
#include "sio/core/timer_delay.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace std::chrono_literals;
using sio::deadline_after;
using sio::kMaxTimerDelayMs;
using sio::timer_delay;
using TimePoint = std::chrono::steady_clock::time_point;

TEST(TimerDelay, NumbersInRangeAreTruncatedMilliseconds) {
  EXPECT_EQ(timer_delay(1.0), 1ms);
  EXPECT_EQ(timer_delay(1.9), 1ms);
  EXPECT_EQ(timer_delay(1000.0), 1000ms);
  EXPECT_EQ(timer_delay(2500.7), 2500ms);
  EXPECT_EQ(timer_delay(2147483647.0), 2147483647ms);
  EXPECT_EQ(timer_delay(1000ms), 1000ms);
  EXPECT_EQ(timer_delay(std::chrono::milliseconds(kMaxTimerDelayMs)), 2147483647ms);
}

TEST(TimerDelay, HostileNumbersBecomeOneMillisecondLikeNode) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {1e300, -1e300, 1e15, 1e16, 0x1p63, -0x1p63, 0x1p64, 2147483648.0, 2147483647.5,
                   std::nan(""), inf, -inf, -1.0, 0.0, -0.0, 0.5, 0.999, -2147483648.0,
                   std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(),
                   std::numeric_limits<double>::denorm_min()}) {
    SCOPED_TRACE(v);
    EXPECT_EQ(timer_delay(v), 1ms);
  }
  for (auto v : {std::chrono::milliseconds::max(), std::chrono::milliseconds::min(),
                 std::chrono::milliseconds(0), std::chrono::milliseconds(-1),
                 std::chrono::milliseconds(kMaxTimerDelayMs + 1),
                 std::chrono::milliseconds(1'000'000'000'000'000)}) {
    SCOPED_TRACE(v.count());
    EXPECT_EQ(timer_delay(v), 1ms);
  }
}

TEST(TimerDelay, DeadlinesNeverOverflow) {
  const TimePoint now{};
  EXPECT_EQ(deadline_after(now, 250ms), now + 250ms);
  EXPECT_EQ(deadline_after(now, std::chrono::milliseconds::max()), now + 1ms);
  EXPECT_EQ(deadline_after(now, std::chrono::milliseconds::min()), now + 1ms);
  EXPECT_EQ(deadline_after(now, -5ms), now + 1ms);
  // A clock near its end saturates instead of wrapping around into the past.
  EXPECT_EQ(deadline_after(TimePoint::max() - 1ms, 2000ms), TimePoint::max());
  EXPECT_EQ(deadline_after(TimePoint::max(), 1ms), TimePoint::max());
  const auto real = std::chrono::steady_clock::now();
  EXPECT_EQ(deadline_after(real, 1000ms), real + 1000ms);
}
