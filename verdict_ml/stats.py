"""Intervals the evaluation figures carry: a seeded percentile bootstrap over units (prompts, battles),
and Wilson's score interval for a proportion. numpy only; nothing here knows what is being measured."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal
BOOTSTRAP_SAMPLES = 1000


def bootstrap_interval(
    values: Sequence[float],
    *,
    statistic: Callable[[Sequence[float]], float] | None = None,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of `statistic` (the mean by default) over `values`, one per unit.

    Draws `samples` resamples of len(values) units with replacement from numpy's PCG64 seeded by
    `seed`, computes the statistic of each, and returns its (1 − level)/2 and (1 + level)/2
    quantiles (numpy's linear interpolation). None without values; a single value gives (v, v).
    The interval is over the units given (e.g. prompts), so samples of one prompt move together.
    """
    import numpy as np

    if not values:
        return None
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(data), size=(samples, len(data)))
    if statistic is None:
        stats = data[picks].mean(axis=1)
    else:
        stats = np.array([statistic(data[row].tolist()) for row in picks])
    tail = (1 - level) / 2
    low, high = np.quantile(stats, [tail, 1 - tail])
    return float(low), float(high)


def wilson_interval(successes: int, trials: int, *, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval for successes / trials (95 % with the default z); None without trials."""
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be from 0 to trials ({trials}); got {successes}")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
