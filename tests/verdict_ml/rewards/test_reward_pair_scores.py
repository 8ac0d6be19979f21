"""`write_pair_scores`: one keyed JSON line per pair, and a file that cannot be written leaves nothing
behind, not even the temporary one (ScoresFileError names the path)."""
import json

import pytest

from verdict_ml.rewards.data import PreferencePair
from verdict_ml.rewards.evaluation import ScoresFileError, pair_key, write_pair_scores

PAIRS = [PreferencePair([{"role": "user", "content": f"question {i}"}], "yes", "no") for i in range(3)]


def test_each_line_holds_the_pairs_key_and_its_two_rewards(tmp_path):
    path = tmp_path / "scores.jsonl"

    write_pair_scores(path, PAIRS, [1.0, 2.0, 3.0], [0.5, 2.5, 3.0])

    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows == [{"pair": pair_key(p), "chosen": c, "rejected": r} for p, c, r in zip(PAIRS, [1.0, 2.0, 3.0], [0.5, 2.5, 3.0])]
    assert len({row["pair"] for row in rows}) == len(PAIRS)


def test_a_path_that_cannot_take_the_file_leaves_no_partial_file(tmp_path):
    path = tmp_path / "scores.jsonl"
    path.mkdir()  # a folder where the file should go: the final rename fails

    with pytest.raises(ScoresFileError, match=f"Cannot write the scores to {path}"):
        write_pair_scores(path, PAIRS, [1.0, 2.0, 3.0], [0.5, 2.5, 3.0])

    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.jsonl"]
