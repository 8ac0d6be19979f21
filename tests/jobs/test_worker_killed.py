"""A real Celery worker, killed with SIGKILL in the middle of training: the heartbeat reaper marks the
job failed within a minute, no artifact of it is ready, and restarting it queues a new job. And a
running job cancelled through the API stops at its next step in the worker, keeping what it logged.

The worker is a subprocess (`celery -A verdict worker -Q gpu,default --pool prefork`, conftest.py's
`start_worker`) sharing this test's database and broker."""
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from jobs import services
from jobs.models import Artifact, JobStatus, TrainingJob
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.jobs.worker_support import STALE_SECONDS, wait_for
from tests.training.rewards.test_reward_job import add_separable_judgements, fast_config
from training.rewards.models import RewardModel
from training.rewards.services import reward_job_launch

pytestmark = pytest.mark.django_db(transaction=True)


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
