// sio/testing/server_fixture.hpp - a GoogleTest fixture running our Socket.IO server in-process
// for tests of a client (CMake target sio::testing). docs/testing.md.
//
//   class ChatTest : public sio::testing::ServerFixture {
//    protected:
//     void configure(sio::server::Server& io) override {
//       io.on_connection([](sio::server::Socket& s) {
//         s.on("echo", [](const sio::json& args, const sio::server::AckFn& ack) { if (ack) ack(args); });
//       });
//     }
//   };
//   TEST_F(ChatTest, Echo) {
//     auto client = my_client_connect(url());               // the client under test
//     ASSERT_TRUE(server().wait_for("connection"));         // bounded waits, no sleeps
//     ...
//     ASSERT_TRUE(server().wait_event("echo"));
//     server().drop_transport(server().sessions().back());  // and faults
//   }
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "sio/testing/test_server.hpp"

namespace sio::testing {

class ServerFixture : public ::testing::Test {
 protected:
  // Override to change the server's options (defaults: TestServer::default_options()).
  virtual server::ServerOptions server_options() const { return TestServer::default_options(); }
  // Override to install handlers; runs on the server's io thread at start and at every restart.
  virtual void configure(server::Server& /*io*/) {}

  void SetUp() override {
    server_ = std::make_unique<TestServer>(server_options());
    server_->setup([this](server::Server& io) { configure(io); });
    server_->start();
  }
  void TearDown() override { server_.reset(); }

  TestServer& server() { return *server_; }
  std::string url() const { return server_->url(); }
  std::uint16_t port() const { return server_->port(); }

  // The Engine.IO sid of the n-th Socket.IO connection (1-based) to namespace `nsp`, waited for.
  std::string sid_of_connection(std::size_t n = 1, const std::string& nsp = "/") {
    auto c = server_->wait_for("connection", n, kDefaultWait,
                               [&nsp](const json& d) { return d.value("nsp", "") == nsp; });
    return c ? c->value("sid", "") : std::string();
  }

 private:
  std::unique_ptr<TestServer> server_;
};

}  // namespace sio::testing
