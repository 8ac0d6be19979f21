"""Importing prompts, responses and ratings into a project: parse and validate everything, then write
it all in one transaction or nothing. Every attempt leaves an ImportRecord (a failed one lists its
errors). Re-importing a file adds nothing: prompts and responses are found by content hash, items by
their (prompt, response_1, response_2), imported annotations by a client_id derived from the item's
content and the row's judgement."""
import json
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

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
from annotation.stats import project_stats_mark_stale
from datasets_app.imports.parsers import ErrorLog, ParsedItem, open_source, parse_source
from datasets_app.imports.parsers.sources import PathOrFile
from datasets_app.models import ImportFormat, ImportRecord, ImportStatus

logger = logging.getLogger(__name__)

# uuid5 namespace of imported annotations' client_ids (fixed forever: changing it breaks idempotency).
IMPORTED_ANNOTATION_NAMESPACE = uuid.UUID("5b0f7a52-3c1e-4f0e-9a57-2f5d3c1b8e21")
LOOKUP_CHUNK = 900
BATCH_SIZE = 500


@dataclass
class ImportCounts:
    prompts_created: int = 0
    responses_created: int = 0
    items_created: int = 0
    annotations_created: int = 0


def _chunks(values: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _check_fits_project(project: Project, items: Iterable[ParsedItem], errors: ErrorLog) -> None:
    if project.is_likert:
        return
    for item in items:
        if len(item.responses) == 1:
            errors.add(
                item.file, item.line, "responses",
                f"has one response, but project '{project.slug}' does not collect Likert ratings; give two responses.",
            )


def _prompt_ids(project: Project, items: list[ParsedItem], counts: ImportCounts) -> dict[str, int]:
    wanted: dict[str, ParsedItem] = {}
    for item in items:
        wanted.setdefault(messages_content_hash(item.messages), item)
    ids: dict[str, int] = {}
    for chunk in _chunks(list(wanted)):
        ids.update(Prompt.objects.filter(project=project, content_hash__in=chunk).values_list("content_hash", "id"))
    new = [
        Prompt(project=project, messages=item.messages, metadata=item.prompt_metadata, content_hash=content_hash)
        for content_hash, item in wanted.items()
        if content_hash not in ids
    ]
    Prompt.objects.bulk_create(new, batch_size=BATCH_SIZE)
    counts.prompts_created = len(new)
    for chunk in _chunks([prompt.content_hash for prompt in new]):
        ids.update(Prompt.objects.filter(project=project, content_hash__in=chunk).values_list("content_hash", "id"))
    return ids


def _response_ids(
    items: list[ParsedItem], prompt_ids: dict[str, int], counts: ImportCounts
) -> dict[tuple[int, str], int]:
    wanted = {}
    for item in items:
        prompt_id = prompt_ids[messages_content_hash(item.messages)]
        for response in item.responses:
            wanted.setdefault((prompt_id, text_content_hash(response.text)), response)
    prompt_list = sorted({prompt_id for prompt_id, _ in wanted})

    def load(prompt_chunk: list[int]) -> Iterator[tuple[tuple[int, str], int]]:
        for prompt_id, content_hash, pk in Response.objects.filter(prompt_id__in=prompt_chunk).values_list(
            "prompt_id", "content_hash", "id"
        ):
            yield (prompt_id, content_hash), pk

    ids: dict[tuple[int, str], int] = {}
    for chunk in _chunks(prompt_list):
        ids.update(load(chunk))
    new = [
        Response(
            prompt_id=prompt_id, text=response.text, content_hash=content_hash, source=ResponseSource.IMPORTED,
            model_name=response.model_name[:300], checkpoint=response.checkpoint[:500], round=response.round,
            generation_params=response.generation_params, metadata=response.metadata,
        )
        for (prompt_id, content_hash), response in wanted.items()
        if (prompt_id, content_hash) not in ids
    ]
    Response.objects.bulk_create(new, batch_size=BATCH_SIZE)
    counts.responses_created = len(new)
    for chunk in _chunks(sorted({response.prompt_id for response in new})):
        ids.update(load(chunk))
    return ids


ItemKey = tuple[int, int, int | None]


def _item_keys(
    items: list[ParsedItem], prompt_ids: dict[str, int], response_ids: dict[tuple[int, str], int]
) -> list[ItemKey]:
    keys = []
    for item in items:
        prompt_id = prompt_ids[messages_content_hash(item.messages)]
        slots = [response_ids[(prompt_id, text_content_hash(response.text))] for response in item.responses]
        keys.append((prompt_id, slots[0], slots[1] if len(slots) > 1 else None))
    return keys


def _item_ids(project: Project, items: list[ParsedItem], keys: list[ItemKey], counts: ImportCounts) -> dict[ItemKey, int]:
    wanted: dict[ItemKey, ParsedItem] = {}
    for key, item in zip(keys, items):
        first = wanted.setdefault(key, item)
        if item.is_gold and not first.is_gold:
            wanted[key] = item

    def load(prompt_chunk: list[int]) -> Iterator[tuple[ItemKey, int]]:
        rows = Item.objects.filter(project=project, prompt_id__in=prompt_chunk).values_list(
            "prompt_id", "response_1_id", "response_2_id", "id"
        )
        for prompt_id, first, second, pk in rows:
            yield (prompt_id, first, second), pk

    ids: dict[ItemKey, int] = {}
    for chunk in _chunks(sorted({key[0] for key in wanted})):
        ids.update(load(chunk))
    new = [
        Item(
            project=project, prompt_id=key[0], response_1_id=key[1], response_2_id=key[2],
            is_gold=item.is_gold, gold_strength=item.gold_strength,
        )
        for key, item in wanted.items()
        if key not in ids
    ]
    Item.objects.bulk_create(new, batch_size=BATCH_SIZE)
    counts.items_created = len(new)
    for chunk in _chunks(sorted({item.prompt_id for item in new})):
        ids.update(load(chunk))
    return ids


def imported_annotation_client_id(item: ParsedItem) -> uuid.UUID:
    """Deterministic: the same judgement of the same content gets the same id in every import."""
    assert item.annotation is not None
    content = {
        "prompt": messages_content_hash(item.messages),
        "responses": [text_content_hash(response.text) for response in item.responses],
        "annotation": asdict(item.annotation),
    }
    return uuid.uuid5(IMPORTED_ANNOTATION_NAMESPACE, json.dumps(content, sort_keys=True, ensure_ascii=False))


def _create_annotations(
    items: list[ParsedItem], keys: list[ItemKey], item_ids: dict[ItemKey, int], counts: ImportCounts
) -> None:
    wanted: dict[uuid.UUID, tuple[int, ParsedItem]] = {}
    for key, item in zip(keys, items):
        if item.annotation is not None:
            wanted.setdefault(imported_annotation_client_id(item), (item_ids[key], item))
    existing: set[tuple[int, uuid.UUID]] = set()
    for chunk in _chunks(sorted({item_id for item_id, _ in wanted.values()})):
        existing.update(
            Annotation.objects.filter(source=AnnotationSource.IMPORTED, item_id__in=chunk).values_list("item_id", "client_id")
        )
    new = [
        Annotation(
            item_id=item_id, annotator=None, source=AnnotationSource.IMPORTED, client_id=client_id,
            preference_strength=item.annotation.preference_strength,
            attribute_scores=item.annotation.attribute_scores,
            justification=item.annotation.justification,
            neither_acceptable=item.annotation.neither_acceptable,
        )
        for client_id, (item_id, item) in wanted.items()
        if (item_id, client_id) not in existing and item.annotation is not None
    ]
    Annotation.objects.bulk_create(new, batch_size=BATCH_SIZE)
    counts.annotations_created = len(new)


def _write(project: Project, items: list[ParsedItem]) -> ImportCounts:
    counts = ImportCounts()
    with transaction.atomic():
        prompt_ids = _prompt_ids(project, items, counts)
        response_ids = _response_ids(items, prompt_ids, counts)
        keys = _item_keys(items, prompt_ids, response_ids)
        item_ids = _item_ids(project, items, keys, counts)
        _create_annotations(items, keys, item_ids, counts)
        project_stats_mark_stale(project_id=project.pk)
    return counts


def items_import(
    *,
    project: Project,
    path_or_file: PathOrFile,
    file_name: str,
    format: str = ImportFormat.AUTO,  # noqa: A002 - the name the interfaces use
    user: AbstractBaseUser | None = None,
) -> ImportRecord:
    """Import a file (path, open binary file or upload) or a save_to_disk folder into `project`.

    Returns the saved ImportRecord: `succeeded` with what was added, or `failed` with every error
    (file, line, field, message) and nothing written.
    """
    errors = ErrorLog()
    with open_source(path_or_file, file_name, errors) as source:
        used_format, rows_read, items = parse_source(source, format, errors)
        sha256 = source.sha256
    if not errors:
        _check_fits_project(project, items, errors)
    counts = ImportCounts()
    if not errors:
        try:
            counts = _write(project, items)
        except IntegrityError as error:
            errors.add(file_name, None, "", f"conflicted with rows written at the same time; nothing was imported ({error}).")
            counts = ImportCounts()
    record = ImportRecord.objects.create(
        project=project,
        file_name=file_name[:500],
        file_sha256=sha256,
        format=str(used_format)[:40],
        status=ImportStatus.FAILED if errors else ImportStatus.SUCCEEDED,
        rows_read=rows_read,
        errors=errors.as_list(),
        created_by=user if user is not None and user.is_authenticated else None,
        **asdict(counts),
    )
    logger.info(
        "import %s into %s: %s, %d rows, %d items created, %d errors",
        file_name, project.slug, record.status, rows_read, counts.items_created, errors.total,
    )
    return record


# The name other apps and the brief use for the same operation.
import_file = items_import
