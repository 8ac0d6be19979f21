"""Inter-annotator agreement: Krippendorff's alpha and pairwise side agreement. Pure functions.

Alpha depends on the data only through the coincidence matrix (value × value), which is a sum over
units, so `Coincidences` takes units a batch at a time and keeps only that small matrix: agreement
over a million annotations is computed in memory that does not grow with the project. The result
equals the `krippendorff` library's `alpha(value_counts=…)` on the same units
(tests/annotation/test_project_stats.py checks it).
"""
from collections.abc import Iterable, Sequence

import numpy as np


class Coincidences:
    """Krippendorff's coincidence matrix, accumulated a batch of units at a time (vectorised)."""

    def __init__(self) -> None:
        self.index: dict[float, int] = {}
        self.matrix = np.zeros((0, 0))

    def _column(self, value: float) -> int:
        column = self.index.get(value)
        if column is None:
            column = self.index[value] = len(self.index)
            self.matrix = np.pad(self.matrix, ((0, 1), (0, 1)))
        return column

    def add_units(self, units: Iterable[Sequence[float]]) -> None:
        """Each unit is the values annotators gave it; units with fewer than two values are unpairable."""
        pairable = [unit for unit in units if len(unit) >= 2]
        if not pairable:
            return
        columns = [[self._column(value) for value in unit] for unit in pairable]
        counts = np.zeros((len(pairable), len(self.index)))
        for row, unit_columns in enumerate(columns):
            np.add.at(counts[row], unit_columns, 1.0)
        weighted = counts / (counts.sum(axis=1) - 1.0)[:, None]
        # Σ_u (c_u c_uᵀ − diag c_u) / (m_u − 1): every ordered pair of values within a unit.
        self.matrix += weighted.T @ counts - np.diag(weighted.sum(axis=0))

    def alpha(self, level: str = "ordinal") -> float | None:
        """None when there is nothing to compare or no variation at all (alpha undefined)."""
        values = sorted(self.index)
        if not values:
            return None
        order = [self.index[value] for value in values]
        coincidence = self.matrix[np.ix_(order, order)]
        marginals = coincidence.sum(axis=1)
        present = marginals > 0
        if present.sum() < 2:
            return None
        coincidence, marginals = coincidence[np.ix_(present, present)], marginals[present]
        total = marginals.sum()
        if level == "nominal":
            distance = 1.0 - np.eye(len(marginals))
        else:
            # Ordinal δ²(c, k) = (Σ_{g from c to k} n_g − (n_c + n_k) / 2)².
            cumulative = np.concatenate(([0.0], np.cumsum(marginals)))
            low = np.minimum.outer(np.arange(len(marginals)), np.arange(len(marginals)))
            high = np.maximum.outer(np.arange(len(marginals)), np.arange(len(marginals)))
            between = cumulative[high + 1] - cumulative[low]
            distance = (between - np.add.outer(marginals, marginals) / 2.0) ** 2
        observed = float((coincidence * distance).sum())
        expected = float((np.outer(marginals, marginals) * distance).sum())
        return 1.0 - (total - 1.0) * observed / expected


def krippendorff_alpha(units: Sequence[Sequence[float]], level: str = "ordinal") -> float | None:
    """Krippendorff's alpha over units, each the list of values that annotators gave one unit.

    Units with fewer than two values are not pairable and are ignored. `level` is "ordinal" or
    "nominal". Returns None when there is nothing to compare or no variation at all (alpha undefined).
    """
    coincidences = Coincidences()
    coincidences.add_units(units)
    return coincidences.alpha(level)


def side(strength: int) -> int:
    return (strength > 0) - (strength < 0)


def side_pairs(strengths: Sequence[int]) -> tuple[int, int]:
    """(agreeing pairs, pairs) of annotators on one item: same side (1, 2, or neither)."""
    per_side: dict[int, int] = {}
    for strength in strengths:
        per_side[side(strength)] = per_side.get(side(strength), 0) + 1
    n = len(strengths)
    return sum(k * (k - 1) // 2 for k in per_side.values()), n * (n - 1) // 2


def side_agreement_rate(strengths_per_item: Sequence[Sequence[int]]) -> float | None:
    """Share of annotator pairs on the same item that chose the same side (1, 2, or neither)."""
    agreeing = total = 0
    for strengths in strengths_per_item:
        item_agreeing, item_total = side_pairs(strengths)
        agreeing += item_agreeing
        total += item_total
    return agreeing / total if total else None
