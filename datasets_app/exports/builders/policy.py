"""The options of one export: aggregation, drops, splits and containers. Plain data, JSON-serialisable."""
from dataclasses import asdict, dataclass, field, fields
from typing import Any

FORMATS = ("helpsteer2", "helpsteer2-preference", "trl-preference", "individual")
CONTAINERS = ("jsonl", "parquet", "hf")
NEITHER_POLICIES = ("exclude", "mark")
AGGREGATIONS = ("most_agreeing", "reliability_weighted")
TRL_STYLES = ("conversational", "text")
JUDGE_EXCLUDE, JUDGE_FILL = "exclude", "fill"
JUDGE_LABEL_POLICIES = (JUDGE_EXCLUDE, JUDGE_FILL)


@dataclass(frozen=True)
class ExportPolicy:
    validation_fraction: float = 0.05
    split_seed: str = "verdict"
    use_declared_split: bool = field(
        default=True, metadata={"help": "Imported prompts that carry a train/validation split keep it."}
    )
    max_spread: int = field(default=2, metadata={"help": "Drop pairs whose three most similar strengths spread more."})
    drop_ties: bool = field(default=True, metadata={"help": "Drop pairs whose aggregate strength is 0."})
    min_agreement: float | None = field(
        default=None, metadata={"help": "Keep items whose annotator agreement is at least this (0–1)."}
    )
    neither_acceptable: str = field(
        default="exclude", metadata={"help": "exclude: leave those judgements out; mark: keep them (−100)."}
    )
    trl_style: str = field(default="conversational", metadata={"help": "conversational or text."})
    containers: tuple[str, ...] = CONTAINERS
    aggregation: str = field(
        default="most_agreeing",
        metadata={"help": "Pair formats: most_agreeing (HelpSteer2's three most agreeing) or reliability_weighted "
                          "(every judgement weighted by its annotator's reliability estimate)."},
    )
    judge_labels: str = field(
        default=JUDGE_EXCLUDE,
        metadata={"help": "Pair formats: exclude model judges' labels (people only), or fill: use them for the items no "
                          "person has labelled (RLAIF; the card says how many rows came from which judge)."},
    )
    # Set when the version is defined, never by the caller: {"by_annotator": {pseudonym: weight}, "default":
    # weight of judgements without an estimate, "source": what the weights are}. Kept in the version's
    # policy so a (re)build of the version uses the same weights whatever the live estimates become.
    reliability_weights: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        problems = policy_problems(self)
        if problems:
            raise ValueError("; ".join(problems))

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["containers"] = list(self.containers)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ExportPolicy":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown option(s): {', '.join(unknown)}")
        values = dict(data)
        if "containers" in values:
            values["containers"] = tuple(values["containers"])
        return cls(**values)


def policy_problems(policy: ExportPolicy) -> list[str]:
    problems = []
    if not 0.0 <= policy.validation_fraction < 1.0:
        problems.append("validation_fraction must be at least 0 and below 1")
    if not 0 <= policy.max_spread <= 6:
        problems.append("max_spread must be between 0 and 6")
    if policy.min_agreement is not None and not 0.0 <= policy.min_agreement <= 1.0:
        problems.append("min_agreement must be between 0 and 1")
    if policy.neither_acceptable not in NEITHER_POLICIES:
        problems.append(f"neither_acceptable must be one of {', '.join(NEITHER_POLICIES)}")
    if policy.trl_style not in TRL_STYLES:
        problems.append(f"trl_style must be one of {', '.join(TRL_STYLES)}")
    if policy.judge_labels not in JUDGE_LABEL_POLICIES:
        problems.append(f"judge_labels must be one of {', '.join(JUDGE_LABEL_POLICIES)}")
    if policy.aggregation not in AGGREGATIONS:
        problems.append(f"aggregation must be one of {', '.join(AGGREGATIONS)}")
    if not policy.containers or set(policy.containers) - set(CONTAINERS):
        problems.append(f"containers must be a non-empty subset of {', '.join(CONTAINERS)}")
    return problems
