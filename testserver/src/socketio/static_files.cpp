// Static files for the web demo, through the Engine.IO server's plain-HTTP hook.
#include "sio/server/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

namespace sio::server {

namespace {

std::string content_type(const std::filesystem::path& file) {
  const auto ext = file.extension().string();
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "application/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json; charset=utf-8";
  if (ext == ".wasm") return "application/wasm";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

}  // namespace

std::function<bool(const HttpRequest&, HttpResponder)> make_static_handler(std::string root) {
  std::error_code ec;
  auto base = std::filesystem::weakly_canonical(std::filesystem::path(root), ec);
  return [base](const HttpRequest& request, HttpResponder respond) -> bool {
    if (request.method != "GET" && request.method != "HEAD") return false;
    std::string rel = request.path;
    while (!rel.empty() && rel.front() == '/') rel.erase(rel.begin());
    std::filesystem::path candidate = base / rel;
    for (const auto& part : std::filesystem::path(rel)) {
      if (part == "..") return false;
    }
    std::error_code ec2;
    if (std::filesystem::is_directory(candidate, ec2)) candidate /= "index.html";
    auto canonical = std::filesystem::weakly_canonical(candidate, ec2);
    if (ec2) return false;
    const auto b = base.string();
    const auto c = canonical.string();
    if (c.compare(0, b.size(), b) != 0) return false;
    if (!std::filesystem::is_regular_file(canonical, ec2)) return false;
    std::ifstream in(canonical, std::ios::binary);
    if (!in) return false;
    HttpResponse response;
    response.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    response.headers.emplace_back("Content-Type", content_type(canonical));
    response.headers.emplace_back("Cache-Control", "no-cache");
    respond(std::move(response));
    return true;
  };
}

}  // namespace sio::server
