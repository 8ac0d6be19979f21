"""A real Celery worker, killed with SIGKILL in the middle of training: the heartbeat reaper marks the
job failed within a minute, no artifact of it is ready, and restarting it queues a new job. And a
running job cancelled through the API stops at its next step in the worker, keeping what it logged.

The worker is a subprocess (`celery -A verdict worker -Q gpu,default --pool prefork`) sharing this
test's database (PostgreSQL: the test database; SQLite: the in-memory test database copied to a file
for the duration of the test) and broker (CELERY_BROKER_URL, e.g. Redis in CI; otherwise kombu's
filesystem transport in tmp_path)."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from kombu import pools as kombu_pools

from jobs import services
from jobs.models import Artifact, JobStatus, TrainingJob
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.training.rewards.test_reward_job import add_separable_judgements, fast_config
from training.rewards.models import RewardModel
from training.rewards.services import reward_job_launch
from verdict.celery import app

pytestmark = pytest.mark.django_db(transaction=True)

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


def reset_publisher_pools() -> None:
    # The app (and kombu, process-wide) cache broker connections and producer pools on first publish;
    # drop them so the broker configured above (and afterwards the original one) is what gets used.
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


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


@pytest.fixture
def worker(start_worker: Callable[..., tuple[subprocess.Popen, Path]]) -> tuple[subprocess.Popen, Path]:
    return start_worker()


def long_reward_job(tiny_model_dir: Path) -> tuple[TrainingJob, object]:
    """A reward-model job on separable judgements that trains for minutes unless stopped, and its admin."""
    admin = UserFactory(username="adam", role="admin")
    project = ProjectFactory(slug="demo")
    annotator = UserFactory(username="anna", role="annotator")
    MembershipFactory(project=project, user=annotator)
    add_separable_judgements(project, annotator)
    config = fast_config(tiny_model_dir, epochs=2000, batch_size=2)
    return reward_job_launch(project=project, config=config, launched_by=admin), admin


def test_a_killed_worker_leaves_its_job_failed_with_no_ready_artifact_and_restart_queues_it_again(
    worker, tiny_model_dir, settings
):
    process, log = worker
    settings.VERDICT_JOB_STALE_SECONDS = STALE_SECONDS
    settings.CELERY_TASK_ALWAYS_EAGER = False
    job, admin = long_reward_job(tiny_model_dir)

    def training() -> bool:
        job.refresh_from_db()
        return job.status == JobStatus.RUNNING and job.heartbeat_at is not None and job.progress_step > 0
    wait_for(training, timeout=90, what="the job to be training in the worker", log=log)
    assert Artifact.objects.filter(job=job).exists()

    os.killpg(process.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    process.wait(timeout=10)

    def reaped() -> bool:
        services.jobs_reap_stale()
        job.refresh_from_db()
        return job.status == JobStatus.FAILED
    wait_for(reaped, timeout=60, what="the reaper to fail the job")
    assert time.monotonic() - killed_at < 60
    assert "no heartbeat" in job.error
    assert job.progress_step < job.progress_total
    assert not Artifact.objects.filter(job=job, ready=True).exists()

    restarted = services.job_restart(job=job, launched_by=admin)
    time.sleep(1)
    restarted.refresh_from_db()
    assert (restarted.status, restarted.restart_of_id, restarted.config) == (JobStatus.QUEUED, job.pk, job.config)
    assert TrainingJob.objects.filter(status=JobStatus.QUEUED).count() == 1


def test_cancelling_through_the_api_stops_the_training_in_the_worker_and_keeps_its_log(worker, tiny_model_dir, client_for):
    process, log = worker
    job, admin = long_reward_job(tiny_model_dir)

    def training() -> bool:
        job.refresh_from_db()
        return job.status == JobStatus.RUNNING and job.metrics.exists()
    wait_for(training, timeout=90, what="the job to be training in the worker", log=log)

    response = client_for(admin).post(f"/api/jobs/{job.pk}/cancel/")

    assert response.status_code == 200 and response.json()["cancel_requested"]

    def cancelled() -> bool:
        job.refresh_from_db()
        return job.status == JobStatus.CANCELLED
    wait_for(cancelled, timeout=30, what="the worker to stop the job", log=log)
    assert process.poll() is None  # the worker lives on
    assert job.metrics.exists() and "cancelled at step" in job.log_tail
    assert job.progress_step < job.progress_total
    assert not Artifact.objects.filter(job=job, ready=True).exists()
    assert not RewardModel.objects.exists()


def test_a_worker_serving_only_the_gpu_queue_without_beat_fails_a_dead_workers_job(start_worker, tiny_model_dir, settings):
    """Issue 13.4: no beat and no `default`-queue worker alive — the surviving gpu worker reaps by itself."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    first, log = start_worker("gpu", name="first-gpu-worker")
    job, _ = long_reward_job(tiny_model_dir)

    def training() -> bool:
        job.refresh_from_db()
        return job.status == JobStatus.RUNNING and job.progress_step > 0
    wait_for(training, timeout=90, what="the job to be training in the first worker", log=log)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = time.monotonic()
    start_worker("gpu", name="second-gpu-worker")

    def failed() -> bool:  # the test itself never reaps: only the second worker can
        job.refresh_from_db()
        return job.status == JobStatus.FAILED
    wait_for(failed, timeout=60, what="the surviving gpu worker to fail the dead worker's job")
    assert time.monotonic() - killed_at < 60
    assert "no heartbeat" in job.error
