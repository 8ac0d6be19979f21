"""Writes of the job runtime: creating, cancelling, restarting jobs and reaping dead ones, for every kind."""
import logging
from datetime import datetime, timedelta
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from annotation.models import Project
from jobs.models import ACTIVE_STATUSES, JOB_TASKS, Artifact, JobStatus, TrainingJob

logger = logging.getLogger(__name__)


def task_for_kind(kind: str) -> Task:
    """The Celery task that runs jobs of `kind` (`JOB_TASKS`), registered by the app that defines its body."""
    return current_app.tasks[JOB_TASKS[kind]]


def job_create(
    *,
    project: Project,
    kind: str,
    config: dict[str, Any],
    launched_by: AbstractBaseUser | None,
    restart_of: TrainingJob | None = None,
    enqueue: bool = True,
    **fields: Any,
) -> TrainingJob:
    """Create a queued job and enqueue its Celery task once the transaction commits. With enqueue=False
    the job is only created, for a caller that runs it in its own process through `run_job`."""
    with transaction.atomic():
        job = TrainingJob.objects.create(
            project=project, kind=kind, config=config, launched_by=launched_by, restart_of=restart_of, **fields
        )
        if enqueue:
            task = task_for_kind(kind)
            transaction.on_commit(lambda: task.delay(job.pk))
    return job


def job_cancel(*, job: TrainingJob) -> TrainingJob:
    """Queued or waiting jobs stop at once; a running job stops at its next step and keeps its logs."""
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().get(pk=job.pk)
        if job.status in (JobStatus.QUEUED, JobStatus.WAITING):
            job.status = JobStatus.CANCELLED
            job.finished_at = timezone.now()
            job.stage = "cancelled"
        if job.status in ACTIVE_STATUSES or job.status == JobStatus.CANCELLED:
            job.cancel_requested = True
        job.save()
    return job


def job_restart(*, job: TrainingJob, launched_by: AbstractBaseUser | None) -> TrainingJob:
    """A failed or cancelled job runs again as a new job with the same configuration, once: restarting
    it again (a double click, a retried request) returns that restart rather than queuing a duplicate.
    The job's row is locked while deciding, so two concurrent restarts make one new job."""
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().get(pk=job.pk)
        if job.is_active:
            raise ValueError("Only a finished job can be restarted.")
        existing = job.restarts.order_by("pk").first()
        if existing is not None:
            return existing
        extra = {field: getattr(job, field) for field in restartable_fields(job)}
        return job_create(project=job.project, kind=job.kind, config=job.config, launched_by=launched_by, restart_of=job, **extra)


def restartable_fields(job: TrainingJob) -> list[str]:
    """Foreign keys other apps add to jobs (e.g. the dataset version) are carried over on restart."""
    skip = {"id", "project", "kind", "config", "launched_by", "restart_of"}
    return [
        field.name
        for field in TrainingJob._meta.concrete_fields
        if field.is_relation and field.name not in skip
    ]


def jobs_reap_stale(*, now: datetime | None = None) -> list[int]:
    """Mark running jobs whose worker stopped beating as failed; their artifacts never become ready."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.VERDICT_JOB_STALE_SECONDS)
    stale = list(TrainingJob.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff).values_list("pk", "heartbeat_at"))
    reaped = []
    for pk, heartbeat_at in stale:
        with transaction.atomic():
            updated = TrainingJob.objects.filter(pk=pk, status=JobStatus.RUNNING, heartbeat_at__lt=cutoff).update(
                status=JobStatus.FAILED,
                finished_at=now,
                stage="failed",
                error=f"The worker stopped responding: no heartbeat since {heartbeat_at:%Y-%m-%d %H:%M:%S} UTC "
                "(worker killed, out of memory or host lost). Restart the job to run it again.",
            )
            if updated:
                Artifact.objects.filter(job_id=pk).update(ready=False)
                reaped.append(pk)
                logger.warning("job %s failed: no heartbeat since %s", pk, heartbeat_at)
    return reaped
