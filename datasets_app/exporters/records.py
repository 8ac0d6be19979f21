"""What the database side hands to the row builders: one item (or one rated response) with its judgements."""
from dataclasses import dataclass, field
from typing import Any

NEITHER_VALID = -100  # HelpSteer2-Preference's "neither response is valid"


@dataclass(frozen=True)
class Judgement:
    """One annotation. `justification` already says "@Response 1/2" in canonical order."""

    annotation_id: int
    annotator: str | None
    source: str
    strength: int | None = None
    justification: str = ""
    neither_acceptable: bool = False
    scores: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemGroup:
    """A comparison item (pair or single response) and its judgements, in annotation-id order."""

    item_id: int
    messages: list[dict[str, str]]
    split: str
    response_1: str
    response_2: str | None
    model_names: tuple[str, ...]
    round: int | None
    judgements: list[Judgement]


@dataclass(frozen=True)
class ResponseGroup:
    """One (prompt, response) with every annotator's attribute scores for it, in annotation-id order."""

    response_id: int
    messages: list[dict[str, str]]
    split: str
    response: str
    model_name: str
    round: int | None
    annotators: tuple[str | None, ...]
    sources: tuple[str, ...]
    score_sets: list[dict[str, Any]]
