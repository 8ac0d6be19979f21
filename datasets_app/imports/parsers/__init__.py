"""Parsers for the import formats. `parse_source` turns an upload into a stream of validated ParsedItems
and collects every error (file, line, field, message); it writes nothing."""
from datasets_app.imports.parsers.detect import Parse, detect_format, parse_source
from datasets_app.imports.parsers.records import ErrorLog, ParsedAnnotation, ParsedItem, ParsedResponse, RawRow
from datasets_app.imports.parsers.sources import Limits, UploadTooLarge, open_source

__all__ = [
    "ErrorLog", "Limits", "Parse", "ParsedAnnotation", "ParsedItem", "ParsedResponse", "RawRow", "UploadTooLarge",
    "detect_format", "open_source", "parse_source",
]
