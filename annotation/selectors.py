"""Reads of the annotation app that span relations: dashboards, progress, agreement, queues."""
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from annotation import dashboard
from annotation.models import (
    Annotation,
    AnnotatorProgress,
    Assignment,
    AssignmentState,
    Item,
    Membership,
    Project,
    ProjectStats,
)
from annotation.progress import annotators_done, open_items_cache_key

OPEN_ITEMS_CACHE_SECONDS = 120


def open_items_count(*, project: Project, annotator: AbstractBaseUser) -> int:
    """Items still open to the annotator: those they have not submitted or skipped that still need
    annotations (below their overlap; gold items always, they have no overlap to fill). Each of the
    annotator's own submissions or skips takes exactly one item off, gold or not, so the number moves
    as they work without telling them which of their tasks were gold. Cached for two minutes (it is
    shown after every task, and counting a large queue on each request would cost more than the
    request itself); the annotator's own submit or skip takes one off their cached number
    (`progress.open_items_taken`), so only others' work waits for the next count."""
    key = open_items_cache_key(project_id=project.pk, annotator_id=annotator.pk)
    count = cache.get(key)
    if count is None:
        finished = Assignment.objects.filter(
            item=OuterRef("pk"), annotator=annotator, state__in=[AssignmentState.SUBMITTED, AssignmentState.SKIPPED]
        )
        count = (
            Item.objects.filter(project=project)
            # The same set as `is_gold OR completed_count < overlap`, spelt so that each branch is a range of
            # the (project, is_gold, completed_count, …) index: a bitmap OR, not a scan of all items.
            .filter(Q(is_gold=True) | Q(is_gold=False, completed_count__lt=project.overlap))
            .exclude(Exists(finished))
            .count()
        )
        cache.set(key, count, OPEN_ITEMS_CACHE_SECONDS)
    return count


def annotator_progress(*, project: Project, annotator: AbstractBaseUser) -> dict[str, int]:
    """What the annotator has done (gold items count like any other), and how many items of the project
    still need annotations from others."""
    done = annotators_done(projects=[project], annotator=annotator)[project.pk]
    return {"done": done, "remaining": open_items_count(project=project, annotator=annotator)}


def projects_progress(*, projects: list[Project], annotator: AbstractBaseUser) -> dict[int, dict[str, int]]:
    """`annotator_progress` of every project of a page, `done` read in one query for them all."""
    done = annotators_done(projects=projects, annotator=annotator)
    return {project.pk: {"done": done[project.pk], "remaining": open_items_count(project=project, annotator=annotator)} for project in projects}


def annotations_of(*, annotator: AbstractBaseUser, project: Project | None = None) -> QuerySet[Annotation]:
    """The annotator's own annotations, each with its assignment's id and display order (`swapped`),
    so that they can be shown as the annotator saw the task."""
    assignment = Assignment.objects.filter(item=OuterRef("item"), annotator=annotator)
    annotations = (
        Annotation.objects.filter(annotator=annotator)
        .select_related("item", "item__project", "item__prompt")
        .annotate(
            assignment_id=Subquery(assignment.values("pk")[:1]),
            swapped=Coalesce(Subquery(assignment.values("swapped")[:1]), False),
        )
    )
    if project is not None:
        annotations = annotations.filter(item__project=project)
    return annotations.order_by("-created_at")


def annotation_assignment(*, annotation: Annotation) -> Assignment:
    """The assignment under which the annotator saw an annotation's task (its display order), with
    what rendering the task needs."""
    return Assignment.objects.select_related(
        "item__project", "item__prompt", "item__response_1", "item__response_2"
    ).get(item=annotation.item_id, annotator=annotation.annotator_id)


def annotations_count(*, annotator: AbstractBaseUser) -> int:
    """How many annotations the annotator has, over all projects: the sum of their progress counters
    (one indexed read, whatever the size of their history)."""
    return AnnotatorProgress.objects.filter(annotator=annotator).aggregate(n=Sum("done"))["n"] or 0


def project_dashboard(*, project: Project) -> dict[str, Any]:
    """Every dashboard figure computed now from all rows (bounded memory, but it reads the whole
    project): what the background refresh stores. Requests read `project_stats` instead."""
    return dashboard.project_dashboard(project=project)


def project_agreement(*, project: Project) -> dict[str, Any]:
    return dashboard.project_agreement(project=project)


def project_stats(*, project: Project) -> ProjectStats | None:
    """The project's stored dashboard figures (`payload`, `computed_at`, `stale`), or None before the
    first computation. Every figure the dashboard and the stats API show, kept by the background
    refresh; what other features (label quality) build on."""
    return ProjectStats.objects.filter(project=project, computed_at__isnull=False).first()


def paused_annotators(*, project: Project) -> list[str]:
    """Usernames of the project's paused members (read live: a pause shows at once, not after a refresh)."""
    return list(Membership.objects.filter(project=project, paused=True).order_by("user__username").values_list("user__username", flat=True))


def is_paused(*, project: Project, user: AbstractBaseUser) -> bool:
    return Membership.objects.filter(project=project, user=user, paused=True).exists()


def project_member(*, project: Project, username: str) -> AbstractBaseUser | None:
    membership = Membership.objects.select_related("user").filter(project=project, user__username=username).first()
    return membership.user if membership else None
