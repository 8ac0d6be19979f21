"""Celery adapters of the annotation app."""
import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from annotation import stats

logger = logging.getLogger(__name__)


@shared_task(name="annotation.refresh_project_stats")
def refresh_project_stats(**_kwargs) -> list[int]:  # noqa: ANN003
    """Beat task: recompute the dashboard figures of every project whose figures went stale."""
    max_age = timedelta(seconds=settings.VERDICT_STATS_MAX_AGE_SECONDS) if settings.VERDICT_STATS_MAX_AGE_SECONDS else None
    refreshed = stats.project_stats_refresh_stale(max_age=max_age)
    if refreshed:
        logger.info("Refreshed the dashboard figures of projects %s", refreshed)
    return refreshed
