"""Annotation submission: what an annotator sends, checked by the project's rules, stored in the order the
annotator saw turned back into the stored order; revisions."""
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotation.models import (
    Annotation,
    AnnotationSource,
    Assignment,
    AssignmentState,
    Item,
    Project,
    Response,
)
from annotation.progress import annotator_progress_count, open_items_taken
from annotation.services.assignment import AssignmentConflict, claim_count
from annotation.stats import project_stats_mark_stale


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
        if claim_count(item.pk, now, exclude_assignment_id=assignment.pk) >= item.project.overlap:
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
