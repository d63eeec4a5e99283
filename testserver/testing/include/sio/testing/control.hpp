// sio/testing/control.hpp - the test server's HTTP control endpoint: fault injection from any
// language (curl, requests, fetch) while a client under test is connected. Loopback only.
//
//   POST /sio-control/<action>?<parameters>      (GET works too)
//   actions: sessions, drop, stop-heartbeat, delay (ms), reorder (count), refuse-websocket (on),
//            refuse-handshakes (message; none: accept), refuse-connects (message), miss-recovery
//            (count), restart
//   target session: sid=<Engine.IO sid> or socket=<Socket.IO id>; neither: the newest session.
// Answers JSON {"ok": true, ...} or {"ok": false, "error": ...} (400/404); 403 from an address
// other than 127.0.0.1 / ::1. docs/testing.md "Control endpoint".
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "sio/testing/test_server.hpp"

namespace sio::testing {

inline constexpr const char* kControlPrefix = "/sio-control/";

class ControlEndpoint {
 public:
  // Adds a setup step to `server` installing the endpoint (again after every restart).
  explicit ControlEndpoint(TestServer& server);
  // Ends the restart worker (a restart under way completes first). Call it before stopping the
  // server; destroy the endpoint after the server stopped (its io thread calls handle()).
  void close();
  ~ControlEndpoint();
  ControlEndpoint(const ControlEndpoint&) = delete;
  ControlEndpoint& operator=(const ControlEndpoint&) = delete;

 private:
  bool handle(const server::HttpRequest& request, const server::HttpResponder& respond);
  void worker();

  TestServer& server_;
  // restart() cannot run on the io thread it stops: it runs here.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // at most kMaxJobs
  bool done_ = false;
  std::thread thread_;
};

}  // namespace sio::testing
