"""`scripts/split_preferences.py --folds K --fold I`: K-fold cross-validation by prompt hash. The K held-out
files partition the input, no prompt lies on both sides of a fold, and fold 0 of 5 is `--held-out 0.2`."""
import gzip
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "split_preferences.py"


def hh_row(prompt: str, reply: str) -> str:
    return json.dumps({"chosen": f"\n\nHuman: {prompt}\n\nAssistant: {reply} yes", "rejected": f"\n\nHuman: {prompt}\n\nAssistant: {reply} no"})


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "pairs.jsonl"
    # 80 prompts, every fourth with a second pair, so that prompts repeat across rows
    lines = [hh_row(f"question {i}", "a") for i in range(80)] + [hh_row(f"question {i}", "b") for i in range(0, 80, 4)]
    path.write_text("\n".join(lines) + "\n")
    return path


def split(source: Path, out: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(source), "--out-dir", str(out), *options], capture_output=True, text=True)


def lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()


def prompts(rows: list[str]) -> set[str]:
    return {json.loads(row)["chosen"].split("\n\nAssistant:")[0] for row in rows}


def test_the_folds_held_out_files_partition_the_input_and_no_prompt_is_on_both_sides(source, tmp_path):
    held_out: list[str] = []
    for fold in range(5):
        out = tmp_path / f"fold-{fold}"
        assert split(source, out, "--folds", "5", "--fold", str(fold)).returncode == 0
        train, test = lines(out / "train.jsonl.gz"), lines(out / "held-out.jsonl.gz")
        assert Counter(train + test) == Counter(source.read_text().splitlines())
        assert not prompts(train) & prompts(test)
        held_out += test
    assert Counter(held_out) == Counter(source.read_text().splitlines())


def test_fold_0_of_5_is_the_split_of_held_out_0_2(source, tmp_path):
    split(source, tmp_path / "fold", "--folds", "5", "--fold", "0")
    split(source, tmp_path / "fraction", "--held-out", "0.2")

    for name in ("train.jsonl.gz", "held-out.jsonl.gz"):
        assert lines(tmp_path / "fold" / name) == lines(tmp_path / "fraction" / name)
    assert lines(tmp_path / "fold" / "held-out.jsonl.gz")


@pytest.mark.parametrize("options", [("--folds", "5", "--fold", "5"), ("--folds", "1", "--fold", "0"), ("--folds", "5"), ("--fold", "1")])
def test_a_fold_outside_the_folds_is_refused_and_writes_nothing(source, tmp_path, options):
    result = split(source, tmp_path / "out", *options)

    assert result.returncode != 0 and "--fold" in result.stderr
    assert not (tmp_path / "out").exists()
