"""Reads of the annotation app that span relations: dashboards, progress, agreement, queues."""
import random
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery, Sum
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
from annotation.progress import OPEN_ITEMS_COUNT_CAP, annotators_done, open_items_cache_key

OPEN_ITEMS_CACHE_SECONDS = 120


def open_items_cache_seconds() -> int:
    """How long a count is kept: two minutes on average, spread over one to three, so that the counts of
    annotators who started together do not all expire, and get recounted, in the same second."""
    return random.randint(OPEN_ITEMS_CACHE_SECONDS // 2, OPEN_ITEMS_CACHE_SECONDS * 3 // 2)


def _count_open_items(*, project: Project, annotator: AbstractBaseUser, limit: int) -> int:
    """Items open to the annotator, counted up to ``limit``. Each candidate, in the order of the
    (project, is_gold, completed_count, …) index, is checked with one probe of the (item, annotator)
    unique index, so a count costs ``limit`` probes whatever the size of the project or of the
    annotator's history. ``OFFSET 0`` keeps PostgreSQL from turning the NOT EXISTS into an anti-join,
    which would read all of the annotator's assignments before the first row (the ORM's ``Exists`` cannot
    say this)."""
    # SQLite neither flattens the NOT EXISTS nor accepts an OFFSET without a LIMIT.
    keep_subplan = " OFFSET 0" if connection.vendor == "postgresql" else ""
    sql = (
        f'SELECT COUNT(*) FROM (SELECT 1 FROM "{Item._meta.db_table}" i'
        " WHERE i.project_id = %s AND (i.is_gold OR (NOT i.is_gold AND i.completed_count < %s))"
        f' AND NOT EXISTS (SELECT 1 FROM "{Assignment._meta.db_table}" a'
        f" WHERE a.item_id = i.id AND a.annotator_id = %s AND a.state IN (%s, %s){keep_subplan})"
        " LIMIT %s) open_items"
    )
    params = [project.pk, project.overlap, annotator.pk, AssignmentState.SUBMITTED, AssignmentState.SKIPPED, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def open_items_count(*, project: Project, annotator: AbstractBaseUser) -> int:
    """Items still open to the annotator: those they have not submitted or skipped that still need
    annotations (below their overlap; gold items always, they have no overlap to fill), counted up to
    ``OPEN_ITEMS_COUNT_CAP`` + 1 — a number above the cap means "more than the cap". Each of the
    annotator's own submissions or skips takes exactly one item off, gold or not, so the number moves
    as they work without telling them which of their tasks were gold. Cached for two minutes (it is
    shown after every task); the annotator's own submit or skip takes one off their cached number
    (`progress.open_items_taken`), so only others' work waits for the next count."""
    key = open_items_cache_key(project_id=project.pk, annotator_id=annotator.pk)
    count = cache.get(key)
    if count is None:
        count = _count_open_items(project=project, annotator=annotator, limit=OPEN_ITEMS_COUNT_CAP + 1)
        cache.set(key, count, open_items_cache_seconds())
    return count


def _progress(done: int, open_items: int) -> dict[str, Any]:
    return {
        "done": done,
        "remaining": min(open_items, OPEN_ITEMS_COUNT_CAP),
        "remaining_capped": open_items > OPEN_ITEMS_COUNT_CAP,
    }


def annotator_progress(*, project: Project, annotator: AbstractBaseUser) -> dict[str, Any]:
    """What the annotator has done (gold items count like any other), and how many items of the project
    still need annotations from others (at most ``OPEN_ITEMS_COUNT_CAP``; ``remaining_capped``: more)."""
    done = annotators_done(projects=[project], annotator=annotator)[project.pk]
    return _progress(done, open_items_count(project=project, annotator=annotator))


def projects_progress(*, projects: list[Project], annotator: AbstractBaseUser) -> dict[int, dict[str, Any]]:
    """`annotator_progress` of every project of a page, `done` read in one query for them all."""
    done = annotators_done(projects=projects, annotator=annotator)
    return {project.pk: _progress(done[project.pk], open_items_count(project=project, annotator=annotator)) for project in projects}


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
