"""Task assignment: the next task of an annotator (leases, overlap, gold items) and skips."""
import random
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from annotation import selectors
from annotation.models import (
    Assignment,
    AssignmentState,
    Item,
    Project,
    Prompt,
    Response,
    SkipReason,
)
from annotation.progress import open_items_taken
from annotation.stats import project_stats_mark_stale

# How many locked-then-rejected candidates next-task tries before it reports the queue empty.
MAX_CANDIDATES = 50
# What rendering a task needs, fetched with the task in one query.
ITEM_RELATIONS = ("project", "prompt", "response_1", "response_2")
TASK_RELATIONS = tuple(f"item__{relation}" for relation in ITEM_RELATIONS)


class LeaseLimitReached(Exception):
    """The annotator already holds the project's maximum number of leased items."""


class AnnotatorPaused(Exception):
    """A researcher paused the annotator in this project: they get no task until it is resumed."""


class AssignmentConflict(Exception):
    """The submission does not fit the assignment's state (already submitted, skipped, lease lost)."""



def _active_claims(now: datetime) -> Q:
    """Assignments that count against an item's overlap: submitted ones and unexpired leases."""
    return Q(state=AssignmentState.SUBMITTED) | Q(state=AssignmentState.LEASED, lease_expires_at__gt=now)


def claim_count(item_id: int, now: datetime, exclude_assignment_id: int | None = None) -> int:
    claims = Assignment.objects.filter(_active_claims(now), item_id=item_id)
    if exclude_assignment_id is not None:
        claims = claims.exclude(pk=exclude_assignment_id)
    return claims.count()


def _lock_next_item(*, project: Project, annotator: AbstractBaseUser, now: datetime, gold: bool) -> Item | None:
    """Lock the first item this annotator may take, least-annotated first.

    On PostgreSQL the candidate row is locked with FOR UPDATE SKIP LOCKED, so concurrent requests
    never wait on each other; the claim count is then re-read in a fresh statement (READ COMMITTED
    sees every claim committed before we got the lock), which is what guarantees the overlap.

    Written in SQL because it runs on every next-task: the ORM spent longer building this statement than
    PostgreSQL spends running it. The annotator's own assignments are only probed per candidate (NOT
    EXISTS on the (item, annotator) unique index), never read in full.
    """
    at = connection.ops.adapt_datetimefield_value(now)
    item_table, assignment_table = Item._meta.db_table, Assignment._meta.db_table
    conditions = [
        "i.project_id = %s",
        "i.is_gold = %s",
        # Not theirs already: only an expired lease of their own leaves an item open to them.
        f'NOT EXISTS (SELECT 1 FROM "{assignment_table}" a WHERE a.item_id = i.id AND a.annotator_id = %s'
        " AND NOT (a.state = %s AND a.lease_expires_at IS NOT NULL AND a.lease_expires_at <= %s))",
    ]
    params: list[Any] = [project.pk, gold, annotator.pk, AssignmentState.LEASED, at]
    if not gold:
        conditions += [
            "i.completed_count < %s",
            # The claims of `_active_claims`: submissions and unexpired leases.
            f'(SELECT COUNT(*) FROM "{assignment_table}" c WHERE c.item_id = i.id'
            " AND (c.state = %s OR (c.state = %s AND c.lease_expires_at > %s))) < %s",
        ]
        params += [project.overlap, AssignmentState.SUBMITTED, AssignmentState.LEASED, at, project.overlap]
    lock = " FOR UPDATE OF i SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    rejected: list[int] = []
    for _ in range(MAX_CANDIDATES):
        excluded = f" AND i.id NOT IN ({', '.join(['%s'] * len(rejected))})" if rejected else ""
        sql = (
            f'SELECT i.* FROM "{item_table}" i WHERE {" AND ".join(conditions)}{excluded}'
            f" ORDER BY i.completed_count, i.priority DESC, i.id LIMIT 1{lock}"
        )
        item = next(iter(Item.objects.raw(sql, [*params, *rejected])), None)
        if item is None:
            return None
        if gold or claim_count(item.pk, now) < project.overlap:
            item.project = project
            return item
        rejected.append(item.pk)
    return None


def _task_assignment(assignment: Assignment, item: Item) -> Assignment:
    """The new assignment with what rendering its task needs: the prompt and the responses, each read by
    primary key from its own table. One statement joining the five tables cost PostgreSQL 1–3 ms to
    plan on every next-task, more than the reads themselves."""
    item.prompt = Prompt.objects.get(pk=item.prompt_id)
    response_ids = [pk for pk in (item.response_1_id, item.response_2_id) if pk is not None]
    responses = Response.objects.in_bulk(response_ids)
    item.response_1 = responses[item.response_1_id]
    if item.response_2_id is not None:
        item.response_2 = responses[item.response_2_id]
    assignment.item = item
    return assignment


def assignment_next(
    *,
    annotator: AbstractBaseUser,
    project: Project,
    exclude_assignment_ids: tuple[int, ...] = (),
    now: datetime | None = None,
    rng: random.Random | None = None,
    paused: bool | None = None,
) -> Assignment | None:
    """The annotator's next task: an item they hold already, else a newly leased one, else None.

    `exclude_assignment_ids` lets a client prefetch the task after the one on screen. `paused`: the
    pause flag of the annotator's membership when the caller read it in this request (else it is read).
    """
    now = now or timezone.now()
    rng = rng or random.Random()
    if paused is None:
        paused = selectors.is_paused(project=project, user=annotator)
    if paused:
        raise AnnotatorPaused(
            "A researcher has paused your annotating in this project, so you get no new tasks here; ask them to resume it."
        )
    with transaction.atomic():
        held = list(
            Assignment.objects.filter(
                annotator=annotator, item__project=project, state=AssignmentState.LEASED, lease_expires_at__gt=now
            ).order_by("leased_at", "pk")
        )
        current = next((a for a in held if a.pk not in exclude_assignment_ids), None)
        if current is not None:
            return Assignment.objects.select_related(*TASK_RELATIONS).get(pk=current.pk)
        if len(held) >= project.max_active_leases:
            raise LeaseLimitReached(
                f"You already hold {project.max_active_leases} tasks in this project; finish or skip one first."
            )
        item = None
        if project.gold_rate > 0 and rng.random() < project.gold_rate:
            item = _lock_next_item(project=project, annotator=annotator, now=now, gold=True)
        if item is None:
            item = _lock_next_item(project=project, annotator=annotator, now=now, gold=False)
        if item is None:
            return None
        # One statement whether this is a first assignment or the renewal of the annotator's own expired
        # lease on the item (the only own assignment a candidate can have).
        assignment = Assignment(
            item=item,
            annotator=annotator,
            state=AssignmentState.LEASED,
            leased_at=now,
            lease_expires_at=now + timedelta(minutes=project.lease_minutes),
            swapped=item.is_pair and rng.random() < 0.5,
        )
        Assignment.objects.bulk_create(
            [assignment],
            update_conflicts=True,
            unique_fields=["item", "annotator"],
            update_fields=["state", "leased_at", "lease_expires_at", "swapped", "updated_at"],
        )
        return _task_assignment(assignment, item)


def assignment_skip(*, assignment: Assignment, annotator: AbstractBaseUser, reason: str, note: str = "") -> Assignment:
    if assignment.annotator_id != annotator.pk:
        raise PermissionDenied("This task is not yours.")
    if reason not in SkipReason.values:
        raise ValidationError({"reason": f"Choose one of: {', '.join(SkipReason.values)}."})
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.state != AssignmentState.LEASED:
            raise AssignmentConflict(f"This task is already {assignment.state}.")
        assignment.state = AssignmentState.SKIPPED
        assignment.skip_reason = reason
        assignment.skip_note = note.strip()[:500]
        assignment.save(update_fields=["state", "skip_reason", "skip_note", "updated_at"])
        project_stats_mark_stale(project_id=assignment.item.project_id)
        open_items_taken(project_id=assignment.item.project_id, annotator_id=annotator.pk)
    return assignment
