"""Celery tasks of the job runtime: the periodic reaper of jobs whose worker died."""
from celery import shared_task

from jobs.services import jobs_reap_stale


@shared_task(name="training.reap_stale_jobs", ignore_result=True)
def reap_stale_jobs(**_kwargs) -> list[int]:  # noqa: ANN003
    """Periodic (Celery beat): fail running jobs whose worker stopped sending heartbeats."""
    return jobs_reap_stale()
