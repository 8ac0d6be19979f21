"""The `hindsight` export format: one row per completed hindsight judgement, built by
`hindsight.export_rows.hindsight_rows` and made exportable here (pseudonymous annotators,
prompt-hash splits, export filters, provenance as JSON text, the card's foresight/hindsight summary).

`outcome_provenance` holds free-form generation parameters, which no fixed Arrow struct can type, so
every container (JSONL, Parquet, Hugging Face) stores it as the same JSON string (sorted keys)."""
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from hindsight.export_rows import COLUMNS, HindsightGroup, OutcomeShown, hindsight_rows

if TYPE_CHECKING:
    import pyarrow as pa

Emitted = list[tuple[str, str, tuple]]


def hindsight_schema() -> "pa.Schema":
    """COLUMNS in order; everything not typed here is a string (`outcome_provenance`: JSON text). PyArrow is
    loaded here, by the export, not by the selectors and pages that only need `PromptKey`."""
    import pyarrow as pa

    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    types = {
        "item_id": pa.int64(), "prompt": pa.list_(message), "round": pa.int64(), "foresight_rating": pa.int64(),
        "hindsight_rating": pa.int64(), "rating_shift": pa.int64(), "keep": pa.bool_(),
    }
    return pa.schema([(name, types.get(name, pa.string())) for name in COLUMNS])


@dataclass(frozen=True)
class PromptKey:
    """What the exporter needs of an item that the hindsight groups do not carry."""

    content_hash: str
    declared_split: str | None
    is_gold: bool


def _judged_on(timestamp: str) -> date:
    return datetime.fromisoformat(timestamp).date()


def _keeps_item(group: HindsightGroup, filters: dict[str, Any]) -> bool:
    if filters.get("rounds") and group.round not in filters["rounds"]:
        return False
    return not filters.get("model_names") or any(name in filters["model_names"] for name in group.model_names)


def _keeps_judgement(annotator: str | None, hindsight_at: str, filters: dict[str, Any]) -> bool:
    if filters.get("annotators") and annotator not in filters["annotators"]:
        return False
    if annotator is not None and annotator in filters.get("exclude_annotators", ()):
        return False
    day = _judged_on(hindsight_at)
    if filters.get("date_from") and day < date.fromisoformat(filters["date_from"]):
        return False
    return not (filters.get("date_to") and day > date.fromisoformat(filters["date_to"]))


def export_groups(
    groups: Iterable[HindsightGroup],
    keys: dict[int, PromptKey],
    user_ids: dict[str, int],
    pseudonym: Callable[[int | None], str | None],
    split: Callable[[str, Any], str],
    filters: dict[str, Any],
) -> Iterator[HindsightGroup]:
    """The groups an export holds: gold items left out, filters applied (annotators by username, dates
    on the hindsight rating's day), split by the prompt's content hash, annotators pseudonymised with
    the project's salted hash of their user id (never the username). Groups left empty are skipped."""
    for group in groups:
        key = keys[group.item_id]
        if key.is_gold or not _keeps_item(group, filters):
            continue
        judgements = [
            replace(j, annotator=pseudonym(user_ids[j.annotator]) if j.annotator is not None else None)
            for j in group.judgements
            if _keeps_judgement(j.annotator, j.hindsight_at, filters)
        ]
        if judgements:
            yield replace(group, split=split(key.content_hash, key.declared_split), judgements=judgements)


def _provenance_json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass
class HindsightTally:
    """Running totals for the card: per scale, the ratings' sums and keep answers; the simulators shown."""

    count: Counter = field(default_factory=Counter)
    foresight_sum: Counter = field(default_factory=Counter)
    hindsight_sum: Counter = field(default_factory=Counter)
    keep_answers: Counter = field(default_factory=Counter)
    returned: Counter = field(default_factory=Counter)
    simulators: Counter = field(default_factory=Counter)

    def add(self, row: dict[str, Any], outcomes: Iterable[OutcomeShown | None]) -> None:
        scale = row["scale"]
        self.count[scale] += 1
        self.foresight_sum[scale] += row["foresight_rating"]
        self.hindsight_sum[scale] += row["hindsight_rating"]
        if row["keep"] is not None:
            self.keep_answers[scale] += 1
            self.returned[scale] += not row["keep"]
        for outcome in outcomes:
            if outcome is not None:
                self.simulators[(outcome.simulator, outcome.model_path, outcome.template_hash)] += 1

    def as_dict(self) -> dict[str, Any]:
        scales = {}
        for scale in sorted(self.count):
            n = self.count[scale]
            foresight, hindsight = self.foresight_sum[scale] / n, self.hindsight_sum[scale] / n
            answers = self.keep_answers[scale]
            scales[scale] = {
                "judgements": n,
                "foresight_mean": foresight,
                "hindsight_mean": hindsight,
                "mean_gap": foresight - hindsight,
                "keep_answers": answers,
                "regret_rate": self.returned[scale] / answers if answers else None,
            }
        answers = sum(self.keep_answers.values())
        return {
            "scales": scales,
            "regret_rate": sum(self.returned.values()) / answers if answers else None,
            "simulators": [
                {"simulator": simulator, "model_path": model_path, "template_hash": template_hash, "outcomes_shown": n}
                for (simulator, model_path, template_hash), n in sorted(self.simulators.items())
            ],
        }


def hindsight_export_rows(group: HindsightGroup, tally: HindsightTally, label: Callable[[str, Any], None]) -> Emitted:
    """(file, split, row) triples of one prepared group; rating distributions are labelled per scale."""
    emitted: Emitted = []
    for judgement, row in zip(group.judgements, hindsight_rows(group), strict=True):
        tally.add(row, (judgement.outcome_1, judgement.outcome_2))
        label(f"foresight_rating ({row['scale']})", row["foresight_rating"])
        label(f"hindsight_rating ({row['scale']})", row["hindsight_rating"])
        row["outcome_provenance"] = _provenance_json(row["outcome_provenance"])
        emitted.append((group.split, group.split, tuple([row[name] for name in COLUMNS])))
    return emitted


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def card_section(summary: dict[str, Any]) -> list[str]:
    """The card's "Foresight and hindsight" section (gap = foresight mean − hindsight mean: positive when
    a response looked better before its outcome was known; regret = share of keep answers that returned)."""
    lines = ["## Foresight and hindsight", ""]
    if not summary["scales"]:
        return [*lines, "- no judgements"]
    lines += [
        "Gap = mean foresight rating − mean hindsight rating (positive: looked better before the outcome was "
        "known). Regret rate = share of the \"keep or return\" answers that returned.",
        "",
    ]
    lines += ["| scale | judgements | foresight mean | hindsight mean | mean gap | keep answers | regret rate |",
              "|---|---|---|---|---|---|---|"]
    for scale, s in summary["scales"].items():
        lines.append(
            f"| {scale} | {s['judgements']} | {_number(s['foresight_mean'])} | {_number(s['hindsight_mean'])} | "
            f"{_number(s['mean_gap'])} | {s['keep_answers']} | {_number(s['regret_rate'])} |"
        )
    lines += ["", f"- overall regret rate: {_number(summary['regret_rate'])}", "", "### Simulated outcomes shown", ""]
    lines += ["| simulator | model | template hash | outcomes shown |", "|---|---|---|---|"]
    for s in summary["simulators"]:
        lines.append(f"| {s['simulator']} | {s['model_path'] or '—'} | `{s['template_hash'] or '—'}` | {s['outcomes_shown']} |")
    return lines
