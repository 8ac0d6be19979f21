"""The `hindsight` export format: one row per completed hindsight judgement. Pure functions over plain
dataclasses (no Django), so the dataset exporter can call them like its other row builders;
`hindsight.selectors.hindsight_export_groups` builds the groups from the database.

Ratings: single response = satisfaction 1–5 (1 very dissatisfied … 5 very satisfied); pair =
preference strength −3…+3 in canonical order (negative = response 1 better), as elsewhere in Verdict.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SATISFACTION = "satisfaction_1_5"
PREFERENCE = "preference_-3_3"
COLUMNS = (
    "split", "item_id", "kind", "scale", "prompt", "hidden_context", "response_1", "response_2",
    "outcome_1", "outcome_2", "outcome_provenance", "model_name_1", "model_name_2", "round", "annotator",
    "foresight_rating", "hindsight_rating", "rating_shift", "justification", "keep", "foresight_at",
    "revealed_at", "hindsight_at",
)


@dataclass(frozen=True)
class OutcomeShown:
    """The simulated outcome version an annotator saw at the reveal, with its provenance."""

    text: str
    version: int
    simulator: str
    model_path: str = ""
    template_hash: str = ""
    generation_params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HindsightJudgementRecord:
    annotator: str | None
    foresight_rating: int
    hindsight_rating: int
    justification: str
    keep: bool | None
    foresight_at: str
    revealed_at: str
    hindsight_at: str
    outcome_1: OutcomeShown | None
    outcome_2: OutcomeShown | None = None


@dataclass(frozen=True)
class HindsightGroup:
    """One hindsight item with its completed judgements (in judgement order)."""

    item_id: int
    messages: list[dict[str, str]]
    hidden_context: str
    response_1: str
    response_2: str | None
    model_names: tuple[str, ...]
    round: int | None
    judgements: list[HindsightJudgementRecord]
    split: str = "train"


def _provenance(outcome: OutcomeShown | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {
        "version": outcome.version,
        "simulator": outcome.simulator,
        "model_path": outcome.model_path,
        "template_hash": outcome.template_hash,
        "generation_params": outcome.generation_params,
    }


def hindsight_rows(group: HindsightGroup) -> list[dict[str, Any]]:
    """One row per judgement of `group`, with the columns in `COLUMNS` order.

    `outcome_provenance` is {"1": {...}, "2": {...} or None}; `rating_shift` = hindsight − foresight.
    """
    is_pair = group.response_2 is not None
    rows = []
    for judgement in group.judgements:
        row = {
            "split": group.split,
            "item_id": group.item_id,
            "kind": "pairwise" if is_pair else "single",
            "scale": PREFERENCE if is_pair else SATISFACTION,
            "prompt": [{"role": m["role"], "content": m["content"]} for m in group.messages],
            "hidden_context": group.hidden_context,
            "response_1": group.response_1,
            "response_2": group.response_2,
            "outcome_1": judgement.outcome_1.text if judgement.outcome_1 else None,
            "outcome_2": judgement.outcome_2.text if judgement.outcome_2 else None,
            "outcome_provenance": {"1": _provenance(judgement.outcome_1), "2": _provenance(judgement.outcome_2)},
            "model_name_1": group.model_names[0] if group.model_names else "",
            "model_name_2": group.model_names[1] if len(group.model_names) > 1 else None,
            "round": group.round,
            "annotator": judgement.annotator,
            "foresight_rating": judgement.foresight_rating,
            "hindsight_rating": judgement.hindsight_rating,
            "rating_shift": judgement.hindsight_rating - judgement.foresight_rating,
            "justification": judgement.justification,
            "keep": judgement.keep,
            "foresight_at": judgement.foresight_at,
            "revealed_at": judgement.revealed_at,
            "hindsight_at": judgement.hindsight_at,
        }
        rows.append({name: row[name] for name in COLUMNS})
    return rows
