#!/usr/bin/python3
"""The scenario file chat.json run by sio-testserver --scenario, driven by Debian's
python3-socketio (5.7): a client that does what the scenario expects (exit 0, every expectation
MET) and one that forgets an emit (exit 1, the report names the unmet expectation), over polling
and WebSocket. This is also docs/testing.md's example of testing a Python client in CI.

    python_client.py --server <sio-testserver>

Prints PASS <check> / FAIL <check>: ... and exits non-zero on a failure. Waits are for events,
with generous deadlines (never sleeps as synchronisation).
"""
import json
import os
import subprocess
import sys
import tempfile
import threading

import socketio

WAIT = 30.0  # seconds; a bound, not a pace
HERE = os.path.dirname(os.path.abspath(__file__))
failures = 0


def start_scenario(exe, report_path):
    """Starts sio-testserver --scenario chat.json on a free port; returns (process, port)."""
    proc = subprocess.Popen([exe, "--port", "0", "--scenario", os.path.join(HERE, "chat.json"),
                             "--report", report_path], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # "listening on http://127.0.0.1:<port>/"
    if "listening on http://" not in line:
        raise RuntimeError(f"sio-testserver did not start: {line!r}")
    return proc, int(line.rsplit(":", 1)[1].strip().rstrip("/"))


class Client:
    """A python-socketio client recording what it received."""

    def __init__(self):
        self.cond = threading.Condition()
        self.seen = []  # (event, args)
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", self._any)

    def _any(self, event, *args):
        with self.cond:
            self.seen.append((event, list(args)))
            self.cond.notify_all()

    def wait(self, event, count=1):
        with self.cond:
            ok = self.cond.wait_for(lambda: sum(1 for e, _ in self.seen if e == event) >= count, WAIT)
        if not ok:
            raise AssertionError(f"no {event!r} (seen: {self.seen})")
        return [a for e, a in self.seen if e == event][count - 1]


def run_client(port, transports, forget_hello=False):
    c = Client()
    c.sio.connect(f"http://127.0.0.1:{port}", transports=transports, auth={"token": "s3cret"},
                  wait_timeout=WAIT)
    assert c.wait("welcome") == [c.sio.get_sid()]
    # a tuple is sent as several arguments; several ack arguments come back as a tuple
    assert c.sio.call("echo", (1, {"a": "b"}), timeout=WAIT) == (1, {"a": "b"})
    assert c.sio.call("join", "room-1", timeout=WAIT) == ("joined", "room-1")
    c.sio.emit("say", ("room-1", "hi all"))
    assert c.wait("said") == ["hi all"]
    if not forget_hello:
        c.sio.emit("hello", "world")
        assert c.wait("hello-back") == ["world", 42]
    c.wait("tick", 2)
    c.sio.emit("ticked", 2)
    return c


def check(name, fn):
    global failures
    try:
        fn()
        print(f"PASS {name}", flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported by name
        failures += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)


def scenario_run(exe, transports, forget_hello):
    """Runs the scenario with one client; returns (exit code, text report, JSON report)."""
    with tempfile.TemporaryDirectory() as tmp:
        report_path = os.path.join(tmp, "report.json")
        proc, port = start_scenario(exe, report_path)
        try:
            client = run_client(port, transports, forget_hello)
            out, _ = proc.communicate(timeout=WAIT)
            client.sio.disconnect()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        with open(report_path) as f:
            return proc.returncode, out, json.load(f)


def main():
    exe = sys.argv[sys.argv.index("--server") + 1]
    for transports in (["polling"], ["websocket"]):
        def passing(transports=transports):
            code, out, report = scenario_run(exe, transports, forget_hello=False)
            assert code == 0, out
            assert "3/3 expectations met, PASSED" in out, out
            assert report["passed"] is True, report

        check(f"scenario-passes-{'+'.join(transports)}", passing)

    def failing():
        code, out, report = scenario_run(exe, ["websocket"], forget_hello=True)
        assert code == 1, out
        assert 'UNMET greets the server: client must emit "hello" with ["world"]' in out, out
        assert [e["name"] for e in report["expectations"] if not e["met"]] == ["greets the server"], report

    check("scenario-fails-naming-the-unmet-expectation", failing)
    print("DONE ok" if not failures else f"DONE {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
