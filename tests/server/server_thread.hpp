// server_thread.hpp - the end of a server that a test runs on its own io thread.
#pragma once

#include <chrono>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace sio_test {

// Runs `close` on the io thread and releases the work guard there, waits up to `limit` for
// io.run() to return (the server's connections closed), stops the io_context if it did not (so a
// server that fails to close cannot hang the suite), and joins the thread. Returns whether
// io.run() returned by itself within `limit`.
template <class Close>
bool stop_server_thread(boost::asio::io_context& io,
                        boost::asio::executor_work_guard<boost::asio::io_context::executor_type>& work,
                        std::thread& thread, Close close, std::chrono::seconds limit) {
  boost::asio::post(io, [&] {
    close();
    work.reset();
  });
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!io.stopped() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool stopped = io.stopped();
  io.stop();
  if (thread.joinable()) thread.join();
  return stopped;
}

}  // namespace sio_test
