"""Celery tasks and worker hooks of the job runtime: the periodic reaper (Celery beat) and a reaper
thread in every worker (`watch.py`), so a dead worker's job is failed whichever worker died."""
from celery import shared_task, signals
from django.conf import settings

from jobs.services import jobs_reap_stale
from jobs.watch import StaleJobWatcher

_watchers: list[StaleJobWatcher] = []


@shared_task(name="training.reap_stale_jobs", ignore_result=True)
def reap_stale_jobs(**_kwargs) -> list[int]:  # noqa: ANN003
    """Periodic (Celery beat): fail running jobs whose worker stopped sending heartbeats."""
    return jobs_reap_stale()


@signals.worker_ready.connect
def _start_watching(**_kwargs) -> None:  # noqa: ANN003
    watcher = StaleJobWatcher(settings.VERDICT_JOB_REAP_SECONDS)
    watcher.start()
    _watchers.append(watcher)


@signals.worker_shutdown.connect
def _stop_watching(**_kwargs) -> None:  # noqa: ANN003
    while _watchers:
        _watchers.pop().stop()
