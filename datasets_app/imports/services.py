"""Importing prompts, responses and ratings into a project, streamed: rows are read, validated and
written a batch at a time (batches.py) inside one transaction, which is rolled back when any row has an
error, so an import is still all or nothing. Every attempt that reads the file leaves an ImportRecord (a
failed one lists its errors); an upload past VERDICT_IMPORT_MAX_UPLOAD_BYTES raises UploadTooLarge
before anything is kept. Re-importing a file adds nothing: prompts and responses are found by content
hash, items by their (prompt, response_1, response_2), imported annotations by a client_id derived from
the item's content and the row's judgement."""
import logging
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from itertools import islice

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from annotation.models import Project
from annotation.stats import project_stats_mark_stale
from datasets_app.imports.batches import (
    BATCH_ITEMS,
    IMPORTED_ANNOTATION_NAMESPACE,
    BatchWriter,
    ImportCounts,
    imported_annotation_client_id,
)
from datasets_app.imports.parsers import ErrorLog, Limits, Parse, ParsedItem, UploadTooLarge, open_source, parse_source
from datasets_app.imports.parsers.sources import PathOrFile
from datasets_app.models import ImportFormat, ImportRecord, ImportStatus

__all__ = [
    "IMPORTED_ANNOTATION_NAMESPACE", "ImportCounts", "UploadTooLarge", "import_file", "import_limits",
    "imported_annotation_client_id", "items_import",
]

logger = logging.getLogger(__name__)


def import_limits() -> Limits:
    """The configured limits (README "Configuration"), read when an import starts."""
    return Limits(
        max_upload_bytes=settings.VERDICT_IMPORT_MAX_UPLOAD_BYTES,
        max_decompressed_bytes=settings.VERDICT_IMPORT_MAX_DECOMPRESSED_BYTES,
    )


def _batches(items: Iterator[ParsedItem], size: int) -> Iterator[list[ParsedItem]]:
    while batch := list(islice(items, size)):
        yield batch


def _check_fits_project(project: Project, parse: Parse, items: Iterable[ParsedItem], errors: ErrorLog) -> None:
    """A project without Likert ratings needs two responses per item: a CSV header without a
    `response_2` column is reported once, on the header; otherwise each item with one response."""
    if project.is_likert or parse.header_reported:
        return
    if parse.columns is not None and "response_2" not in parse.columns:
        parse.header_reported = True
        errors.add(
            parse.file_name, 1, "response_2",
            f"column is missing from the header ({', '.join(parse.columns)}); project '{project.slug}' compares "
            "two responses per item and does not collect Likert ratings of one.",
        )
        return
    for item in items:
        if len(item.responses) == 1:
            what = "is empty" if item.responses_field == "response_2" else "has one response"
            errors.add(
                item.file, item.line, item.responses_field,
                f"{what}, but project '{project.slug}' does not collect Likert ratings; give two responses.",
            )


def _read_and_write(project: Project, parse: Parse, errors: ErrorLog) -> ImportCounts:
    """Validate every item; write batches while no error has been seen. The caller rolls back on errors."""
    counts = ImportCounts()
    writer = BatchWriter(project, counts)
    for batch in _batches(parse.items, BATCH_ITEMS):
        _check_fits_project(project, parse, batch, errors)
        if not errors:
            writer.write(batch)
    if not errors:
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
    (file, line, field, message) and nothing written. Raises UploadTooLarge (nothing written, no
    record) when the file is larger than VERDICT_IMPORT_MAX_UPLOAD_BYTES.
    """
    errors = ErrorLog()
    counts = ImportCounts()
    parse = Parse(format)
    sha256 = ""
    try:
        with transaction.atomic():
            with open_source(path_or_file, file_name, errors, import_limits()) as source:
                parse = parse_source(source, format, errors)
                counts = _read_and_write(project, parse, errors)
                sha256 = source.sha256
            if errors:
                transaction.set_rollback(True)
    except IntegrityError as error:
        errors.add(file_name, None, "", f"conflicted with rows written at the same time; nothing was imported ({error}).")
    if errors:
        counts = ImportCounts()
    record = ImportRecord.objects.create(
        project=project,
        file_name=file_name[:500],
        file_sha256=sha256,
        format=str(parse.format)[:40],
        status=ImportStatus.FAILED if errors else ImportStatus.SUCCEEDED,
        rows_read=parse.rows_read,
        errors=errors.as_list(),
        created_by=user if user is not None and user.is_authenticated else None,
        **asdict(counts),
    )
    logger.info(
        "import %s into %s: %s, %d rows, %d items created, %d errors",
        file_name, project.slug, record.status, parse.rows_read, counts.items_created, errors.total,
    )
    return record


# The name other apps and the brief use for the same operation.
import_file = items_import
