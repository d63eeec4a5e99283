// Built with `c++ pkgconfig_main.cpp $(pkg-config --cflags --libs sio)`: the pkg-config file is
// enough to compile and link against the installed libraries.
#include <cstdio>

#include <sio/socketio/packet.hpp>
#include <sio/version.hpp>

int main() {
  const auto encoded = sio::socketio::encode(sio::socketio::Packet::event("/", sio::json::array({"hello", 1})));
  std::printf("sio %s: %s\n", SIO_VERSION_STRING, encoded.text.c_str());
  return 0;
}
