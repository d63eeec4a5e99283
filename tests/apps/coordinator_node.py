#!/usr/bin/python3
"""End to end: sio-coordinator driven by Debian's python3-socketio (5.7), the client vantage6's
nodes run, with the node's own handler signatures (vantage6-node/vantage6/node/socket.py:
on_sync(self), on_expired_token(self), on_invalid_token(self), on_message(self, msg), ...), over
polling, WebSocket and polling upgraded to WebSocket; and every node back after the server is
SIGTERMed and restarted on the same port.

    coordinator_node.py --server <sio-coordinator>

Prints PASS <check> / FAIL <check>: ... and exits non-zero on a failure. Waits are for events,
with generous deadlines (never sleeps as synchronisation).
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import socketio

SECRET = "coordinator-python-test-secret"
API_KEY = "api-key-for-python-tests"
WAIT = 60.0  # seconds; a bound, not a pace: every wait returns as soon as its event is there

failures = 0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(claims, secret=SECRET):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"


def token(sub, client_type, exp_in=600):
    return jwt({"sub": sub, "client_type": client_type, "exp": int(time.time()) + exp_in, "type": "access"})


class App:
    """The app executable on a port (0: any), with its configuration in a temporary directory."""

    def __init__(self, exe, config_path, port=0):
        with open(config_path) as f:
            config = json.load(f)
        config["port"] = port
        self.config_path = config_path + f".{port}.json"
        with open(self.config_path, "w") as f:
            json.dump(config, f)
        self.proc = subprocess.Popen([exe, "--config", self.config_path], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.port = None
        deadline = time.monotonic() + WAIT
        out = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"app exited: {out} {self.proc.stderr.read()}")
            out += line
            if "listening on http://" in line:
                self.port = int(line.rsplit(":", 1)[1].strip().rstrip("/"))
                break
        if self.port is None:
            raise RuntimeError(f"app did not start: {out}")
        # Drain stderr so that the app never blocks on a full pipe.
        self.err = []
        threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True).start()

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        """SIGTERM; the app must exit 0."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                code = self.proc.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise RuntimeError("the app did not exit on SIGTERM")
            if code != 0:
                raise RuntimeError(f"the app exited with {code} on SIGTERM")


class Events:
    """What one client received, with a condition to wait on."""

    def __init__(self):
        self.cond = threading.Condition()
        self.seen = []  # (event, args)

    def add(self, event, *args):
        with self.cond:
            self.seen.append((event, args))
            self.cond.notify_all()

    def of(self, event):
        with self.cond:
            return [args for ev, args in self.seen if ev == event]

    def wait(self, pred, what):
        with self.cond:
            if not self.cond.wait_for(pred, timeout=WAIT):
                raise AssertionError(f"timed out waiting for {what}; seen {self.seen}")

    def wait_count(self, event, n):
        self.wait(lambda: len([1 for ev, _ in self.seen if ev == event]) >= n, f"{n} x {event}")

    def clear(self):
        with self.cond:
            self.seen.clear()


class NodeTaskNamespace(socketio.ClientNamespace):
    """vantage6's node namespace (socket.py): the same handler signatures, recording instead of
    acting. A handler called with the wrong number of arguments raises TypeError in
    python-socketio and records nothing."""

    def __init__(self, events):
        super().__init__("/tasks")
        self.events = events

    def on_connect(self):
        self.events.add("connect")

    def on_disconnect(self):
        self.events.add("disconnect")

    def on_message(self, msg):
        self.events.add("message", msg)

    def on_sync(self):
        self.events.add("sync")

    def on_new_task(self, data: dict):
        self.events.add("new_task", data)

    def on_new_task_update(self, data: dict):
        self.events.add("new_task_update", data)

    def on_algorithm_status_change(self, data: dict):
        self.events.add("algorithm_status_change", data)

    def on_expired_token(self):
        self.events.add("expired_token")

    def on_invalid_token(self) -> None:
        self.events.add("invalid_token")

    def on_kill_containers(self, kill_info: dict):
        self.events.add("kill_containers", kill_info)

    def on_delete_dataframe(self, data: dict):
        self.events.add("delete_dataframe", data)

    def trigger_event(self, event, *args):
        # node-online / node-offline are no Python identifiers: the UI (a user) listens to them.
        if event in ("node-online", "node-offline"):
            self.events.add(event, *args)
            return None
        return super().trigger_event(event, *args)


def connect(app, tok, transports, reconnection=False):
    events = Events()
    debug = bool(os.environ.get("SIO_TEST_DEBUG"))
    client = socketio.Client(reconnection=reconnection, reconnection_delay=0.5, reconnection_delay_max=2,
                             logger=debug, engineio_logger=debug)
    client.register_namespace(NodeTaskNamespace(events))
    headers = {"Authorization": f"Bearer {tok}"} if tok else {}
    client.connect(app.url(), headers=headers, transports=transports, namespaces=["/tasks"], wait_timeout=WAIT)
    events.wait_count("connect", 1)
    client.events = events
    return client


def api_emit(app, body):
    req = urllib.request.Request(f"{app.url()}/api/emit", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {API_KEY}"})
    with urllib.request.urlopen(req, timeout=WAIT) as res:
        return res.status, json.loads(res.read())


def check(name, fn):
    global failures
    try:
        fn()
        print(f"PASS {name}", flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported by name
        failures += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}".replace("\n", " | "), flush=True)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def coordinator_checks(app, transports, label):
    """The node's life as vantage6 runs it, on one transport set."""
    clients = []

    def cleanup():
        for c in clients:
            c.disconnect()

    try:
        # carol: a user whose rules give her collaboration 1's organization 11 room only.
        carol = connect(app, token("carol", "user"), transports)
        clients.append(carol)
        carol.events.wait(lambda: ("message", ("User <carol> joined room <collaboration_1_organization_11>",))
                          in carol.events.seen, "carol's own join notice")

        def node_connects():
            node = connect(app, token(2, "node"), transports)
            clients.append(node)
            if "websocket" in transports:
                expect(node.transport() == "websocket", f"transport {node.transport()}")
            node.events.wait_count("sync", 1)  # on_sync(self): no argument
            for room in ("collaboration_1", "collaboration_1_organization_11"):
                note = f"Node <node-c1-o11> joined room <{room}>"
                node.events.wait(lambda: ("message", (note,)) in node.events.seen, note)
            expect(not any("all_nodes" in a[0] for a in node.events.of("message")), "a notice to all_nodes")
            # The organization-scoped user sees her own organization's node come online, ids as integers.
            carol.events.wait_count("node-online", 1)
            online = carol.events.of("node-online")[0][0]
            expect(online == {"id": 2, "name": "node-c1-o11", "org_id": 11, "collaboration_id": 1}, online)
            carol.events.wait(lambda: ("message", ("Node <node-c1-o11> joined room <collaboration_1_organization_11>",))
                              in carol.events.seen, "the node's join notice at carol")
            return node

        node = None

        def first():
            nonlocal node
            node = node_connects()
        check(f"{label}: node syncs on connect, room notices, node-online with integer ids", first)
        if node is None:
            return

        def api_events():
            expect(api_emit(app, {"event": "sync", "room": "all_nodes"})[0] == 200, "sync")
            node.events.wait_count("sync", 2)
            status, _ = api_emit(app, {"event": "new_task_update", "collaboration_id": 1,
                                       "data": {"id": 5, "parent_id": None}})
            expect(status == 200, "new_task_update")
            node.events.wait_count("new_task_update", 1)
            expect(node.events.of("new_task_update")[0] == ({"id": 5, "parent_id": None},), node.events.seen)
            status, _ = api_emit(app, {"event": "delete_dataframe", "collaboration_id": 1,
                                       "data": {"df_name": "df1", "session_id": 3}})
            expect(status == 200, "delete_dataframe")
            node.events.wait_count("delete_dataframe", 1)
            expect(node.events.of("delete_dataframe")[0] == ({"df_name": "df1", "session_id": 3},), node.events.seen)
        check(f"{label}: /api/emit sync without an argument, new_task_update, delete_dataframe", api_events)

        def status_change():
            node.emit("algorithm_status_change", {"run_id": 7, "task_id": 3, "status": "completed",
                                                  "collaboration_id": 1, "node_id": 2, "organization_id": 11},
                      namespace="/tasks")
            node.events.wait_count("algorithm_status_change", 1)
            d = node.events.of("algorithm_status_change")[0][0]
            expect(d["node_id"] == 2 and d["organization_id"] == 11 and d["collaboration_id"] == 1, d)
        check(f"{label}: algorithm_status_change with integer ids", status_change)

        def bad_tokens():
            expired = connect(app, token(2, "node", -10), transports)
            clients.append(expired)
            expired.events.wait_count("expired_token", 1)  # on_expired_token(self)
            forged = connect(app, jwt({"sub": 2, "client_type": "node", "exp": int(time.time()) + 600}, "wrong"),
                             transports)
            clients.append(forged)
            forged.events.wait_count("invalid_token", 1)  # on_invalid_token(self)
            expect(not expired.events.of("sync") and not forged.events.of("sync"), "a refused node synced")
        check(f"{label}: expired_token and invalid_token without an argument", bad_tokens)

        def offline():
            carol.events.clear()
            node.disconnect()
            clients.remove(node)
            carol.events.wait_count("node-offline", 1)
            expect(carol.events.of("node-offline")[0][0]["id"] == 2, carol.events.seen)
            carol.events.wait(lambda: ("message", ("node-c1-o11 left room collaboration_1_organization_11",))
                              in carol.events.seen, "the node's leave notice")
        check(f"{label}: node-offline and the leave notice", offline)
    finally:
        cleanup()


def restart_checks(exe, config_path):
    """After SIGTERM and a restart on the same port, every node is back: over polling, WebSocket
    and upgrade. The server's shutdown must not send the Engine.IO close packet, which
    python-engineio takes as a deliberate end (it then never reconnects)."""
    app = App(exe, config_path)
    nodes = []
    try:
        for transports in (["polling"], ["websocket"], ["polling", "websocket"]):
            nodes.append((transports, connect(app, token(2, "node"), transports, reconnection=True)))
        for _, node in nodes:
            node.events.wait_count("sync", 1)
        app.stop()  # SIGTERM; exits 0
        for _, node in nodes:
            node.events.wait_count("disconnect", 1)
        app = App(exe, config_path, port=app.port)
        for transports, node in nodes:
            def back(transports=transports, node=node):
                node.events.wait_count("connect", 2)
                node.events.wait_count("sync", 2)
                want = "websocket" if "websocket" in transports else "polling"
                expect(node.transport() == want, f"transport {node.transport()}")
            check(f"restart: the {'+'.join(transports)} node is back after SIGTERM and restart", back)
    finally:
        for _, node in nodes:
            node.disconnect()
        app.stop()


def main():
    if "--server" not in sys.argv:
        print("FAIL args: --server <sio-coordinator> is required")
        return 2
    exe = sys.argv[sys.argv.index("--server") + 1]
    tmp = tempfile.mkdtemp(prefix="sio-app-")
    config_path = os.path.join(tmp, "coordinator.json")
    with open(config_path, "w") as f:
        json.dump({
            "host": "127.0.0.1", "port": 0, "jwt_secret": SECRET, "api_key": API_KEY,
            "nodes": {"1": {"name": "node-c1-o10", "collaboration": 1, "organization": 10},
                      "2": {"name": "node-c1-o11", "collaboration": 1, "organization": 11}},
            "users": {"carol": {"organization": 11, "rules": [{"collaboration": 1, "scope": "organization"}]}},
        }, f)
    apps = []
    try:
        app = App(exe, config_path)
        apps.append(app)
        for transports, label in ((["polling"], "polling"), (["websocket"], "websocket"),
                                  (["polling", "websocket"], "upgrade")):
            coordinator_checks(app, transports, label)
        app.stop()
        restart_checks(exe, config_path)
    except Exception as e:  # noqa: BLE001
        global failures
        failures += 1
        print(f"FAIL main: {type(e).__name__}: {e}", flush=True)
    finally:
        for a in apps:
            if a.proc.poll() is None:
                a.proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"DONE {failures} failed" if failures else "DONE ok", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
