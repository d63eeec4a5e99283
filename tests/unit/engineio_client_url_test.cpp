// The URLs of an Engine.IO client's requests (sio/engineio/client_url.hpp).
#include "sio/engineio/client_url.hpp"

#include <gtest/gtest.h>

using namespace sio::engineio;

TEST(ClientUrl, ParsesServerUrls) {
  auto a = parse_server_url("http://example.com/chat?x=1");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->secure);
  EXPECT_EQ(a->host, "example.com");
  EXPECT_EQ(a->port, "80");
  auto b = parse_server_url("WSS://user@[::1]:8443");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->secure);
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, "8443");
  EXPECT_EQ(url_host(*b), "[::1]");
  EXPECT_EQ(parse_server_url("https://h")->port, "443");
  for (const char* bad : {"example.com", "ftp://h", "http://", "http://[::1", "http://h:12x", "http://h:123456"}) {
    EXPECT_FALSE(parse_server_url(bad).ok()) << bad;
  }
}

TEST(ClientUrl, ReservedQueryKeysAreTheProtocols) {
  const std::map<std::string, std::string> user = {
      {"EIO", "9"}, {"transport", "x"}, {"sid", "forged"}, {"t", "0"}, {"token", "a b&c"}};
  EXPECT_EQ(request_query(Protocol::v4, TransportKind::polling, user, "", "123-1"),
            "EIO=4&transport=polling&token=a%20b%26c&t=123-1");
  EXPECT_EQ(request_query(Protocol::v3, TransportKind::websocket, user, "S1d", ""),
            "EIO=3&transport=websocket&token=a%20b%26c&sid=S1d");
  auto server = parse_server_url("https://[::1]:9000");
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(request_url(*server, "/socket.io/", Protocol::v4, TransportKind::websocket, {}, "", ""),
            "wss://[::1]:9000/socket.io/?EIO=4&transport=websocket");
  EXPECT_EQ(request_url(*server, "/socket.io/", Protocol::v4, TransportKind::polling, {}, "s", "1"),
            "https://[::1]:9000/socket.io/?EIO=4&transport=polling&sid=s&t=1");
}

TEST(ClientUrl, EndpointPath) {
  EXPECT_EQ(endpoint_path("/socket.io"), "/socket.io/");
  EXPECT_EQ(endpoint_path("socket.io//"), "/socket.io/");
  EXPECT_EQ(endpoint_path("/socket.io/", false), "/socket.io");
  EXPECT_EQ(endpoint_path(""), "/");
  EXPECT_EQ(endpoint_path("/", false), "/");
}
