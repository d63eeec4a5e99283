// sio/server/static_files.hpp - serves a directory through EngineServer::on_http_request (the web
// demo of sio-testserver).
#pragma once

#include <functional>
#include <string>

#include "sio/server/engine.hpp"

namespace sio::server {

// A handler for EngineServer::on_http_request answering GET/HEAD for files under `root`
// ("/" and directories map to index.html; Content-Type from the extension; ".." segments and
// anything outside root are refused with 404 by returning false). Other methods: false.
std::function<bool(const HttpRequest&, HttpResponder)> make_static_handler(std::string root);

}  // namespace sio::server
