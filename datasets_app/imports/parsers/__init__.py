"""Parsers for the import formats. `parse_source` turns an upload into validated ParsedItems and
collects every error (file, line, field, message); it writes nothing."""
from datasets_app.imports.parsers.detect import detect_format, parse_source
from datasets_app.imports.parsers.records import ErrorLog, ParsedAnnotation, ParsedItem, ParsedResponse, RawRow
from datasets_app.imports.parsers.sources import open_source

__all__ = [
    "ErrorLog", "ParsedAnnotation", "ParsedItem", "ParsedResponse", "RawRow", "detect_format", "open_source",
    "parse_source",
]
