"""The item formats (trl-preference, helpsteer2-preference, individual) over a frame of whole items:
grouping.ITEM_FIELDS columns, ordered by item then annotation id.

Items with more than three judgements that carry a strength need the most-agreeing subset search
(aggregation.most_agreeing); they go through the per-group builders, as does every item under
reliability-weighted aggregation; everything else is vectorised."""

import polars as pl
import pyarrow as pa

from datasets_app.exports.builders.aggregation import MOST_AGREEING
from datasets_app.exports.builders.columnar.frames import (
    BatchContext,
    FileRows,
    GroupBuilder,
    below_agreement,
    emitted_parts,
    frame_part,
    merge_parts,
    rounded_means,
    side_agreement,
    split_files,
)
from datasets_app.exports.builders.columnar.text import (
    canonical_justifications,
    decoded_messages,
    helpsteer_prompts,
    statements_and_elaborations,
)
from datasets_app.exports.builders.formats import PREFERENCE_SPLIT_VALUES
from datasets_app.exports.builders.grouping import ITEM_FIELDS, item_groups
from datasets_app.exports.builders.records import NEITHER_VALID
from datasets_app.exports.builders.stats import MODEL_PREFIX

_ITEM_COLUMNS = ("messages_json", "content_hash", "declared_split", "response_1", "response_2",
                 "model_name_1", "model_name_2", "round")


def _prepared(frame: pl.DataFrame, context: BatchContext, *, justifications: bool) -> pl.DataFrame:
    strength, neither = pl.col("strength"), pl.col("neither_acceptable").fill_null(False)
    frame = frame.with_columns(
        neither_acceptable=neither,
        swapped=pl.col("swapped").fill_null(False),
        valid=~neither & strength.is_not_null(),
        annotator=context.pseudonyms(frame["annotator_id"]),
    )
    if justifications:
        return frame.with_columns(justification=canonical_justifications(frame["justification"], frame["swapped"]))
    return frame.with_columns(justification=pl.lit(""))


def _sorted_items() -> pl.Expr:
    """The item id as a sorted key (rows come ordered by item), which group_by takes without hashing."""
    return pl.col("item_id").set_sorted()


def _items(frame: pl.DataFrame, counted: pl.Expr, *extra: pl.Expr) -> pl.DataFrame:
    """One row per item: its own columns, how many of its judgements are `counted` (n) and how many of
    those prefer each side, and any `extra` aggregates."""
    strength = pl.col("strength")
    return frame.group_by(_sorted_items(), maintain_order=True).agg(
        *[pl.col(name).first() for name in _ITEM_COLUMNS],
        *extra,
        n=counted.sum().cast(pl.Int64),
        positive=(counted & (strength > 0)).sum().cast(pl.Int64),
        negative=(counted & (strength < 0)).sum().cast(pl.Int64),
    )


def _with_split(items: pl.DataFrame, context: BatchContext) -> pl.DataFrame:
    return items.with_columns(split=context.splits(items["content_hash"], items["declared_split"]))


def _count_item_provenance(rows: pl.DataFrame, items: pl.DataFrame, context: BatchContext) -> None:
    """What dataset_rows.count_provenance counts for each emitted item: its judgements' sources and
    annotators, its responses' models, its round."""
    stats = context.stats
    context.count(stats.annotations, rows["source"])
    judged = rows.filter(pl.col("source").str.starts_with(MODEL_PREFIX)).select("item_id", "source").unique()
    context.count(stats.judged_items, judged["source"].str.strip_prefix(MODEL_PREFIX))
    stats.annotators.update(rows["annotator"].drop_nulls().unique().to_list())
    context.count(stats.models, pl.concat([items["model_name_1"], items["model_name_2"]]).drop_nulls())
    context.count(stats.rounds, items["round"])


def _fallback(frame: pl.DataFrame, item_ids: pl.Series, context: BatchContext, build: GroupBuilder,
              schemas: dict[str, pa.Schema], *, justifications: bool) -> dict[str, FileRows]:
    """The per-group builders over the given items' rows (their Python reference implementation)."""
    if item_ids.is_empty():
        return {}
    # The frame's justifications are already in stored order ("@Response 1/2"): read as unswapped,
    # item_groups leaves them as they are (rewriting them by the shown order again would swap them back).
    rows = frame.filter(pl.col("item_id").is_in(item_ids.implode())).with_columns(swapped=pl.lit(False)).select(ITEM_FIELDS).rows()
    emitted = []
    for group in item_groups(iter(rows), context.pseudonym, context.split, with_justifications=justifications):
        triples = build(group, context.policy, context.stats)
        emitted += [(group.item_id, file_name, split, row) for file_name, split, row in triples]
        if triples:
            context.count_provenance(group, context.stats)
    return emitted_parts(emitted, schemas)


def _aggregated_pairs(frame: pl.DataFrame, context: BatchContext, *, keep_ties: bool) -> tuple[pl.DataFrame, pl.Series]:
    """formats._aggregate_pair over every item with at most three strengths: (kept items with `value`
    and `spread`, ids of the items left to the per-group path). Drops and agreement are counted."""
    policy, stats = context.policy, context.stats
    strength, valid = pl.col("strength"), pl.col("valid")
    items = _items(
        frame, valid,
        strength.filter(valid).sum().cast(pl.Int64).alias("total"),
        strength.filter(valid).min().alias("low"),
        strength.filter(valid).max().alias("high"),
    )
    # Reliability-weighted aggregation runs through the per-group builders for every item.
    many = (pl.col("n") > MOST_AGREEING) | pl.lit(policy.aggregation == "reliability_weighted")
    fallback = items.filter(many)["item_id"]
    agreeing, pairs = side_agreement(pl.col("positive"), pl.col("negative"), pl.col("n"))
    items = items.filter(~many).with_columns(
        value=pl.when(pl.col("n") > 0).then(rounded_means(pl.col("total"), pl.col("n"))),
        spread=pl.col("high") - pl.col("low"), agreeing=agreeing, pairs=pairs,
    )
    reason = (
        pl.when(pl.col("n") == 0).then(pl.lit("no_preference"))
        .when(pl.col("spread") > policy.max_spread).then(pl.lit("spread_above_max"))
        .when(pl.lit(not keep_ties) & (pl.col("value") == 0)).then(pl.lit("tie"))
        .when(below_agreement(policy, pl.col("agreeing"), pl.col("pairs"))).then(pl.lit("below_min_agreement"))
    )
    items = items.with_columns(reason=reason)
    context.count_drops(items["reason"])
    kept = items.filter(pl.col("reason").is_null())
    stats.agreement(int(kept["agreeing"].sum()), int(kept["pairs"].sum()))
    context.count(stats.spreads, kept["spread"])
    return _with_split(kept, context), fallback


def _rows_of(frame: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
    return frame.join(items.select("item_id"), on="item_id", how="semi", maintain_order="left")


def trl_preference_batch(frame: pl.DataFrame, context: BatchContext, schemas: dict[str, pa.Schema],
                         build: GroupBuilder) -> dict[str, FileRows]:
    """formats.trl_preference_rows of every item (ties always dropped)."""
    frame = _prepared(frame, context, justifications=False)
    kept, fallback = _aggregated_pairs(frame, context, keep_ties=False)
    _count_item_provenance(_rows_of(frame, kept), kept, context)
    first_better = pl.col("value") < 0
    kept = kept.with_columns(
        chosen=pl.when(first_better).then(pl.col("response_1")).otherwise(pl.col("response_2")),
        rejected=pl.when(first_better).then(pl.col("response_2")).otherwise(pl.col("response_1")),
        margin=pl.col("value").abs().cast(pl.Float64),
    )
    context.count_labels("margin", kept["margin"])
    messages = decoded_messages(kept["messages_json"])
    if context.policy.trl_style == "conversational":
        def turn(text: str) -> pl.Expr:
            return pl.concat_list(pl.struct(role=pl.lit("assistant"), content=pl.col(text)))

        kept = kept.with_columns(prompt=messages, chosen=turn("chosen"), rejected=turn("rejected"))
    else:
        kept = kept.with_columns(prompt=helpsteer_prompts(messages))
    return split_files(kept, schemas, ["item_id"], _fallback(frame, fallback, context, build, schemas, justifications=False))


def helpsteer2_preference_batch(frame: pl.DataFrame, context: BatchContext, schemas: dict[str, pa.Schema],
                                build: GroupBuilder) -> dict[str, FileRows]:
    """formats.helpsteer2_preference_rows of every item."""
    policy = context.policy
    frame = _prepared(frame, context, justifications=True)
    kept, fallback = _aggregated_pairs(frame, context, keep_ties=not policy.drop_ties)
    rows = _rows_of(frame, kept)
    _count_item_provenance(rows, kept, context)
    context.count_labels("preference_strength", kept["value"])
    rows = rows.join(kept.select("item_id", "value"), on="item_id", maintain_order="left")
    valid = rows.filter(pl.col("valid"))
    valid = pl.concat([valid, statements_and_elaborations(valid["justification"])], how="horizontal")
    distance = (pl.col("strength") - pl.col("value")).abs()
    similar = valid.group_by(_sorted_items(), maintain_order=True).agg(
        three_most_similar_preferences=pl.struct("statement", "elaboration", "strength"),
        preference_statement=pl.col("statement").sort_by(distance, pl.col("annotation_id")).first(),
        preference_elaboration=pl.col("elaboration").sort_by(distance, pl.col("annotation_id")).first(),
    )
    listed = pl.col("valid") | (pl.col("neither_acceptable") & pl.lit(policy.neither_acceptable == "mark"))
    unprocessed = rows.filter(listed).group_by(_sorted_items(), maintain_order=True).agg(
        all_preferences_unprocessed=pl.struct(
            strength=pl.when(pl.col("neither_acceptable")).then(pl.lit(NEITHER_VALID)).otherwise(pl.col("strength")),
            justification=pl.col("justification"),
        )
    )
    kept = (
        kept.join(similar, on="item_id", maintain_order="left").join(unprocessed, on="item_id", maintain_order="left")
        .with_columns(
            split_value=pl.col("split").replace_strict(PREFERENCE_SPLIT_VALUES, return_dtype=pl.String),
            prompt=helpsteer_prompts(decoded_messages(kept["messages_json"])),
            preference_strength=pl.col("value"),
        )
    )
    schema = schemas["preference"]
    table_frame = kept.with_columns(pl.col("split").alias("hf_split"), pl.col("split_value").alias("split"))
    parts = _fallback(frame, fallback, context, build, schemas, justifications=True)
    merged = merge_parts([frame_part(table_frame, schema, ["item_id"], split="hf_split"), *parts.values()])
    return {"preference": merged} if merged is not None else {}


def individual_batch(frame: pl.DataFrame, context: BatchContext, schemas: dict[str, pa.Schema]) -> dict[str, FileRows]:
    """The individual format: one row per annotation of every item, with the annotator's pseudonym and
    the scores (selected as columns by the database). No aggregation, so no per-group path either."""
    policy, stats = context.policy, context.stats
    frame = _prepared(frame, context, justifications=True)
    neither, strength = pl.col("neither_acceptable"), pl.col("strength")
    included = pl.lit(policy.neither_acceptable == "mark") | ~neither
    counted = included & strength.is_not_null() & ~neither
    frame = frame.with_columns(included=included, counted=counted)
    items = _items(frame, pl.col("counted"), pl.col("included").sum().cast(pl.Int64))
    agreeing, pairs = side_agreement(pl.col("positive"), pl.col("negative"), pl.col("n"))
    items = items.with_columns(agreeing=agreeing, pairs=pairs).with_columns(
        reason=pl.when(pl.col("included") == 0).then(pl.lit("no_annotations"))
        .when(below_agreement(policy, pl.col("agreeing"), pl.col("pairs"))).then(pl.lit("below_min_agreement"))
    )
    context.count_drops(items["reason"])
    kept = items.filter(pl.col("reason").is_null())
    stats.agreement(int(kept["agreeing"].sum()), int(kept["pairs"].sum()))
    kept = _with_split(kept, context)
    _count_item_provenance(_rows_of(frame, kept), kept, context)
    kept = kept.with_columns(prompt=helpsteer_prompts(decoded_messages(kept["messages_json"])))
    rows = _rows_of(frame, kept).filter(pl.col("included"))
    context.count_labels("preference_strength", rows["strength"].drop_nulls())
    rows = rows.join(kept.select("item_id", "split", "prompt"), on="item_id", maintain_order="left")
    return split_files(rows.with_columns(preference_strength=strength), schemas, ["item_id"], {})
