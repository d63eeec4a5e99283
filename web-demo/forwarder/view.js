// The view screen: shows what the forwarder re-broadcasts to its namespace (the last event big,
// every event in the list); other views coming and going are listed too.
"use strict";

forwarderLogin("view", (socket) => {
  socket.on("__connect__", (v) => addLine("log", "__connect__", `view ${v && v.id} joined`, "sys"));
  socket.on("__disconnect__", (v) => addLine("log", "__disconnect__", `view ${v && v.id} left`, "sys"));
  socket.onAny((event, ...args) => {
    if (event === "__connect__" || event === "__disconnect__") return;
    addLine("log", event, showArgs(args));
    $("display").textContent = showArgs(args);
  });
});
