"""`scripts/demo.sh` end to end on the embedded defaults: steps are announced, a worker per queue and the
web server start, an annotator's pages work on SQLite (CI's other tests run on PostgreSQL), and SIGTERM
stops every process it started (issue 16, points 10 and 11)."""
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_processes(sid: int) -> list[str]:
    listing = subprocess.run(["ps", "-e", "-o", "pid=,sid=,args="], capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in listing.splitlines() if line.split()[1] == str(sid)]


def wait_for(condition, timeout: float, what: str, output: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}; output:\n{output.read_text(errors='replace')[-4000:]}")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def annotator_sees_the_project_list(port: int) -> str:
    """Log in as the demo's annotator and open the project list (each card counts the open items): the
    page's text; an error page raises."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    login = f"http://127.0.0.1:{port}/accounts/login/"
    with opener.open(login, timeout=30) as response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode()).group(1)
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "annotator1", "password": "verdict-demo"})
    with opener.open(urllib.request.Request(login, data=form.encode(), headers={"Referer": login}), timeout=30) as response:
        assert response.url == f"http://127.0.0.1:{port}/"
        return response.read().decode()


def test_the_demo_starts_a_worker_per_queue_and_stops_everything_on_sigterm(tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "DEBUG")}
    env.update({"VERDICT_VAR_DIR": str(tmp_path / "var"), "PORT": str(port), "VERDICT_SKIP_INSTALL": "1", "OMP_NUM_THREADS": "1"})
    output = tmp_path / "demo.out"
    with output.open("wb") as sink:
        script = subprocess.Popen(["bash", "scripts/demo.sh"], cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        logs = tmp_path / "var"
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/accounts/login/"), 300, "the web server", output)
        ready = lambda name: " ready." in (logs / f"worker-{name}.log").read_text(errors="replace") if (logs / f"worker-{name}.log").exists() else False  # noqa: E731
        wait_for(lambda: ready("default") and ready("gpu"), 120, "both workers", output)
        default_log, gpu_log = ((logs / f"worker-{name}.log").read_text(errors="replace") for name in ("default", "gpu"))
        assert ".> default " in default_log and ".> gpu " not in default_log and "beat" in default_log
        assert ".> gpu " in gpu_log and ".> default " not in gpu_log and "concurrency: 1 " in gpu_log
        text = output.read_text(errors="replace")
        for step in ("==> Migrating the database", "==> Loading the demo users and projects", "==> Starting the Celery workers",
                     f"==> Starting the web server: open http://127.0.0.1:{port}/"):
            assert step in text
        assert re.search(r"you: \d+ done, \d+\+? open", annotator_sees_the_project_list(port))

        script.send_signal(signal.SIGTERM)
        assert script.wait(timeout=60) == 128 + signal.SIGTERM
        wait_for(lambda: session_processes(script.pid) == [], 15, "every process of the demo to stop", output)
        assert "Stopped." in output.read_text(errors="replace")
        assert not answers(f"http://127.0.0.1:{port}/accounts/login/")
    finally:
        if script.poll() is None or session_processes(script.pid):
            os.killpg(script.pid, signal.SIGKILL)
            for line in session_processes(script.pid):
                os.kill(int(line.split()[0]), signal.SIGKILL)
