"""Services of the stored dashboard figures (`ProjectStats`): marked stale by the writes that change
them, recomputed in the background by the beat task `annotation.refresh_project_stats`, read by the
dashboard page and `GET /api/projects/<slug>/stats/` (README: "Dashboard figures")."""
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from annotation import dashboard, selectors
from annotation.models import Project, ProjectStats


def project_stats_mark_stale(*, project_id: int) -> None:
    """Note that a project's dashboard figures changed. Called inside the writing transaction; it only
    updates (and locks) the stats row when it is not stale already, so the submits between two
    refreshes cost one index lookup each, not a write to one hot row."""
    ProjectStats.objects.filter(project_id=project_id, stale=False).update(stale=True)


def project_stats_refresh(*, project: Project) -> ProjectStats:
    """Recompute and store a project's dashboard figures (bounded memory: `annotation.dashboard`).
    The row is marked fresh before the computation starts, so a write that lands during it marks it
    stale again and the next refresh picks that up."""
    ProjectStats.objects.get_or_create(project=project)
    ProjectStats.objects.filter(project=project).update(stale=False)
    computed_at = timezone.now()
    payload = dashboard.project_dashboard(project=project)
    ProjectStats.objects.filter(project=project).update(payload=payload, computed_at=computed_at)
    return ProjectStats.objects.get(project=project)


def project_stats_current(*, project: Project) -> ProjectStats:
    """The stored figures; the first time a project's figures are asked for they are computed in the
    request (once per project: from then on the background refresh keeps them)."""
    stats = selectors.project_stats(project=project)
    return stats if stats is not None else project_stats_refresh(project=project)


def project_stats_refresh_stale(*, max_age: timedelta | None = None) -> list[int]:
    """Refresh every project whose figures are stale, or older than `max_age` (which catches writes made
    without `project_stats_mark_stale`). Each project is claimed by one UPDATE (stale → fresh), so two
    refreshers running at once never compute the same project for the same change."""
    due = Q(stale=True)
    if max_age is not None:
        due |= Q(computed_at__lt=timezone.now() - max_age)
    refreshed = []
    for project_id in ProjectStats.objects.filter(due).values_list("project_id", flat=True):
        if ProjectStats.objects.filter(due, project_id=project_id).update(stale=False) == 0:
            continue
        project_stats_refresh(project=Project.objects.get(pk=project_id))
        refreshed.append(project_id)
    return refreshed
