// Backoff: socket.io-client's reconnection delays (backo2 with min/max/jitter).
#include "sio/socketio/backoff.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using sio::socketio::Backoff;

TEST(Backoff, DefaultsDoubleUpToTheMaximumWithoutJitterAtZero) {
  Backoff b;  // 1000 / 5000 / factor 2 / jitter 0.5
  EXPECT_EQ(b.duration(0), 1000ms);
  EXPECT_EQ(b.duration(0), 2000ms);
  EXPECT_EQ(b.duration(0), 4000ms);
  EXPECT_EQ(b.duration(0), 5000ms);
  EXPECT_EQ(b.duration(0), 5000ms);
  EXPECT_EQ(b.attempts(), 5u);
  b.reset();
  EXPECT_EQ(b.attempts(), 0u);
  EXPECT_EQ(b.duration(0), 1000ms);
}

TEST(Backoff, JitterFollowsTheJavaScriptFormula) {
  // deviation = floor(r * 0.5 * ms); floor(r * 10) even -> minus, odd -> plus
  Backoff b;
  EXPECT_EQ(b.duration(0.25), 875ms);   // floor(2.5)=2 even: 1000-125
  EXPECT_EQ(b.duration(0.75), 2750ms);  // floor(7.5)=7 odd: 2000+750
  EXPECT_EQ(b.duration(0.15), 4300ms);  // floor(1.5)=1 odd: 4000+300
  EXPECT_EQ(b.duration(0.15), 5000ms);  // 8000+600 capped
  EXPECT_EQ(b.duration(0.99), 5000ms);  // 16000+7920 capped
  b.reset();
  EXPECT_EQ(b.duration(0.999), 1499ms); // floor(9.99)=9 odd: 1000+499
  Backoff c;
  for (int i = 0; i < 3; ++i) c.duration(0);
  EXPECT_EQ(c.duration(0.8), 4800ms);  // 8000, floor(8)=8 even: 8000-3200 = 4800 < max
}

TEST(Backoff, NoJitterWhenFactorZeroAndCustomBounds) {
  Backoff b(Backoff::Options{100ms, 10000ms, 2, 0});
  EXPECT_EQ(b.duration(0.9), 100ms);
  EXPECT_EQ(b.duration(0.9), 200ms);
  b.set_min(500ms);
  b.set_max(600ms);
  b.reset();
  EXPECT_EQ(b.duration(0.3), 500ms);
  EXPECT_EQ(b.duration(0.3), 600ms);
}

TEST(Backoff, ManyAttemptsStayAtTheMaximum) {
  Backoff b;
  for (int i = 0; i < 5000; ++i) {
    auto d = b.duration(0.5);
    ASSERT_LE(d, 5000ms);
    ASSERT_GE(d, 0ms);
  }
  EXPECT_EQ(b.duration(0), 5000ms);
  EXPECT_EQ(b.duration(-3), 5000ms);   // clamped random
  EXPECT_EQ(b.duration(7), 5000ms);
}

// The largest bounds a caller can pass: the double arithmetic must not be converted back to an
// out-of-range integer (undefined behaviour, UBSan aborts).
TEST(Backoff, HugeBoundsStayRepresentable) {
  Backoff b(Backoff::Options{std::chrono::milliseconds::max(), std::chrono::milliseconds::max(), 2, 0.5});
  for (double r : {0.0, 0.5, 0.99}) {
    const auto d = b.duration(r);
    EXPECT_GE(d, 0ms);
  }
}
