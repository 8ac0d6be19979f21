"""The dataset card (README.md). Rendered only from the export's definition and data, so an unchanged
export gives a byte-identical card."""
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from datasets_app.exports.builders.battles import DESCRIPTION as BATTLES_DESCRIPTION
from datasets_app.exports.builders.hindsight import card_section as hindsight_section

DESCRIPTIONS = {
    "helpsteer2": (
        "One row per (prompt, response) with HelpSteer2's five attributes (0–4). Each label is the mean of the "
        "three annotators who agree most, rounded half away from zero (fewer than three: the mean of all). "
        "`disagreements` lists every annotator's score instead."
    ),
    "helpsteer2-preference": (
        "One row per response pair, HelpSteer2-Preference columns. `preference_strength` is the rounded mean of "
        "the three most similar strengths (−3 = @Response 1 much better … +3 = @Response 2 much better); "
        "`split` is `train` or `val`."
    ),
    "trl-preference": (
        "Preference pairs for TRL's DPOTrainer and RewardTrainer: `prompt`, `chosen`, `rejected` and `margin` "
        "(|aggregate strength|, for the margin Bradley–Terry loss)."
    ),
    "individual": (
        "One row per annotation with a pseudonymous annotator id (a salted hash, stable within the project), "
        "for pluralistic and personalised preference research."
    ),
    "hindsight": (
        "One row per completed hindsight judgement (RLHS): the prompt (messages), the hidden context, the "
        "response(s), the simulated outcome each annotator was shown, their foresight and hindsight ratings "
        "(single response: satisfaction 1–5; pair: strength −3…+3, negative = response 1 better), "
        "`rating_shift` = hindsight − foresight, the justification and the keep-or-return answer. `annotator` "
        "is a pseudonymous id (a salted hash, stable within the project). `outcome_provenance` is a JSON "
        "string {\"1\": {version, simulator, model_path, template_hash, generation_params}, \"2\": … or null}, "
        "the same text in every container."
    ),
    "arena-battles": BATTLES_DESCRIPTION,
}
AGGREGATION_NOTE = (
    "\"Most agreeing\": among all 3-subsets of the annotators' values, the one with the smallest range; ties go to "
    "the smaller variance, then the mean closest to the median of all values, then the lower mean, then the "
    "earliest annotations. Gold items are never exported; imported annotations are included."
)

WEIGHTED_NOTE = (
    "**Reliability-weighted aggregation** (policy `aggregation: reliability_weighted`): instead of the three most "
    "agreeing, each pair's `preference_strength` (and TRL `margin`) is the mean of every judgement's strength weighted "
    "by its annotator's reliability estimate, rounded half away from zero; the three heaviest judgements speak for "
    "the pair (statements, `three_most_similar_preferences`, the spread checked against `max_spread`). The weights were "
    "taken when this version was defined and are listed below by the annotators' pseudonyms (as in the `individual` "
    "format); judgements without an estimate (imported labels, annotators the model could not learn about) weigh "
    "the default."
)


@dataclass(frozen=True)
class CardContext:
    title: str
    format_name: str
    projects: Sequence[dict[str, str]]
    licence: str
    filters: dict[str, Any]
    policy: dict[str, Any]
    schemas: dict[str, pa.Schema]
    stats: dict[str, Any]
    file_names: Sequence[str]
    review: dict[str, int] | None = None  # quality_counts: accepted, not_reviewed, adjudicated_items


def _licence_tag(licence: str) -> str:
    return licence.strip().lower() or "other"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _judge_section(context: CardContext) -> list[str]:
    """How many rows came from which model judge, when the export took judges' labels (RLAIF)."""
    judged = context.stats.get("judged_items") or {}
    if context.policy.get("judge_labels") != "fill" and not judged:
        return []
    lines = ["", "## AI feedback (RLAIF)", ""]
    lines.append(
        "- policy `judge_labels: fill`: items that no person labelled carry a **model judge's label** instead (AI feedback, "
        "not human feedback); items people labelled carry only people's labels. Such rows have `source` "
        "`model:<judge>` where the format has a `source` column."
    )
    if judged:
        lines += ["", *_table(["model judge", "items (rows) labelled by it"], sorted(judged.items()))]
        lines += ["", f"- items with a model judge's label: {sum(judged.values())} (the rest: people's labels)"]
    else:
        lines.append("- no exported item carries a model judge's label.")
    return lines


def render_card(context: CardContext) -> str:
    stats = context.stats
    tags = ["- human-feedback", *(["- ai-feedback", "- rlaif"] if stats.get("judged_items") else []), "- verdict"]
    lines = ["---", f"license: {_licence_tag(context.licence)}", "tags:", *tags, "---", ""]
    lines += [f"# {context.title}", "", DESCRIPTIONS[context.format_name], ""]
    if not sum(stats["rows"].values()):
        lines += ["**This dataset is empty: no annotations matched the filters below.**", ""]
    lines += ["## Splits and files", ""]
    lines += _table(["file / split", "rows"], [(name, stats["rows"].get(name, 0)) for name in context.file_names])
    lines += ["", "## Schema", ""]
    for name, schema in context.schemas.items():
        lines += [f"### {name}", ""]
        lines += _table(["column", "type"], [(f"`{field.name}`", f"`{field.type}`") for field in schema])
        lines.append("")
    lines += ["## Label distributions", ""]
    if stats["labels"]:
        for label, counts in stats["labels"].items():
            lines.append(f"- `{label}`: " + ", ".join(f"{value}: {count}" for value, count in counts.items()))
    else:
        lines.append("- none")
    agreement = stats["agreement"]
    rate = "n/a" if agreement["rate"] is None else f"{agreement['rate']:.3f}"
    lines += ["", "## Agreement", ""]
    lines.append(
        f"- agreeing annotator pairs: {agreement['agreeing_pairs']} of {agreement['pairs']} ({rate}); pairs agree when "
        "they choose the same side, or for attribute scores when they differ by at most 1."
    )
    lines.append("- spread of the aggregated (three most agreeing) values: " + (
        ", ".join(f"{spread}: {count}" for spread, count in stats["spreads"].items()) or "none"
    ))
    if context.format_name == "hindsight":
        lines += ["", *hindsight_section(stats.get("hindsight") or {"scales": {}})]
    if context.review is not None:
        review = context.review
        lines += ["", "## Review and adjudication", ""]
        lines.append(f"- annotations accepted by a reviewer (corrections included): {review['accepted']}")
        lines.append(f"- annotations not reviewed: {review['not_reviewed']}")
        lines.append(f"- adjudicated items (label set by an adjudicator, the item's other judgements left out): {review['adjudicated_items']}")
        lines.append("- annotations a reviewer rejected or replaced by a correction are never exported.")
    lines += _judge_section(context)
    excluded = context.filters.get("exclude_annotators")
    if excluded:
        lines += ["", "## Excluded annotators", ""]
        lines.append(f"- every label of these {len(excluded)} annotator(s) was left out by the researchers: "
                     + ", ".join(f"`{name}`" for name in excluded))
    lines += ["", "## Filters and policy", ""]
    lines += [f"- filter `{key}`: {json.dumps(value, ensure_ascii=False)}" for key, value in context.filters.items()]
    lines += [f"- policy `{key}`: {json.dumps(value, ensure_ascii=False)}" for key, value in context.policy.items()
              if key != "reliability_weights"]
    lines += ["", AGGREGATION_NOTE]
    weights = context.policy.get("reliability_weights")
    if context.policy.get("aggregation") == "reliability_weighted" and weights:
        lines += ["", WEIGHTED_NOTE, "", f"Weights: {weights['source']}; default weight {weights['default']}.", ""]
        lines += _table(["annotator (pseudonym)", "weight"], sorted(weights["by_annotator"].items()))
    lines += ["", "## Drops", ""]
    lines += [f"- {reason}: {count}" for reason, count in stats["drops"].items()] or ["- none"]
    lines += ["", "## Provenance", ""]
    lines.append("- projects: " + ", ".join(f"{p['name']} (`{p['slug']}`)" for p in context.projects))
    lines.append("- annotations used: " + (", ".join(f"{k} {v}" for k, v in stats["annotations"].items()) or "0"))
    lines.append(f"- distinct human annotators: {stats['annotators']}")
    lines.append("- response models: " + (", ".join(f"{k or 'unknown'} {v}" for k, v in stats["models"].items()) or "none"))
    lines.append("- rounds: " + (", ".join(f"{'none' if k == 'None' else k}: {v}" for k, v in stats["rounds"].items()) or "none"))
    lines += ["", "## Licence", "", context.licence or "No licence was set on the project.", ""]
    return "\n".join(lines)
