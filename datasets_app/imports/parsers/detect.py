"""Which format a file is in, and the dispatch from format to row parser."""
from collections.abc import Iterable

from datasets_app.imports.parsers.generic import parse_generic_row
from datasets_app.imports.parsers.helpsteer import parse_helpsteer_rows, parse_preference_row
from datasets_app.imports.parsers.hh import parse_hh_row
from datasets_app.imports.parsers.records import ErrorLog, ParsedItem, RawRow
from datasets_app.imports.parsers.sources import Source, csv_rows, hf_rows, jsonl_rows
from datasets_app.models import ImportFormat

ROW_FORMATS = (ImportFormat.JSONL, ImportFormat.HH_RLHF, ImportFormat.HELPSTEER2, ImportFormat.HELPSTEER2_PREFERENCE)


def detect_format(columns: Iterable[str]) -> ImportFormat | None:
    """The row shape that these columns (keys of the first row) belong to."""
    present = set(columns)
    if {"chosen", "rejected"} <= present:
        return ImportFormat.HH_RLHF
    if {"prompt", "response_1", "response_2", "preference_strength"} <= present and "responses" not in present:
        return ImportFormat.HELPSTEER2_PREFERENCE
    if {"prompt", "response", "helpfulness"} <= present:
        return ImportFormat.HELPSTEER2
    if ("responses" in present or "response_1" in present) and ("prompt" in present or "messages" in present):
        return ImportFormat.JSONL
    return None


def _is_folder_format(source: Source) -> bool:
    return source.folder is not None or source.name.lower().endswith(".zip")


def _file_format(source: Source) -> ImportFormat:
    name = source.name.lower().removesuffix(".gz")
    if _is_folder_format(source):
        return ImportFormat.HF_DISK
    return ImportFormat.CSV if name.endswith(".csv") else ImportFormat.JSONL


def parse_rows(row_format: str, rows: list[RawRow], errors: ErrorLog) -> list[ParsedItem]:
    if row_format == ImportFormat.HELPSTEER2:
        return parse_helpsteer_rows(rows, errors)
    items: list[ParsedItem] = []
    for row in rows:
        if row_format == ImportFormat.HH_RLHF:
            items.extend(parse_hh_row(row, errors))
        elif row_format == ImportFormat.HELPSTEER2_PREFERENCE:
            items.extend(parse_preference_row(row, errors))
        else:
            items.extend(parse_generic_row(row, errors, from_text=row_format == ImportFormat.CSV))
    return items


def parse_source(source: Source, requested: str, errors: ErrorLog) -> tuple[str, int, list[ParsedItem]]:
    """(format used, rows read, items). `requested` is an ImportFormat value; `auto` detects it."""
    if requested not in ImportFormat.values:
        errors.add(source.name, None, "format", f"must be one of {', '.join(ImportFormat.values)}, not {requested!r}.")
        return requested, 0, []
    if errors:
        return requested, 0, []
    container = _file_format(source) if requested == ImportFormat.AUTO else requested
    if container == ImportFormat.HF_DISK:
        rows = hf_rows(source, errors)
    elif _is_folder_format(source):
        errors.add(source.name, None, "format", f"a dataset folder or .zip is read with format '{ImportFormat.HF_DISK}', not '{container}'.")
        return container, 0, []
    elif container == ImportFormat.CSV:
        rows = csv_rows(source, errors)
    else:
        rows = jsonl_rows(source, errors)
    row_format = container
    if container == ImportFormat.HF_DISK or (requested == ImportFormat.AUTO and container == ImportFormat.JSONL):
        detected = detect_format(rows[0].data) if rows else None
        if rows and detected is None:
            columns = ", ".join(sorted(rows[0].data))
            errors.add(rows[0].file, rows[0].line, "", f"cannot tell the format from the columns ({columns}); choose a format.")
            return container, len(rows), []
        row_format = detected or container
        if container != ImportFormat.HF_DISK:
            container = row_format
    if not rows and not errors:
        errors.add(source.name, None, "", "contains no rows.")
    return container, len(rows), parse_rows(row_format, rows, errors)
