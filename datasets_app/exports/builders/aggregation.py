"""How several annotators' labels become one, HelpSteer2-style.

"Most agreeing" (used for both Likert scores and preference strengths): among all k-subsets of the
values (k = 3), the one with the smallest range (max − min); ties go to the smaller population
variance, then to the subset whose mean is closest to the median of all values, then to the lower
mean, then to the subset of earliest annotations (the inputs' order, which callers keep by
annotation id). With k or fewer values, all of them are used. The label is the subset's mean,
rounded half away from zero (2.5 → 3, −1.5 → −2).
"""
from collections.abc import Sequence
from fractions import Fraction
from itertools import combinations
from statistics import median
from typing import NamedTuple

MOST_AGREEING = 3


def round_half_away(value: Fraction | float) -> int:
    magnitude = int(abs(Fraction(value)) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def rounded_mean(total: int, count: int) -> int:
    """round_half_away(total / count) in integer arithmetic (the export's hot path)."""
    magnitude = (2 * abs(total) + count) // (2 * count)
    return magnitude if total >= 0 else -magnitude


def most_agreeing(values: Sequence[int], k: int = MOST_AGREEING) -> tuple[int, ...]:
    """Indices (ascending) of the k values that agree most; all indices when there are k or fewer."""
    if len(values) <= k:
        return tuple(range(len(values)))
    twice_median = int(2 * median(values))

    # Integer keys proportional to the documented ones: k·Σv² − (Σv)² to the variance, |2Σv − k·2·median|
    # to the mean's distance from the median, Σv to the mean.
    def key(indices: tuple[int, ...]) -> tuple:
        chosen = [values[i] for i in indices]
        total = sum(chosen)
        spread = max(chosen) - min(chosen)
        return (spread, k * sum(v * v for v in chosen) - total * total, abs(2 * total - k * twice_median), total, indices)

    return min(combinations(range(len(values)), k), key=key)


class Aggregate(NamedTuple):
    value: int
    spread: int
    indices: tuple[int, ...]


def aggregate(values: Sequence[int], k: int = MOST_AGREEING) -> Aggregate:
    """The rounded mean of the k most agreeing values, their spread and which inputs they were."""
    if not values:
        raise ValueError("aggregate() needs at least one value")
    if len(values) <= k:  # the usual case (three annotators per item), without the subset search
        chosen, indices = values, tuple(range(len(values)))
    else:
        indices = most_agreeing(values, k)
        chosen = [values[i] for i in indices]
    return Aggregate(rounded_mean(sum(chosen), len(chosen)), max(chosen) - min(chosen), indices)


def weighted_aggregate(values: Sequence[int], weights: Sequence[float], k: int = MOST_AGREEING) -> Aggregate:
    """Reliability-weighted aggregation: the weighted mean of every value, rounded half away from zero (the
    plain mean when the weights sum to 0). The judgements that speak for it (`indices`, whose spread is
    reported and checked against max_spread) are the k with the largest weights, earliest first on ties."""
    if not values:
        raise ValueError("weighted_aggregate() needs at least one value")
    total_weight = sum(weights)
    if total_weight > 0:
        mean = sum(Fraction(w).limit_denominator(10**6) * v for w, v in zip(weights, values)) / Fraction(total_weight).limit_denominator(10**6)
    else:
        mean = Fraction(sum(values), len(values))
    heaviest = sorted(range(len(values)), key=lambda i: (-weights[i], i))[:k]
    chosen = [values[i] for i in heaviest]
    return Aggregate(round_half_away(mean), max(chosen) - min(chosen), tuple(sorted(heaviest)))


def pair_agreement(strengths: Sequence[int]) -> tuple[int, int]:
    """(agreeing pairs, all pairs) of annotators on the same item choosing the same side (1, 2 or tie),
    counted from how many chose each side: a side chosen c times makes c·(c−1)/2 agreeing pairs."""
    count = len(strengths)
    positive = negative = 0
    for strength in strengths:
        if strength > 0:
            positive += 1
        elif strength < 0:
            negative += 1
    tied = count - positive - negative
    agreeing = (positive * (positive - 1) + negative * (negative - 1) + tied * (tied - 1)) // 2
    return agreeing, count * (count - 1) // 2


def likert_agreement(rows: Sequence[Sequence[int]]) -> tuple[int, int]:
    """(agreeing, all) (annotator pair, attribute) combinations whose scores differ by at most 1; each row
    holds one annotator's scores of the same attributes, in the same order."""
    agreeing = total = 0
    for first, second in combinations(rows, 2):
        total += len(first)
        for a, b in zip(first, second):
            agreeing += -1 <= a - b <= 1
    return agreeing, total
