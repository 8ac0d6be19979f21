"""The project dashboard's figures, computed from all of a project's rows in memory that does not grow
with the project: counts, per-annotator figures and medians are aggregated by the database, and the
agreement pass streams the annotations in chunks into fixed-size accumulators.

This is what the background refresh runs (`services.project_stats_refresh`); requests read the stored
result (`selectors.project_stats`), never this.
"""
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from annotation.agreement import Coincidences, side_pairs
from annotation.models import Annotation, AnnotationSource, Assignment, AssignmentState, Item, Project

# Annotations read per round trip by the agreement pass, and units handed to numpy at a time.
CHUNK_SIZE = 2000
UNIT_BATCH = 5000


class Median(Aggregate):
    """PostgreSQL's `percentile_cont(0.5)`: the median as `statistics.median` computes it (the mean of
    the middle two of an even count); NULLs are ignored."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def human_annotations(project: Project) -> QuerySet[Annotation]:
    return Annotation.objects.filter(item__project=project, source=AnnotationSource.HUMAN)


def _same_side_as_gold() -> Q:
    return (
        Q(preference_strength__gt=0, item__gold_strength__gt=0)
        | Q(preference_strength__lt=0, item__gold_strength__lt=0)
        | Q(preference_strength=0, item__gold_strength=0)
    )


def _medians(annotations: QuerySet[Annotation], timed: dict[int | None, int]) -> dict[int | None, float | None]:
    """Median `time_spent_seconds` per annotator: one aggregate on PostgreSQL; elsewhere (SQLite) the
    middle one or two values of each annotator's sorted times, fetched with OFFSET."""
    timed_rows = annotations.filter(time_spent_seconds__isnull=False)
    if connection.vendor == "postgresql":
        return dict(timed_rows.values("annotator_id").annotate(median=Median("time_spent_seconds")).values_list("annotator_id", "median").order_by())
    medians: dict[int | None, float | None] = {}
    for annotator_id, n in timed.items():
        if not n:
            medians[annotator_id] = None
            continue
        own = timed_rows.filter(annotator__isnull=True) if annotator_id is None else timed_rows.filter(annotator_id=annotator_id)
        middle = list(own.order_by("time_spent_seconds").values_list("time_spent_seconds", flat=True)[(n - 1) // 2 : n // 2 + 1])
        medians[annotator_id] = sum(middle) / len(middle)
    return medians


def annotator_figures(project: Project) -> list[dict[str, Any]]:
    """Per annotator (by username): non-gold annotations, median seconds per task (gold included),
    gold answered and gold on the gold answer's side."""
    annotations = human_annotations(project)
    rows = list(
        annotations.values("annotator_id", "annotator__username")
        .annotate(
            count=Count("pk", filter=Q(item__is_gold=False)),
            gold_total=Count("pk", filter=Q(item__is_gold=True)),
            gold_correct=Count("pk", filter=Q(item__is_gold=True) & _same_side_as_gold()),
            timed=Count("time_spent_seconds"),
        )
        .order_by()
    )
    medians = _medians(annotations, {row["annotator_id"]: row["timed"] for row in rows})
    figures = []
    for row in sorted(rows, key=lambda r: r["annotator__username"] or ""):
        median = medians.get(row["annotator_id"])
        figures.append({
            "annotator": row["annotator__username"],
            "count": row["count"],
            "gold_total": row["gold_total"],
            "gold_correct": row["gold_correct"],
            "median_seconds": round(median, 1) if median is not None else None,
            "gold_accuracy": row["gold_correct"] / row["gold_total"] if row["gold_total"] else None,
        })
    return figures


def _items_in_order(rows: Iterable[tuple[int, int | None, dict, datetime]]) -> Iterable[list[tuple[int | None, dict, datetime]]]:
    """Group (item_id, strength, scores, created_at) rows, sorted by item, into one list per item."""
    current_id, current = None, []
    for item_id, *annotation in rows:
        if item_id != current_id and current:
            yield current
            current = []
        current_id = item_id
        current.append(annotation)
    if current:
        yield current


def _day(moment: datetime) -> str:
    return timezone.localdate(moment).isoformat() if timezone.is_aware(moment) else moment.date().isoformat()


def _agreement_by_day(per_day: dict[str, list[int]]) -> list[dict[str, Any]]:
    """Per day (of the item's latest judgement): that day's items' side agreement, and the running rate
    over every item up to that day."""
    series, agreeing, pairs = [], 0, 0
    for day in sorted(per_day):
        day_agreeing, day_pairs = per_day[day]
        agreeing, pairs = agreeing + day_agreeing, pairs + day_pairs
        series.append({"day": day, "rate": day_agreeing / day_pairs, "cumulative": agreeing / pairs, "pairs": day_pairs})
    return series


def project_agreement(*, project: Project, chunk_size: int = CHUNK_SIZE) -> dict[str, Any]:
    """Krippendorff's alpha (ordinal) per attribute over (item, response) units, the rate at which
    annotators pick the same side of a pair (overall and by day), and the distribution of each
    attribute's scores. Gold and imported annotations are left out.

    One pass over the annotations in item order, `chunk_size` rows per fetch; what is kept between
    items is one coincidence matrix and one score count per attribute, and counters per day."""
    rows = (
        human_annotations(project)
        .filter(item__is_gold=False)
        .order_by("item_id")
        .values_list("item_id", "preference_strength", "attribute_scores", "created_at")
        .iterator(chunk_size=chunk_size)
    )
    coincidences: dict[str, Coincidences] = defaultdict(Coincidences)
    pending: dict[str, list[list[int]]] = defaultdict(list)
    distributions: dict[str, Counter] = defaultdict(Counter)
    per_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    agreeing = pairs = 0
    for annotations in _items_in_order(rows):
        item_agreeing, item_pairs = side_pairs([strength for strength, _, _ in annotations if strength is not None])
        agreeing, pairs = agreeing + item_agreeing, pairs + item_pairs
        if item_pairs:
            day = per_day[_day(max(created_at for _, _, created_at in annotations))]
            day[0], day[1] = day[0] + item_agreeing, day[1] + item_pairs
        units: dict[tuple[str, str], list[int]] = defaultdict(list)
        for _, attribute_scores, _ in annotations:
            for slot, scores in (attribute_scores or {}).items():
                for name, value in scores.items():
                    units[(name, slot)].append(value)
                    distributions[name][value] += 1
        for (name, _), values in units.items():
            pending[name].append(values)
            if len(pending[name]) >= UNIT_BATCH:
                coincidences[name].add_units(pending.pop(name))
    for name, units_left in pending.items():
        coincidences[name].add_units(units_left)
    return {
        "alpha": {name: coincidences[name].alpha("ordinal") if name in coincidences else None for name in project.attribute_names},
        "side_agreement": agreeing / pairs if pairs else None,
        "by_day": _agreement_by_day(per_day),
        "attribute_distributions": {
            name: {str(value): count for value, count in sorted(distributions[name].items())} for name in project.attribute_names
        },
    }


def _per_day(annotations: QuerySet[Annotation]) -> dict[str, int]:
    rows = annotations.annotate(day=TruncDate("created_at")).values("day").annotate(n=Count("pk")).values_list("day", "n").order_by("day")
    return {day.isoformat(): n for day, n in rows if day is not None}


def _strengths(annotations: QuerySet[Annotation]) -> dict[str, int]:
    rows = (
        annotations.filter(preference_strength__isnull=False, item__is_gold=False)
        .values("preference_strength").annotate(n=Count("pk")).values_list("preference_strength", "n").order_by("preference_strength")
    )
    return {str(strength): n for strength, n in rows}


def label_figures(project: Project) -> dict[str, Any]:
    """Platform and imported labels kept apart: how many, preference strengths' distribution, and
    platform annotations per day (one GROUP BY each)."""
    imported = Annotation.objects.filter(item__project=project, source=AnnotationSource.IMPORTED)
    platform = human_annotations(project)
    return {
        "imported_annotations": imported.count(),
        "strength_distribution": {"platform": _strengths(platform), "imported": _strengths(imported)},
        "annotations_per_day": _per_day(platform.filter(item__is_gold=False)),
    }


def project_dashboard(*, project: Project) -> dict[str, Any]:
    """Every figure of the dashboard and of `GET /api/projects/<slug>/stats/`."""
    items = Item.objects.filter(project=project)
    item_counts = items.aggregate(
        total=Count("pk", filter=Q(is_gold=False)),
        complete=Count("pk", filter=Q(is_gold=False, completed_count__gte=project.overlap)),
        gold=Count("pk", filter=Q(is_gold=True)),
    )
    annotation_counts = human_annotations(project).aggregate(
        annotations=Count("pk", filter=Q(item__is_gold=False)),
        flagged_unsafe=Count("pk", filter=Q(flagged_unsafe=True)),
        neither_acceptable=Count("pk", filter=Q(neither_acceptable=True)),
    )
    skips = dict(
        Assignment.objects.filter(item__project=project, state=AssignmentState.SKIPPED)
        .values_list("skip_reason")
        .annotate(n=Count("pk"))
        .values_list("skip_reason", "n")
        .order_by()
    )
    total_items, complete_items = item_counts["total"], item_counts["complete"]
    return {
        "items": total_items,
        "complete_items": complete_items,
        "progress": complete_items / total_items if total_items else 0.0,
        "annotations": annotation_counts["annotations"],
        "target_annotations": total_items * project.overlap,
        "flagged_unsafe": annotation_counts["flagged_unsafe"],
        "neither_acceptable": annotation_counts["neither_acceptable"],
        "skips": skips,
        "annotators": annotator_figures(project),
        "agreement": project_agreement(project=project),
        **label_figures(project),
        "task_types": list(project.task_types),
        "gold_items": item_counts["gold"],
        "rounds": list(
            items.filter(is_gold=False).exclude(round=None).values("round")
            .annotate(n=Count("pk"), done=Count("pk", filter=Q(completed_count__gte=1))).order_by("round")
        ),
    }
