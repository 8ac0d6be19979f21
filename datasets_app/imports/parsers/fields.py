"""Field checks shared by the row parsers. Each reports to the ErrorLog and returns None on a problem."""
from typing import Any

from datasets_app.imports.parsers.records import ErrorLog, RawRow

ROLES = ("system", "user", "assistant")


def text_field(row: RawRow, name: str, errors: ErrorLog, *, required: bool = True) -> str | None:
    value = row.data.get(name)
    if value is None or value == "":
        if required:
            errors.add(row.file, row.line, name, "is missing." if value is None else "is empty.")
        return None
    if not isinstance(value, str):
        errors.add(row.file, row.line, name, f"must be a string, not {type(value).__name__}.")
        return None
    if required and not value.strip():
        errors.add(row.file, row.line, name, "is empty.")
        return None
    return value


def int_field(
    row: RawRow, name: str, errors: ErrorLog, *, low: int, high: int, required: bool = True, from_text: bool = False
) -> int | None:
    """An integer in [low, high]; `from_text` accepts "2" and "-1" as CSV cells hold them."""
    value = row.data.get(name)
    if value is None or (from_text and isinstance(value, str) and not value.strip()):
        if required:
            errors.add(row.file, row.line, name, "is missing.")
        return None
    if from_text and isinstance(value, str):
        try:
            value = int(value.strip().replace("−", "-"))
        except ValueError:
            errors.add(row.file, row.line, name, f"must be an integer, not {row.data.get(name)!r}.")
            return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        errors.add(row.file, row.line, name, f"must be an integer, not {type(value).__name__}.")
        return None
    if not low <= value <= high:
        errors.add(row.file, row.line, name, f"must be from {low} to {high}, not {value}.")
        return None
    return value


def messages_field(row: RawRow, name: str, errors: ErrorLog) -> list[dict[str, str]] | None:
    """A conversation [{role, content}, …] that ends with a user turn."""
    value = row.data.get(name)
    if not isinstance(value, list) or not value:
        errors.add(row.file, row.line, name, "must be a non-empty list of {role, content} objects.")
        return None
    messages = []
    for index, message in enumerate(value):
        where = f"{name}[{index}]"
        if not isinstance(message, dict):
            errors.add(row.file, row.line, where, "must be an object with role and content.")
            return None
        role, content = message.get("role"), message.get("content")
        if role not in ROLES:
            errors.add(row.file, row.line, f"{where}.role", f"must be one of {', '.join(ROLES)}, not {role!r}.")
            return None
        if not isinstance(content, str):
            errors.add(row.file, row.line, f"{where}.content", "must be a string.")
            return None
        messages.append({"role": role, "content": content})
    if messages[-1]["role"] != "user":
        errors.add(row.file, row.line, name, "must end with a user turn (the responses answer it).")
        return None
    return messages


def metadata_field(row: RawRow, name: str, errors: ErrorLog) -> dict[str, Any]:
    value = row.data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add(row.file, row.line, name, f"must be an object, not {type(value).__name__}.")
        return {}
    return value
