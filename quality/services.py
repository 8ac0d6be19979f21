"""Writes of label quality: review decisions (accept, reject, correct), adjudications, settings."""
from dataclasses import replace
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from annotation.models import Annotation, AnnotationSource, Assignment, AssignmentState, Item
from annotation.services import AnnotationInput, annotation_fill, as_shown
from annotation.stats import project_stats_mark_stale
from quality.models import Adjudication, QualitySettings, Review, ReviewStatus


class ReviewConflict(Exception):
    """The annotation was already reviewed, or cannot be corrected by this reviewer."""


def quality_settings_update(*, settings: QualitySettings, **fields: Any) -> QualitySettings:
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    return settings


def _locked_unreviewed(annotation: Annotation) -> Annotation:
    annotation = Annotation.objects.select_for_update(of=("self",)).select_related("item__project").get(pk=annotation.pk)
    if Review.objects.filter(annotation=annotation).exists():
        raise ReviewConflict("This annotation was already reviewed.")
    if annotation.source != AnnotationSource.HUMAN or annotation.annotator_id is None:
        raise ReviewConflict("Only annotations made on the platform are reviewed.")
    return annotation


def _return_assignment(annotation: Annotation) -> None:
    """The annotator's assignment stops counting against the item's overlap (and is never served to them again)."""
    Assignment.objects.filter(item_id=annotation.item_id, annotator_id=annotation.annotator_id).update(
        state=AssignmentState.RETURNED, updated_at=timezone.now()
    )


def review_accept(*, reviewer: AbstractBaseUser, annotation: Annotation) -> Review:
    with transaction.atomic():
        annotation = _locked_unreviewed(annotation)
        return Review.objects.create(annotation=annotation, reviewer=reviewer, status=ReviewStatus.ACCEPTED)


def review_reject(*, reviewer: AbstractBaseUser, annotation: Annotation, reason: str) -> Review:
    """Reject with a reason the annotator sees; the item goes back to the queue for a fresh annotation by
    someone else (the rejected annotation stays, never exported)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the annotation is rejected; the annotator will see it."})
    with transaction.atomic():
        annotation = _locked_unreviewed(annotation)
        review = Review.objects.create(annotation=annotation, reviewer=reviewer, status=ReviewStatus.REJECTED, reason=reason[:2000])
        _return_assignment(annotation)
        Item.objects.filter(pk=annotation.item_id).update(completed_count=Greatest(F("completed_count") - 1, 0))
        project_stats_mark_stale(project_id=annotation.item.project_id)
    return review


def review_correct(*, reviewer: AbstractBaseUser, annotation: Annotation, data: AnnotationInput, reason: str = "") -> Review:
    """The reviewer's own annotation replaces the original, entered in the order the annotator saw. The
    reviewer gets a submitted assignment with that order, so exports read the correction's references
    to "A"/"B" as the annotator's."""
    with transaction.atomic():
        annotation = _locked_unreviewed(annotation)
        original = Assignment.objects.filter(item_id=annotation.item_id, annotator_id=annotation.annotator_id).first()
        swapped = bool(original and original.swapped)
        if not data.attribute_scores and annotation.attribute_scores:
            # A correction of the preference keeps the annotator's attribute ratings unless new ones are given.
            data = replace(data, attribute_scores=as_shown(item=annotation.item, swapped=swapped, strength=None,
                                                           scores=annotation.attribute_scores)[1])
        correction = Annotation(item=annotation.item, annotator=reviewer, source=AnnotationSource.HUMAN)
        annotation_fill(annotation=correction, swapped=swapped, data=data)
        now = timezone.now()
        try:
            with transaction.atomic():
                correction.save()
                Assignment.objects.create(item=annotation.item, annotator=reviewer, state=AssignmentState.SUBMITTED,
                                          swapped=swapped, leased_at=now, lease_expires_at=now)
        except IntegrityError:
            raise ReviewConflict("You annotated this item yourself; another reviewer must correct it.") from None
        _return_assignment(annotation)
        review = Review.objects.create(annotation=annotation, reviewer=reviewer, status=ReviewStatus.CORRECTED,
                                       reason=reason.strip()[:2000], correction=correction)
        Review.objects.create(annotation=correction, reviewer=reviewer, status=ReviewStatus.ACCEPTED)
        project_stats_mark_stale(project_id=annotation.item.project_id)
    return review


def adjudication_set(*, adjudicator: AbstractBaseUser, item: Item, strength: int, note: str = "") -> Adjudication:
    """Set (or change) an item's final label, stored as an annotation of source "adjudicated"."""
    if not item.is_pair:
        raise ValidationError({"item_id": "Only pairs are adjudicated."})
    if isinstance(strength, bool) or not isinstance(strength, int) or not -3 <= strength <= 3:
        raise ValidationError({"preference_strength": "Preference strength must be an integer from −3 to +3."})
    with transaction.atomic():
        existing = Adjudication.objects.select_for_update().select_related("annotation").filter(item=item).first()
        if existing is not None:
            existing.annotation.preference_strength = strength
            existing.annotation.justification = note.strip()
            existing.annotation.save(update_fields=["preference_strength", "justification", "updated_at"])
            existing.adjudicator = adjudicator
            existing.save(update_fields=["adjudicator", "updated_at"])
            return existing
        annotation = Annotation.objects.create(
            item=item, annotator=None, source=AnnotationSource.ADJUDICATED, preference_strength=strength,
            justification=note.strip(),
        )
        return Adjudication.objects.create(item=item, adjudicator=adjudicator, annotation=annotation)
