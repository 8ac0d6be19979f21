"""Validation metrics for reward models: pure functions on plain lists of floats."""
from __future__ import annotations

import math
from collections.abc import Sequence


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _log_sigmoid(x: float) -> float:
    # Stable: log σ(x) = −log(1 + e^(−x)) = min(x, 0) − log(1 + e^(−|x|)).
    return min(x, 0.0) - math.log1p(math.exp(-abs(x)))


def _check_pairs(chosen: Sequence[float], rejected: Sequence[float]) -> None:
    if len(chosen) != len(rejected):
        raise ValueError(f"{len(chosen)} chosen rewards but {len(rejected)} rejected")
    if not chosen:
        raise ValueError("no pairs to evaluate")


def pairwise_accuracy(chosen: Sequence[float], rejected: Sequence[float]) -> float:
    """Fraction of pairs with r_c > r_r strictly (a tie counts as wrong)."""
    _check_pairs(chosen, rejected)
    return sum(c > r for c, r in zip(chosen, rejected)) / len(chosen)


def bt_loss_value(chosen: Sequence[float], rejected: Sequence[float]) -> float:
    """Mean −log σ(r_c − r_r)."""
    _check_pairs(chosen, rejected)
    return -sum(_log_sigmoid(c - r) for c, r in zip(chosen, rejected)) / len(chosen)


def expected_calibration_error(chosen: Sequence[float], rejected: Sequence[float], n_bins: int = 10) -> float:
    """ECE of the BT probability p = σ(r_c − r_r) that the chosen reply wins.

    Every label is "chosen wins", so ECE on p itself would only measure mean(p). As for any binary
    classifier (Guo et al. 2017) we use the predicted side's confidence max(p, 1 − p) and whether
    that side is right (p > 0.5). Bins are equal-width on [0, 1]: bin i holds i/n ≤ conf < (i+1)/n
    (confidence 1.0 goes in the last bin). ECE = Σ_bins (|bin| / N) · |accuracy(bin) − mean conf(bin)|.
    """
    _check_pairs(chosen, rejected)
    counts = [0] * n_bins
    conf_sums = [0.0] * n_bins
    correct_sums = [0] * n_bins
    for c, r in zip(chosen, rejected):
        p = _sigmoid(c - r)
        conf = max(p, 1.0 - p)
        index = min(int(conf * n_bins), n_bins - 1)
        counts[index] += 1
        conf_sums[index] += conf
        correct_sums[index] += p > 0.5
    total = len(chosen)
    return sum(
        (n / total) * abs(correct_sums[i] / n - conf_sums[i] / n) for i, n in enumerate(counts) if n
    )


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population standard deviation."""
    if not values:
        raise ValueError("no values")
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def pairwise_metrics(chosen: Sequence[float], rejected: Sequence[float]) -> dict[str, float]:
    """Accuracy, BT loss, ECE (10 bins), mean margin, and mean/std of all rewards (chosen and rejected)."""
    mean, std = mean_std([*chosen, *rejected])
    return {
        "accuracy": pairwise_accuracy(chosen, rejected),
        "bt_loss": bt_loss_value(chosen, rejected),
        "ece": expected_calibration_error(chosen, rejected),
        "margin_mean": sum(c - r for c, r in zip(chosen, rejected)) / len(chosen),
        "reward_mean": mean,
        "reward_std": std,
    }


def mse(predictions: Sequence[float], targets: Sequence[float]) -> float:
    if len(predictions) != len(targets) or not predictions:
        raise ValueError("predictions and targets must be non-empty and the same length")
    return sum((p - t) ** 2 for p, t in zip(predictions, targets)) / len(predictions)


def pearson_r(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson correlation; NaN when either side is constant (undefined)."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("need two equally long sequences of at least 2 values")
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return math.nan
    return sxy / math.sqrt(sxx * syy)


def regression_metrics(
    predictions: Sequence[Sequence[float]], targets: Sequence[Sequence[float]], attributes: Sequence[str]
) -> dict[str, float]:
    """Per-attribute MSE and Pearson r (``mse_<attr>``, ``pearson_<attr>``) plus the overall ``mse``.

    ``predictions[i][j]`` / ``targets[i][j]`` are example i's value for ``attributes[j]``.
    """
    metrics: dict[str, float] = {}
    for j, name in enumerate(attributes):
        column_p = [row[j] for row in predictions]
        column_t = [row[j] for row in targets]
        metrics[f"mse_{name}"] = mse(column_p, column_t)
        metrics[f"pearson_{name}"] = pearson_r(column_p, column_t) if len(column_p) > 1 else math.nan
    metrics["mse"] = sum(metrics[f"mse_{name}"] for name in attributes) / len(attributes)
    return metrics


Z_95 = 1.959963984540054  # two-sided 95 % normal quantile


def wilson_interval(successes: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a proportion (95 % by default). ``successes`` may be fractional (an
    ensemble's mean accuracy × n). Chosen over the normal (Wald) interval because it stays inside [0, 1]
    and keeps its coverage on the small sets reward models are often validated on (Brown, Cai &
    DasGupta 2001); (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    p = min(max(successes / n, 0.0), 1.0)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(centre - half, 0.0), min(centre + half, 1.0)


def pairwise_report(
    chosen: Sequence[float], rejected: Sequence[float], strengths: Sequence[int] | None = None
) -> dict[str, object]:
    """Everything ``evaluate_reward_model`` reports: n, accuracy with its 95 % Wilson interval, BT loss,
    ECE, mean margin, ties, and accuracy (with interval) per |preference strength| (``by_strength``)."""
    metrics: dict[str, object] = dict(pairwise_metrics(chosen, rejected))
    n = len(chosen)
    low, high = wilson_interval(metrics["accuracy"] * n, n)  # type: ignore[operator]
    metrics.update({"n": n, "accuracy_low": low, "accuracy_high": high, "interval": "wilson-95",
                    "ties": sum(c == r for c, r in zip(chosen, rejected))})
    by_strength: dict[str, dict[str, float]] = {}
    if strengths is not None:
        if len(strengths) != n:
            raise ValueError(f"{len(strengths)} strengths for {n} pairs")
        for value in sorted(set(strengths)):
            index = [i for i, s in enumerate(strengths) if s == value]
            correct = sum(chosen[i] > rejected[i] for i in index)
            low, high = wilson_interval(correct, len(index))
            by_strength[str(value)] = {"n": len(index), "accuracy": correct / len(index), "accuracy_low": low, "accuracy_high": high}
    metrics["by_strength"] = by_strength
    return metrics


def activation_problems(accuracy: float | None, n: int, min_pairs: int) -> list[str]:
    """Why pairwise evidence (``accuracy`` on ``n`` held-out pairs) does not show a model is better than
    chance: too few pairs, or the lower end of the 95 % Wilson interval at or below 0.5. Empty: it does."""
    if accuracy is None or n <= 0:
        return ["it has no pairwise validation or evaluation result"]
    problems = []
    if n < min_pairs:
        problems.append(f"its accuracy was measured on {n} pair{'s' if n != 1 else ''}, fewer than the {min_pairs} needed")
    low, high = wilson_interval(accuracy * n, n)
    if low <= 0.5:
        problems.append(
            f"its accuracy {accuracy:.3f} on {n} pairs is not above chance with confidence "
            f"(95 % interval {low:.3f}–{high:.3f} includes 0.5)"
        )
    return problems
