"""A Hugging Face DatasetDict folder (as `save_to_disk` writes it) around Arrow streams written elsewhere."""
import json
import shutil
from pathlib import Path

import pyarrow as pa

from datasets_app.exports.builders.archive import file_sha256

SHARD = "data-00000-of-00001.arrow"


def hf_schema(schema: pa.Schema) -> pa.Schema:
    """The schema with the `huggingface` metadata that `datasets` writes into its own Arrow files."""
    from datasets import Features

    features = Features.from_arrow_schema(schema)
    return schema.with_metadata({"huggingface": json.dumps({"info": {"features": features.to_dict()}})})


def save_dataset_dict(target: Path, schemas: dict[str, pa.Schema], paths: dict[str, Path]) -> None:
    """A DatasetDict folder as `save_to_disk` writes it, whose data shards are the staged Arrow streams
    themselves: `save_to_disk` writes the metadata of an empty copy of each split, then each staged file
    becomes the split's only shard. Nothing is read back (no memory-mapped pass over the data), and the
    fingerprint is the content's hash, so state.json does not depend on temporary paths."""
    from datasets import Dataset, DatasetDict, DatasetInfo, Features, NamedSplit, disable_progress_bars
    from datasets.table import InMemoryTable

    disable_progress_bars()
    empty = {
        name: Dataset(
            InMemoryTable(schema.empty_table()),
            info=DatasetInfo(features=Features.from_arrow_schema(schema)),
            split=NamedSplit(name),
            fingerprint=file_sha256(paths[name])[:16],
        )
        for name, schema in schemas.items()
    }
    DatasetDict(empty).save_to_disk(str(target))
    for name, path in paths.items():
        _adopt_shard(target / name, path)


def _adopt_shard(folder: Path, staged: Path) -> None:
    shutil.move(staged, folder / SHARD)
    state_path = folder / "state.json"
    state = json.loads(state_path.read_text())
    state["_data_files"] = [{"filename": SHARD}]
    state_path.write_text(json.dumps(state, indent=2, sort_keys=True))
