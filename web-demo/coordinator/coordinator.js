// The collaboration dashboard of the coordinator (sio-coordinator, docs/deployments.md
// "Coordinator"): namespace /tasks with the sio-cpp WebAssembly client. The access token goes in
// auth.token (a browser WebSocket cannot carry an Authorization header; the coordinator reads
// auth.token when the header is absent). The server puts the socket in the rooms of the token's
// rules; the page shows what those rooms receive:
//   node-online / node-offline {id, name, org_id, collaboration_id}
//   new_task, new_task_update, kill_containers, status_update, sync, message, delete_dataframe
//   (from POST /api/emit; message also tells the room who joined or left it)
//   algorithm_status_change, algorithm_log (from nodes)
//   invalid_token / expired_token (no argument) when the token is refused (no rooms then)
"use strict";

const $ = (id) => document.getElementById(id);
let socket = null;

function status(text, on) {
  $("status").textContent = text;
  $("status").className = on ? "status on" : "status off";
}

function feed(event, data) {
  const li = document.createElement("li");
  li.className = event;
  const ev = document.createElement("span");
  ev.className = "ev";
  ev.textContent = event;
  li.append(ev, document.createTextNode(JSON.stringify(data)));
  $("feed").appendChild(li);
  li.scrollIntoView({ block: "nearest" });
}

function nodeState(n, state) {
  if (!n || typeof n !== "object" || n.id == null) return;
  const tbody = $("nodes");
  const key = String(n.id);
  let row = [...tbody.rows].find((r) => r.dataset.key === key);
  if (!row) {
    row = document.createElement("tr");
    row.dataset.key = key;
    tbody.appendChild(row);
  }
  row.textContent = "";
  for (const [text, cls] of [[n.id], [n.name], [n.collaboration_id], [n.org_id], [state, state]]) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
  }
}

function connect(token) {
  if (socket) socket.disconnect();
  $("nodes").textContent = "";
  $("feed").textContent = "";
  $("auth").textContent = "";
  $("auth").className = "hint";
  socket = io("/tasks", { forceNew: true, auth: { token } });
  const mine = socket;
  status("connecting…", false);
  const connected = () => status(`connected to /tasks (${mine.io.engine.transport.name})`, true);
  mine.on("connect", connected);
  mine.io.engine.on("upgrade", () => mine.connected && connected());
  mine.on("disconnect", (reason) => status(`disconnected: ${reason}`, false));
  mine.on("connect_error", (err) => status(`connection failed: ${err.message}`, false));
  for (const ev of ["invalid_token", "expired_token"]) {
    mine.on(ev, () => {  // no argument, as vantage6 sends them
      $("auth").textContent = `${ev}: the server refused the token (no rooms joined)`;
      $("auth").className = "hint error";
    });
  }
  mine.on("node-online", (n) => {
    nodeState(n, "online");
    feed("node-online", n);
  });
  mine.on("node-offline", (n) => {
    nodeState(n, "offline");
    feed("node-offline", n);
  });
  for (const ev of ["new_task", "new_task_update", "kill_containers", "status_update", "sync", "message",
    "delete_dataframe", "algorithm_status_change", "algorithm_log"]) {
    mine.on(ev, (d) => feed(ev, d === undefined ? "(no argument)" : d));
  }
}

$("login-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const token = $("token").value.trim();
  if (token) connect(token);
});
