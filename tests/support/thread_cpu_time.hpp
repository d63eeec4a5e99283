// thread_cpu_time.hpp - the CPU time of the calling thread, for the tests that guard against
// quadratic work in what a peer can create.
//
// Those tests run the work in question on the thread that measures it (the pure client core, or
// a server whose executor the test polls itself) and bound its CPU time, not the wall time: the
// load of other processes on a busy machine does not count, while a quadratic implementation
// still exceeds the bound by far.
#pragma once

#include <time.h>

namespace sio_test {

inline double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU seconds this thread has used since the start value from thread_cpu_seconds().
inline double thread_cpu_seconds_since(double start) { return thread_cpu_seconds() - start; }

}  // namespace sio_test
