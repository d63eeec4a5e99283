// tests/server/nginx_runner.hpp - a private nginx (Debian's nginx-light) for one test: a load
// balancer on a free loopback port in front of the given backends, with the given balancing
// directive (e.g. "ip_hash;"), its files in a fresh temporary directory. Waits until it accepts
// connections (within a generous bound); killed and reaped on destruction.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "redis_runner.hpp"  // free_loopback_port

namespace sio_test {

class NginxBalancer {
 public:
  NginxBalancer(std::string balancing, std::vector<std::uint16_t> backends)
      : balancing_(std::move(balancing)), backends_(std::move(backends)), port_(free_loopback_port()) {}
  ~NginxBalancer() {
    child_.reset();  // killed and reaped
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }
  NginxBalancer(const NginxBalancer&) = delete;
  NginxBalancer& operator=(const NginxBalancer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string error_log() const {
    std::ifstream in(dir_ + "/error.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  bool start(std::chrono::seconds limit = std::chrono::seconds(30)) {
    char tmpl[] = "/tmp/sio-nginx-XXXXXX";
    if (!mkdtemp(tmpl)) return false;
    dir_ = tmpl;
    std::string upstream;
    for (auto p : backends_) upstream += "    server 127.0.0.1:" + std::to_string(p) + ";\n";
    std::ofstream(dir_ + "/nginx.conf")
        << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << dir_ << "/nginx.pid;\n"
        << "error_log " << dir_ << "/error.log warn;\nevents { worker_connections 256; }\n"
        << "http {\n  access_log off;\n"
        << "  client_body_temp_path " << dir_ << "/body;\n  proxy_temp_path " << dir_ << "/proxy;\n"
        << "  fastcgi_temp_path " << dir_ << "/fastcgi;\n  uwsgi_temp_path " << dir_ << "/uwsgi;\n"
        << "  scgi_temp_path " << dir_ << "/scgi;\n"
        << "  upstream socketio_nodes {\n    " << balancing_ << "\n" << upstream << "  }\n"
        << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
        << "    location /socket.io/ {\n      proxy_pass http://socketio_nodes;\n"
        << "      proxy_http_version 1.1;\n      proxy_set_header Upgrade $http_upgrade;\n"
        << "      proxy_set_header Connection \"upgrade\";\n      proxy_set_header Host $host;\n"
        << "      proxy_read_timeout 60s;\n    }\n  }\n}\n";
    const std::string conf = dir_ + "/nginx.conf";
    ChildOptions options;
    options.exe = "/usr/sbin/nginx";
    options.args = {"-p", dir_, "-c", conf};
    options.capture_stdout = false;  // its log is error.log
    child_ = std::make_unique<ChildProcess>(options);
    // Ready when it accepts a connection (or gone when it exited, e.g. a bad configuration).
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (child_->exited()) return false;
      if (accepts()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // retry interval, not a sync
    }
    return false;
  }

 private:
  bool accepts() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }

  std::string balancing_;
  std::vector<std::uint16_t> backends_;
  std::uint16_t port_;
  std::unique_ptr<ChildProcess> child_;
  std::string dir_;
};

}  // namespace sio_test
