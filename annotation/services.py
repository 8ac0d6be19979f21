"""Writes of the annotation app: projects, content, task assignment and annotation submission."""
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from annotation import selectors
from annotation.models import (
    Annotation,
    AnnotationSource,
    Assignment,
    AssignmentState,
    Item,
    Membership,
    Project,
    Prompt,
    Response,
    SkipReason,
    messages_content_hash,
    text_content_hash,
)
from annotation.progress import annotator_progress_count, open_items_taken
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


# ---------------------------------------------------------------- projects


def project_create(*, name: str, slug: str, created_by: AbstractBaseUser | None = None, **fields: Any) -> Project:
    project = Project(name=name, slug=slug, created_by=created_by, **fields)
    project.full_clean()
    with transaction.atomic():
        project.save()
        if created_by is not None:
            Membership.objects.create(project=project, user=created_by)
    return project


def project_update(*, project: Project, **fields: Any) -> Project:
    for name, value in fields.items():
        setattr(project, name, value)
    project.full_clean()
    project.save()
    project_stats_mark_stale(project_id=project.pk)
    return project


def membership_add(*, project: Project, user: AbstractBaseUser) -> Membership:
    membership, _ = Membership.objects.get_or_create(project=project, user=user)
    return membership


def membership_pause(*, project: Project, user: AbstractBaseUser, paused: bool) -> Membership:
    """Pause (or resume) a member's annotating in a project. What they already submitted stays; the
    exports' `exclude_annotators` filter is how their labels are left out of a dataset."""
    membership = Membership.objects.get(project=project, user=user)
    membership.paused = paused
    membership.paused_at = timezone.now() if paused else None
    membership.save(update_fields=["paused", "paused_at"])
    return membership


# ---------------------------------------------------------------- content


def prompt_get_or_create(*, project: Project, messages: list[dict[str, str]], metadata: dict | None = None) -> tuple[Prompt, bool]:
    prompt = Prompt.objects.filter(project=project, content_hash=messages_content_hash(messages)).first()
    if prompt is not None:
        return prompt, False
    return Prompt.objects.create(project=project, messages=messages, metadata=metadata or {}), True


def response_get_or_create(*, prompt: Prompt, text: str, **provenance: Any) -> tuple[Response, bool]:
    response = Response.objects.filter(prompt=prompt, content_hash=text_content_hash(text)).first()
    if response is not None:
        return response, False
    return Response.objects.create(prompt=prompt, text=text, **provenance), True


def item_get_or_create(
    *, project: Project, prompt: Prompt, response_1: Response, response_2: Response | None = None, **fields: Any
) -> tuple[Item, bool]:
    item = Item.objects.filter(project=project, prompt=prompt, response_1=response_1, response_2=response_2).first()
    if item is not None:
        return item, False
    item = Item.objects.create(project=project, prompt=prompt, response_1=response_1, response_2=response_2, **fields)
    project_stats_mark_stale(project_id=project.pk)
    return item, True


# ---------------------------------------------------------------- assignment


def _active_claims(now: datetime) -> Q:
    """Assignments that count against an item's overlap: submitted ones and unexpired leases."""
    return Q(state=AssignmentState.SUBMITTED) | Q(state=AssignmentState.LEASED, lease_expires_at__gt=now)


def _claim_count(item_id: int, now: datetime, exclude_assignment_id: int | None = None) -> int:
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
        if gold or _claim_count(item.pk, now) < project.overlap:
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


# ---------------------------------------------------------------- annotations


@dataclass(frozen=True)
class AnnotationInput:
    """What an annotator sends, in the order they were shown the task: `preference_strength`
    negative = the first response shown is better; `attribute_scores` keyed by slot, "A" = the
    response shown first, "B" = the second. The stored order never reaches the annotator."""

    preference_strength: int | None = None
    attribute_scores: dict[str, dict[str, int]] | None = None
    justification: str = ""
    neither_acceptable: bool = False
    flagged_unsafe: bool = False
    time_spent_seconds: float | None = None


# The annotator's names for the responses of a task, in the order shown.
SLOTS = ("A", "B")


def displayed_responses(item: Item, swapped: bool) -> list[Response]:
    responses = [item.response_1] + ([item.response_2] if item.response_2_id else [])
    return list(reversed(responses)) if swapped else responses


def _canonical_slots(item: Item, swapped: bool) -> dict[str, str]:
    """Displayed slot ("A", "B") → stored slot ("1" = response_1, "2" = response_2)."""
    stored = ["1", "2"] if item.is_pair else ["1"]
    return dict(zip(SLOTS, reversed(stored) if swapped else stored))


def _canonical_scores(item: Item, swapped: bool, scores_by_slot: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    slots = _canonical_slots(item, swapped)
    canonical: dict[str, dict[str, int]] = {}
    for slot, scores in scores_by_slot.items():
        stored = slots.get(str(slot))
        if stored is None:
            raise ValidationError({"attribute_scores": f"Rate the responses by their letters ({', '.join(slots)}); '{slot}' is not one."})
        canonical[stored] = scores
    return canonical


def as_shown(*, item: Item, swapped: bool, strength: int | None, scores: dict[str, dict[str, Any]]) -> tuple[int | None, dict[str, dict[str, Any]]]:
    """A stored strength and stored-slot scores, turned back into the order the annotator saw."""
    shown_strength = -strength if strength is not None and swapped else strength
    stored_to_shown = {stored: slot for slot, stored in _canonical_slots(item, swapped).items()}
    return shown_strength, {stored_to_shown.get(stored, stored): values for stored, values in (scores or {}).items()}


def validate_annotation(
    *,
    project: Project,
    item: Item,
    strength: int | None,
    scores: dict[str, dict[str, Any]],
    justification: str,
    neither_acceptable: bool,
    slot_labels: dict[str, str] | None = None,
) -> None:
    """The project's rules for a complete annotation; errors name the field, and name responses by
    `slot_labels` (the letters the annotator saw) so a message never reveals the stored order."""
    labels = slot_labels or {"1": "1", "2": "2"}
    errors: dict[str, str] = {}
    if item.is_pair and project.is_pairwise:
        if strength is None and not neither_acceptable:
            errors["preference_strength"] = "Choose a preference from −3 to +3 (or mark neither acceptable)."
        elif strength is not None and (not isinstance(strength, int) or not -3 <= strength <= 3):
            errors["preference_strength"] = "Preference strength must be an integer from −3 to +3."
        elif (
            strength is not None
            and abs(strength) >= project.justification_min_strength
            and not justification.strip()
        ):
            errors["justification"] = f"A justification is required when the preference strength is ±{project.justification_min_strength} or more."
    elif strength is not None:
        errors["preference_strength"] = "This task has no preference question."
    if project.is_likert:
        schema = {attribute["name"]: attribute for attribute in project.attribute_schema}
        for slot in ["1", "2"] if item.is_pair else ["1"]:
            given = scores.get(slot, {})
            for name, attribute in schema.items():
                value = given.get(name)
                if value is None:
                    errors.setdefault("attribute_scores", f"Rate '{name}' for response {labels[slot]}.")
                elif not isinstance(value, int) or isinstance(value, bool) or not attribute["min"] <= value <= attribute["max"]:
                    errors.setdefault(
                        "attribute_scores",
                        f"'{name}' for response {labels[slot]} must be an integer from {attribute['min']} to {attribute['max']}.",
                    )
            unknown = set(given) - set(schema)
            if unknown:
                errors.setdefault("attribute_scores", f"Unknown attribute(s): {', '.join(sorted(unknown))}.")
    elif scores:
        errors["attribute_scores"] = "This project does not collect attribute ratings."
    if errors:
        raise ValidationError(errors)


def _apply_input(annotation: Annotation, item: Item, swapped: bool, data: AnnotationInput) -> None:
    strength = data.preference_strength
    if strength is not None and isinstance(strength, int) and swapped:
        strength = -strength
    scores = _canonical_scores(item, swapped, data.attribute_scores or {})
    validate_annotation(
        project=item.project,
        item=item,
        strength=strength,
        scores=scores,
        justification=data.justification,
        neither_acceptable=data.neither_acceptable,
        slot_labels={stored: slot for slot, stored in _canonical_slots(item, swapped).items()},
    )
    annotation.preference_strength = strength
    annotation.attribute_scores = scores
    annotation.justification = data.justification.strip()
    annotation.neither_acceptable = data.neither_acceptable
    annotation.flagged_unsafe = data.flagged_unsafe
    annotation.time_spent_seconds = data.time_spent_seconds


def annotation_submit(
    *, annotator: AbstractBaseUser, assignment: Assignment, client_id: uuid.UUID, data: AnnotationInput
) -> tuple[Annotation, bool]:
    """Store the annotation for a leased task. Idempotent on `client_id` per task: a repeated submit
    of the same task returns the stored annotation and `False`; a `client_id` the annotator already
    used on another task is a conflict (one id names one submission, so it is never silently dropped)."""
    if assignment.annotator_id != annotator.pk:
        raise PermissionDenied("This task is not yours.")
    with transaction.atomic():
        return _submit_locked(annotator=annotator, assignment=_locked_task(assignment.pk, annotator), client_id=client_id, data=data)


class TaskNotFound(Exception):
    """No assignment of this id belongs to the annotator."""


def task_submit(
    *, annotator: AbstractBaseUser, assignment_id: int, client_id: uuid.UUID, data: AnnotationInput
) -> tuple[Annotation, bool, Assignment]:
    """`annotation_submit` for the task API: the annotator's own assignment is found and locked in one
    statement (read once, not checked and then locked). Hindsight tasks are refused: they are rated in
    foresight, revealed, then rated in hindsight, through their own API. Returns the assignment too."""
    with transaction.atomic():
        try:
            assignment = _locked_task(assignment_id, annotator)
        except Assignment.DoesNotExist as error:
            raise TaskNotFound("No such task of yours.") from error
        if assignment.item.project.is_hindsight:
            raise AssignmentConflict(
                "Hindsight tasks are rated in foresight, revealed, then rated in hindsight: use /api/hindsight/tasks/."
            )
        annotation, created = _submit_locked(annotator=annotator, assignment=assignment, client_id=client_id, data=data)
    return annotation, created, assignment


def _locked_task(assignment_id: int, annotator: AbstractBaseUser) -> Assignment:
    """The annotator's assignment with its item and project; the assignment and the item locked, in one statement."""
    return (
        Assignment.objects.select_for_update(of=("self", "item"))
        .select_related("item__project")
        .get(pk=assignment_id, annotator=annotator)
    )


def _submit_locked(
    *, annotator: AbstractBaseUser, assignment: Assignment, client_id: uuid.UUID, data: AnnotationInput
) -> tuple[Annotation, bool]:
    """The body of a submit, inside the transaction that locked the assignment and its item."""
    now = timezone.now()
    item = assignment.item
    existing = Annotation.objects.filter(annotator=annotator, client_id=client_id).first()
    if existing is not None:
        if existing.item_id != item.pk:
            raise AssignmentConflict(
                "This client_id was already used for another task; send a new client_id for each task."
            )
        return existing, False
    if assignment.state == AssignmentState.SUBMITTED:
        raise AssignmentConflict("You already submitted this task; revise your annotation instead.")
    if assignment.state == AssignmentState.SKIPPED:
        raise AssignmentConflict("You skipped this task.")
    if assignment.lease_expires_at <= now and not item.is_gold:
        if _claim_count(item.pk, now, exclude_assignment_id=assignment.pk) >= item.project.overlap:
            raise AssignmentConflict("Your lease on this task expired and it went to someone else.")
    annotation = Annotation(item=item, annotator=annotator, client_id=client_id, source=AnnotationSource.HUMAN)
    _apply_input(annotation, item, assignment.swapped, data)
    annotation.save()
    assignment.state = AssignmentState.SUBMITTED
    assignment.save(update_fields=["state", "updated_at"])
    Item.objects.filter(pk=item.pk).update(completed_count=F("completed_count") + 1)
    annotator_progress_count(project_id=item.project_id, annotator=annotator)
    open_items_taken(project_id=item.project_id, annotator_id=annotator.pk)
    project_stats_mark_stale(project_id=item.project_id)
    return annotation, True


def annotation_revise(*, annotator: AbstractBaseUser, annotation: Annotation, data: AnnotationInput) -> Annotation:
    """An annotator corrects their own annotation, in the order they were shown the task."""
    if annotation.annotator_id != annotator.pk:
        raise PermissionDenied("You can only revise your own annotations.")
    with transaction.atomic():
        annotation = Annotation.objects.select_for_update(of=("self",)).select_related("item__project").get(pk=annotation.pk)
        swapped = (
            Assignment.objects.filter(item=annotation.item, annotator=annotator).values_list("swapped", flat=True).first()
            or False
        )
        _apply_input(annotation, annotation.item, swapped, data)
        annotation.save()
        project_stats_mark_stale(project_id=annotation.item.project_id)
    return annotation


def annotation_fill(*, annotation: Annotation, swapped: bool, data: AnnotationInput) -> None:
    """Fill an unsaved annotation from values entered in the order shown (`swapped` as on screen), by the
    project's rules: what another app (a reviewer's correction) stores as an annotation."""
    _apply_input(annotation, annotation.item, swapped, data)
