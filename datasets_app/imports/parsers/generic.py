"""Verdict's own row shapes. JSONL: `prompt` (one user turn) or `messages`, and `responses` (strings or
{text, model_name, checkpoint, round, generation_params}); CSV (or any flat row): `prompt`,
`response_1`, `response_2`, `model_1`, `model_2`. Both accept `metadata`, `preference_strength`
(two responses only; becomes an imported annotation), `justification` and `gold_strength` (marks the
item gold)."""
from typing import Any

from datasets_app.imports.parsers.fields import int_field, messages_field, metadata_field, text_field
from datasets_app.imports.parsers.records import ErrorLog, ParsedAnnotation, ParsedItem, ParsedResponse, RawRow, pair_up

# Response.round is a PositiveIntegerField: PostgreSQL's integer, at most 2³¹ − 1.
MAX_ROUND = 2**31 - 1
FLAT_COLUMNS = {
    "prompt", "response_1", "response_2", "model_1", "model_2", "preference_strength", "gold_strength",
    "justification", "metadata",
}


def _prompt_messages(row: RawRow, errors: ErrorLog) -> list[dict[str, str]] | None:
    if "messages" in row.data:
        return messages_field(row, "messages", errors)
    prompt = text_field(row, "prompt", errors)
    return None if prompt is None else [{"role": "user", "content": prompt}]


def _response_object(row: RawRow, where: str, value: dict[str, Any], errors: ErrorLog) -> ParsedResponse | None:
    text = value.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.add(row.file, row.line, f"{where}.text", "must be a non-empty string.")
        return None
    response = ParsedResponse(text=text)
    for name in ("model_name", "checkpoint"):
        if name in value and not isinstance(value[name], str):
            errors.add(row.file, row.line, f"{where}.{name}", "must be a string.")
            return None
        setattr(response, name, value.get(name) or "")
    round_ = value.get("round")
    if round_ is not None and (not isinstance(round_, int) or isinstance(round_, bool) or not 0 <= round_ <= MAX_ROUND):
        errors.add(row.file, row.line, f"{where}.round", f"must be an integer from 0 to {MAX_ROUND:,}.")
        return None
    response.round = round_
    for name in ("generation_params", "metadata"):
        if name in value and not isinstance(value[name], dict):
            errors.add(row.file, row.line, f"{where}.{name}", "must be an object.")
            return None
        setattr(response, name, value.get(name) or {})
    return response


def _listed_responses(row: RawRow, errors: ErrorLog) -> list[ParsedResponse] | None:
    value = row.data.get("responses")
    if not isinstance(value, list) or not value:
        errors.add(row.file, row.line, "responses", "must be a non-empty list of strings or {text, …} objects.")
        return None
    responses = []
    for index, entry in enumerate(value):
        where = f"responses[{index}]"
        if isinstance(entry, str) and entry.strip():
            responses.append(ParsedResponse(text=entry))
        elif isinstance(entry, dict):
            response = _response_object(row, where, entry, errors)
            if response is None:
                return None
            responses.append(response)
        else:
            errors.add(row.file, row.line, where, "must be a non-empty string or a {text, …} object.")
            return None
    return responses


def _flat_responses(row: RawRow, errors: ErrorLog) -> list[ParsedResponse] | None:
    first = text_field(row, "response_1", errors)
    second = text_field(row, "response_2", errors, required=False)
    models = [text_field(row, name, errors, required=False) or "" for name in ("model_1", "model_2")]
    if first is None:
        return None
    responses = [ParsedResponse(text=first, model_name=models[0])]
    if second is not None:
        responses.append(ParsedResponse(text=second, model_name=models[1]))
    return responses


def parse_generic_row(row: RawRow, errors: ErrorLog, *, from_text: bool = False) -> list[ParsedItem]:
    """Items of one generic row (`from_text`: numbers arrive as CSV text; other CSV columns become prompt
    metadata)."""
    before = errors.total
    messages = _prompt_messages(row, errors)
    if "responses" in row.data:
        responses = _listed_responses(row, errors)
    elif "response_1" in row.data or from_text:
        responses = _flat_responses(row, errors)
    else:
        errors.add(row.file, row.line, "responses", "is missing: give a list of responses (or response_1 and response_2).")
        responses = None
    if from_text:
        metadata = {name: value for name, value in row.data.items() if name not in FLAT_COLUMNS and value not in (None, "")}
    else:
        metadata = metadata_field(row, "metadata", errors)
    strength = int_field(row, "preference_strength", errors, low=-3, high=3, required=False, from_text=from_text)
    gold = int_field(row, "gold_strength", errors, low=-3, high=3, required=False, from_text=from_text)
    justification = text_field(row, "justification", errors, required=False) or ""
    if responses is not None:
        texts = [response.text for response in responses]
        if len(set(texts)) < len(texts):
            errors.add(row.file, row.line, "responses", "contains the same response text twice.")
        for name, value in (("preference_strength", strength), ("gold_strength", gold)):
            if value is not None and len(responses) != 2:
                errors.add(row.file, row.line, name, f"needs exactly two responses, this row has {len(responses)}.")
    if errors.total > before or messages is None or responses is None:
        return []
    annotation = ParsedAnnotation(preference_strength=strength, justification=justification) if strength is not None else None
    return [
        ParsedItem(
            file=row.file,
            line=row.line,
            messages=messages,
            responses=[first] if second is None else [first, second],
            responses_field="responses" if "responses" in row.data else "response_2",
            prompt_metadata=metadata,
            is_gold=gold is not None,
            gold_strength=gold,
            annotation=annotation,
        )
        for first, second in pair_up(responses)
    ]
