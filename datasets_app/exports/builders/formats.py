"""Row builders and Arrow schemas of each export format. Each builder takes one group and returns
(file, split, row) triples: `file` names the JSONL/Parquet file, `split` the Hugging Face split, and
`row` is a tuple in the order of that file's schema (the writers convert a batch column by column), with
struct values as tuples in their fields' order too (Arrow converts those several times faster than dicts)."""
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

import pyarrow as pa

from datasets_app.codecs.helpsteer2 import HELPSTEER_ATTRIBUTES, encode_prompt
from datasets_app.exports.builders.aggregation import (
    MOST_AGREEING,
    aggregate,
    likert_agreement,
    pair_agreement,
    rounded_mean,
    weighted_aggregate,
)
from datasets_app.exports.builders.battles import battle_schema
from datasets_app.exports.builders.grouping import score_column
from datasets_app.exports.builders.hindsight import HindsightTally, hindsight_export_rows, hindsight_schema
from datasets_app.exports.builders.policy import ExportPolicy
from datasets_app.exports.builders.records import NEITHER_VALID, ItemGroup, Judgement, ResponseGroup
from datasets_app.exports.builders.splits import TRAIN, VALIDATION
from datasets_app.exports.builders.stats import ExportStats
from datasets_app.exports.builders.text import statement_and_elaboration

_HELPSTEER_NAMES = frozenset(HELPSTEER_ATTRIBUTES)
_helpsteer_values = itemgetter(*HELPSTEER_ATTRIBUTES)
PREFERENCE_SPLIT_VALUES = {TRAIN: "train", VALIDATION: "val"}
Emitted = list[tuple[str, str, tuple]]

MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])


def helpsteer2_schemas() -> dict[str, pa.Schema]:
    text = [("prompt", pa.string()), ("response", pa.string())]
    rated = pa.schema(text + [(name, pa.int64()) for name in HELPSTEER_ATTRIBUTES])
    listed = pa.schema(text + [(name, pa.list_(pa.int64())) for name in HELPSTEER_ATTRIBUTES])
    return {TRAIN: rated, VALIDATION: rated, "disagreements": listed}


def preference_schema() -> pa.Schema:
    return pa.schema([
        ("split", pa.string()),
        ("prompt", pa.string()),
        ("response_1", pa.string()),
        ("response_2", pa.string()),
        ("preference_strength", pa.int64()),
        ("preference_statement", pa.string()),
        ("preference_elaboration", pa.string()),
        ("three_most_similar_preferences", pa.list_(pa.struct([
            ("statement", pa.string()), ("elaboration", pa.string()), ("strength", pa.int64())
        ]))),
        ("all_preferences_unprocessed", pa.list_(pa.struct([("strength", pa.int64()), ("justification", pa.string())]))),
    ])


def trl_schema(style: str) -> pa.Schema:
    kind = pa.list_(MESSAGE) if style == "conversational" else pa.string()
    return pa.schema([("prompt", kind), ("chosen", kind), ("rejected", kind), ("margin", pa.float64())])


def individual_schema(attributes: Sequence[str]) -> pa.Schema:
    columns = [
        ("split", pa.string()),
        ("item_id", pa.int64()),
        ("prompt", pa.string()),
        ("response_1", pa.string()),
        ("response_2", pa.string()),
        ("annotator", pa.string()),
        ("source", pa.string()),
        ("preference_strength", pa.int64()),
        ("justification", pa.string()),
        ("neither_acceptable", pa.bool_()),
    ]
    columns += [(score_column(slot, name), pa.int64()) for slot in ("1", "2") for name in attributes]
    return pa.schema(columns)


def file_schemas(format_name: str, policy: ExportPolicy, attributes: Sequence[str]) -> dict[str, pa.Schema]:
    if format_name == "helpsteer2":
        return helpsteer2_schemas()
    if format_name == "helpsteer2-preference":
        return {"preference": preference_schema()}
    if format_name == "trl-preference":
        return {TRAIN: trl_schema(policy.trl_style), VALIDATION: trl_schema(policy.trl_style)}
    if format_name == "individual":
        return {TRAIN: individual_schema(attributes), VALIDATION: individual_schema(attributes)}
    if format_name == "hindsight":
        return {TRAIN: hindsight_schema(), VALIDATION: hindsight_schema()}
    if format_name == "arena-battles":
        return {TRAIN: battle_schema(), VALIDATION: battle_schema()}
    raise ValueError(f"unknown format {format_name!r}")


def _meets_agreement(policy: ExportPolicy, agreeing: int, total: int, stats: ExportStats) -> bool:
    if policy.min_agreement is None:
        return True
    if total == 0 or agreeing / total < policy.min_agreement:
        stats.drop("below_min_agreement")
        return False
    return True


# ---------------------------------------------------------------- helpsteer2


def helpsteer2_rows(group: ResponseGroup, policy: ExportPolicy, stats: ExportStats) -> Emitted:
    score_sets = [s for s in group.score_sets if s.keys() >= _HELPSTEER_NAMES]
    if not score_sets:
        stats.drop("no_complete_ratings")
        return []
    matrix = [_helpsteer_values(s) for s in score_sets]  # one row of HELPSTEER_ATTRIBUTES values per annotator
    agreeing, total = likert_agreement(matrix)
    if not _meets_agreement(policy, agreeing, total, stats):
        return []
    stats.agreement(agreeing, total)
    rated: list[Any] = [group.prompt, group.response]
    listed: list[Any] = [group.prompt, group.response]
    few = len(matrix) <= MOST_AGREEING  # aggregate() of k or fewer values: their rounded mean and range
    for name, values in zip(HELPSTEER_ATTRIBUTES, zip(*matrix)):
        if few:
            value, spread = rounded_mean(sum(values), len(values)), max(values) - min(values)
        else:
            value, spread, _ = aggregate(values)
        rated.append(value)
        listed.append(values)
        stats.labels[name][value] += 1
        stats.spreads[spread] += 1
    return [(group.split, group.split, tuple(rated)), ("disagreements", "disagreements", tuple(listed))]


# ---------------------------------------------------------------- pairs


def _counted(group: ItemGroup, policy: ExportPolicy) -> tuple[list[Judgement], list[Judgement]]:
    """(judgements with a strength, judgements to list as unprocessed) under the neither-acceptable policy."""
    valid, listed = [], []
    for judgement in group.judgements:
        if judgement.neither_acceptable:
            if policy.neither_acceptable == "mark":
                listed.append(judgement)
            continue
        if judgement.strength is not None:
            valid.append(judgement)
            listed.append(judgement)
    return valid, listed


def _aggregate_pair(group: ItemGroup, policy: ExportPolicy, stats: ExportStats, *, keep_ties: bool):  # noqa: ANN202
    """The aggregate of a pair and its judgements, or None (counting why) when the pair is dropped."""
    valid, listed = _counted(group, policy)
    if not valid:
        stats.drop("no_preference")
        return None
    strengths = [j.strength for j in valid]
    if policy.aggregation == "reliability_weighted":
        result = weighted_aggregate(strengths, [judgement_weight(policy, j.annotator) for j in valid])
    else:
        result = aggregate(strengths)
    if result.spread > policy.max_spread:
        stats.drop("spread_above_max")
        return None
    if result.value == 0 and not keep_ties:
        stats.drop("tie")
        return None
    agreeing, total = pair_agreement(strengths)
    if not _meets_agreement(policy, agreeing, total, stats):
        return None
    stats.agreement(agreeing, total)
    stats.spreads[result.spread] += 1
    return result, valid, listed


def judgement_weight(policy: ExportPolicy, annotator: str | None) -> float:
    """The weight of an annotator's (pseudonym's) judgements under reliability-weighted aggregation."""
    weights = policy.reliability_weights or {}
    return float(weights.get("by_annotator", {}).get(annotator, weights.get("default", 1.0)))


def _representative(chosen: list[Judgement], value: int) -> Judgement:
    """The judgement whose statement speaks for the pair: the earliest of the three most similar whose
    strength is nearest the aggregate."""
    return min(chosen, key=lambda j: (abs(j.strength - value), j.annotation_id))


def helpsteer2_preference_rows(group: ItemGroup, policy: ExportPolicy, stats: ExportStats) -> Emitted:
    aggregated = _aggregate_pair(group, policy, stats, keep_ties=not policy.drop_ties)
    if aggregated is None:
        return []
    result, valid, listed = aggregated
    chosen = [valid[i] for i in result.indices]
    statement, elaboration = statement_and_elaboration(_representative(chosen, result.value).justification)
    similar = []
    for judgement in chosen:
        part_statement, part_elaboration = statement_and_elaboration(judgement.justification)
        similar.append((part_statement, part_elaboration, judgement.strength))
    unprocessed = [(NEITHER_VALID if j.neither_acceptable else j.strength, j.justification) for j in listed]
    stats.label("preference_strength", result.value)
    row = (
        PREFERENCE_SPLIT_VALUES[group.split],
        encode_prompt(group.messages),
        group.response_1,
        group.response_2,
        result.value,
        statement,
        elaboration,
        similar,
        unprocessed,
    )
    return [("preference", group.split, row)]


def trl_preference_rows(group: ItemGroup, policy: ExportPolicy, stats: ExportStats) -> Emitted:
    """Ties carry no preference, so TRL pairs always drop them whatever `drop_ties` says."""
    aggregated = _aggregate_pair(group, policy, stats, keep_ties=False)
    if aggregated is None:
        return []
    result = aggregated[0]
    chosen, rejected = (group.response_1, group.response_2) if result.value < 0 else (group.response_2, group.response_1)
    margin = float(abs(result.value))
    stats.label("margin", margin)
    if policy.trl_style == "conversational":
        row = ([(m["role"], m["content"]) for m in group.messages], [("assistant", chosen)], [("assistant", rejected)], margin)
    else:
        row = (encode_prompt(group.messages), chosen, rejected, margin)
    return [(group.split, group.split, row)]


def hindsight_judgement_rows(group: Any, policy: ExportPolicy, stats: ExportStats) -> Emitted:
    """One row per judgement of a prepared hindsight group (builders.hindsight.export_groups)."""
    if stats.hindsight is None:
        stats.hindsight = HindsightTally()
    return hindsight_export_rows(group, stats.hindsight, stats.label)


def row_builder(format_name: str) -> Callable[[Any, ExportPolicy, ExportStats], Emitted]:
    if format_name == "helpsteer2":
        return helpsteer2_rows
    if format_name == "helpsteer2-preference":
        return helpsteer2_preference_rows
    if format_name == "trl-preference":
        return trl_preference_rows
    if format_name == "hindsight":
        return hindsight_judgement_rows
    raise ValueError(f"unknown format {format_name!r}")
