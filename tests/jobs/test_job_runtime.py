"""The job machinery: claim, progress, cancellation, honest failure, dead-worker reaping, restart."""
from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import services
from jobs.models import Artifact, JobKind, JobStatus, TrainingJob
from jobs.runtime import run_job


@pytest.fixture
def job(project, admin_user):
    return TrainingJob.objects.create(project=project, kind=JobKind.REWARD_MODEL, config={"epochs": 1}, launched_by=admin_user)


def test_a_successful_job_records_progress_metrics_and_ready_artifacts(job, tmp_path):
    def body(job, reporter):
        for step in range(1, 4):
            reporter.progress(step, 3, metrics={"loss": 1.0 / step}, epoch=step / 3)
        reporter.log("saved model")
        reporter.artifact("model", tmp_path)
        return {"accuracy": 0.9}

    assert run_job(job.pk, task_id="t1", body=body) == JobStatus.SUCCEEDED
    job.refresh_from_db()
    assert (job.progress_step, job.progress_total, job.summary) == (3, 3, {"accuracy": 0.9})
    assert [m.values["loss"] for m in job.metrics.all()] == [1.0, 0.5, pytest.approx(1 / 3)]
    assert "saved model" in job.log_tail
    assert job.artifacts.get().ready


def test_a_failing_job_is_marked_failed_with_its_error_and_no_ready_artifact(job, tmp_path):
    def body(job, reporter):
        reporter.artifact("model", tmp_path)
        raise RuntimeError("CUDA out of memory")

    assert run_job(job.pk, task_id="t1", body=body) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.error == "RuntimeError: CUDA out of memory"
    assert "Traceback" in job.traceback
    assert not job.artifacts.get().ready


def test_a_redelivered_message_does_not_run_the_job_twice(job):
    runs = []
    run_job(job.pk, task_id="t1", body=lambda job, reporter: runs.append(1))
    run_job(job.pk, task_id="t1-again", body=lambda job, reporter: runs.append(2))
    assert runs == [1]


def test_cancelling_a_running_job_stops_it_at_the_next_step_and_keeps_its_log(job):
    def body(job, reporter):
        for step in range(1, 100):
            if reporter.should_stop():
                return {"stopped_at": step}
            reporter.progress(step, 100, metrics={"loss": 1.0})
            if step == 3:
                services.job_cancel(job=job)
                reporter._last_cancel_poll = 0.0
        return {}

    assert run_job(job.pk, task_id="t1", body=body) == JobStatus.CANCELLED
    job.refresh_from_db()
    assert job.summary == {"stopped_at": 4}
    assert job.metrics.count() == 3


def test_cancelling_a_queued_job_cancels_it_at_once(job):
    services.job_cancel(job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert run_job(job.pk, task_id="t1", body=lambda job, reporter: None) == JobStatus.CANCELLED


def test_the_reaper_fails_jobs_whose_worker_stopped_beating(job, tmp_path, settings):
    settings.VERDICT_JOB_STALE_SECONDS = 40
    Artifact.objects.create(job=job, name="model", path=str(tmp_path))
    TrainingJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(seconds=41))
    fresh = TrainingJob.objects.create(project=job.project, kind=job.kind, status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    assert services.jobs_reap_stale() == [job.pk]
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == JobStatus.FAILED and "no heartbeat" in job.error
    assert fresh.status == JobStatus.RUNNING
    assert not job.artifacts.get().ready
