// Shared by the forwarder's controller and view screens: the login form and the status badge.
// A screen connects to the namespace /do-<name> with auth {username, password, type}, where type
// is "controller" or "view" (docs/deployments.md, "Forwarder"). The query string may prefill the
// name and the username (?ns=demo&user=alice) and give the server's path when config.json sets
// one (?path=/custom); the password is only ever typed.
"use strict";

const $ = (id) => document.getElementById(id);

function addLine(listId, event, text, cls) {
  const li = document.createElement("li");
  if (cls) li.className = cls;
  const ev = document.createElement("span");
  ev.className = "ev";
  ev.textContent = event;
  li.append(ev, document.createTextNode(text));
  $(listId).appendChild(li);
  li.scrollIntoView({ block: "nearest" });
  return li;
}

// Arguments as one line of text: strings as they are, anything else as JSON.
function showArgs(args) {
  return args.map((a) => (typeof a === "string" ? a : a instanceof ArrayBuffer ? `<${a.byteLength} bytes>` : JSON.stringify(a)))
    .join(" ");
}

// Wires the login form; calls onSocket(socket) once per connection attempt.
function forwarderLogin(type, onSocket) {
  const params = new URLSearchParams(location.search);
  if (params.get("ns")) $("ns").value = params.get("ns");
  if (params.get("user")) $("username").value = params.get("user");
  let socket = null;
  const status = (text, on) => {
    $("status").textContent = text;
    $("status").className = on ? "status on" : "status off";
  };
  status("not connected", false);
  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const name = $("ns").value.trim();
    if (!name) return;
    if (socket) socket.disconnect();
    $("login-error").textContent = "";
    socket = io(`/do-${name}`, {
      forceNew: true,
      path: params.get("path") || "/socket.io",
      auth: { username: $("username").value, password: $("password").value, type },
    });
    const mine = socket;
    status("connecting…", false);
    socket.on("connect", () => {
      status(`connected to /do-${name} (${mine.io.engine.transport.name})`, true);
      $("my-id").textContent = mine.id;
    });
    socket.io.engine.on("upgrade", () => {
      if (mine.connected) status(`connected to /do-${name} (${mine.io.engine.transport.name})`, true);
    });
    socket.on("disconnect", (reason) => status(`disconnected: ${reason}`, false));
    socket.on("connect_error", (err) => {
      // The forwarder refuses bad credentials with CONNECT_ERROR {message: "UNAUTHORIZED"}.
      status("refused", false);
      $("login-error").textContent = `refused: ${err.message}`;
      mine.disconnect();
    });
    onSocket(socket, name);
  });
}
