"""Services of the stored dashboard figures (`ProjectStats`): marked stale by the writes that change
them, recomputed in the background by the beat task `annotation.refresh_project_stats`, read by the
dashboard page and `GET /api/projects/<slug>/stats/` (README: "Dashboard figures")."""
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from annotation import dashboard, selectors
from annotation.models import Project, ProjectStats

# Figures other apps add to the stored payload (the quality app's per-annotator reliability and bias),
# registered from their AppConfig.ready: `annotation` is the core and imports no other app, so the
# apps above it plug in here. Each is called as extension(project=…, background=…) and returns
# {"annotators": {username: {figure: value}}, other top-level payload keys…}; `background` is False
# when the figures are computed in a request, and extensions then leave out what is slow to compute.
StatsExtension = Callable[..., dict[str, Any]]
_EXTENSIONS: list[StatsExtension] = []


def project_stats_extend(extension: StatsExtension) -> None:
    """Have every refresh add `extension`'s figures to the payload (once per extension)."""
    if extension not in _EXTENSIONS:
        _EXTENSIONS.append(extension)


def _extended(payload: dict[str, Any], project: Project, background: bool) -> dict[str, Any]:
    for extension in _EXTENSIONS:
        extra = dict(extension(project=project, background=background))
        per_annotator = extra.pop("annotators", {})
        for row in payload["annotators"]:
            row.update(per_annotator.get(row["annotator"], {}))
        payload.update(extra)
    return payload


def project_stats_mark_stale(*, project_id: int) -> None:
    """Note that a project's dashboard figures changed. Called inside the writing transaction; it only
    updates (and locks) the stats row when it is not stale already, so the submits between two
    refreshes cost one index lookup each, not a write to one hot row."""
    ProjectStats.objects.filter(project_id=project_id, stale=False).update(stale=True)


def project_stats_refresh(*, project: Project, background: bool = True) -> ProjectStats:
    """Recompute and store a project's dashboard figures (bounded memory: `annotation.dashboard`),
    with the figures of the registered extensions. The row is marked fresh before the computation
    starts, so a write that lands during it marks it stale again and the next refresh picks that up.
    A refresh that is not in the background leaves the row stale: what it left out (the reliability
    model) is computed by the next background refresh."""
    ProjectStats.objects.get_or_create(project=project)
    ProjectStats.objects.filter(project=project).update(stale=not background)
    computed_at = timezone.now()
    payload = _extended(dashboard.project_dashboard(project=project), project, background)
    ProjectStats.objects.filter(project=project).update(payload=payload, computed_at=computed_at)
    return ProjectStats.objects.get(project=project)


def project_stats_current(*, project: Project) -> ProjectStats:
    """The stored figures; the first time a project's figures are asked for they are computed in the
    request, without the slow ones (once per project: from then on the background refresh keeps them)."""
    stats = selectors.project_stats(project=project)
    return stats if stats is not None else project_stats_refresh(project=project, background=False)


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
