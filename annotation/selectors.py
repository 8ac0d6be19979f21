"""Reads of the annotation app that span relations: dashboards, progress, agreement, queues."""
from collections import defaultdict
from statistics import median
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from annotation.agreement import krippendorff_alpha, side, side_agreement_rate
from annotation.models import Annotation, AnnotationSource, Assignment, AssignmentState, Item, Project

OPEN_ITEMS_CACHE_SECONDS = 30


def open_items_count(*, project: Project, annotator: AbstractBaseUser) -> int:
    """Items still below their overlap, leaving out the annotator's own annotations: what they submit
    themselves, gold or not, never moves the number, so it cannot tell them which of their tasks were
    gold (gold items have no overlap to fill). Cached for half a minute: it is shown after every task,
    and counting a large queue on each request would cost more than the request itself."""
    key = f"verdict:open-items:{project.pk}:{project.overlap}:{annotator.pk}"
    count = cache.get(key)
    if count is None:
        mine = Annotation.objects.filter(item=OuterRef("pk"), annotator=annotator)
        count = (
            Item.objects.filter(project=project, is_gold=False)
            .filter(Q(completed_count__lt=project.overlap) | (Q(completed_count=project.overlap) & Q(Exists(mine))))
            .count()
        )
        cache.set(key, count, OPEN_ITEMS_CACHE_SECONDS)
    return count


def annotator_progress(*, project: Project, annotator: AbstractBaseUser) -> dict[str, int]:
    """What the annotator has done (gold items count like any other), and how many items of the project
    still need annotations from others."""
    done = Annotation.objects.filter(annotator=annotator, item__project=project).count()
    return {"done": done, "remaining": open_items_count(project=project, annotator=annotator)}


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


def _human_annotations(project: Project) -> QuerySet[Annotation]:
    return Annotation.objects.filter(item__project=project, source=AnnotationSource.HUMAN)


def project_agreement(*, project: Project) -> dict[str, Any]:
    """Krippendorff's alpha (ordinal) per attribute over (item, response) units, and the rate at which
    annotators pick the same side of a pair. Gold and imported annotations are left out."""
    rows = _human_annotations(project).filter(item__is_gold=False).values_list(
        "item_id", "preference_strength", "attribute_scores"
    )
    scores_per_unit: dict[str, dict[tuple[int, str], list[int]]] = defaultdict(lambda: defaultdict(list))
    strengths_per_item: dict[int, list[int]] = defaultdict(list)
    for item_id, strength, attribute_scores in rows:
        if strength is not None:
            strengths_per_item[item_id].append(strength)
        for slot, scores in (attribute_scores or {}).items():
            for name, value in scores.items():
                scores_per_unit[name][(item_id, slot)].append(value)
    alpha = {
        name: krippendorff_alpha(list(scores_per_unit[name].values()), level="ordinal")
        for name in project.attribute_names
    }
    return {"alpha": alpha, "side_agreement": side_agreement_rate(list(strengths_per_item.values()))}


def project_dashboard(*, project: Project) -> dict[str, Any]:
    items = Item.objects.filter(project=project, is_gold=False)
    total_items = items.count()
    complete_items = items.filter(completed_count__gte=project.overlap).count()
    annotations = _human_annotations(project)
    per_annotator: dict[int, dict[str, Any]] = {}
    for annotator_id, username, seconds, is_gold in annotations.values_list(
        "annotator_id", "annotator__username", "time_spent_seconds", "item__is_gold"
    ):
        entry = per_annotator.setdefault(
            annotator_id, {"annotator": username, "count": 0, "times": [], "gold_total": 0, "gold_correct": 0}
        )
        if not is_gold:
            entry["count"] += 1
        if seconds is not None:
            entry["times"].append(seconds)
    for annotator_id, strength, gold_strength in annotations.filter(item__is_gold=True).values_list(
        "annotator_id", "preference_strength", "item__gold_strength"
    ):
        entry = per_annotator[annotator_id]
        entry["gold_total"] += 1
        entry["gold_correct"] += strength is not None and side(strength) == side(gold_strength)
    annotators = []
    for entry in sorted(per_annotator.values(), key=lambda e: e["annotator"] or ""):
        times = entry.pop("times")
        entry["median_seconds"] = round(median(times), 1) if times else None
        entry["gold_accuracy"] = entry["gold_correct"] / entry["gold_total"] if entry["gold_total"] else None
        annotators.append(entry)
    skips = dict(
        Assignment.objects.filter(item__project=project, state=AssignmentState.SKIPPED)
        .values_list("skip_reason")
        .annotate(n=Count("pk"))
        .values_list("skip_reason", "n")
    )
    return {
        "items": total_items,
        "complete_items": complete_items,
        "progress": complete_items / total_items if total_items else 0.0,
        "annotations": annotations.filter(item__is_gold=False).count(),
        "target_annotations": total_items * project.overlap,
        "flagged_unsafe": annotations.filter(flagged_unsafe=True).count(),
        "neither_acceptable": annotations.filter(neither_acceptable=True).count(),
        "skips": skips,
        "annotators": annotators,
        "agreement": project_agreement(project=project),
        "gold_items": Item.objects.filter(project=project, is_gold=True).count(),
        "rounds": list(
            items.exclude(round=None).values("round").annotate(n=Count("pk"), done=Count("pk", filter=Q(completed_count__gte=1))).order_by("round")
        ),
    }
