// The job board of the job manager (sio-jobmanager, docs/deployments.md "Job manager"), with the
// sio-cpp WebAssembly client speaking socket.io 2 (Engine.IO 3) straight over WebSocket, as the
// manager's own web app does with socket.io-client 2:
//   /subscription {op: "subscribe"|"unsubscribe", type, uuid?}  acked "ok" or an error text
//     (allJobs on connect; "Watch" subscribes to one job's room job-<uuid>)
//   /jobs (room Jobs), /task and /last-rendered (room job-<uuid>): the manager's updates, posted
//     to its HTTP API (POST /api/updates/<kind>)
//   /chat {name, text} -> /message {name, text} to everyone (room Chat)
"use strict";

const $ = (id) => document.getElementById(id);
const socket = io({ EIO: 3, transports: ["websocket"] });
const watched = new Set();

function setStatus() {
  const el = $("status");
  if (socket.connected) {
    el.textContent = `connected (EIO 3, ${socket.io.engine.transport.name})`;
    el.className = "status on";
  } else {
    el.textContent = socket.active ? "reconnecting…" : "disconnected";
    el.className = "status off";
  }
}

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

// One row per id, updated in place.
function upsert(tbodyId, key, fill) {
  const tbody = $(tbodyId);
  let row = [...tbody.rows].find((r) => r.dataset.key === key);
  if (!row) {
    row = document.createElement("tr");
    row.dataset.key = key;
    tbody.appendChild(row);
  }
  row.textContent = "";
  fill(row);
}

function subscribe(op, type, uuid) {
  return new Promise((resolve) => {
    const req = uuid === undefined ? { op, type } : { op, type, uuid };
    socket.timeout(10000).emit("/subscription", req, (err, answer) => resolve(err ? err.message : answer));
  });
}

function renderWatched() {
  const list = $("watched");
  list.textContent = "";
  for (const uuid of watched) {
    const li = document.createElement("li");
    li.dataset.uuid = uuid;
    li.append(document.createTextNode(uuid.slice(0, 8) + "…"));
    const b = document.createElement("button");
    b.textContent = "unwatch";
    b.addEventListener("click", async () => {
      const answer = await subscribe("unsubscribe", "job", uuid);
      $("sub-status").textContent = `unwatch ${uuid}: ${answer}`;
      if (answer === "ok") {
        watched.delete(uuid);
        renderWatched();
      }
    });
    li.appendChild(b);
    list.appendChild(li);
  }
}

async function watch(uuid) {
  const answer = await subscribe("subscribe", "job", uuid);
  $("sub-status").textContent = `watch ${uuid}: ${answer}`;
  $("sub-status").className = answer === "ok" ? "hint" : "hint error";
  if (answer === "ok") {
    watched.add(uuid);
    renderWatched();
    const button = [...$("jobs").rows].find((r) => r.dataset.key === uuid)?.querySelector("button");
    if (button) button.remove();
  }
}

socket.on("connect", async () => {
  setStatus();
  // A new session has no rooms but Chat: subscribe again.
  const answer = await subscribe("subscribe", "allJobs");
  $("sub-status").textContent = `all jobs: ${answer}`;
  for (const uuid of watched) await subscribe("subscribe", "job", uuid);
});
socket.on("disconnect", setStatus);
socket.on("connect_error", (err) => {
  setStatus();
  $("sub-status").textContent = `connection failed: ${err.message}`;
});
socket.io.on("reconnect_attempt", setStatus);

socket.on("/jobs", (job) => {
  if (!job || typeof job !== "object" || job.id == null) return;
  upsert("jobs", String(job.id), (row) => {
    cell(row, String(job.id).slice(0, 8) + "…", "id").title = String(job.id);
    cell(row, job.name);
    cell(row, job.status, "status");
    const td = cell(row, "");
    if (!watched.has(String(job.id))) {
      const b = document.createElement("button");
      b.textContent = "watch";
      b.addEventListener("click", () => watch(String(job.id)));
      td.appendChild(b);
    }
  });
});

socket.on("/task", (task) => {
  if (!task || typeof task !== "object") return;
  upsert("tasks", String(task.id), (row) => {
    cell(row, String(task.job_id).slice(0, 8) + "…", "id").title = String(task.job_id);
    cell(row, String(task.id).slice(0, 8) + "…", "id").title = String(task.id);
    cell(row, task.name);
    cell(row, task.status, "status");
    cell(row, task.activity);
  });
});

socket.on("/last-rendered", (u) => {
  if (u && typeof u === "object") $("last-rendered").textContent = `last rendered of job ${u.job_id}: ${u.thumbnail || u.path || JSON.stringify(u)}`;
});

socket.on("/message", (m) => {
  if (!m || typeof m.name !== "string" || typeof m.text !== "string") return;
  const li = document.createElement("li");
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = m.name;
  li.append(who, document.createTextNode(m.text));
  $("chat-log").appendChild(li);
  li.scrollIntoView({ block: "nearest" });
});

$("watch-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const uuid = $("job-uuid").value.trim();
  if (!uuid) return;
  $("job-uuid").value = "";
  watch(uuid);
});

$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("chat-text").value.trim();
  if (!text) return;
  $("chat-text").value = "";
  socket.emit("/chat", { name: $("chat-name").value.trim() || "anonymous", text });
});

setStatus();
