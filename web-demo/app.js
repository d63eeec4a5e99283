// The web demo: a chat with rooms on the /chat namespace of sio-testserver's DemoApp
// (docs/server.md "Demo application"), using the sio-cpp WebAssembly client through the
// socket.io-client API (global io from /socket.io.js).
//   "everyone": emit("chat message", msg) -> the server sends it to the whole namespace.
//   a room:     emit("join", room) once, then emit("to-room", room, "room message", msg): the server
//               sends it to the room's other members (the sender shows its own copy).
"use strict";

const $ = (id) => document.getElementById(id);
const EVERYONE = "everyone";
const state = { current: EVERYONE, rooms: new Map([[EVERYONE, []]]), unread: new Map() };

const nameInput = $("name");
nameInput.value = localStorage.getItem("sio-demo-name") || "guest-" + Math.random().toString(36).slice(2, 6);
nameInput.addEventListener("change", () => localStorage.setItem("sio-demo-name", nameInput.value));
const me = () => nameInput.value.trim() || "guest";

const socket = io("/chat", { auth: { user: me() } });

function setStatus() {
  const el = $("status");
  if (socket.connected) {
    el.textContent = `connected (${socket.io.engine.transport.name})`;
    el.className = "status on";
  } else {
    el.textContent = socket.active ? "reconnecting…" : "disconnected";
    el.className = "status off";
  }
}

function renderRooms() {
  const list = $("rooms");
  list.textContent = "";
  for (const room of state.rooms.keys()) {
    const li = document.createElement("li");
    li.textContent = room === EVERYONE ? "# everyone" : "# " + room;
    if (room === state.current) li.className = "active";
    const unread = state.unread.get(room) || 0;
    if (unread) {
      const badge = document.createElement("span");
      badge.className = "unread";
      badge.textContent = unread;
      li.appendChild(badge);
    }
    li.addEventListener("click", () => {
      state.current = room;
      state.unread.set(room, 0);
      renderRooms();
      renderMessages();
    });
    list.appendChild(li);
  }
}

function renderMessages() {
  const list = $("messages");
  list.textContent = "";
  for (const m of state.rooms.get(state.current) || []) {
    const li = document.createElement("li");
    if (m.info) {
      li.className = "info";
      li.textContent = m.info;
    } else {
      if (m.user === me()) li.className = "me";
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = m.user;
      li.append(who, document.createTextNode(m.text));
    }
    list.appendChild(li);
  }
  list.scrollTop = list.scrollHeight;
}

function add(room, message) {
  if (!state.rooms.has(room)) state.rooms.set(room, []);
  state.rooms.get(room).push(message);
  if (room === state.current) renderMessages();
  else state.unread.set(room, (state.unread.get(room) || 0) + 1);
  renderRooms();
}

function valid(m) {
  return m && typeof m === "object" && typeof m.user === "string" && typeof m.text === "string";
}

socket.on("connect", () => {
  setStatus();
  add(state.current, { info: `connected as ${me()} (id ${socket.id})` });
  // Rooms live on the server side of the connection: join them again after a new session.
  if (!socket.recovered) {
    for (const room of state.rooms.keys()) if (room !== EVERYONE) socket.emit("join", room);
  }
});
socket.io.engine.on("upgrade", setStatus);
socket.on("disconnect", (reason) => {
  setStatus();
  add(state.current, { info: `disconnected: ${reason}` });
});
socket.on("connect_error", (err) => {
  setStatus();
  add(state.current, { info: `connection failed: ${err.message}` });
});
socket.io.on("reconnect_attempt", setStatus);

socket.on("chat message", (m) => {
  if (valid(m)) add(EVERYONE, m);
});
socket.on("room message", (m) => {
  if (valid(m) && typeof m.room === "string") add(m.room, m);
});

$("join-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const room = $("room").value.trim();
  $("room").value = "";
  if (!room || room === EVERYONE) return;
  socket.timeout(5000).emit("join", room, (err) => {
    if (err) return add(state.current, { info: `could not join ${room}: ${err.message}` });
    if (!state.rooms.has(room)) state.rooms.set(room, []);
    state.current = room;
    add(room, { info: `you joined ${room}` });
    renderMessages();
  });
});

$("send-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  const room = state.current;
  if (room === EVERYONE) {
    socket.emit("chat message", { user: me(), text });  // comes back to us from the server
  } else {
    const m = { room, user: me(), text };
    socket.emit("to-room", room, "room message", m);    // the others in the room get it
    add(room, m);
  }
});
$("name-form").addEventListener("submit", (e) => e.preventDefault());

renderRooms();
setStatus();
