"""The worker side of a job: claim it atomically, keep a heartbeat, report progress and metrics,
honour cancellation, and record success or an honest failure. Celery tasks wrap `run_job`."""
import logging
import math
import socket
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from jobs.models import Artifact, JobMetric, JobStatus, TrainingJob

logger = logging.getLogger(__name__)

LOG_TAIL_LINES = 200
TRACEBACK_CHARS = 8000


class JobCancelled(Exception):
    """Raised by job bodies that stop because an admin cancelled the job."""


def artifacts_dir(job: TrainingJob) -> Path:
    folder = Path(settings.VERDICT_ARTIFACTS_ROOT) / f"job-{job.pk}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Heartbeat(threading.Thread):
    """Touches `heartbeat_at` while the job runs, even through long steps such as loading a model.
    A worker that dies stops beating, and the reaper marks its job failed."""

    def __init__(self, job_id: int, interval: float) -> None:
        super().__init__(name=f"heartbeat-job-{job_id}", daemon=True)
        self.job_id = job_id
        self.interval = interval
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.wait(self.interval):
                TrainingJob.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=self.interval + 5)


class JobReporter:
    """Handed to job bodies (and, as plain callables, to the Django-free trainers)."""

    def __init__(self, job: TrainingJob, *, cancel_poll_seconds: float = 1.0) -> None:
        self.job = job
        self.cancel_poll_seconds = cancel_poll_seconds
        self._last_cancel_poll = 0.0
        self._cancelled = False
        self._log: list[str] = job.log_tail.splitlines()[-LOG_TAIL_LINES:]

    def progress(
        self,
        step: int,
        total: int | None = None,
        *,
        stage: str | None = None,
        metrics: dict[str, float] | None = None,
        epoch: float | None = None,
        split: str = "train",
    ) -> None:
        fields: dict[str, Any] = {"progress_step": step, "heartbeat_at": timezone.now()}
        if total is not None:
            fields["progress_total"] = total
        if stage is not None:
            fields["stage"] = stage
        TrainingJob.objects.filter(pk=self.job.pk).update(**fields)
        if metrics:
            clean = {key: float(value) for key, value in metrics.items() if isinstance(value, (int, float))}
            JobMetric.objects.create(job=self.job, step=step, epoch=epoch, split=split, values=clean)

    def log(self, message: str) -> None:
        logger.info("job %s: %s", self.job.pk, message)
        self._log.append(f"{timezone.now():%H:%M:%S} {message}")
        self._log = self._log[-LOG_TAIL_LINES:]
        TrainingJob.objects.filter(pk=self.job.pk).update(log_tail="\n".join(self._log))

    def should_stop(self) -> bool:
        """True once an admin asked to cancel; polled by trainers every step, read at most once a second."""
        if self._cancelled:
            return True
        now = time.monotonic()
        if now - self._last_cancel_poll >= self.cancel_poll_seconds:
            self._last_cancel_poll = now
            self._cancelled = TrainingJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists()
        return self._cancelled

    def artifact(self, name: str, path: Path | str, metadata: dict[str, Any] | None = None) -> Artifact:
        """Record an artifact; it becomes ready only when the whole job succeeds."""
        return Artifact.objects.create(job=self.job, name=name, path=str(path), metadata=metadata or {})


JobBody = Callable[[TrainingJob, JobReporter], dict[str, Any] | None]


def run_job(job_id: int, *, task_id: str, body: JobBody) -> str:
    """Claim the job (queued → running in one UPDATE, so a redelivered message is harmless), run the
    body and record the outcome. Returns the final status."""
    if not connection.in_atomic_block:
        # A worker reuses connections across tasks; drop ones that went stale. (Inside a transaction
        # — an eager task in a test — the connection belongs to the caller and must stay open.)
        close_old_connections()
    now = timezone.now()
    claimed = TrainingJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, celery_task_id=task_id or "",
        worker=socket.gethostname(), stage="starting",
    )
    if not claimed:
        logger.info("job %s was not queued any more; nothing to do", job_id)
        return TrainingJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "missing"
    job = TrainingJob.objects.get(pk=job_id)
    reporter = JobReporter(job)
    heartbeat = Heartbeat(job.pk, settings.VERDICT_JOB_HEARTBEAT_SECONDS)
    heartbeat.start()
    try:
        summary = body(job, reporter) or {}
    except JobCancelled:
        _finish(job, JobStatus.CANCELLED, stage="cancelled")
    except Exception as error:
        logger.exception("job %s failed", job.pk)
        _finish(job, JobStatus.FAILED, error=f"{type(error).__name__}: {error}", trace=traceback.format_exc(), stage="failed")
    else:
        if reporter.should_stop() or TrainingJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
            _finish(job, JobStatus.CANCELLED, summary=summary, stage="cancelled")
        else:
            _finish(job, JobStatus.SUCCEEDED, summary=summary, stage="done")
    finally:
        heartbeat.stop()
    return TrainingJob.objects.get(pk=job.pk).status


def _finish(job: TrainingJob, status: str, *, summary: dict | None = None, error: str = "", trace: str = "", stage: str = "") -> None:
    with transaction.atomic():
        fields: dict[str, Any] = {"status": status, "finished_at": timezone.now(), "stage": stage}
        if summary is not None:
            fields["summary"] = summary
        if error:
            fields["error"] = error[:5000]
            fields["traceback"] = trace[-TRACEBACK_CHARS:]
        updated = TrainingJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields)
        if updated and status == JobStatus.SUCCEEDED:
            Artifact.objects.filter(job=job).update(ready=True)


def finite(value: Any) -> Any:
    """JSON columns (PostgreSQL jsonb above all) take no NaN or infinity: they become null. Job bodies
    pass their summaries and metrics through it."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value
