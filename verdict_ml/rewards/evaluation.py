"""Scoring preference pairs with a reward model (or ensemble) and reporting how well it agrees.

The report (``verdict_ml.rewards.metrics.pairwise_report``): pairwise accuracy with its 95 % Wilson
interval, BT loss, ECE, mean margin, ties, and accuracy per |preference strength|.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from verdict_ml.rewards.data import PreferencePair
from verdict_ml.rewards.metrics import pairwise_report

Scorer = Callable[[Sequence[list[dict[str, str]]], Sequence[str]], list[float]]


class ScoresFileError(OSError):
    """The per-pair scores file could not be written (its message names the path and the reason)."""


def evaluate_pairs(
    scorer: Scorer, pairs: Sequence[PreferencePair], *, scores_path: Path | None = None
) -> dict[str, Any]:
    """Score every pair's chosen and rejected reply with ``scorer(prompts, responses)`` and report;
    with ``scores_path``, also write each pair's rewards there (``write_pair_scores``)."""
    if not pairs:
        raise ValueError("no preference pairs to evaluate")
    prompts = [pair.prompt for pair in pairs]
    chosen = scorer(prompts, [pair.chosen for pair in pairs])
    rejected = scorer(prompts, [pair.rejected for pair in pairs])
    if scores_path is not None:
        write_pair_scores(scores_path, pairs, chosen, rejected)
    return pairwise_report(chosen, rejected, [pair.strength for pair in pairs])


def pair_key(pair: PreferencePair) -> str:
    """A short fingerprint of the pair's prompt and replies: two scores files line up when their keys do."""
    text = json.dumps([pair.prompt, pair.chosen, pair.rejected], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_pair_scores(
    path: Path, pairs: Sequence[PreferencePair], chosen: Sequence[float], rejected: Sequence[float]
) -> None:
    """One JSON line per pair, in the pairs' order: ``{"pair": pair_key, "chosen": r_c, "rejected": r_r}``.
    Written to a temporary file renamed at the end, so a failed run leaves no file, whole or half-written
    (``ScoresFileError``). Two models' files on the same pairs compare pair by pair
    (``scripts/compare_pair_scores.py``)."""
    if not len(pairs) == len(chosen) == len(rejected):
        raise ValueError(f"{len(pairs)} pairs, {len(chosen)} chosen rewards and {len(rejected)} rejected")
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as out:
            for pair, c, r in zip(pairs, chosen, rejected):
                out.write(json.dumps({"pair": pair_key(pair), "chosen": c, "rejected": r}) + "\n")
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ScoresFileError(f"Cannot write the scores to {path}: {error.strerror or error}") from error
