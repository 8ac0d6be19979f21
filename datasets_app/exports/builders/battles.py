"""The arena-battles export format, in the shape of Chatbot Arena's battle records: one row per vote
on a pair of two named models' responses (`question_id`, `model_a`, `model_b`, `winner`, `judge`,
`tstamp`, the prompt and both responses). `model_a` is the item's response 1 in stored order, whatever
order the voter saw (display order is randomised per assignment and undone when the vote is stored).

`battle_winner` is the one mapping from a stored vote to a battle outcome; the arena's leaderboard
(training.arena) uses it too."""
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

MODEL_A, MODEL_B, TIE, TIE_BOTHBAD = "model_a", "model_b", "tie", "tie (bothbad)"
WINNERS = (MODEL_A, MODEL_B, TIE, TIE_BOTHBAD)

DESCRIPTION = (
    "One row per vote on a pair of responses by two different named models (an arena battle, or any "
    "comparison whose responses carry distinct `model_name`s), as Chatbot Arena publishes battles: "
    "`question_id` (the prompt's SHA-256), `model_a` / `model_b` (the models of the stored response 1 / 2; "
    "the voter saw them in a random order, undone when the vote was stored), `winner` (`model_a`, `model_b`, "
    "`tie`, or `tie (bothbad)` when the voter marked neither response acceptable and preferred neither), "
    "`judge` (a pseudonymous voter id, a salted hash stable within the project), `tstamp` (Unix seconds of "
    "the vote), the prompt's messages and both responses. A decisive strength decides the winner even when "
    "neither response was acceptable (`neither_acceptable` says so). An adjudicated pair has one row, the "
    "adjudicator's label (`judge` null)."
)


def battle_schema() -> "pa.Schema":
    # PyArrow (~40 MiB resident) is loaded by the export that writes battles, not by every process that
    # imports the outcome mapping (the arena's leaderboard, and through Celery's autodiscovery, all of them).
    import pyarrow as pa

    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    return pa.schema([
        ("question_id", pa.string()),
        ("model_a", pa.string()),
        ("model_b", pa.string()),
        ("checkpoint_a", pa.string()),
        ("checkpoint_b", pa.string()),
        ("winner", pa.string()),
        ("preference_strength", pa.int64()),
        ("neither_acceptable", pa.bool_()),
        ("judge", pa.string()),
        ("tstamp", pa.float64()),
        ("prompt", pa.list_(message)),
        ("response_a", pa.string()),
        ("response_b", pa.string()),
    ])


def battle_winner(strength: int | None, neither_acceptable: bool) -> str | None:
    """A stored vote (strength relative to stored order: negative = response 1 better) as a battle
    outcome; None for a vote that says nothing about the pair (no strength, and both not marked bad)."""
    if strength is not None and strength < 0:
        return MODEL_A
    if strength is not None and strength > 0:
        return MODEL_B
    if neither_acceptable:
        return TIE_BOTHBAD
    return TIE if strength == 0 else None


@dataclass(frozen=True)
class BattleVote:
    """One stored vote on a pair of two named models' responses, as the selector reads it."""

    content_hash: str
    messages: list[dict[str, str]]
    model_a: str
    model_b: str
    checkpoint_a: str
    checkpoint_b: str
    response_a: str
    response_b: str
    strength: int | None
    neither_acceptable: bool
    annotator_id: int | None
    tstamp: float


def battle_row(vote: BattleVote, judge: str | None) -> tuple[Any, ...] | None:
    """The vote as a row of `battle_schema`, or None when it carries no outcome."""
    winner = battle_winner(vote.strength, vote.neither_acceptable)
    if winner is None:
        return None
    return (
        vote.content_hash, vote.model_a, vote.model_b, vote.checkpoint_a, vote.checkpoint_b, winner, vote.strength,
        vote.neither_acceptable, judge, vote.tstamp, [(m["role"], m["content"]) for m in vote.messages],
        vote.response_a, vote.response_b,
    )
