"""Reads of the datasets app. Export reads stream rows in chunks (server-side cursors on PostgreSQL) in a
fixed order, so memory stays flat and the same data always comes out in the same order."""
import heapq
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

from annotation.models import Annotation, AnnotationSource, Assignment, Project
from datasets_app.models import DatasetVersion

CHUNK_SIZE = 2000

# JSON columns come as text (`*_json`): the consumer decodes a prompt once per group, not once per row.
PAIR_COLUMNS = (
    "item_id", "id", "annotator_id", "source", "preference_strength", "justification", "neither_acceptable",
    "scores_json", "swapped", "messages_json", "item__prompt__content_hash", "declared_split",
    "item__response_1__text", "item__response_2__text", "item__response_1__model_name",
    "item__response_2__model_name", "item__round",
)
RESPONSE_COLUMNS = (
    "prompt_id", "response_id", "id", "annotator_id", "source", "attribute_scores", "messages_json",
    "item__prompt__content_hash", "declared_split", "response_text", "model_name", "item__round",
)


def export_annotations(*, project_ids: list[int], filters: dict[str, Any]) -> QuerySet[Annotation]:
    """The annotations an export definition selects. Gold items never leave the platform."""
    annotations = Annotation.objects.filter(item__project_id__in=project_ids, item__is_gold=False)
    if filters.get("date_from"):
        annotations = annotations.filter(created_at__date__gte=date.fromisoformat(filters["date_from"]))
    if filters.get("date_to"):
        annotations = annotations.filter(created_at__date__lte=date.fromisoformat(filters["date_to"]))
    if filters.get("annotators"):
        annotations = annotations.filter(annotator__username__in=filters["annotators"])
    if filters.get("rounds"):
        annotations = annotations.filter(item__round__in=filters["rounds"])
    if filters.get("model_names"):
        names = filters["model_names"]
        annotations = annotations.filter(Q(item__response_1__model_name__in=names) | Q(item__response_2__model_name__in=names))
    if not filters.get("include_imported", True):
        annotations = annotations.filter(source=AnnotationSource.HUMAN)
    return annotations


def _declared_split() -> KeyTextTransform:
    """The split an imported prompt came with (its metadata's "split"), as text; NULL when absent."""
    return KeyTextTransform("split", "item__prompt__metadata")


def _as_text(json_field: str) -> Cast:
    return Cast(json_field, output_field=TextField())


def _swapped() -> Subquery:
    return Subquery(
        Assignment.objects.filter(item_id=OuterRef("item_id"), annotator_id=OuterRef("annotator_id")).values("swapped")[:1]
    )


def item_queryset(annotations: QuerySet[Annotation], *, pairs_only: bool) -> QuerySet:
    """The values the item-based formats read (PAIR_COLUMNS), ordered by item then annotation id."""
    if pairs_only:
        annotations = annotations.filter(item__response_2__isnull=False)
    return (
        annotations.annotate(
            swapped=_swapped(),
            declared_split=_declared_split(),
            messages_json=_as_text("item__prompt__messages"),
            scores_json=_as_text("attribute_scores"),
        )
        .order_by("item_id", "id")
        .values_list(*PAIR_COLUMNS)
    )


def item_annotation_rows(annotations: QuerySet[Annotation], *, pairs_only: bool) -> Iterator[dict[str, Any]]:
    """One dict per annotation with its item's texts, ordered by item then annotation id."""
    for values in item_queryset(annotations, pairs_only=pairs_only).iterator(chunk_size=CHUNK_SIZE):
        yield dict(zip(PAIR_COLUMNS, values))


def slot_queryset(annotations: QuerySet[Annotation], slot: str) -> QuerySet:
    """The values (RESPONSE_COLUMNS) of the response in one slot of each annotated item."""
    if slot == "2":
        annotations = annotations.filter(item__response_2__isnull=False)
    return (
        annotations.annotate(declared_split=_declared_split(), messages_json=_as_text("item__prompt__messages"))
        .values_list(
            "item__prompt_id", f"item__response_{slot}_id", "id", "annotator_id", "source", "attribute_scores",
            "messages_json", "item__prompt__content_hash", "declared_split", f"item__response_{slot}__text",
            f"item__response_{slot}__model_name", "item__round",
        )
        .order_by("item__prompt_id", f"item__response_{slot}_id", "id")
    )


def _slot_rows(annotations: QuerySet[Annotation], slot: str) -> Iterator[dict[str, Any]]:
    for values in slot_queryset(annotations, slot).iterator(chunk_size=CHUNK_SIZE):
        row = dict(zip(RESPONSE_COLUMNS, values))
        row["scores"] = (row.pop("attribute_scores") or {}).get(slot)
        yield row


def response_score_rows(annotations: QuerySet[Annotation]) -> Iterator[dict[str, Any]]:
    """One dict per (annotation, rated response), ordered by prompt, response, annotation id: both
    response slots of every item merged, so a response shown in several items is rated once."""
    return heapq.merge(
        _slot_rows(annotations, "1"),
        _slot_rows(annotations, "2"),
        key=lambda row: (row["prompt_id"], row["response_id"], row["id"]),
    )


def dataset_versions_of(*, project: Project) -> QuerySet[DatasetVersion]:
    return DatasetVersion.objects.filter(project=project).select_related("created_by").order_by("-version")


def dataset_version_of(*, project: Project, version: int) -> DatasetVersion:
    return get_object_or_404(DatasetVersion.objects.select_related("project", "created_by"), project=project, version=version)


def dataset_file_entry(*, dataset_version: DatasetVersion, path: str | None) -> dict[str, Any] | None:
    """The stored file entry of a ready version (its zip when `path` is None); None when there is no such file."""
    wanted = path or dataset_version.zip_name
    return next((entry for entry in dataset_version.files if entry["path"] == wanted), None)
