"""Scoring preference pairs with a reward model (or ensemble) and reporting how well it agrees.

The report (``verdict_ml.rewards.metrics.pairwise_report``): pairwise accuracy with its 95 % Wilson
interval, BT loss, ECE, mean margin, ties, and accuracy per |preference strength|.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from verdict_ml.rewards.data import PreferencePair
from verdict_ml.rewards.metrics import pairwise_report

Scorer = Callable[[Sequence[list[dict[str, str]]], Sequence[str]], list[float]]


def evaluate_pairs(scorer: Scorer, pairs: Sequence[PreferencePair]) -> dict[str, Any]:
    """Score every pair's chosen and rejected reply with ``scorer(prompts, responses)`` and report."""
    if not pairs:
        raise ValueError("no preference pairs to evaluate")
    prompts = [pair.prompt for pair in pairs]
    chosen = scorer(prompts, [pair.chosen for pair in pairs])
    rejected = scorer(prompts, [pair.rejected for pair in pairs])
    return pairwise_report(chosen, rejected, [pair.strength for pair in pairs])
