// chat_client - a small sio-cpp example: connects to a Socket.IO server, prints every event it
// receives, and sends each line typed on stdin as a "chat message" event (with an ack).
//
//   chat_client [url] [namespace]        default: http://localhost:3000 /
//   DEBUG=socket.io* chat_client ...     protocol-level logs, like the JS client
//
// Lines starting with '/' are commands: /quit, /disconnect, /connect, /id.
#include <sio/client.hpp>

#include <iostream>
#include <mutex>
#include <string>

int main(int argc, char** argv) {
  const std::string url = argc > 1 ? argv[1] : "http://localhost:3000";
  const std::string nsp = argc > 2 ? argv[2] : "/";

  // Declared before the Manager, so they outlive it (the Manager joins its thread when destroyed).
  // All callbacks run on the Manager's own thread; std::cout is shared with main, hence the lock.
  std::mutex out;
  auto print = [&out](const std::string& line) {
    std::lock_guard lock(out);
    std::cout << line << std::endl;
  };

  sio::Options options;
  options.auto_connect = false;  // register the listeners first
  options.ack_timeout = std::chrono::seconds(5);
  auto manager = sio::Manager::create(url, options);
  auto socket = manager->socket(nsp);

  socket->on_connect([&] { print("* connected as " + socket->id() + (socket->recovered() ? " (recovered)" : "")); });
  socket->on_disconnect([&](const std::string& reason) { print("* disconnected: " + reason); });
  socket->on_connect_error([&](const sio::ConnectError& e) { print("* connect_error: " + e.message); });
  socket->on_any([&](const std::string& event, const sio::json& args) { print(event + " " + args.dump()); });
  manager->on("reconnect_attempt", [&](const sio::json& a) { print("* reconnect attempt " + a[0].dump()); });

  socket->connect();
  print("connecting to " + url + nsp + " (type lines to send, /quit to leave)");

  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "/quit") break;
    if (line == "/disconnect") {
      socket->disconnect();
    } else if (line == "/connect") {
      socket->connect();
    } else if (line == "/id") {
      print("* id: " + socket->id() + " transport: " + manager->transport());
    } else {
      socket->emit("chat message", line, [&](std::optional<sio::Error> err, sio::json reply) {
        print(err ? "* not acknowledged: " + err->message : "* ack " + reply.dump());
      });
    }
  }
  socket->off();  // the listeners capture locals of main: detach them before leaving
  socket->disconnect();
  return 0;
}
