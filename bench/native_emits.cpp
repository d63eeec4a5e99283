// bench/native_emits.cpp - emits per second of our native client (sio::native).
// bench/node_emits.js does the same with Node's socket.io-client; keep the two in step.
//
//   sio-bench-native-emits --port P [--count N] [--window W] [--payload B] [--timeout-s T]
//
// Connects to http://127.0.0.1:P/ over WebSocket only, then emits "echo" (payload) with an ack
// N times, keeping W acks outstanding; every ack must carry the payload back. Timed from the
// first emit to the last ack. Prints "RESULT mode=emits count=N seconds=S emits_per_sec=E".
#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "sio/cli/options.hpp"
#include "sio/client.hpp"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::cout.flush();
  std::cerr << "native_emits: FAIL: " << what << std::endl;
  std::_Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port_number = 0;
  std::size_t count = 100000, window = 100, payload_size = 16;
  long timeout_s = 120;
  sio::cli::Options cli("sio-bench-native-emits",
                        "sio-bench-native-emits --port P [--count N] [--window W] [--payload B] [--timeout-s T]");
  cli.add_port("port", &port_number, "the server's port on 127.0.0.1 (required)", sio::cli::Port::allow_zero);
  cli.add_integer("count", &count, 1, 1'000'000'000, "emits");
  cli.add_integer("window", &window, 1, 1'000'000, "acks outstanding at most");
  cli.add_integer("payload", &payload_size, 0, 100'000'000, "payload bytes");
  cli.add_integer("timeout-s", &timeout_s, 1, 86'400, "give up after T seconds");
  if (const auto exit_code = cli.parse(argc, argv)) return *exit_code;
  if (port_number == 0) fail("--port is required (1-65535)");
  const std::string port = std::to_string(port_number);

  sio::Options options;
  options.transports = {"websocket"};
  options.reconnection = false;
  options.force_new = true;
  auto socket = sio::io("http://127.0.0.1:" + port + "/", options);

  const std::string payload(payload_size, 'x');
  std::promise<double> done;
  struct State {
    std::size_t sent = 0, acked = 0;
    std::chrono::steady_clock::time_point t0;
    bool started = false;
  };
  auto state = std::make_shared<State>();
  std::weak_ptr<sio::Socket> weak = socket;

  // Everything below runs on the client's executor (callbacks are never concurrent).
  std::function<void()> emit_one;
  emit_one = [&, state, weak] {
    auto s = weak.lock();
    if (!s) return;
    ++state->sent;
    s->emit("echo", payload, [&, state](std::optional<sio::Error> err, sio::json args) {
      if (err) fail("ack error: " + err->message);
      if (args != sio::json::array({payload})) fail("wrong ack: " + args.dump());
      if (++state->acked == count) {
        done.set_value(std::chrono::duration<double>(std::chrono::steady_clock::now() - state->t0).count());
        return;
      }
      if (state->sent < count) emit_one();
    });
  };
  socket->on_connect([&, state] {
    if (state->started) fail("reconnected during the run");
    state->started = true;
    state->t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < window && state->sent < count; ++i) emit_one();
  });
  socket->on_connect_error([](const sio::ConnectError& e) { fail("connect_error: " + e.message); });
  socket->on_disconnect([&, state](const std::string& reason) {
    if (state->acked < count) fail("disconnected: " + reason);
  });

  auto future = done.get_future();
  if (future.wait_for(std::chrono::seconds(timeout_s)) != std::future_status::ready)
    fail("timeout after " + std::to_string(timeout_s) + " s");
  const double secs = future.get();
  std::cout << "RESULT mode=emits client=native count=" << count << " window=" << window << " seconds=" << secs
            << " emits_per_sec=" << static_cast<double>(count) / secs << std::endl;
  socket->off();
  socket->disconnect();
  std::_Exit(0);  // skip the teardown (not measured)
}
