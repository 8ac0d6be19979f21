"""Which format a file is in, and the dispatch from format to row parser."""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain

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
    if "prompt" in present or "messages" in present:  # Verdict's own rows; the row parser names what is missing
        return ImportFormat.JSONL
    return None


def _is_folder_format(source: Source) -> bool:
    return source.folder is not None or source.name.lower().endswith(".zip")


def _file_format(source: Source) -> ImportFormat:
    name = source.name.lower().removesuffix(".gz")
    if _is_folder_format(source):
        return ImportFormat.HF_DISK
    return ImportFormat.CSV if name.endswith(".csv") else ImportFormat.JSONL


def parse_rows(row_format: str, rows: Iterable[RawRow], errors: ErrorLog) -> Iterator[ParsedItem]:
    rows = (row for row in rows if not row.counted_only)
    if row_format == ImportFormat.HELPSTEER2:
        yield from parse_helpsteer_rows(rows, errors)
        return
    for row in rows:
        if row_format == ImportFormat.HH_RLHF:
            yield from parse_hh_row(row, errors)
        elif row_format == ImportFormat.HELPSTEER2_PREFERENCE:
            yield from parse_preference_row(row, errors)
        else:
            yield from parse_generic_row(row, errors, from_text=row_format == ImportFormat.CSV)


@dataclass
class Parse:
    """A parse in progress: `items` yields validated items as the file is read; `rows_read` counts the
    rows read so far (all of them once `items` is exhausted)."""

    format: str
    rows_read: int = 0
    columns: list[str] | None = None  # a CSV file's header
    file_name: str = ""
    header_reported: bool = False  # an error about the header's columns has been reported
    items: Iterator[ParsedItem] = field(default_factory=lambda: iter(()))

    def _count(self, rows: Iterable[RawRow]) -> Iterator[RawRow]:
        for row in rows:
            self.rows_read += 1
            yield row


def _items(parse: Parse, row_format: str, rows: Iterable[RawRow], source: Source, errors: ErrorLog) -> Iterator[ParsedItem]:
    yield from parse_rows(row_format, parse._count(rows), errors)
    if parse.rows_read == 0 and not errors:
        errors.add(source.name, None, "", "contains no rows.")


def parse_source(source: Source, requested: str, errors: ErrorLog) -> Parse:
    """Start parsing `source` as `requested` (an ImportFormat value; `auto` detects it from the file name
    and the first row). Nothing is read past the first row until `items` is iterated."""
    if requested not in ImportFormat.values:
        errors.add(source.name, None, "format", f"must be one of {', '.join(ImportFormat.values)}, not {requested!r}.")
        return Parse(requested)
    if errors:
        return Parse(requested)
    container = _file_format(source) if requested == ImportFormat.AUTO else requested
    if container == ImportFormat.HF_DISK:
        rows = hf_rows(source, errors)
    elif _is_folder_format(source):
        errors.add(source.name, None, "format", f"a dataset folder or .zip is read with format '{ImportFormat.HF_DISK}', not '{container}'.")
        return Parse(container)
    parse = Parse(container, file_name=source.name)
    if container == ImportFormat.CSV:
        parse.columns = []
        rows = csv_rows(source, errors, header=parse.columns)
    elif container != ImportFormat.HF_DISK:
        rows = jsonl_rows(source, errors)
    row_format = container
    if container == ImportFormat.HF_DISK or (requested == ImportFormat.AUTO and container == ImportFormat.JSONL):
        first = next(rows, None)
        detected = detect_format(first.data) if first is not None else None
        if first is not None:
            rows = chain([first], rows)
        if first is not None and detected is None:
            columns = ", ".join(sorted(first.data))
            errors.add(first.file, first.line, "", f"cannot tell the format from the columns ({columns}); choose a format.")
            parse.rows_read = sum(1 for _ in rows)  # read on, as every row's own errors are reported too
            return parse
        row_format = detected or container
        if container != ImportFormat.HF_DISK:
            parse.format = row_format
    parse.items = _items(parse, row_format, rows, source, errors)
    return parse
