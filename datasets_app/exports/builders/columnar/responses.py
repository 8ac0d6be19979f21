"""The helpsteer2 format over a frame of whole prompts: grouping.RESPONSE_FIELDS columns, ordered by
prompt, response, annotation id and slot.

A response rated completely by more than three annotators needs the most-agreeing subset search per
attribute (aggregation.aggregate); it goes through the per-group builder, everything else is vectorised."""

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
    split_files,
)
from datasets_app.exports.builders.columnar.text import decoded_messages, helpsteer_prompts
from datasets_app.exports.builders.formats import HELPSTEER_ATTRIBUTES
from datasets_app.exports.builders.grouping import RESPONSE_FIELDS, response_groups, score_column

GROUP = ("prompt_id", "response_id")
_EMPTY_OBJECT = r"^[\t\n\r ]*\{[\t\n\r ]*\}[\t\n\r ]*$"
_PAIRS = ((0, 1), (0, 2), (1, 2))
TEXT_FIELDS = ("messages_json", "content_hash", "declared_split", "response", "model_name")  # a response's, not a rating's


def _kept_ratings(frame: pl.DataFrame, context: BatchContext) -> pl.DataFrame:
    """grouping.response_groups' kept ratings (rated rows, a human's latest rating of a response only)
    without the text columns, which are taken once per response (`row`: the rating's row in `frame`)."""
    scores = pl.col("scores_json")
    ratings = frame.select(
        *GROUP, "annotator_id", "source", "round", *[score_column("", name) for name in HELPSTEER_ATTRIBUTES],
        row=pl.int_range(pl.len(), dtype=pl.UInt32),
        rated=scores.is_not_null() & ~scores.str.contains(_EMPTY_OBJECT),
    )
    rated = ratings.filter(pl.col("rated"))
    latest = pl.struct(*GROUP, "annotator_id").is_last_distinct() | pl.col("annotator_id").is_null()
    kept = rated.filter(latest)
    return kept.with_columns(
        annotator=context.pseudonyms(kept["annotator_id"]),
        # consecutive runs of one response: a sorted key, which group_by takes without hashing
        group=pl.col("response_id").rle_id().set_sorted(),
        **{name: pl.col(score_column("", name)) for name in HELPSTEER_ATTRIBUTES},
    ).with_columns(complete=pl.all_horizontal(pl.col(name).is_not_null() for name in HELPSTEER_ATTRIBUTES))


def _agreement(values: pl.Expr, n: pl.Expr) -> pl.Expr:
    """Agreeing (annotator pair) combinations of one attribute's list of up to three scores."""
    agreeing = pl.lit(0, dtype=pl.Int64)
    for first, second in _PAIRS:
        close = ((values.list.get(first, null_on_oob=True) - values.list.get(second, null_on_oob=True)).abs() <= 1)
        agreeing = agreeing + pl.when((n > second) & close).then(1).otherwise(0)
    return agreeing


def _fallback(frame: pl.DataFrame, keys: pl.DataFrame, context: BatchContext, build: GroupBuilder,
              schemas: dict[str, pa.Schema]) -> dict[str, FileRows]:
    if keys.is_empty():
        return {}
    rows = frame.join(keys, on=list(GROUP), how="semi", maintain_order="left").select(RESPONSE_FIELDS).rows()
    prompt_of = {row[1]: row[0] for row in rows}  # response id → prompt id (ResponseGroup does not carry it)
    emitted = []
    for group in response_groups(iter(rows), context.pseudonym, context.split):
        triples = build(group, context.policy, context.stats)
        key = (prompt_of[group.response_id], group.response_id)
        emitted += [(key, file_name, split, row) for file_name, split, row in triples]
        if triples:
            context.count_provenance(group, context.stats)
    return emitted_parts(emitted, schemas)


def helpsteer2_batch(frame: pl.DataFrame, context: BatchContext, schemas: dict[str, pa.Schema],
                     build: GroupBuilder) -> dict[str, FileRows]:
    """formats.helpsteer2_rows of every rated response."""
    policy, stats = context.policy, context.stats
    kept = _kept_ratings(frame, context)
    complete = pl.col("complete")
    groups = kept.group_by("group", maintain_order=True).agg(
        *[pl.col(name).first() for name in ("prompt_id", "response_id", "round", "row")],
        annotators=pl.col("annotator"),
        sources=pl.col("source"),
        n=complete.sum().cast(pl.Int64),
        **{f"{name}_values": pl.col(name).filter(complete) for name in HELPSTEER_ATTRIBUTES},
    )
    many = pl.col("n") > MOST_AGREEING
    fallback = groups.filter(many).select(GROUP)
    groups = groups.filter(~many)
    n = pl.col("n")
    pairs = n * (n - 1) // 2 * len(HELPSTEER_ATTRIBUTES)
    agreeing = sum((_agreement(pl.col(f"{name}_values"), n) for name in HELPSTEER_ATTRIBUTES), pl.lit(0))
    groups = groups.with_columns(agreeing=agreeing, pairs=pairs).with_columns(
        reason=pl.when(n == 0).then(pl.lit("no_complete_ratings"))
        .when(below_agreement(policy, pl.col("agreeing"), pl.col("pairs"))).then(pl.lit("below_min_agreement"))
    )
    context.count_drops(groups["reason"])
    groups = groups.filter(pl.col("reason").is_null())
    groups = groups.hstack(frame.select(pl.col(TEXT_FIELDS).gather(groups["row"])))
    stats.agreement(int(groups["agreeing"].sum()), int(groups["pairs"].sum()))
    values = {name: pl.col(f"{name}_values") for name in HELPSTEER_ATTRIBUTES}
    groups = groups.with_columns(
        **{name: rounded_means(values[name].list.sum(), n) for name in HELPSTEER_ATTRIBUTES},
        **{f"{name}_spread": values[name].list.max() - values[name].list.min() for name in HELPSTEER_ATTRIBUTES},
    )
    for name in HELPSTEER_ATTRIBUTES:
        context.count_labels(name, groups[name])
        context.count(stats.spreads, groups[f"{name}_spread"])
    stats.annotators.update(groups["annotators"].explode().drop_nulls().unique().to_list())
    context.count(stats.annotations, groups["sources"].explode())
    context.count(stats.models, groups["model_name"])
    context.count(stats.rounds, groups["round"])
    # a prompt's responses follow one another: its prompt string and split are made once
    prompts = groups.unique("prompt_id", keep="first", maintain_order=True)
    prompts = prompts.select(
        "prompt_id",
        split=context.splits(prompts["content_hash"], prompts["declared_split"]),
        prompt=helpsteer_prompts(decoded_messages(prompts["messages_json"])),
    )
    groups = groups.join(prompts, on="prompt_id", maintain_order="left")
    listed = groups.with_columns(**{name: values[name] for name in HELPSTEER_ATTRIBUTES})
    parts = _fallback(frame, fallback, context, build, schemas)
    files = split_files(groups, schemas, GROUP, parts)
    listed = listed.with_columns(hf_split=pl.lit("disagreements"))
    disagreements = merge_parts([frame_part(listed, schemas["disagreements"], GROUP, split="hf_split"),
                                 parts.get("disagreements")])
    if disagreements is not None:
        files["disagreements"] = disagreements
    return files
