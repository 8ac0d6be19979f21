"""`scripts/compare_pair_scores.py`: per-pair reward files pooled over folds, accuracy with its Wilson
interval, and the first model compared with the others on the same pairs (paired bootstrap, McNemar);
unreadable files are refused naming file, line and field."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from verdict_ml.rewards.data import PreferencePair
from verdict_ml.rewards.evaluation import write_pair_scores
from verdict_ml.rewards.metrics import wilson_interval

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "compare_pair_scores.py"


def load_script():
    spec = importlib.util.spec_from_file_location("compare_pair_scores", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scores_file(path: Path, correct: list[bool], first_pair: int = 0) -> Path:
    pairs = [PreferencePair([{"role": "user", "content": f"question {first_pair + i}"}], "yes", "no") for i in range(len(correct))]
    write_pair_scores(path, pairs, [1.0 if right else 0.0 for right in correct], [0.5] * len(correct))
    return path


def compare(*groups: tuple[str, list[Path]]) -> subprocess.CompletedProcess:
    command = [sys.executable, str(SCRIPT)]
    for name, files in groups:
        command += ["--scores", name, *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True)


def test_files_are_pooled_and_each_accuracy_carries_its_wilson_interval(tmp_path):
    folds = [scores_file(tmp_path / "a1.jsonl", [True] * 30 + [False] * 10), scores_file(tmp_path / "a2.jsonl", [True] * 20 + [False] * 20)]

    result = compare(("tuned", folds))

    low, high = wilson_interval(50, 80)
    assert result.returncode == 0, result.stderr
    assert f"tuned: 80 pairs, accuracy 0.625 (95 % Wilson interval {low:.3f}–{high:.3f})" in result.stdout


def test_the_first_model_is_compared_with_the_other_on_the_same_pairs(tmp_path):
    first = [True] * 150 + [False] * 50  # right on 150 pairs
    other = [True] * 100 + [False] * 100  # right on the first 100 only: 50 pairs right only by the first
    result = compare(("tuned", [scores_file(tmp_path / "a.jsonl", first)]), ("plain", [scores_file(tmp_path / "b.jsonl", other)]))

    assert result.returncode == 0, result.stderr
    line = next(text for text in result.stdout.splitlines() if text.startswith("tuned − plain"))
    assert line.startswith("tuned − plain: +0.250")
    assert "right only by tuned: 50, only by plain: 0" in line
    assert "is above plain's accuracy (0.500)" in line
    low, high = (float(value) for value in line.split("interval ")[1].split(")")[0].split(" to "))
    assert 0.15 < low < 0.25 < high < 0.35


def test_a_model_no_better_than_the_other_is_not_called_above_it(tmp_path):
    same = [True, False] * 50
    result = compare(("a", [scores_file(tmp_path / "a.jsonl", same)]), ("b", [scores_file(tmp_path / "b.jsonl", same)]))

    assert "a − b: +0.000" in result.stdout and "is not above b's accuracy" in result.stdout
    assert "McNemar p = 1" in result.stdout


def test_files_of_different_lengths_are_refused_naming_both(tmp_path):
    a, b = scores_file(tmp_path / "a.jsonl", [True] * 10), scores_file(tmp_path / "b.jsonl", [True] * 9)

    result = compare(("a", [a]), ("b", [b]))

    assert result.returncode != 0
    assert f"{a} has 10" in result.stderr and f"{b} has 9" in result.stderr


def test_files_of_other_pairs_are_refused_naming_both_and_the_line(tmp_path):
    a, b = scores_file(tmp_path / "a.jsonl", [True] * 10), scores_file(tmp_path / "b.jsonl", [True] * 10, first_pair=1)

    result = compare(("a", [a]), ("b", [b]))

    assert result.returncode != 0 and f"{a} and {b} hold different pairs at line 1" in result.stderr


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"pair": "k", "chosen": 1.0, "rejected": "x"}', "line 2, field 'rejected': expected a finite number, got 'x'"),
        ('{"pair": "k", "chosen": NaN, "rejected": 0}', "line 2, field 'chosen': expected a finite number, got nan"),
        ('{"pair": "k", "chosen": true, "rejected": 0}', "line 2, field 'chosen'"),
        ('{"chosen": 1.0, "rejected": 0}', "line 2, field 'pair': expected the pair's key, got None"),
        ("[1, 2]", "line 2: expected an object"),
        ("{oops", "line 2: not JSON"),
        ("", "line 2: empty line"),
    ],
)
def test_a_malformed_line_is_refused_naming_the_file_line_and_field(tmp_path, line, expected):
    path = tmp_path / "scores.jsonl"
    path.write_text('{"pair": "k", "chosen": 1.0, "rejected": 0.0}\n' + line + "\n" + '{"pair": "k", "chosen": 1.0, "rejected": 0.0}\n')
    script = load_script()

    with pytest.raises(script.ScoresError) as error:
        script.read_scores(path)

    assert str(error.value).startswith(f"{path}, {expected}")


def test_a_tie_counts_as_wrong(tmp_path):
    path = tmp_path / "ties.jsonl"
    path.write_text('{"pair": "a", "chosen": 0.5, "rejected": 0.5}\n{"pair": "b", "chosen": 0.6, "rejected": 0.5}\n')

    assert load_script().read_scores(path) == [("a", False), ("b", True)]
