"""Reads of the job runtime: a project's jobs and the live state a job page polls."""
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from annotation.models import Project
from jobs.models import JobMetric, JobStatus, TrainingJob
from jobs.waiting import job_wait_reason


def jobs_for_project(*, project: Project, kind: str | None = None) -> QuerySet[TrainingJob]:
    # The log tail and traceback are a job page's, not a list's: left out, rows sort and page faster.
    jobs = (
        TrainingJob.objects.filter(project=project)
        .select_related("launched_by", "reward_model", "dataset_version")
        .defer("log_tail", "traceback")
    )
    return jobs.filter(kind=kind) if kind else jobs


def job_eta_seconds(job: TrainingJob, *, now: datetime | None = None) -> float | None:
    """Remaining seconds at the pace so far (elapsed since start × steps left / steps done)."""
    if job.status != JobStatus.RUNNING or not job.started_at or not job.progress_step or not job.progress_total:
        return None
    elapsed = ((now or timezone.now()) - job.started_at).total_seconds()
    return max(elapsed * (job.progress_total - job.progress_step) / job.progress_step, 0.0)


def job_metric_series(*, job: TrainingJob) -> dict[str, list[dict[str, Any]]]:
    """Training-loss points and per-epoch validation points, in step order, for the job's charts."""
    series: dict[str, list[dict[str, Any]]] = {"train": [], "validation": []}
    for step, epoch, split, values in JobMetric.objects.filter(job=job).values_list("step", "epoch", "split", "values"):
        series.setdefault(split, []).append({"step": step, "epoch": epoch, **values})
    return series


def job_live_state(*, job: TrainingJob, now: datetime | None = None) -> dict[str, Any]:
    """Everything the job page polls: status, progress with ETA, metric series, log tail, error."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "stage": job.stage,
        "wait_reason": job_wait_reason(job),
        "progress_step": job.progress_step,
        "progress_total": job.progress_total,
        "fraction_done": job.fraction_done,
        "eta_seconds": job_eta_seconds(job, now=now),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "heartbeat_at": job.heartbeat_at,
        "cancel_requested": job.cancel_requested,
        "config": job.config,
        "summary": job.summary,
        "metrics": job_metric_series(job=job),
        "log_tail": job.log_tail,
        "error": job.error,
        "traceback": job.traceback,
        "restart_of": job.restart_of_id,
        "dataset_version": job.dataset_version_id,
        # The registry entry a reward-model job produced, through the reverse relation the training app
        # adds (a RelatedObjectDoesNotExist is an AttributeError, so getattr's default covers "none").
        "reward_model": getattr(getattr(job, "reward_model", None), "pk", None),
    }
