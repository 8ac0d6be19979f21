"""What the database side hands to the row builders: one item (or one rated response) with its judgements.
Named tuples, not dataclasses: an export makes one per annotation and they are never changed."""
from typing import Any, NamedTuple

NEITHER_VALID = -100  # HelpSteer2-Preference's "neither response is valid"


class Judgement(NamedTuple):
    """One annotation. `justification` already says "@Response 1/2" in canonical order."""

    annotation_id: int
    annotator: str | None
    source: str
    strength: int | None = None
    justification: str = ""
    neither_acceptable: bool = False


class ItemGroup(NamedTuple):
    """A comparison item (pair or single response) and its judgements, in annotation-id order."""

    item_id: int
    messages: list[dict[str, str]]
    split: str
    response_1: str
    response_2: str | None
    model_names: tuple[str, ...]
    round: int | None
    judgements: list[Judgement]


class ResponseGroup(NamedTuple):
    """One (prompt, response) with every annotator's attribute scores for it, in annotation-id order."""

    response_id: int
    messages: list[dict[str, str]]
    prompt: str  # the messages as HelpSteer2's prompt string
    split: str
    response: str
    model_name: str
    round: int | None
    annotators: tuple[str | None, ...]
    sources: tuple[str, ...]
    score_sets: list[dict[str, Any]]
