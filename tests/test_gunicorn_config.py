"""The production gunicorn settings (verdict/gunicorn_conf.py) spread keep-alive clients over every worker.

Without SO_REUSEPORT the workers share the master's socket and the kernel wakes the most recently idle
worker first, so one worker ends up holding most clients' connections (the 50-annotator load benchmark
saw one worker at ~80 % of a core, GIL-bound, and the others idle)."""
import collections
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 3
CLIENTS = 150


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_keep_alive_clients_are_spread_over_the_workers():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:verdict.gunicorn_conf", "-w", str(WORKERS), "--threads", "2",
         "-b", f"127.0.0.1:{port}", "tests.pid_wsgi:application"],
        cwd=ROOT, env={**os.environ, "GUNICORN_CMD_ARGS": ""}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        workers_seen: set[str] = set()
        while len(workers_seen) < WORKERS and time.monotonic() < deadline:  # every worker has booted and listens
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                probe.request("GET", "/")
                workers_seen.add(probe.getresponse().read().decode())
                probe.close()
            except OSError:
                time.sleep(0.1)
        assert server.poll() is None, server.stderr.read().decode()
        # Clients that each keep one connection open, as browsers and the load benchmark's annotators do.
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(CLIENTS)]
        served_by = collections.Counter()
        for connection in connections:
            connection.request("GET", "/")
            served_by[connection.getresponse().read().decode()] += 1
        for connection in connections:
            connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert len(served_by) == WORKERS, served_by
    # An even spread gives each worker a third (50 ± 5.8); 30 is 3.4 standard deviations below that.
    assert min(served_by.values()) >= 0.2 * CLIENTS, f"the connections are not spread over the workers: {served_by}"
