"""Rows streamed from the database, grouped into the records the row builders take.

Rows are plain tuples in the column order named below (the selectors select exactly these, in this
order), so the hot loop indexes tuples instead of building a dict per row. JSON columns arrive as text:
a prompt's messages are decoded once per group and attribute scores through a small cache (a project's
Likert score sets repeat a lot)."""
import json
from collections.abc import Callable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

from datasets_app.codecs.helpsteer2 import encode_prompt
from datasets_app.exports.builders.records import ItemGroup, Judgement, ResponseGroup
from datasets_app.exports.builders.text import canonical_justification

# One row per annotation of an item, ordered by item then annotation id.
ITEM_FIELDS = (
    "item_id", "annotation_id", "annotator_id", "source", "strength", "justification", "neither_acceptable",
    "swapped", "messages_json", "content_hash", "declared_split", "response_1", "response_2",
    "model_name_1", "model_name_2", "round",
)
# One row per (annotation, rated response slot), ordered by prompt, response, annotation id, slot.
RESPONSE_FIELDS = (
    "prompt_id", "response_id", "annotation_id", "slot", "annotator_id", "source", "scores_json",
    "messages_json", "content_hash", "declared_split", "response", "model_name", "round",
)


def score_column(slot: str, name: str) -> str:
    """The column of one response slot's score of one attribute, as the individual format names it;
    "score_<name>" for the slot a row is about (slot ""), as the helpsteer2 reads select it."""
    return f"response_{slot}_{name}" if slot else f"score_{name}"


(I_ITEM, I_ID, I_ANNOTATOR, I_SOURCE, I_STRENGTH, I_JUSTIFICATION, I_NEITHER, I_SWAPPED, I_MESSAGES, I_HASH,
 I_DECLARED, I_RESPONSE_1, I_RESPONSE_2, I_MODEL_1, I_MODEL_2, I_ROUND) = range(len(ITEM_FIELDS))
(R_PROMPT, R_RESPONSE, R_ID, R_SLOT, R_ANNOTATOR, R_SOURCE, R_SCORES, R_MESSAGES, R_HASH, R_DECLARED, R_TEXT,
 R_MODEL, R_ROUND) = range(len(RESPONSE_FIELDS))

SCORE_CACHE_SIZE = 4096
Pseudonym = Callable[[int | None], str | None]
Splitter = Callable[[str, Any], str]


def cached_json_loads(limit: int = SCORE_CACHE_SIZE) -> Callable[[str | None], Any]:
    """json.loads memoised on the text (None stays None). The decoded values are shared: read-only."""
    cache: dict[str, Any] = {}

    def loads(text: str | None) -> Any:
        if text is None:
            return None
        value = cache.get(text)
        if value is None:
            if len(cache) >= limit:
                cache.clear()
            value = cache[text] = json.loads(text)
        return value

    return loads


def item_groups(
    rows: Iterator[tuple], pseudonym: Pseudonym, split: Splitter, *, with_justifications: bool = True
) -> Iterator[ItemGroup]:
    """One ItemGroup per item of ITEM_FIELDS rows; justifications are canonicalised only
    `with_justifications` (else left empty: TRL pairs have none)."""
    for item_id, grouped in groupby(rows, key=itemgetter(I_ITEM)):
        annotations = list(grouped)
        first = annotations[0]
        yield ItemGroup(
            item_id=item_id,
            messages=json.loads(first[I_MESSAGES]),
            split=split(first[I_HASH], first[I_DECLARED]),
            response_1=first[I_RESPONSE_1],
            response_2=first[I_RESPONSE_2],
            model_names=tuple(n for n in (first[I_MODEL_1], first[I_MODEL_2]) if n is not None),
            round=first[I_ROUND],
            judgements=[
                Judgement(
                    row[I_ID],
                    pseudonym(row[I_ANNOTATOR]),
                    row[I_SOURCE],
                    row[I_STRENGTH],
                    canonical_justification(row[I_JUSTIFICATION], bool(row[I_SWAPPED])) if with_justifications else "",
                    bool(row[I_NEITHER]),
                )
                for row in annotations
            ],
        )


def response_groups(rows: Iterator[tuple], pseudonym: Pseudonym, split: Splitter) -> Iterator[ResponseGroup]:
    """One group per (prompt, response) of RESPONSE_FIELDS rows; a human who rated the response in
    several items counts once (their latest rating); imported ratings each count."""
    scores_of = cached_json_loads()
    prompt_id, messages, prompt, prompt_split = None, [], "", ""
    for (group_prompt_id, response_id), grouped in groupby(rows, key=itemgetter(R_PROMPT, R_RESPONSE)):
        rated = [(row, scores) for row in grouped if (scores := scores_of(row[R_SCORES]))]
        if not rated:
            continue
        latest = {row[R_ANNOTATOR]: row for row, _ in rated if row[R_ANNOTATOR] is not None}
        kept = [(row, scores) for row, scores in rated if row[R_ANNOTATOR] is None or latest[row[R_ANNOTATOR]] is row]
        first = kept[0][0]
        if group_prompt_id != prompt_id:  # rows come by prompt: its responses follow one another
            prompt_id, messages = group_prompt_id, json.loads(first[R_MESSAGES])
            prompt, prompt_split = encode_prompt(messages), split(first[R_HASH], first[R_DECLARED])
        yield ResponseGroup(
            response_id=response_id,
            messages=messages,
            prompt=prompt,
            split=prompt_split,
            response=first[R_TEXT],
            model_name=first[R_MODEL],
            round=first[R_ROUND],
            annotators=tuple([pseudonym(row[R_ANNOTATOR]) for row, _ in kept]),
            sources=tuple([row[R_SOURCE] for row, _ in kept]),
            score_sets=[scores for _, scores in kept],
        )
