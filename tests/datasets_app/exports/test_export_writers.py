"""The streaming writers on their own: a write failing in the writer thread reaches the caller and
leaves no thread or open file behind, whenever it happens."""
import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import load_from_disk

from datasets_app.exports.builders import writers
from datasets_app.exports.builders.writers import DatasetSink

SCHEMA = pa.schema([("prompt", pa.string()), ("margin", pa.float64())])


def writer_threads():
    return [thread for thread in threading.enumerate() if thread.name == "export-writer" and thread.is_alive()]


def test_rows_reach_every_container_in_order(tmp_path):
    with DatasetSink(tmp_path, {"train": SCHEMA}, {"train": SCHEMA}, ["jsonl", "parquet", "hf"]) as sink:
        for n in range(3):
            sink.write("train", "train", (f"q{n}", float(n)))
    assert pq.read_table(tmp_path / "parquet" / "train.parquet").to_pylist() == [{"prompt": f"q{n}", "margin": float(n)} for n in range(3)]
    assert load_from_disk(str(tmp_path / "hf"))["train"]["prompt"] == ["q0", "q1", "q2"]
    assert writer_threads() == []


def test_a_batch_failing_before_the_last_one_fails_the_close_and_stops_the_writer(tmp_path, monkeypatch):
    def full_disk(table):
        raise OSError("No space left on device")

    monkeypatch.setattr(writers, "json_lines", full_disk)
    monkeypatch.setattr(writers, "BATCH_ROWS", 2)
    with pytest.raises(OSError, match="No space left"), DatasetSink(tmp_path, {"train": SCHEMA}, {}, ["jsonl"]) as sink:
        sink.write("train", "train", ("a", 1.0))
        sink.write("train", "train", ("b", 2.0))  # a full batch: goes to the writer thread, which fails
        deadline = time.monotonic() + 5
        while sink.worker._error is None and time.monotonic() < deadline:
            time.sleep(0.01)
        sink.write("train", "train", ("c", 3.0))  # left for the last flush, which meets the failure
    assert writer_threads() == []
    assert sink.files["train"]._raw.closed
