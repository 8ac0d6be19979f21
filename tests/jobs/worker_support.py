"""Helpers of the tests that run a real Celery worker (`conftest.py`'s `start_worker`)."""
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kombu import pools as kombu_pools

from verdict.celery import app

STALE_SECONDS = 3
WORKER_BIN = Path(sys.executable).with_name("celery")


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, log: Path | None = None) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n--- worker log ---\n{tail}")


def reset_publisher_pools() -> None:
    # The app (and kombu, process-wide) cache broker connections and producer pools on first publish;
    # drop them so the broker configured above (and afterwards the original one) is what gets used.
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
