"""What parsers produce: validated items ready to write, and the errors that stop an import."""
from dataclasses import dataclass, field
from typing import Any

MAX_REPORTED_ERRORS = 100


@dataclass(frozen=True)
class RawRow:
    """One record of a source file before validation; `line` is the file's line (or row) number.
    `counted_only`: a row read and counted but not parsed, its file's error already reported."""

    file: str
    line: int
    data: dict[str, Any]
    counted_only: bool = False


@dataclass
class ParsedResponse:
    text: str
    model_name: str = ""
    checkpoint: str = ""
    round: int | None = None
    generation_params: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedAnnotation:
    """An imported judgement; strength follows Verdict's canonical sign (negative = response 1 better)."""

    preference_strength: int | None = None
    attribute_scores: dict[str, dict[str, int]] = field(default_factory=dict)
    justification: str = ""
    neither_acceptable: bool = False


@dataclass
class ParsedItem:
    file: str
    line: int
    messages: list[dict[str, str]]
    responses: list[ParsedResponse]
    # The field a missing second response is reported on ("response_2" for flat rows).
    responses_field: str = "responses"
    prompt_metadata: dict[str, Any] = field(default_factory=dict)
    is_gold: bool = False
    gold_strength: int | None = None
    annotation: ParsedAnnotation | None = None


@dataclass(frozen=True)
class RowError:
    file: str
    line: int | None
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class ErrorLog:
    """Collects every error of an import; keeps the first MAX_REPORTED_ERRORS and counts the rest."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(self, file: str, line: int | None, field: str, message: str) -> None:
        self.total += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(file, line, field, message))

    def as_list(self) -> list[dict[str, Any]]:
        reported = [error.as_dict() for error in self.errors]
        if self.total > len(self.errors):
            hidden = self.total - len(self.errors)
            reported.append({"file": "", "line": None, "field": "", "message": f"… and {hidden} more errors."})
        return reported


def pair_up(responses: list[ParsedResponse]) -> list[tuple[ParsedResponse, ParsedResponse | None]]:
    """One response → a Likert item; two → one pair; k > 2 → the chain (1,2), (2,3), …, (k−1,k), so every
    response is compared and the comparisons connect all of them (enough to rank them) without the
    k(k−1)/2 blow-up of all pairs."""
    if len(responses) == 1:
        return [(responses[0], None)]
    return list(zip(responses, responses[1:]))
