"""Fixtures of the tests that run a real Celery worker: a database and a broker shared with it, and
`start_worker`, which starts `celery -A verdict worker -Q <queues>` and kills it at the end.

The worker is a subprocess sharing the test's database (PostgreSQL: the test database; SQLite: the
in-memory test database copied to a file for the duration of the test) and broker (CELERY_BROKER_URL,
e.g. Redis in CI; otherwise kombu's filesystem transport in tmp_path)."""
import os
import signal
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.jobs.worker_support import STALE_SECONDS, WORKER_BIN, reset_publisher_pools, wait_for
from verdict.celery import app


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL through which a subprocess sees this test's database.

    pytest-django's SQLite test database lives in memory, invisible to other processes: for this test
    it is copied to a file and the test's connection is pointed at that file (the in-memory one is
    kept open, untouched, and restored afterwards)."""
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(settings_dict["USER"] or "") + (f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else "")
        yield f"postgres://{credentials}@{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        return
    if connection.vendor != "sqlite":
        pytest.skip(f"no shared-database recipe for {connection.vendor}")
    if not connection.is_in_memory_db():
        yield f"sqlite:///{settings_dict['NAME']}"
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    in_memory, original_name = connection.connection, settings_dict["NAME"]
    with sqlite3.connect(path) as target:
        in_memory.backup(target)
    connection.connection = None
    settings_dict["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        settings_dict["NAME"] = original_name
        connection.connection = in_memory


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[str, dict]]:
    """The broker both sides use; this process publishes for real (not eagerly) during the test."""
    url = os.environ.get("CELERY_BROKER_URL") or "filesystem://"
    options: dict = {}
    if url.startswith("filesystem"):
        folder, processed = tmp_path / "celery-broker", tmp_path / "celery-processed"
        folder.mkdir()
        processed.mkdir()
        control = tmp_path / "celery-control"
        control.mkdir()
        options = {
            "data_folder_in": str(folder), "data_folder_out": str(folder), "processed_folder": str(processed),
            "control_folder": str(control), "store_processed": False,
        }
    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options", "task_always_eager")}
    app.conf.update(broker_url=url, broker_transport_options=options, task_always_eager=False)
    reset_publisher_pools()
    try:
        yield url, options
    finally:
        reset_publisher_pools()
        app.conf.update(saved)


@pytest.fixture
def start_worker(shared_database: str, broker: tuple[str, dict], tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen, Path]]]:
    """Starts real workers (`celery -A verdict worker -Q <queues>`, no beat) and kills any left at the end."""
    started: list[subprocess.Popen] = []

    def start(queues: str = "gpu,default", name: str = "killed-worker") -> tuple[subprocess.Popen, Path]:
        log = tmp_path / f"{name}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "verdict.settings.base",
            "SECRET_KEY": "verdict-worker-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DEBUG": "0",
            "DATABASE_URL": shared_database,
            "CELERY_BROKER_URL": broker[0],
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "VERDICT_VAR_DIR": str(tmp_path),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "VERDICT_ARTIFACTS_ROOT": str(tmp_path / "artifacts"),
            "VERDICT_JOB_HEARTBEAT_SECONDS": "0.5",
            "VERDICT_JOB_STALE_SECONDS": str(STALE_SECONDS),
            "VERDICT_JOB_REAP_SECONDS": "1",
            "OMP_NUM_THREADS": "1",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
        }
        command = [
            str(WORKER_BIN), "-A", "verdict", "worker", "-Q", queues, "--concurrency", "1", "--pool", "prefork",
            "--loglevel", "INFO", "--purge", "--without-gossip", "--without-mingle", "-n", f"{name}-{os.getpid()}@%h",
        ]
        with log.open("wb") as output:
            process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[2], env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        started.append(process)
        wait_for(lambda: process.poll() is None and " ready." in log.read_text(errors="replace"), timeout=60, what="the worker to start", log=log)
        return process, log

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
