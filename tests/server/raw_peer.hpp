// A misbehaving peer for the server tests, on plain POSIX sockets: a minimal HTTP/1.1 client and
// the client side of RFC 6455 (frames masked as a client must), every read bounded by a deadline.
// Header-only; used by the bad-input and abuse tests.
#pragma once

#include <netinet/in.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sio/core/json.hpp"

namespace sio_test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Bound for one expected read: generous, because a busy machine (a sanitizer build beside a browser
// test on two cores) can hold a server thread off the CPU for seconds. No test waits this long
// for something that should not come.
constexpr auto kRead = 30s;

// ---- a raw TCP peer --------------------------------------------------------------------------

struct HttpResult {
  int status = -1;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

struct WsFrame {
  int opcode = -1;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong
  std::string payload;
  int close_code() const {
    return opcode == 8 && payload.size() >= 2
               ? (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1])
               : -1;
  }
};

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Raw {
 public:
  // rcvbuf > 0: the receive buffer size, set before connecting (a peer that reads slowly or not
  // at all fills up quickly).
  explicit Raw(std::uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) close();
  }
  ~Raw() { close(); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  bool ok() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Closes with an RST instead of a FIN (SO_LINGER 0).
  void reset() {
    if (fd_ < 0) return;
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
  }

  bool send(std::string_view data) {
    while (!data.empty() && fd_ >= 0) {
      const auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return fd_ >= 0;
  }

  // Reads more into buf_; false on EOF, error or timeout (eof_ set on EOF/error).
  bool fill(Clock::time_point deadline) {
    if (fd_ < 0) return false;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(left));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      char tmp[16384];
      const auto n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) {
        eof_ = true;
        return false;
      }
      buf_.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
  }

  // True when the peer closed the connection (EOF or reset) before the deadline; data is dropped.
  bool wait_closed(std::chrono::milliseconds limit = kRead) {
    const auto deadline = Clock::now() + limit;
    while (!eof_) {
      if (!fill(deadline) && !eof_) return false;
      buf_.clear();
    }
    return true;
  }

  std::optional<HttpResult> read_http(std::chrono::milliseconds limit = kRead) {
    const auto deadline = Clock::now() + limit;
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) return std::nullopt;
    }
    HttpResult res;
    const std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    std::size_t pos = head.find("\r\n");
    const std::string status_line = head.substr(0, pos);
    if (status_line.size() < 12) return std::nullopt;
    res.status = std::stoi(status_line.substr(9, 3));
    while (pos != std::string::npos && pos + 2 < head.size()) {
      const auto next = head.find("\r\n", pos + 2);
      const auto line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        res.headers[lower(line.substr(0, colon))] = value;
      }
      pos = next;
    }
    if (res.status == 101 || res.status == 204 || res.status == 304) return res;
    auto it = res.headers.find("content-length");
    if (it != res.headers.end()) {
      const auto len = static_cast<std::size_t>(std::stoul(it->second));
      while (buf_.size() < len) {
        if (!fill(deadline)) return std::nullopt;
      }
      res.body = buf_.substr(0, len);
      buf_.erase(0, len);
    } else {
      while (fill(deadline)) {
      }
      if (!eof_) return std::nullopt;
      res.body = std::move(buf_);
      buf_.clear();
    }
    return res;
  }

  // ---- WebSocket (client side of RFC 6455; frames masked as a client must)
  std::optional<HttpResult> ws_handshake(const std::string& target) {
    send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
         "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    return read_http();
  }
  bool ws_send(std::string_view payload, int opcode = 1) {
    std::string f;
    f.push_back(static_cast<char>(0x80 | opcode));
    const std::size_t n = payload.size();
    if (n < 126) {
      f.push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
      f.push_back(static_cast<char>(0x80 | 126));
      f.push_back(static_cast<char>(n >> 8));
      f.push_back(static_cast<char>(n & 0xff));
    } else {
      f.push_back(static_cast<char>(0x80 | 127));
      for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(mask, 4);
    for (std::size_t i = 0; i < n; ++i) f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    return send(f);
  }
  std::optional<WsFrame> ws_read(std::chrono::milliseconds limit = kRead) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      if (buf_.size() >= 2) {
        const auto b0 = static_cast<unsigned char>(buf_[0]);
        const auto b1 = static_cast<unsigned char>(buf_[1]);
        std::size_t len = b1 & 0x7f;
        std::size_t hdr = 2;
        bool have = true;
        if (len == 126) {
          have = buf_.size() >= 4;
          if (have) len = (static_cast<unsigned char>(buf_[2]) << 8) | static_cast<unsigned char>(buf_[3]);
          hdr = 4;
        } else if (len == 127) {
          have = buf_.size() >= 10;
          if (have) {
            len = 0;
            for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(buf_[2 + i]);
          }
          hdr = 10;
        }
        if (have && buf_.size() >= hdr + len) {
          WsFrame f{b0 & 0x0f, buf_.substr(hdr, len)};
          buf_.erase(0, hdr + len);
          return f;
        }
      }
      if (!fill(deadline)) return std::nullopt;
    }
  }
  // Next text/binary/close frame, skipping nothing: returns the first frame whose payload is not
  // an Engine.IO ping ("2") when skip_pings.
  std::optional<WsFrame> ws_read_data(bool skip_pings = true, std::chrono::milliseconds limit = kRead) {
    const auto deadline = Clock::now() + limit;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      auto f = ws_read(std::max(left, 1ms));
      if (!f) return f;
      if (skip_pings && f->opcode == 1 && f->payload == "2") {
        ws_send("3");
        continue;
      }
      return f;
    }
  }

 private:
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

inline std::optional<HttpResult> http(std::uint16_t port, const std::string& method, const std::string& target,
                               const std::string& body = "", const std::string& extra_headers = "") {
  Raw c(port);
  if (!c.ok()) return std::nullopt;
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra_headers;
  if (method == "POST") req += "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  c.send(req);
  return c.read_http();
}

// A WebSocket-only Engine.IO v4 session connected to the main namespace: returns the Socket.IO
// id, "" when any step fails.
inline std::string ws_connect(Raw& c) {
  auto hs = c.ws_handshake("/socket.io/?EIO=4&transport=websocket");
  if (!hs || hs->status != 101) return {};
  auto open = c.ws_read();
  if (!open || open->payload.empty() || open->payload[0] != '0') return {};
  c.ws_send("40");
  auto reply = c.ws_read_data();
  if (!reply || reply->payload.rfind("40{", 0) != 0) return {};
  auto data = sio::parse_json(std::string_view(reply->payload).substr(2));
  return data && data->is_object() ? data->value("sid", "") : std::string();
}

// Open file descriptors of this process (a server under test releases its sockets).
inline std::size_t open_fd_count() {
  std::size_t n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d) != nullptr) ++n;
    closedir(d);
  }
  return n;
}

}  // namespace sio_test
