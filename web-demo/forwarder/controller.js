// The controller screen: asks the forwarder for the number of views of its namespace
// (__count__ -> __count__(n)) when it connects and whenever a view comes (__connect__ {id}) or
// goes (__disconnect__ {id}); sends events that the forwarder re-broadcasts to the namespace (the
// views show them; the controller gets its own copy back).
"use strict";

let current = null;

forwarderLogin("controller", (socket) => {
  current = socket;
  $("views").textContent = "–";
  socket.on("connect", () => socket.emit("__count__"));
  socket.on("__count__", (n) => {
    $("views").textContent = String(n);
  });
  socket.on("__connect__", (v) => {
    addLine("log", "__connect__", `view ${v && v.id} joined`, "sys");
    socket.emit("__count__");
  });
  socket.on("__disconnect__", (v) => {
    addLine("log", "__disconnect__", `view ${v && v.id} left`, "sys");
    socket.emit("__count__");
  });
  socket.onAny((event, ...args) => {
    if (event === "__count__" || event === "__connect__" || event === "__disconnect__") return;
    addLine("log", event, showArgs(args));
  });
});

$("send-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if (!current || !current.connected) return;
  const event = $("event").value.trim();
  const text = $("payload").value;
  if (!event || event.startsWith("__")) return;
  let payload = text;
  try {
    payload = JSON.parse(text);
  } catch (err) {
    payload = text;  // not JSON: send it as a string
  }
  current.emit(event, payload);
  $("payload").value = "";
});
