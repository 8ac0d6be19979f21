"""Running totals of an export for its dataset card; bounded by the number of distinct labels, not rows."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

MODEL_PREFIX = "model:"  # how a model judge's label shows in the rows' `source` ("model:<judge>")


def judge_of(source: str | None) -> str | None:
    """The judge named by a row's source, or None for a person's label."""
    return source[len(MODEL_PREFIX):] if source and source.startswith(MODEL_PREFIX) else None


@dataclass
class ExportStats:
    rows: Counter = field(default_factory=Counter)
    drops: Counter = field(default_factory=Counter)
    labels: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    spreads: Counter = field(default_factory=Counter)
    agreeing_pairs: int = 0
    total_pairs: int = 0
    annotations: Counter = field(default_factory=Counter)
    annotators: set = field(default_factory=set)
    models: Counter = field(default_factory=Counter)
    rounds: Counter = field(default_factory=Counter)
    groups: int = 0
    judged_items: Counter = field(default_factory=Counter)  # exported items labelled by each model judge
    hindsight: Any = None  # builders.hindsight.HindsightTally of a hindsight export

    def drop(self, reason: str) -> None:
        self.drops[reason] += 1

    def label(self, name: str, value: Any) -> None:
        self.labels[name][value] += 1

    def agreement(self, agreeing: int, total: int) -> None:
        self.agreeing_pairs += agreeing
        self.total_pairs += total

    @property
    def agreement_rate(self) -> float | None:
        return self.agreeing_pairs / self.total_pairs if self.total_pairs else None

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def as_dict(self) -> dict[str, Any]:
        summary = {
            "rows": dict(sorted(self.rows.items())),
            "drops": dict(sorted(self.drops.items())),
            "labels": {name: {str(k): v for k, v in sorted(counts.items())} for name, counts in sorted(self.labels.items())},
            "spreads": {str(k): v for k, v in sorted(self.spreads.items())},
            "agreement": {"agreeing_pairs": self.agreeing_pairs, "pairs": self.total_pairs, "rate": self.agreement_rate},
            "annotations": dict(sorted(self.annotations.items())),
            "annotators": len(self.annotators),
            "models": dict(sorted(self.models.items())),
            "judged_items": dict(sorted(self.judged_items.items())),
            "rounds": {str(k): v for k, v in sorted(self.rounds.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))},
        }
        if self.hindsight is not None:
            summary["hindsight"] = self.hindsight.as_dict()
        return summary
