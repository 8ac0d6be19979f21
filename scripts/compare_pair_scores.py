"""Pool and compare reward models' per-pair scores (``evaluate_reward_model --scores-out``,
``benchmarks/reward_training.py --plain-loop --scores-out``), for example over cross-validation folds.

    .venv/bin/python scripts/compare_pair_scores.py \\
        --scores defaults cv/1/defaults.jsonl cv/2/defaults.jsonl \\
        --scores plain cv/1/plain.jsonl cv/2/plain.jsonl

Each ``--scores NAME FILE…`` pools its files (one JSON line per pair: ``{"pair": key, "chosen": r_c,
"rejected": r_r}``); a pair is right when r_c > r_r (a tie is wrong, as in ``evaluate_reward_model``). For
each name it prints the pooled pairwise accuracy with its 95 % Wilson interval. The first name is then
compared with each other one on the same pairs: the k-th file of every name must hold the same pairs in
the same order (the same keys, line by line; a mismatch is refused, naming both files and the line):
- whether the lower end of the first's interval lies above the other's accuracy;
- the paired difference of accuracies with a 95 % bootstrap interval (BCa, 10,000 resamples of pairs,
  seed 0; scipy.stats.bootstrap);
- the exact McNemar test on the pairs where only one of the two is right (scipy.stats.binomtest).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verdict_ml.rewards.metrics import wilson_interval


class ScoresError(ValueError):
    """A scores file that cannot be read, named with its line and field."""


def read_scores(path: Path) -> list[tuple[str, bool]]:
    """Every line of ``path`` as (pair key, whether the chosen reply out-scores the rejected one)."""
    scores: list[tuple[str, bool]] = []
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    raise ScoresError(f"{path}, line {number}: empty line")
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ScoresError(f"{path}, line {number}: not JSON ({error.msg})") from None
                if not isinstance(row, dict):
                    raise ScoresError(f"{path}, line {number}: expected an object with pair, chosen and rejected")
                if not isinstance(row.get("pair"), str) or not row["pair"]:
                    raise ScoresError(f"{path}, line {number}, field 'pair': expected the pair's key, got {row.get('pair')!r}")
                values = []
                for field in ("chosen", "rejected"):
                    value = row.get(field)
                    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                        raise ScoresError(f"{path}, line {number}, field {field!r}: expected a finite number, got {value!r}")
                    values.append(value)
                scores.append((row["pair"], values[0] > values[1]))
    except (OSError, UnicodeDecodeError) as error:
        raise ScoresError(f"{path}: cannot be read ({error})") from None
    if not scores:
        raise ScoresError(f"{path}: no pairs")
    return scores


def pooled(groups: Sequence[tuple[str, Sequence[Path]]]) -> dict[str, list[bool]]:
    """Each name's files read and concatenated; every name must have as many files, and the k-th files
    the same pairs in the same order."""
    counts = {len(files) for _, files in groups}
    if len(counts) != 1:
        raise ScoresError("every --scores needs the same number of files (the k-th files hold the same pairs)")
    names = [name for name, _ in groups]
    if len(set(names)) != len(names):
        raise ScoresError("each --scores needs its own name")
    results: dict[str, list[bool]] = {name: [] for name in names}
    for files in zip(*(files for _, files in groups)):
        read = [read_scores(path) for path in files]
        if len({len(scores) for scores in read}) != 1:
            sizes = ", ".join(f"{path} has {len(scores)}" for path, scores in zip(files, read))
            raise ScoresError(f"the files compared pair by pair hold different numbers of pairs: {sizes}")
        for number, lines in enumerate(zip(*read), start=1):
            for path, (key, _) in zip(files[1:], lines[1:]):
                if key != lines[0][0]:
                    raise ScoresError(f"{files[0]} and {path} hold different pairs at line {number}")
        for name, scores in zip(names, read):
            results[name].extend(correct for _, correct in scores)
    return results


def paired_difference(first: Sequence[bool], other: Sequence[bool]) -> dict[str, float]:
    """Accuracy of ``first`` minus ``other`` on the same pairs, its 95 % BCa bootstrap interval, and the
    exact McNemar p-value (two-sided binomial test on the discordant pairs)."""
    import numpy as np
    from scipy.stats import binomtest, bootstrap

    a, b = np.asarray(first, dtype=float), np.asarray(other, dtype=float)
    difference = float(a.mean() - b.mean())
    only_first, only_other = int(((a == 1) & (b == 0)).sum()), int(((a == 0) & (b == 1)).sum())
    if only_first == only_other == 0:
        return {"difference": difference, "low": difference, "high": difference, "p_value": 1.0,
                "only_first": 0, "only_other": 0}
    interval = bootstrap(
        (a, b), lambda x, y, axis=-1: x.mean(axis=axis) - y.mean(axis=axis), paired=True, vectorized=True,
        n_resamples=10_000, confidence_level=0.95, method="BCa", rng=np.random.default_rng(0),
    ).confidence_interval
    p_value = binomtest(only_first, only_first + only_other, 0.5).pvalue
    return {"difference": difference, "low": float(interval.low), "high": float(interval.high), "p_value": float(p_value),
            "only_first": only_first, "only_other": only_other}


def report(results: dict[str, list[bool]]) -> str:
    lines = []
    accuracy = {}
    for name, correct in results.items():
        n, right = len(correct), sum(correct)
        low, high = wilson_interval(right, n)
        accuracy[name] = (right / n, low)
        lines.append(f"{name}: {n} pairs, accuracy {right / n:.3f} (95 % Wilson interval {low:.3f}–{high:.3f})")
    first, *others = results
    for other in others:
        diff = paired_difference(results[first], results[other])
        above = accuracy[first][1] > accuracy[other][0]
        lines.append(
            f"{first} − {other}: {diff['difference']:+.3f} (95 % paired bootstrap interval {diff['low']:+.3f} to "
            f"{diff['high']:+.3f}); right only by {first}: {diff['only_first']}, only by {other}: {diff['only_other']} "
            f"(exact McNemar p = {diff['p_value']:.3g}); the lower end of {first}'s interval "
            f"({accuracy[first][1]:.3f}) is {'above' if above else 'not above'} {other}'s accuracy ({accuracy[other][0]:.3f})"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scores", nargs="+", action="append", required=True, metavar=("NAME", "FILE"),
                        help="a name, then its scores files (repeat for each model; the first is compared with the others)")
    args = parser.parse_args()
    groups = []
    for values in args.scores:
        if len(values) < 2:
            parser.error(f"--scores {values[0]} needs at least one file after the name")
        groups.append((values[0], [Path(value) for value in values[1:]]))
    try:
        print(report(pooled(groups)))
    except ScoresError as error:
        sys.exit(f"compare_pair_scores: {error}")


if __name__ == "__main__":
    main()
