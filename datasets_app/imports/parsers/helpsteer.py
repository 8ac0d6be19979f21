"""NVIDIA HelpSteer2 rating rows and HelpSteer2-Preference pairs (arXiv 2406.08673, 2410.01257).

HelpSteer2 `prompt` holds the whole conversation before the response: the first user turn, then each
earlier turn preceded by a line `<extra_id_1>User` or `<extra_id_1>Assistant` (a system turn by
`<extra_id_0>System`), read by `datasets_app.codecs.helpsteer2` as exports write it. Consecutive rows with
the same prompt become one item: two rows → a pair, one → a Likert item, more → the chain of
consecutive pairs (as for generic rows). Their ratings arrive as one imported annotation per item with
`attribute_scores` keyed by slot "1"/"2".
"""
from collections import Counter
from collections.abc import Iterable, Iterator

from datasets_app.codecs.helpsteer2 import HELPSTEER_ATTRIBUTES, decode_prompt
from datasets_app.imports.parsers.fields import int_field, text_field
from datasets_app.imports.parsers.records import ErrorLog, ParsedAnnotation, ParsedItem, ParsedResponse, RawRow, pair_up

# Rows of one prompt in a row: HelpSteer2 has a handful per prompt; a longer run is held in memory whole.
MAX_RESPONSES_PER_PROMPT = 1000

SPLITS = {"train": "train", "val": "validation", "validation": "validation", "test": "test"}
NEITHER_VALID = -100


def helpsteer_messages(prompt: str) -> list[dict[str, str]] | str:
    """[{role, content}] of a HelpSteer2 prompt, or the reason it cannot be read."""
    messages = decode_prompt(prompt)
    for number, message in enumerate(messages, start=1):
        if not message["content"].strip():
            return f"turn {number} ({message['role']}) is empty."
    if messages[-1]["role"] != "user":
        return "must end with a user turn (the response answers it)."
    return messages


def _prompt(row: RawRow, errors: ErrorLog) -> list[dict[str, str]] | None:
    prompt = text_field(row, "prompt", errors)
    if prompt is None:
        return None
    messages = helpsteer_messages(prompt)
    if isinstance(messages, str):
        errors.add(row.file, row.line, "prompt", messages)
        return None
    return messages


def _rated_row(row: RawRow, errors: ErrorLog) -> tuple[ParsedResponse, dict[str, int]] | None:
    before = errors.total
    text = text_field(row, "response", errors)
    scores = {name: int_field(row, name, errors, low=0, high=4) for name in HELPSTEER_ATTRIBUTES}
    if errors.total > before or text is None:
        return None
    return ParsedResponse(text=text), scores  # type: ignore[return-value]


def _group_items(group: list[RawRow], errors: ErrorLog) -> list[ParsedItem]:
    before = errors.total
    messages = _prompt(group[0], errors)
    rated = [(row, _rated_row(row, errors)) for row in group]
    texts = Counter(result[0].text for _, result in rated if result is not None)
    for row, result in rated[1:]:
        if result is not None and texts[result[0].text] > 1:
            errors.add(row.file, row.line, "response", "repeats another response to the same prompt.")
            break
    if errors.total > before or messages is None:
        return []
    by_text = {result[0].text: (row, result) for row, result in rated if result is not None}
    items = []
    for first, second in pair_up([result[0] for _, result in rated if result is not None]):
        row, (_, scores_1) = by_text[first.text]
        scores = {"1": scores_1}
        if second is not None:
            scores["2"] = by_text[second.text][1][1]
        items.append(
            ParsedItem(
                file=row.file,
                line=row.line,
                messages=messages,
                responses=[first] if second is None else [first, second],
                annotation=ParsedAnnotation(attribute_scores=scores),
            )
        )
    return items


def parse_helpsteer_rows(rows: Iterable[RawRow], errors: ErrorLog) -> Iterator[ParsedItem]:
    """Items of each run of consecutive rows with one prompt, as the rows stream past."""
    group: list[RawRow] = []
    for row in rows:
        if group and row.data.get("prompt") != group[0].data.get("prompt"):
            yield from _group_items(group, errors)
            group = []
        if len(group) == MAX_RESPONSES_PER_PROMPT:  # a run is held in memory until its prompt changes
            errors.add(row.file, row.line, "prompt", f"is the prompt of more than {MAX_RESPONSES_PER_PROMPT:,} consecutive rows.")
            continue
        group.append(row)
    if group:
        yield from _group_items(group, errors)


def parse_preference_row(row: RawRow, errors: ErrorLog) -> list[ParsedItem]:
    """A HelpSteer2-Preference pair; −100 ("neither is valid") becomes `neither_acceptable`."""
    before = errors.total
    messages = _prompt(row, errors)
    first = text_field(row, "response_1", errors)
    second = text_field(row, "response_2", errors)
    split = row.data.get("split")
    if split is not None and (not isinstance(split, str) or split not in SPLITS):
        errors.add(row.file, row.line, "split", f"must be one of {', '.join(SPLITS)}, not {split!r}.")
    neither = row.data.get("preference_strength") == NEITHER_VALID
    strength = None if neither else int_field(row, "preference_strength", errors, low=-3, high=3)
    statement = text_field(row, "preference_statement", errors, required=False) or ""
    elaboration = text_field(row, "preference_elaboration", errors, required=False) or ""
    if first is not None and first == second:
        errors.add(row.file, row.line, "response_2", "is identical to response_1.")
    if errors.total > before or messages is None or first is None or second is None:
        return []
    return [
        ParsedItem(
            file=row.file,
            line=row.line,
            messages=messages,
            responses=[ParsedResponse(text=first), ParsedResponse(text=second)],
            prompt_metadata={"split": SPLITS[split]} if split else {},
            annotation=ParsedAnnotation(
                preference_strength=strength,
                justification="\n\n".join(part.strip() for part in (statement, elaboration) if part.strip()),
                neither_acceptable=neither,
            ),
        )
    ]
