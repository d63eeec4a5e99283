// sio/core/debug_log.hpp - debug output like the JS `debug` module, shared by the client and the
// server: enabled by the DEBUG environment variable (read once, at the first check; patterns
// separated by commas or spaces, '*' wildcard, '-' prefix excludes; e.g. DEBUG=socket.io* or
// DEBUG=socket.io:socket,-engine*). Messages go to the sink (default: one line on stderr,
// "  <category> <message>"). Thread-safe.
//
// Categories: client: socket.io-client:manager, socket.io-client:socket; server (as Node's):
// socket.io:server, socket.io:client, socket.io:socket, engine, engine:socket.
// This is the core's one output of its own, and only when DEBUG or set_log_filter enables it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace sio {

using LogSink = std::function<void(std::string_view category, std::string_view message)>;
void set_log_sink(LogSink sink);            // empty: back to stderr
void set_log_filter(std::string patterns);  // overrides DEBUG
bool log_enabled(std::string_view category);
// Writes the message if its category is enabled (check log_enabled first when the message is
// costly to build).
void debug_log(std::string_view category, std::string_view message);

}  // namespace sio
