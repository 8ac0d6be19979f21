"""Inter-annotator agreement: Krippendorff's alpha and pairwise side agreement. Pure functions."""
from collections import Counter
from collections.abc import Hashable, Sequence
from itertools import permutations


def krippendorff_alpha(units: Sequence[Sequence[float]], level: str = "ordinal") -> float | None:
    """Krippendorff's alpha over units, each the list of values that annotators gave one unit.

    Units with fewer than two values are not pairable and are ignored. `level` is "ordinal" or
    "nominal". Returns None when there is nothing to compare or no variation at all (alpha undefined).
    """
    pairable = [list(unit) for unit in units if len(unit) >= 2]
    if not pairable:
        return None
    coincidence: Counter[tuple[float, float]] = Counter()
    for unit in pairable:
        weight = 1.0 / (len(unit) - 1)
        for first, second in permutations(range(len(unit)), 2):
            coincidence[(unit[first], unit[second])] += weight
    marginals: Counter[float] = Counter()
    for (value, _), count in coincidence.items():
        marginals[value] += count
    total = sum(marginals.values())
    values = sorted(marginals)
    if len(values) < 2:
        return None

    def distance(c: float, k: float) -> float:
        if c == k:
            return 0.0
        if level == "nominal":
            return 1.0
        low, high = sorted((c, k))
        between = sum(marginals[g] for g in values if low <= g <= high)
        return (between - (marginals[c] + marginals[k]) / 2.0) ** 2

    observed = sum(count * distance(c, k) for (c, k), count in coincidence.items())
    expected = sum(marginals[c] * marginals[k] * distance(c, k) for c in values for k in values)
    return 1.0 - (total - 1.0) * observed / expected


def side(strength: int) -> int:
    return (strength > 0) - (strength < 0)


def side_agreement_rate(strengths_per_item: Sequence[Sequence[int]]) -> float | None:
    """Share of annotator pairs on the same item that chose the same side (1, 2, or neither)."""
    agreeing = total = 0
    for strengths in strengths_per_item:
        sides: list[Hashable] = [side(s) for s in strengths]
        for i in range(len(sides)):
            for j in range(i + 1, len(sides)):
                total += 1
                agreeing += sides[i] == sides[j]
    return agreeing / total if total else None
