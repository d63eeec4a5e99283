// The @socket.io/admin-ui server side (the package's `instrument(io, opts)`, version 0.5) for the
// reference server, plus its static UI (the package's ui/dist) served over HTTP. See
// docs/deployments.md ("Admin UI").
//
// Wire protocol, namespace `/admin` (configurable):
//   * auth: CONNECT payload {username, password} checked against a bcrypt hash (on a worker
//     thread), or {sessionId} of an earlier successful login; refusal: CONNECT_ERROR
//     {"message": "invalid credentials"}. A successful login gets `session(sessionId)`.
//   * on connect: `config({supportedFeatures})`, then (development mode) `all_sockets([...])`.
//   * every stats interval (2 s) and at start: `server_stats({serverId, hostname, pid, uptime,
//     clientsCount, pollingClientsCount, aggregatedEvents, namespaces})`.
//   * development mode: `socket_connected(socket, date)`, `socket_updated({id, nsp, ...})`,
//     `socket_disconnected(nsp, id, reason, date)`, `room_joined(nsp, room, id, date)`,
//     `room_left(nsp, room, id, date)`, `event_received(nsp, id, [ev, ...args], date)`,
//     `event_sent(nsp, id, [ev, ...args], date)`.
//   * commands (unless readonly): `emit(nsp, room?, ev, ...args)`, `join(nsp, room, room?)`,
//     `leave(nsp, room, room?)`, `_disconnect(nsp, close, room?)`.
//
// Use (on the server's executor or before io.run()):
//   sio::admin::AdminUi admin(opts);          // validates the options (std::invalid_argument)
//   admin.prepare(server_options);            // BEFORE constructing the Server: room events
//   sio::server::Server server(io, server_options, host, port);
//   admin.attach(server);                     // right after construction (sees every namespace)
//   ... io.run(); destroy `admin` before the Server and the io_context.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "sio/server/server.hpp"

namespace sio::admin {

struct AdminOptions {
  std::string namespace_name = "/admin";
  // Basic authentication; with auth false anyone may connect (the package's `auth: false`).
  bool auth = true;
  std::string username;
  std::string password_hash;  // bcrypt ($2a$/$2b$/$2y$)
  // No commands (emit/join/leave/_disconnect) when set.
  bool readonly = false;
  // server_stats.serverId; empty: the host name.
  std::string server_id;
  // "development" sends every socket, room and event; anything else ("production") only the
  // server stats (as the package with NODE_ENV).
  std::string mode = "development";
  // Directory holding the UI (the npm package's ui/dist, or the package directory itself, whose
  // ui/dist is then used); empty: no UI served.
  std::string ui_dir;
  // HTTP path of the UI: `<ui_path>` redirects to `<ui_path>/`, files below it come from ui_dir.
  std::string ui_path = "/admin";
  std::chrono::milliseconds stats_interval{2000};
  // server_stats lists at most this many namespaces (the first ones created); a tick's work is
  // bounded by it, not by how many namespaces clients made.
  std::size_t max_stats_namespaces = 1000;
  // Development mode: sockets whose socket.data is compared with its last copy per stats tick
  // (round robin), so that a tick's work does not grow with the number of sockets either.
  std::size_t socket_checks_per_tick = 1000;
};

class AdminUi {
 public:
  // Throws std::invalid_argument for bad options (auth without a valid bcrypt hash, a ui_dir
  // without index.html, a namespace or path not starting with '/').
  explicit AdminUi(AdminOptions options);
  ~AdminUi();
  AdminUi(const AdminUi&) = delete;
  AdminUi& operator=(const AdminUi&) = delete;

  // Installs the adapter factory reporting room joins/leaves (room_joined / room_left). Call it on
  // the options the Server will be constructed with. A factory already set there is kept (then
  // room events are not reported).
  void prepare(server::ServerOptions& options);

  // Instruments the server: the admin namespace, listeners on every namespace (those existing
  // now: "/" and what of() created before; later ones through on_new_namespace), the stats timer,
  // the Engine.IO session counters and the UI's HTTP handler.
  void attach(server::Server& server);

  const AdminOptions& options() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sio::admin
