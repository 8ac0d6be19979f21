"""Reads of label quality: the review queue (with why each annotation is in it), the adjudication queue,
and what a reviewer or adjudicator is shown."""
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, Max, Min, OuterRef, Q, QuerySet

from annotation.models import Annotation, AnnotationSource, Assignment, Item, Project
from annotation.services import as_shown, displayed_responses
from quality.models import Adjudication, QualitySettings, Review, ReviewMode, ReviewStatus

# At most this many annotations are looked at per queue request (the oldest unreviewed first).
QUEUE_SCAN_LIMIT = 5000
SLOTS = ("A", "B")


def quality_settings_of(*, project: Project) -> QualitySettings:
    settings, _ = QualitySettings.objects.get_or_create(project=project)
    return settings


def _side(strength: int | None) -> int:
    return 0 if not strength else (1 if strength > 0 else -1)


def in_sample(annotation_id: int, rate: float) -> bool:
    """A fixed pseudo-random share of annotations: the same ones on every request."""
    digest = hashlib.sha256(f"review-sample:{annotation_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < rate


def excluded_from_labels() -> Q:
    """Annotations that no longer stand: rejected, or replaced by a reviewer's correction."""
    return Q(Exists(Review.objects.filter(annotation=OuterRef("pk"), status__in=[ReviewStatus.REJECTED, ReviewStatus.CORRECTED])))


def _gold_accuracy(project: Project) -> dict[int, float]:
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for annotator_id, strength, gold in Annotation.objects.filter(
        item__project=project, item__is_gold=True, source=AnnotationSource.HUMAN
    ).values_list("annotator_id", "preference_strength", "item__gold_strength"):
        totals[annotator_id][0] += 1
        totals[annotator_id][1] += strength is not None and _side(strength) == _side(gold)
    return {annotator: correct / total for annotator, (total, correct) in totals.items()}


@dataclass
class ReviewTask:
    annotation: Annotation
    flags: list[str] = field(default_factory=list)


def review_queue(*, project: Project, limit: int = 50) -> list[ReviewTask]:
    """Unreviewed platform annotations of the project's non-gold items that its review mode sends to
    review, oldest first, each with the flags that apply (low gold accuracy, fast, disagreeing, unsafe)."""
    settings = quality_settings_of(project=project)
    pending = (
        Annotation.objects.filter(item__project=project, item__is_gold=False, source=AnnotationSource.HUMAN)
        .exclude(Exists(Review.objects.filter(annotation=OuterRef("pk"))))
        .exclude(Exists(Review.objects.filter(correction=OuterRef("pk"))))
        .select_related("annotator", "item__prompt", "item__response_1", "item__response_2")
        .order_by("created_at", "pk")[:QUEUE_SCAN_LIMIT]
    )
    pending = list(pending)
    sides: dict[int, set[int]] = defaultdict(set)
    for item_id, strength in (
        Annotation.objects.filter(item_id__in={a.item_id for a in pending}, preference_strength__isnull=False)
        .exclude(source__in=[AnnotationSource.ADJUDICATED, AnnotationSource.MODEL]).exclude(excluded_from_labels())
        .values_list("item_id", "preference_strength")
    ):
        if _side(strength):
            sides[item_id].add(_side(strength))
    gold = _gold_accuracy(project)
    tasks = []
    for annotation in pending:
        flags = []
        accuracy = gold.get(annotation.annotator_id)
        if accuracy is not None and accuracy < settings.min_gold_accuracy:
            flags.append("low_gold_accuracy")
        if annotation.time_spent_seconds is not None and annotation.time_spent_seconds < settings.fast_seconds:
            flags.append("fast")
        if len(sides[annotation.item_id]) > 1:
            flags.append("disagreeing")
        if annotation.flagged_unsafe:
            flags.append("unsafe")
        wanted = (
            settings.review_mode == ReviewMode.ALL
            or (settings.review_mode == ReviewMode.SAMPLE and in_sample(annotation.pk, settings.review_sample_rate))
            or (settings.review_mode == ReviewMode.FLAGGED and flags)
        )
        if wanted:
            tasks.append(ReviewTask(annotation, flags))
            if len(tasks) >= limit:
                break
    return tasks


def reviewable_annotation(*, project: Project, annotation_id: int) -> Annotation | None:
    return (
        Annotation.objects.select_related("item__project").filter(item__project=project, pk=annotation_id)
        .exclude(source=AnnotationSource.MODEL).first()  # a model judge's label is not a person's to review
    )


def _swapped(annotation: Annotation) -> bool:
    return bool(
        Assignment.objects.filter(item_id=annotation.item_id, annotator_id=annotation.annotator_id)
        .values_list("swapped", flat=True).first()
    )


def review_payload(task: ReviewTask, render: Any) -> dict[str, Any]:
    """The annotation as its annotator saw and entered it: responses in the order shown (slots A, B),
    strength relative to that order, scores by slot, justification, time taken."""
    annotation = task.annotation
    item = annotation.item
    swapped = _swapped(annotation)
    strength, scores = as_shown(item=item, swapped=swapped, strength=annotation.preference_strength,
                                scores=annotation.attribute_scores)
    return {
        "annotation_id": annotation.pk,
        "annotator": annotation.annotator.username if annotation.annotator else None,
        "flags": task.flags,
        "messages": item.prompt.messages,
        "responses": [{"id": slot, "html": render(response.text)}
                      for slot, response in zip(SLOTS, displayed_responses(item, swapped))],
        "preference_strength": strength,
        "attribute_scores": scores,
        "justification": annotation.justification,
        "neither_acceptable": annotation.neither_acceptable,
        "flagged_unsafe": annotation.flagged_unsafe,
        "time_spent_seconds": annotation.time_spent_seconds,
        "created_at": annotation.created_at.isoformat(),
    }


def _standing_judgements(item_ids: Any = None) -> QuerySet[Annotation]:
    """People's standing judgements: a model judge's labels never reach adjudication."""
    judgements = Annotation.objects.filter(preference_strength__isnull=False).exclude(
        source__in=[AnnotationSource.ADJUDICATED, AnnotationSource.MODEL]).exclude(excluded_from_labels())
    return judgements if item_ids is None else judgements.filter(item_id__in=item_ids)


def adjudication_queue(*, project: Project, limit: int = 50) -> list[Item]:
    """Non-gold pairs without an adjudication whose standing judgements take opposite sides or spread by
    more than the project's adjudication_max_spread, oldest first."""
    settings = quality_settings_of(project=project)
    standing = Q(annotations__in=_standing_judgements().filter(item__project=project).values("pk"))
    items = (
        Item.objects.filter(project=project, is_gold=False, response_2__isnull=False)
        .exclude(Exists(Adjudication.objects.filter(item=OuterRef("pk"))))
        .annotate(low=Min("annotations__preference_strength", filter=standing),
                  high=Max("annotations__preference_strength", filter=standing))
        .annotate(spread=F("high") - F("low"))
        .filter(Q(low__lt=0, high__gt=0) | Q(spread__gt=settings.adjudication_max_spread))
    )
    return list(items.select_related("prompt", "response_1", "response_2").order_by("pk")[:limit])


def adjudicable_item(*, project: Project, item_id: int) -> Item | None:
    return Item.objects.select_related("project", "prompt", "response_1", "response_2").filter(
        project=project, pk=item_id, is_gold=False).first()


def adjudication_payload(item: Item, render: Any) -> dict[str, Any]:
    """An item in stored order (A = response 1, B = response 2) with every standing judgement relative to
    that order, its justification as written and the order its annotator saw; annotators are numbered,
    not named."""
    judgements = list(_standing_judgements([item.pk]).order_by("pk"))
    swapped = dict(Assignment.objects.filter(item=item).values_list("annotator_id", "swapped"))
    adjudication = Adjudication.objects.select_related("annotation").filter(item=item).first()
    return {
        "item_id": item.pk,
        "messages": item.prompt.messages,
        "responses": [{"id": "A", "html": render(item.response_1.text)}, {"id": "B", "html": render(item.response_2.text)}],
        "judgements": [
            {
                "annotator": f"annotator {index}" if j.annotator_id else "imported",
                "preference_strength": j.preference_strength,
                "justification": j.justification,
                "saw_swapped": bool(swapped.get(j.annotator_id, False)),
            }
            for index, j in enumerate(judgements, start=1)
        ],
        "adjudicated_strength": adjudication.annotation.preference_strength if adjudication else None,
    }


def quality_counts(*, annotations: QuerySet[Annotation]) -> dict[str, int]:
    """For a dataset card: of the exported annotations, how many a reviewer accepted, how many were not
    reviewed, and how many items carry an adjudicated label. A model judge's labels are not a person's
    to review: the card counts them apart."""
    annotations = annotations.exclude(source=AnnotationSource.MODEL)
    accepted = annotations.filter(review__status=ReviewStatus.ACCEPTED).count()
    adjudicated = annotations.filter(source=AnnotationSource.ADJUDICATED).count()
    total = annotations.count()
    return {"accepted": accepted, "not_reviewed": total - accepted - adjudicated, "adjudicated_items": adjudicated}
