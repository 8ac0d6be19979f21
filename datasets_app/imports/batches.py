"""Writing validated items a batch at a time, inside the import's one transaction.

Each batch finds what already exists (prompts and responses by content hash, items by their (prompt,
response_1, response_2), imported annotations by client_id) in the database, where the import's earlier
batches are visible, and inserts only the rest. So memory is one batch, whatever the file's size, and a
re-import adds nothing. Within one import the first occurrence of a prompt or response decides its
metadata, and a gold row wins over an earlier plain row of the same pair.
"""
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Max
from django.db.models.expressions import RawSQL

from annotation.models import (
    Annotation,
    AnnotationSource,
    Item,
    Project,
    Prompt,
    Response,
    ResponseSource,
    messages_content_hash,
    text_content_hash,
)
from datasets_app.imports.bulk_insert import insert_rows
from datasets_app.imports.parsers import ParsedItem
from datasets_app.imports.parsers.records import ParsedAnnotation

# uuid5 namespace of imported annotations' client_ids (fixed forever: changing it breaks idempotency).
IMPORTED_ANNOTATION_NAMESPACE = uuid.UUID("5b0f7a52-3c1e-4f0e-9a57-2f5d3c1b8e21")
BATCH_ITEMS = 2000

ItemKey = tuple[int, int, int | None]


@dataclass
class ImportCounts:
    prompts_created: int = 0
    responses_created: int = 0
    items_created: int = 0
    annotations_created: int = 0


def annotation_identity(prompt_hash: str, response_hashes: list[str], annotation: ParsedAnnotation) -> str:
    """The canonical JSON an imported annotation's client_id is derived from: `json.dumps` of {prompt,
    responses, annotation: {preference_strength, attribute_scores, justification, neither_acceptable}}
    with sorted keys and ensure_ascii=False, fixed forever (a change breaks idempotency). Assembled from
    its parts, since the keys and the hashes (hex strings) never need escaping: a third of the cost."""
    strength = "null" if annotation.preference_strength is None else str(int(annotation.preference_strength))
    scores = json.dumps(annotation.attribute_scores, sort_keys=True, ensure_ascii=False) if annotation.attribute_scores else "{}"
    justification = json.dumps(annotation.justification, ensure_ascii=False)
    neither = "true" if annotation.neither_acceptable else "false"
    responses = ", ".join(f'"{content_hash}"' for content_hash in response_hashes)
    return (
        f'{{"annotation": {{"attribute_scores": {scores}, "justification": {justification}, '
        f'"neither_acceptable": {neither}, "preference_strength": {strength}}}, '
        f'"prompt": "{prompt_hash}", "responses": [{responses}]}}'
    )


def annotation_client_id(prompt_hash: str, response_hashes: list[str], annotation: ParsedAnnotation) -> uuid.UUID:
    """Deterministic: the same judgement of the same content gets the same id in every import."""
    return uuid.uuid5(IMPORTED_ANNOTATION_NAMESPACE, annotation_identity(prompt_hash, response_hashes, annotation))


def imported_annotation_client_id(item: ParsedItem) -> uuid.UUID:
    assert item.annotation is not None
    return annotation_client_id(
        messages_content_hash(item.messages), [text_content_hash(response.text) for response in item.responses], item.annotation
    )


def _chunks(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _any(values: Iterable[Any], array_type: str) -> list | RawSQL:
    """The right side of an `__in` lookup. On PostgreSQL one array parameter (of `array_type`, e.g.
    `text[]`): a statement with thousands of placeholders costs more to build and to parse than to run."""
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest(%s::{array_type})", [list(values)])
    return list(values)


@dataclass
class _Hashed:
    item: ParsedItem
    prompt: str
    responses: list[str]


class BatchWriter:
    """Writes one import's items; call `write` with each batch, in file order, in one transaction.

    Only rows whose parents existed before this batch are looked up: a prompt inserted by the batch has
    no responses yet, a response so inserted is in no item, and a new item has no annotations. So an
    import of new content costs one lookup (its prompts) per batch.
    """

    def __init__(self, project: Project, counts: ImportCounts) -> None:
        self.project = project
        self.counts = counts
        # SQLite caps a statement at 999 parameters; PostgreSQL takes a whole batch as one array.
        self.chunk = 450 if connection.vendor == "sqlite" else 100_000
        # Items with a larger id were created by this import (a later gold row may still mark them gold).
        self.items_before = Item.objects.filter(project=project).aggregate(last=Max("id"))["last"] or 0

    def write(self, items: list[ParsedItem]) -> None:
        hashed = [
            _Hashed(item, messages_content_hash(item.messages), [text_content_hash(response.text) for response in item.responses])
            for item in items
        ]
        prompt_ids, new_prompts = self._prompts(hashed)
        response_ids, new_responses = self._responses(hashed, prompt_ids, new_prompts)
        keys = []
        for entry in hashed:
            prompt_id = prompt_ids[entry.prompt]
            slots = [response_ids[(prompt_id, content_hash)] for content_hash in entry.responses]
            keys.append((prompt_id, slots[0], slots[1] if len(slots) > 1 else None))
        item_ids, new_items = self._items(hashed, keys, new_responses)
        self._annotations(hashed, keys, item_ids, new_items)

    def _prompts(self, hashed: list[_Hashed]) -> tuple[dict[str, int], set[int]]:
        wanted: dict[str, ParsedItem] = {}
        for entry in hashed:
            wanted.setdefault(entry.prompt, entry.item)
        ids: dict[str, int] = {}
        for chunk in _chunks(list(wanted), self.chunk):
            found = Prompt.objects.filter(project=self.project, content_hash__in=_any(chunk, "text[]"))
            ids.update(found.values_list("content_hash", "id"))
        new = [(content_hash, item) for content_hash, item in wanted.items() if content_hash not in ids]
        created = insert_rows(
            Prompt, ("project_id", "messages", "metadata", "content_hash"),
            [(self.project.pk, item.messages, item.prompt_metadata, content_hash) for content_hash, item in new],
        )
        ids.update(zip((content_hash for content_hash, _ in new), created))
        self.counts.prompts_created += len(created)
        return ids, set(created)

    def _responses(
        self, hashed: list[_Hashed], prompt_ids: dict[str, int], new_prompts: set[int]
    ) -> tuple[dict[tuple[int, str], int], set[int]]:
        wanted = {}
        for entry in hashed:
            prompt_id = prompt_ids[entry.prompt]
            for response, content_hash in zip(entry.item.responses, entry.responses):
                wanted.setdefault((prompt_id, content_hash), response)
        ids: dict[tuple[int, str], int] = {}
        for chunk in _chunks([key for key in wanted if key[0] not in new_prompts], self.chunk):
            found = Response.objects.filter(
                prompt_id__in=_any({prompt_id for prompt_id, _ in chunk}, "bigint[]"),
                content_hash__in=_any({content_hash for _, content_hash in chunk}, "text[]"),
            ).values_list("prompt_id", "content_hash", "id")
            ids.update(((prompt_id, content_hash), pk) for prompt_id, content_hash, pk in found if (prompt_id, content_hash) in wanted)
        new = [(key, response) for key, response in wanted.items() if key not in ids]
        created = insert_rows(
            Response,
            ("prompt_id", "text", "content_hash", "source", "model_name", "checkpoint", "round", "generation_params", "metadata"),
            [
                (prompt_id, response.text, content_hash, ResponseSource.IMPORTED, response.model_name[:300],
                 response.checkpoint[:500], response.round, response.generation_params, response.metadata)
                for (prompt_id, content_hash), response in new
            ],
        )
        ids.update(zip((key for key, _ in new), created))
        self.counts.responses_created += len(created)
        return ids, set(created)

    def _items(self, hashed: list[_Hashed], keys: list[ItemKey], new_responses: set[int]) -> tuple[dict[ItemKey, int], set[int]]:
        wanted: dict[ItemKey, ParsedItem] = {}
        for key, entry in zip(keys, hashed):
            first = wanted.setdefault(key, entry.item)
            if entry.item.is_gold and not first.is_gold:
                wanted[key] = entry.item
        ids: dict[ItemKey, int] = {}
        plain: set[int] = set()  # existing items that are not gold
        old = [key for key in wanted if key[1] not in new_responses and key[2] not in new_responses]
        for chunk in _chunks(old, self.chunk):
            found = Item.objects.filter(
                project=self.project, prompt_id__in=_any({key[0] for key in chunk}, "bigint[]"),
                response_1_id__in=_any({key[1] for key in chunk}, "bigint[]"),
            ).values_list("prompt_id", "response_1_id", "response_2_id", "id", "is_gold")
            for prompt_id, first, second, pk, is_gold in found:
                if (prompt_id, first, second) in wanted:
                    ids[(prompt_id, first, second)] = pk
                    if not is_gold:
                        plain.add(pk)
        for key, item in wanted.items():
            if item.is_gold and key in ids and ids[key] in plain and ids[key] > self.items_before:
                Item.objects.filter(pk=ids[key]).update(is_gold=True, gold_strength=item.gold_strength)
        new = [(key, item) for key, item in wanted.items() if key not in ids]
        created = insert_rows(
            Item, ("project_id", "prompt_id", "response_1_id", "response_2_id", "is_gold", "gold_strength"),
            [(self.project.pk, *key, item.is_gold, item.gold_strength) for key, item in new],
        )
        ids.update(zip((key for key, _ in new), created))
        self.counts.items_created += len(created)
        return ids, set(created)

    def _annotations(self, hashed: list[_Hashed], keys: list[ItemKey], item_ids: dict[ItemKey, int], new_items: set[int]) -> None:
        wanted: dict[uuid.UUID, tuple[int, ParsedAnnotation]] = {}
        for key, entry in zip(keys, hashed):
            if entry.item.annotation is not None:
                client_id = annotation_client_id(entry.prompt, entry.responses, entry.item.annotation)
                wanted.setdefault(client_id, (item_ids[key], entry.item.annotation))
        existing: set[tuple[int, uuid.UUID]] = set()
        for chunk in _chunks([client_id for client_id, (item_id, _) in wanted.items() if item_id not in new_items], self.chunk):
            existing.update(
                Annotation.objects.filter(
                    source=AnnotationSource.IMPORTED, item_id__in=_any({wanted[client_id][0] for client_id in chunk}, "bigint[]"),
                    client_id__in=_any(chunk, "uuid[]"),
                ).values_list("item_id", "client_id")
            )
        created = insert_rows(
            Annotation,
            ("item_id", "annotator_id", "source", "client_id", "preference_strength", "attribute_scores", "justification", "neither_acceptable"),
            [
                (item_id, None, AnnotationSource.IMPORTED, client_id, annotation.preference_strength, annotation.attribute_scores,
                 annotation.justification, annotation.neither_acceptable)
                for client_id, (item_id, annotation) in wanted.items()
                if (item_id, client_id) not in existing
            ],
        )
        self.counts.annotations_created += len(created)
