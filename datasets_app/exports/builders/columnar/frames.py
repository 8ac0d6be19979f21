"""Row batches as Polars frames: Arrow schemas of the rows the selectors read, batches cut at group
boundaries, and the per-group Python path for the groups the vectorised rules leave out."""
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa

from datasets_app.exports.builders.grouping import ITEM_FIELDS, RESPONSE_FIELDS, score_column
from datasets_app.exports.builders.policy import ExportPolicy
from datasets_app.exports.builders.splits import TRAIN, VALIDATION
from datasets_app.exports.builders.stats import ExportStats
from datasets_app.exports.builders.writers import rows_to_table

GroupBuilder = Callable[[Any, Any, Any], list[tuple[str, str, tuple]]]  # formats.row_builder's builders
PROCESS_ROWS = 8000  # rows gathered before a batch is processed: fewer Polars calls, but memory grows with it

_TYPES = {
    "item_id": pa.int64(), "annotation_id": pa.int64(), "annotator_id": pa.int64(), "source": pa.string(),
    "strength": pa.int64(), "justification": pa.string(), "neither_acceptable": pa.bool_(), "swapped": pa.bool_(),
    "messages_json": pa.string(), "content_hash": pa.string(), "declared_split": pa.string(),
    "response_1": pa.string(), "response_2": pa.string(), "model_name_1": pa.string(), "model_name_2": pa.string(),
    "round": pa.int64(), "scores_json": pa.string(), "prompt_id": pa.int64(), "response_id": pa.int64(),
    "slot": pa.int64(), "response": pa.string(), "model_name": pa.string(),
}


def row_schema(names: Iterable[str]) -> pa.Schema:
    """The Arrow schema of selector rows with these column names (grouping.ITEM_FIELDS / RESPONSE_FIELDS)."""
    return pa.schema([(name, _TYPES[name]) for name in names])


def item_schema(score_attributes: Sequence[str] = ()) -> pa.Schema:
    """ITEM_FIELDS, then an int64 score column per response slot and attribute."""
    scores = [(score_column(slot, name), pa.int64()) for slot in ("1", "2") for name in score_attributes]
    return pa.schema([*row_schema(ITEM_FIELDS), *scores])


def response_schema(score_attributes: Sequence[str] = ()) -> pa.Schema:
    """RESPONSE_FIELDS, then an int64 score column per attribute (of the row's slot)."""
    return pa.schema([*row_schema(RESPONSE_FIELDS), *[(score_column("", name), pa.int64()) for name in score_attributes]])


def rows_to_batch(rows: list[tuple], schema: pa.Schema) -> pa.RecordBatch:
    """Driver row tuples as one record batch of `schema` (SQLite's 0/1 booleans become booleans)."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = []
    for values, field in zip(columns, schema, strict=True):
        if pa.types.is_boolean(field.type):
            arrays.append(pa.array([None if v is None else bool(v) for v in values], type=pa.bool_()))
        else:
            arrays.append(pa.array(values, type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def whole_groups(batches: Iterable[pa.RecordBatch], key: str, min_rows: int | None = None) -> Iterator[pl.DataFrame]:
    """Frames of at least `min_rows` (PROCESS_ROWS) rows, but the last, that never split a run of equal
    `key` values: rows come ordered by `key`, so the last key of a batch waits for the next one."""
    min_rows = min_rows or PROCESS_ROWS
    pending: list[pl.DataFrame] = []
    size = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        pending.append(pl.from_arrow(batch))
        size += batch.num_rows
        if size < min_rows:
            continue
        frame = pl.concat(pending, rechunk=False)
        cut = frame[key].search_sorted(frame[key][-1], side="left")
        pending, size = [frame[cut:]], frame.height - cut
        if cut:
            yield frame[:cut]
    if size:
        yield pl.concat(pending, rechunk=False)


@dataclass
class BatchContext:
    """What every batch of one export shares: its policy, running stats, pseudonyms and splits."""

    policy: ExportPolicy
    stats: ExportStats
    pseudonym: Callable[[int | None], str | None]
    split: Callable[[str, Any], str]
    count_provenance: Callable[[Any, ExportStats], None]  # services' count of an emitted group's provenance

    def pseudonyms(self, annotator_ids: pl.Series) -> pl.Series:
        ids = [i for i in annotator_ids.unique().to_list() if i is not None]
        mapping = {i: self.pseudonym(i) for i in ids}
        return annotator_ids.replace_strict(mapping, default=None, return_dtype=pl.String)

    def splits(self, content_hashes: pl.Series, declared: pl.Series) -> pl.Series:
        """The split of each prompt (one hash per prompt, however many of its rows are asked about)."""
        known: dict[tuple[str, Any], str] = {}
        splits = []
        for key in zip(content_hashes.to_list(), declared.to_list(), strict=True):
            split = known.get(key)
            if split is None:
                split = known[key] = self.split(*key)
            splits.append(split)
        return pl.Series(splits, dtype=pl.String)

    def count(self, counter: Counter, values: pl.Series) -> None:
        """Add each value's number of occurrences to `counter`."""
        for value, n in values.value_counts().iter_rows():
            counter[value] += n

    def count_labels(self, name: str, values: pl.Series) -> None:
        """stats.label(name, value) for each value (a label with no values gets no entry)."""
        if len(values):
            self.count(self.stats.labels[name], values)

    def count_drops(self, reasons: pl.Series) -> None:
        self.count(self.stats.drops, reasons.drop_nulls())


def rounded_means(total: pl.Expr, count: pl.Expr) -> pl.Expr:
    """aggregation.rounded_mean in integer arithmetic: total / count rounded half away from zero."""
    magnitude = (2 * total.abs() + count) // (2 * count)
    return pl.when(total >= 0).then(magnitude).otherwise(-magnitude)


def side_agreement(positive: pl.Expr, negative: pl.Expr, count: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """aggregation.pair_agreement from side counts: (agreeing pairs, all pairs)."""
    tied = count - positive - negative
    agreeing = (positive * (positive - 1) + negative * (negative - 1) + tied * (tied - 1)) // 2
    return agreeing, count * (count - 1) // 2


def below_agreement(policy: ExportPolicy, agreeing: pl.Expr, pairs: pl.Expr) -> pl.Expr:
    """formats._meets_agreement's refusal: no pairs, or a share of agreeing pairs below the minimum."""
    if policy.min_agreement is None:
        return pl.lit(False)
    return (pairs == 0) | ((agreeing / pairs) < policy.min_agreement)


def to_table(frame: pl.DataFrame, schema: pa.Schema) -> pa.Table:
    """A frame with `schema`'s columns (and maybe more) as an Arrow table of exactly that schema."""
    return frame.select(schema.names).to_arrow().cast(schema)


@dataclass
class FileRows:
    """One batch's rows of one output file: the table (in the file's schema), each row's Hugging Face
    split, and each row's group key (the order the groups came in)."""

    table: pa.Table
    splits: list[str]
    keys: list[Any]


def frame_part(frame: pl.DataFrame, schema: pa.Schema, key: Sequence[str], split: str = "split") -> FileRows:
    """A frame's rows of one file: keyed by its `key` columns (one value, or a tuple of several), with
    the Hugging Face split in column `split`."""
    columns = [frame[name].to_list() for name in key]
    keys = columns[0] if len(columns) == 1 else list(zip(*columns, strict=True))
    return FileRows(to_table(frame, schema), frame[split].to_list(), keys)


def split_files(frame: pl.DataFrame, schemas: dict[str, pa.Schema], key: Sequence[str],
                fallback: dict[str, FileRows]) -> dict[str, FileRows]:
    """The train and validation files of a frame with a `split` column, each merged with the per-group
    path's rows of that file."""
    files = {}
    for name in (TRAIN, VALIDATION):
        merged = merge_parts([frame_part(frame.filter(pl.col("split") == name), schemas[name], key), fallback.get(name)])
        if merged is not None:
            files[name] = merged
    return files


def merge_parts(parts: list[FileRows | None]) -> FileRows | None:
    """The rows of several parts (vectorised and per-group; None for none) in group order; a group's rows
    stay together in their order, since each group is in exactly one part."""
    parts = [part for part in parts if part is not None and part.table.num_rows]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    keys = [key for part in parts for key in part.keys]
    splits = [split for part in parts for split in part.splits]
    order = sorted(range(len(keys)), key=keys.__getitem__)  # stable: rows of one group keep their order
    table = pa.concat_tables([part.table for part in parts]).take(pa.array(order, type=pa.int64()))
    return FileRows(table, [splits[i] for i in order], [keys[i] for i in order])


def emitted_parts(
    emitted: list[tuple[Any, str, str, tuple]], schemas: dict[str, pa.Schema]
) -> dict[str, FileRows]:
    """(group key, file, split, row) triples of the per-group builders, as one part per file."""
    by_file: dict[str, tuple[list, list, list]] = {}
    for key, file_name, split, row in emitted:
        rows, splits, keys = by_file.setdefault(file_name, ([], [], []))
        rows.append(row)
        splits.append(split)
        keys.append(key)
    return {name: FileRows(rows_to_table(rows, schemas[name]), splits, keys) for name, (rows, splits, keys) in by_file.items()}
