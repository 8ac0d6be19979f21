"""From a judge's confidence to a preference strength.

A reward-model judge scores both responses (r1, r2). Under the Bradley–Terry model it was trained with,
P(response 2 is better) = σ(r2 − r1). The confidence in the preferred side, c = max(p, 1 − p) ∈ [0.5, 1],
is cut at three thresholds (`cuts`, default 0.55 / 0.65 / 0.80):

    c < 0.55          → 0  (a near-tie: the judge cannot tell them apart)
    0.55 ≤ c < 0.65   → ±1 (slightly better)
    0.65 ≤ c < 0.80   → ±2 (better)
    c ≥ 0.80          → ±3 (much better)

with the sign of the preferred side (negative = response 1). E.g. r1 = 0, r2 = 1: p = σ(1) = 0.731 → +2;
r1 = 2, r2 = 0: p = σ(−2) = 0.119, c = 0.881 → −3; r1 = 0.1, r2 = 0: c = 0.525 → 0.
The same cuts map an LM judge's verdict-token probabilities (`probability_strength`)."""
from __future__ import annotations

import math
from collections.abc import Sequence

DEFAULT_CUTS = (0.55, 0.65, 0.80)


def check_cuts(cuts: Sequence[float]) -> tuple[float, float, float]:
    """Three increasing confidences in [0.5, 1]."""
    values = tuple(float(c) for c in cuts)
    if len(values) != 3 or not all(0.5 <= c <= 1.0 for c in values) or list(values) != sorted(values):
        raise ValueError(f"cuts must be three increasing confidences between 0.5 and 1; got {list(cuts)}")
    return values  # type: ignore[return-value]


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def probability_strength(p_second: float, cuts: Sequence[float] = DEFAULT_CUTS) -> int:
    """The strength for P(response 2 is better) = `p_second` (see the module's table)."""
    if not 0.0 <= p_second <= 1.0 or math.isnan(p_second):
        raise ValueError(f"a probability must be in [0, 1]; got {p_second}")
    cuts = check_cuts(cuts)
    confidence = max(p_second, 1.0 - p_second)
    magnitude = sum(confidence >= cut for cut in cuts)
    if magnitude == 0:
        return 0
    return magnitude if p_second > 0.5 else -magnitude


def reward_strength(reward_1: float, reward_2: float, cuts: Sequence[float] = DEFAULT_CUTS) -> int:
    """The strength a reward-model judge gives a pair it scored (reward_1, reward_2): σ(r2 − r1) cut."""
    if not (math.isfinite(reward_1) and math.isfinite(reward_2)):
        raise ValueError(f"rewards must be finite; got {reward_1}, {reward_2}")
    return probability_strength(sigmoid(reward_2 - reward_1), cuts)


def combine_orders(first: int | None, second_swapped: int | None) -> int | None:
    """One strength from a verdict on (A = response 1, B = response 2) and one on the swapped order
    (already turned back to the stored order): the mean rounded half away from zero, so verdicts that
    follow the position rather than the content cancel out to a tie. One missing verdict: the other."""
    if first is None or second_swapped is None:
        return first if second_swapped is None else second_swapped
    total = first + second_swapped
    return int(math.copysign(math.floor(abs(total) / 2 + 0.5), total))
