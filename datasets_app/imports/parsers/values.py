"""Values a row may hold: what JSON allows and what every database column can store.

Python's `json.loads` accepts more than the database does: NaN and ±Infinity (JSON has neither;
PostgreSQL's jsonb rejects them), `\\u0000` (no PostgreSQL text or jsonb value may hold NUL), lone
surrogates such as `\\ud800` (not encodable as UTF-8), integers past Python's digit limit (a ValueError
inside the decoder) and nesting deep enough to exhaust the stack (a RecursionError). `load_json` is the
strict loader: it raises `BadValue` naming the field, before anything reaches the database. `find_bad`
checks rows that arrive already decoded (CSV cells, Arrow rows of a save_to_disk dataset).

The normal path costs two `str.count` calls and a regex search per line; the walk that names the field
runs only on lines that contain a suspicious escape or many brackets, or that the decoder rejected.
"""
import json
import math
import re
from typing import Any

MAX_DEPTH = 64

# \u0000 or any UTF-16 surrogate escape (a valid pair is fine; find_bad tells a pair from a lone half).
_SUSPICIOUS_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A string runs to its closing quote or, unterminated, to the end of the text: one token either way, so
# the scan is linear (a pattern that must close each string rescans the rest of the line from every quote).
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
_JSON_TYPES = (str, int, float, bool, type(None), dict, list)


class BadValue(ValueError):
    """A value no import may store: `field` is its path in the row (`metadata.note`, `responses[0]`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


class _Rejected(Exception):
    """Raised by the strict decoder's hooks; the lenient decode then finds where."""


class _Marker:
    """Stands in for a rejected number in the lenient decode, so the walk can name its field."""

    def __init__(self, message: str) -> None:
        self.message = message


def _strict_constant(name: str) -> Any:
    raise _Rejected(name)


def _strict_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise _Rejected(text)
    return value


def _marked_constant(name: str) -> _Marker:
    return _Marker(f"is {name}, which JSON does not allow (use null or a string).")


def _marked_int(text: str) -> int | _Marker:
    try:
        return int(text)
    except ValueError:
        return _Marker(f"is an integer of {len(text.lstrip('-'))} digits; the limit is 4,300.")


def _marked_float(text: str) -> float | _Marker:
    value = float(text)
    return value if math.isfinite(value) else _Marker(f"is {text}, beyond the range of a double.")


# No parse_int hook on the strict decoder (it would cost a Python call per integer): an integer past
# Python's digit limit makes the decoder raise ValueError, and the lenient decode then names it.
_STRICT = json.JSONDecoder(parse_constant=_strict_constant, parse_float=_strict_float)
_LENIENT = json.JSONDecoder(parse_constant=_marked_constant, parse_int=_marked_int, parse_float=_marked_float)


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def find_bad(value: Any, path: str = "") -> BadValue | None:
    """The first value under `value` that no column can store, or None. Iterative: depth costs no stack."""
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack:
        current, where, depth = stack.pop()
        if isinstance(current, str):
            if "\x00" in current:
                return BadValue(where, "contains a NUL character (\\u0000), which cannot be stored.")
            if _LONE_SURROGATE.search(current) and not _encodes(current):
                return BadValue(where, "contains a lone UTF-16 surrogate (such as \\ud800), which is not text.")
        elif isinstance(current, float) and not math.isfinite(current):
            return BadValue(where, f"is {current}, which JSON does not allow (use null or a string).")
        elif isinstance(current, _Marker):
            return BadValue(where, current.message)
        elif isinstance(current, (dict, list)):
            if depth >= MAX_DEPTH:
                return BadValue(where.split(".")[0].split("[")[0], f"nests deeper than {MAX_DEPTH} levels.")
            if isinstance(current, dict):
                for key, inner in current.items():
                    if not isinstance(key, str):
                        return BadValue(where, f"has a key of type {type(key).__name__}; keys must be strings.")
                    bad = find_bad(key, where)
                    if bad is not None:
                        return BadValue(where, f"has a key that {bad.message[0].lower()}{bad.message[1:]}")
                    stack.append((inner, _child(where, key), depth + 1))
            else:
                stack.extend((inner, _child(where, index), depth + 1) for index, inner in enumerate(current))
        elif not isinstance(current, _JSON_TYPES):
            return BadValue(where, f"is a {type(current).__name__}, not a JSON value.")
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _too_deep(text: str) -> str | None:
    """The top-level key under which `text` nests deeper than MAX_DEPTH ("" if not under a key), or None;
    scans tokens (strings are skipped whole), so a 3,000-deep line never reaches the recursive decoder."""
    depth, key, last_string = 0, "", ""
    for token in _TOKENS.finditer(text):
        symbol = token.group()
        if symbol[0] == '"':
            if depth == 1:
                last_string = symbol
            continue
        if symbol in "[{":
            if depth == 1:
                key = _decode_key(last_string)
            depth += 1
            if depth > MAX_DEPTH:
                return key
        else:
            depth -= 1
    return None


def _decode_key(token: str) -> str:
    try:
        decoded = json.loads(token)
    except ValueError:
        return ""
    return decoded if isinstance(decoded, str) and find_bad(decoded) is None else ""


def load_json(text: str) -> Any:
    """`text` decoded as strict JSON; raises json.JSONDecodeError for bad syntax, BadValue for a value
    that parses but cannot be stored."""
    if text.count("[") + text.count("{") > MAX_DEPTH:
        key = _too_deep(text)
        if key is not None:
            raise BadValue(key, f"nests deeper than {MAX_DEPTH} levels.")
    try:
        data = _STRICT.decode(text)
    except json.JSONDecodeError:
        raise
    except (_Rejected, ValueError):  # NaN, Infinity, 1e999, or an integer past the digit limit
        bad = find_bad(_LENIENT.decode(text))
        raise (bad or BadValue("", "holds a number JSON does not allow.")) from None
    if _SUSPICIOUS_ESCAPE.search(text):
        bad = find_bad(data)
        if bad is not None:
            raise bad
    return data
