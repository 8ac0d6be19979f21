"""Reads of the datasets app. Export reads stream plain row tuples (grouping.ITEM_FIELDS / RESPONSE_FIELDS,
JSON columns as text) in chunks and in a fixed order, so memory stays flat and the same data always comes
out in the same order."""
import queue
import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404

from annotation.models import Annotation, AnnotationSource, Assignment, Item, Project
from datasets_app.exporters.grouping import ITEM_FIELDS, RESPONSE_FIELDS
from datasets_app.exporters.hindsight import PromptKey
from datasets_app.models import DatasetVersion

CHUNK_SIZE = 5000
READ_AHEAD_CHUNKS = 2


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


class _ObjectKeyText(Func):
    """`column ->> 'key'`: an object member as text (a nested object as its JSON). KeyTextTransform reads
    the slot keys "1" and "2" as array indices, so it cannot be used for attribute_scores."""

    arity = 1
    output_field = TextField()

    def __init__(self, column: str, key: str) -> None:
        super().__init__(F(column))
        self.key = key

    def as_sql(self, compiler, connection, **extra_context):  # noqa: ANN001, ANN201, ARG002 (PostgreSQL)
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} ->> (%s)::text)", [*params, self.key]

    def as_sqlite(self, compiler, connection, **extra_context):  # noqa: ANN001, ANN201, ARG002
        sql, params = compiler.compile(self.source_expressions[0])
        return f"JSON_EXTRACT({sql}, %s)", [*params, f'$."{self.key}"']


def _swapped() -> Subquery:
    return Subquery(
        Assignment.objects.filter(item_id=OuterRef("item_id"), annotator_id=OuterRef("annotator_id")).values("swapped")[:1]
    )


def _columns(query: QuerySet, names: tuple[str, ...], sources: dict[str, Any]) -> QuerySet:
    """`query`'s values in the order of `names` (grouping's field names), each from `sources[name]`
    (a field path or an expression); positional tuples keep the order of the alias names."""
    aliases = {f"x_{name}": sources[name] for name in names}
    return query.annotate(**{a: F(v) if isinstance(v, str) else v for a, v in aliases.items()}).values_list(*aliases)


def item_queryset(annotations: QuerySet[Annotation], *, pairs_only: bool, with_scores: bool = False) -> QuerySet:
    """grouping.ITEM_FIELDS (without `scores_json` unless `with_scores`), ordered by item then annotation id."""
    if pairs_only:
        annotations = annotations.filter(item__response_2__isnull=False)
    sources = {
        "item_id": "item_id", "annotation_id": "id", "annotator_id": "annotator_id", "source": "source",
        "strength": "preference_strength", "justification": "justification", "neither_acceptable": "neither_acceptable",
        "swapped": _swapped(), "messages_json": _as_text("item__prompt__messages"),
        "content_hash": "item__prompt__content_hash", "declared_split": _declared_split(),
        "response_1": "item__response_1__text", "response_2": "item__response_2__text",
        "model_name_1": "item__response_1__model_name", "model_name_2": "item__response_2__model_name",
        "round": "item__round", "scores_json": _as_text("attribute_scores"),
    }
    names = ITEM_FIELDS if with_scores else ITEM_FIELDS[:-1]
    return _columns(annotations.order_by("item_id", "id"), names, sources)


def slot_queryset(annotations: QuerySet[Annotation], slot: str) -> QuerySet:
    """grouping.RESPONSE_FIELDS of the response in one slot of each annotated item (unordered)."""
    if slot == "2":
        annotations = annotations.filter(item__response_2__isnull=False)
    sources = {
        "prompt_id": "item__prompt_id", "response_id": f"item__response_{slot}_id", "annotation_id": "id",
        "slot": Value(int(slot), output_field=IntegerField()), "annotator_id": "annotator_id", "source": "source",
        "scores_json": _ObjectKeyText("attribute_scores", slot), "messages_json": _as_text("item__prompt__messages"),
        "content_hash": "item__prompt__content_hash", "declared_split": _declared_split(),
        "response": f"item__response_{slot}__text", "model_name": f"item__response_{slot}__model_name",
        "round": "item__round",
    }
    return _columns(annotations.order_by(), RESPONSE_FIELDS, sources)


def response_queryset(annotations: QuerySet[Annotation]) -> QuerySet:
    """Both response slots of every item in one query (UNION ALL), ordered by prompt, response,
    annotation id and slot, so a response shown in several items is rated once."""
    first, second = slot_queryset(annotations, "1"), slot_queryset(annotations, "2")
    return first.union(second, all=True).order_by("x_prompt_id", "x_response_id", "x_annotation_id", "x_slot")


def stream_values(queryset: QuerySet, chunk_size: int = CHUNK_SIZE) -> Iterator[tuple]:
    """The rows of a values_list queryset as the driver returns them, `chunk_size` at a time. No Django
    value conversion: callers select text for JSON and take booleans as truthy values (SQLite gives 0/1).

    On PostgreSQL outside a transaction (a build task) the rows come through a connection of their own
    (`_read_ahead`); inside one (tests, callers' atomic blocks), which another connection cannot see
    into, through a server-side cursor on the caller's connection; SQLite reads through a plain cursor."""
    connection = connections[queryset.db]
    sql, params = queryset.query.sql_with_params()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _read_ahead(queryset.db, sql, params, chunk_size)
    return _read_in_place(connection, sql, params, chunk_size)


def _read_in_place(connection: BaseDatabaseWrapper, sql: str, params: tuple, chunk_size: int) -> Iterator[tuple]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            yield from rows


def _read_ahead(alias: str, sql: str, params: tuple, chunk_size: int) -> Iterator[tuple]:
    """Rows read by a thread on a new connection, a chunk or two ahead of the caller; the caller's
    connection stays free for progress updates. The result streams in chunks (psycopg's `stream`,
    libpq's chunked-rows mode): the server runs the query without pausing, as for COPY, where a
    server-side cursor works only during each FETCH, and the driver decodes each chunk in C."""
    chunks: queue.Queue = queue.Queue(maxsize=READ_AHEAD_CHUNKS)
    stop = threading.Event()

    def produce() -> None:
        reader = connections.create_connection(alias)
        try:
            reader.ensure_connection()
            with reader.connection.cursor() as cursor:
                # One statement now runs for the whole export (a cursor ran one short FETCH at a time),
                # so a role's or database's statement_timeout must not cut it short.
                cursor.execute("SET statement_timeout = 0")
                rows: list[tuple] = []
                for row in cursor.stream(sql, params, size=chunk_size):
                    rows.append(row)
                    if len(rows) >= chunk_size:
                        chunks.put(rows)
                        rows = []
                        if stop.is_set():
                            return
                if rows:
                    chunks.put(rows)
                chunks.put([])  # the end
        # Whatever fails here must reach the caller (and fail the export) rather than end the thread quietly.
        except BaseException as error:  # noqa: BLE001
            chunks.put(error)
        finally:
            reader.close()

    thread = threading.Thread(target=produce, name="export-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            rows = chunks.get()
            if isinstance(rows, BaseException):
                raise rows
            if not rows:
                return
            yield from rows
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue, then let it finish
            try:
                chunks.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def item_annotation_rows(annotations: QuerySet[Annotation], *, pairs_only: bool, with_scores: bool = False) -> Iterator[tuple]:
    """grouping.ITEM_FIELDS tuples, one per annotation, ordered by item then annotation id."""
    return stream_values(item_queryset(annotations, pairs_only=pairs_only, with_scores=with_scores))


def response_score_rows(annotations: QuerySet[Annotation]) -> Iterator[tuple]:
    """grouping.RESPONSE_FIELDS tuples, one per (annotation, response slot), ordered by prompt, response,
    annotation id and slot."""
    return stream_values(response_queryset(annotations))


def hindsight_item_keys(*, item_ids: list[int]) -> dict[int, PromptKey]:
    """Each item's prompt content hash, declared split (imported prompts) and gold flag, by item id."""
    rows = Item.objects.filter(pk__in=item_ids).values_list("pk", "prompt__content_hash", "prompt__metadata", "is_gold")
    return {
        pk: PromptKey(content_hash, metadata.get("split") if isinstance(metadata, dict) else None, is_gold)
        for pk, content_hash, metadata, is_gold in rows
    }


def user_ids_by_username(*, usernames: list[str]) -> dict[str, int]:
    return dict(get_user_model().objects.filter(username__in=usernames).values_list("username", "pk"))


def dataset_versions_of(*, project: Project) -> QuerySet[DatasetVersion]:
    return DatasetVersion.objects.filter(project=project).select_related("created_by").order_by("-version")


def dataset_version_of(*, project: Project, version: int) -> DatasetVersion:
    return get_object_or_404(DatasetVersion.objects.select_related("project", "created_by"), project=project, version=version)


def dataset_file_entry(*, dataset_version: DatasetVersion, path: str | None) -> dict[str, Any] | None:
    """The stored file entry of a ready version (its zip when `path` is None); None when there is no such file."""
    wanted = path or dataset_version.zip_name
    return next((entry for entry in dataset_version.files if entry["path"] == wanted), None)
