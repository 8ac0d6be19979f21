"""The annotator's hindsight flow, enforced here (and by database constraints), never in the client:

1. foresight: a rating of the conversation and response(s) alone; changeable until the reveal;
2. reveal: needs a foresight rating; stores which outcome versions were shown and locks the foresight;
3. hindsight: only after the reveal; a rating on the same scale, a justification, optionally keep or
   return. It completes the assignment through `annotation.services.annotation_submit`, so leases,
   overlap, progress and idempotency work as for every other task type.

Ratings arrive relative to the order the annotator was shown (pairs: negative = the first shown is
better) and are stored in the item's canonical order.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotation.models import Assignment, AssignmentState, Item, TaskType
from annotation.services import AnnotationInput, AssignmentConflict, annotation_submit
from hindsight.models import HindsightJudgement
from hindsight.selectors import latest_outcomes

SATISFACTION_LABELS = {
    1: "Very dissatisfied",
    2: "Dissatisfied",
    3: "Neither satisfied nor dissatisfied",
    4: "Satisfied",
    5: "Very satisfied",
}


class RevealOrderError(AssignmentConflict):
    """The step does not fit the judgement's stage (foresight locked, not revealed yet, …)."""


@dataclass(frozen=True)
class HindsightInput:
    rating: int
    justification: str
    keep: bool | None = None
    time_spent_seconds: float | None = None


def rating_range(item: Item) -> tuple[int, int]:
    return (-3, 3) if item.is_pair else (1, 5)


def _validate_rating(item: Item, value: object, field: str) -> int:
    low, high = rating_range(item)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        scale = "a preference from −3 to +3" if item.is_pair else "a satisfaction rating from 1 to 5"
        raise ValidationError({field: f"Give {scale}."})
    return value


def canonical(item: Item, swapped: bool, value: int) -> int:
    """Display order ↔ canonical order (its own inverse)."""
    return -value if item.is_pair and swapped else value


def _locked_assignment(annotator: AbstractBaseUser, assignment: Assignment) -> Assignment:
    if assignment.annotator_id != annotator.pk:
        raise PermissionDenied("This task is not yours.")
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("item__project", "item__response_1", "item__response_2")
        .get(pk=assignment.pk)
    )
    if TaskType.HINDSIGHT not in assignment.item.project.task_types:
        raise ValidationError({"project": "This is not a hindsight project."})
    return assignment


def _require_leased(assignment: Assignment) -> None:
    if assignment.state == AssignmentState.SUBMITTED:
        raise RevealOrderError("You already submitted this task.")
    if assignment.state == AssignmentState.SKIPPED:
        raise RevealOrderError("You skipped this task.")


def _locked_judgement(assignment: Assignment) -> HindsightJudgement | None:
    return HindsightJudgement.objects.select_for_update(of=("self",)).filter(assignment=assignment).first()


def foresight_submit(*, annotator: AbstractBaseUser, assignment: Assignment, rating: int) -> HindsightJudgement:
    """Record (or, before the reveal, change) the foresight rating."""
    with transaction.atomic():
        assignment = _locked_assignment(annotator, assignment)
        _require_leased(assignment)
        item = assignment.item
        value = canonical(item, assignment.swapped, _validate_rating(item, rating, "rating"))
        judgement = _locked_judgement(assignment)
        now = timezone.now()
        if judgement is None:
            return HindsightJudgement.objects.create(
                assignment=assignment, item=item, annotator=annotator, foresight_rating=value, foresight_at=now
            )
        if judgement.revealed_at is not None:
            raise RevealOrderError("Your foresight rating is locked: the outcome has already been revealed.")
        judgement.foresight_rating = value
        judgement.foresight_at = now
        judgement.save(update_fields=["foresight_rating", "foresight_at", "updated_at"])
        return judgement


def outcome_reveal(*, annotator: AbstractBaseUser, assignment: Assignment) -> HindsightJudgement:
    """Reveal the newest simulated outcome(s); needs a foresight rating. Revealing again is harmless."""
    with transaction.atomic():
        assignment = _locked_assignment(annotator, assignment)
        judgement = _locked_judgement(assignment)
        if judgement is None:
            _require_leased(assignment)
            raise RevealOrderError("Give your foresight rating before the outcome is revealed.")
        if judgement.revealed_at is not None:
            return judgement
        _require_leased(assignment)
        item = assignment.item
        response_ids = [item.response_1_id] + ([item.response_2_id] if item.response_2_id else [])
        outcomes = latest_outcomes(response_ids=response_ids)
        if any(rid not in outcomes for rid in response_ids):
            raise RevealOrderError(
                "No simulated outcome exists for this task yet; skip it (reason: broken) and tell the project's admin."
            )
        # The reveal follows the foresight (both hold the assignment's row lock), but the two stamps may
        # come from web hosts whose clocks disagree: never stamp the reveal before the foresight.
        judgement.revealed_at = max(timezone.now(), judgement.foresight_at)
        judgement.outcome_1 = outcomes[item.response_1_id]
        judgement.outcome_2 = outcomes.get(item.response_2_id) if item.response_2_id else None
        judgement.save(update_fields=["revealed_at", "outcome_1", "outcome_2", "updated_at"])
        return judgement


def hindsight_submit(
    *, annotator: AbstractBaseUser, assignment: Assignment, client_id: uuid.UUID, data: HindsightInput
) -> tuple[HindsightJudgement, bool]:
    """Record the hindsight rating and complete the task. Idempotent on `client_id`."""
    with transaction.atomic():
        assignment = _locked_assignment(annotator, assignment)
        item = assignment.item
        judgement = _locked_judgement(assignment)
        if judgement is not None and judgement.annotation_id and judgement.annotation.client_id == client_id:
            return judgement, False
        if judgement is None or judgement.revealed_at is None:
            _require_leased(assignment)
            raise RevealOrderError("The outcome has not been revealed yet: give your foresight rating and reveal it first.")
        if judgement.hindsight_rating is not None:
            raise RevealOrderError("You already gave your hindsight rating for this task.")
        _require_leased(assignment)
        rating = _validate_rating(item, data.rating, "rating")
        errors = {}
        if not data.justification.strip():
            errors["justification"] = "Say why you rate it this way now that you know the outcome."
        if data.keep is not None and item.is_pair and judgement.foresight_rating == 0:
            errors["keep"] = "You preferred neither response before the reveal, so there is nothing to keep or return."
        if item.project.is_likert:
            errors["project"] = "Hindsight projects cannot also collect Likert attributes; remove 'likert' from the task types."
        if errors:
            raise ValidationError(errors)
        ask_preference = item.is_pair and item.project.is_pairwise
        annotation, _ = annotation_submit(
            annotator=annotator,
            assignment=assignment,
            client_id=client_id,
            data=AnnotationInput(
                preference_strength=rating if ask_preference else None,
                justification=data.justification,
                time_spent_seconds=data.time_spent_seconds,
            ),
        )
        judgement.hindsight_rating = canonical(item, assignment.swapped, rating)
        judgement.hindsight_at = timezone.now()
        judgement.justification = data.justification.strip()
        judgement.keep = data.keep
        judgement.annotation = annotation
        judgement.save()
        return judgement, True
