// sio/server/demo.hpp - the demo application of sio-testserver, also what the interop tests
// (tests/server/interop/*.js) drive. Its events are listed in docs/server.md ("Demo application").
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sio/server/server.hpp"

namespace sio::server {

// Installs namespaces "/", "/chat", "/rooms", "/bq", "/secure" (middleware: auth/query token
// "t0ken", else CONNECT_ERROR {"message":"forbidden","data":{"code":403,"hint":"token"}}) and the
// dynamic namespaces matching ^/dyn-\d+$, all with the same event handlers. Destroy it after the
// server's io_context has stopped (it joins the threads "emit-from-thread" started).
class DemoApp {
 public:
  explicit DemoApp(Server& server);
  ~DemoApp();
  DemoApp(const DemoApp&) = delete;
  DemoApp& operator=(const DemoApp&) = delete;

  // Installs the event handlers on one socket (used for every namespace above).
  void install(Socket& socket);

 private:
  std::shared_ptr<std::map<std::string, std::string>> reasons_;  // socket id -> disconnect reason
  std::shared_ptr<std::mutex> threads_mutex_;
  std::shared_ptr<std::vector<std::thread>> threads_;
};

}  // namespace sio::server
