"""Which batch builder makes which format, and the key its row batches are cut on."""
from collections.abc import Callable
from functools import partial

import polars as pl
import pyarrow as pa

from datasets_app.exports.builders import formats
from datasets_app.exports.builders.columnar.frames import BatchContext, FileRows
from datasets_app.exports.builders.columnar.pairs import (
    helpsteer2_preference_batch,
    individual_batch,
    trl_preference_batch,
)
from datasets_app.exports.builders.columnar.responses import helpsteer2_batch

BatchBuilder = Callable[[pl.DataFrame, BatchContext], dict[str, FileRows]]
COLUMNAR_FORMATS = ("helpsteer2", "helpsteer2-preference", "trl-preference", "individual")


def group_key(format_name: str) -> str:
    """The column whose runs are never split between two batches: a prompt's rows for helpsteer2
    (its responses follow one another), an item's rows for the pair formats."""
    return "prompt_id" if format_name == "helpsteer2" else "item_id"


def batch_builder(format_name: str, schemas: dict[str, pa.Schema]) -> BatchBuilder:
    """(frame of whole groups, context) → the batch's rows of each file."""
    if format_name == "individual":
        return partial(individual_batch, schemas=schemas)
    reference = formats.row_builder(format_name)
    if format_name == "helpsteer2":
        return partial(helpsteer2_batch, schemas=schemas, build=reference)
    if format_name == "helpsteer2-preference":
        return partial(helpsteer2_preference_batch, schemas=schemas, build=reference)
    if format_name == "trl-preference":
        return partial(trl_preference_batch, schemas=schemas, build=reference)
    raise ValueError(f"{format_name!r} has no batch builder")

