"""Validation metrics against values worked out by hand."""
import math

import pytest

from verdict_ml.rewards.metrics import (
    bt_loss_value,
    expected_calibration_error,
    mean_std,
    pairwise_accuracy,
    pairwise_metrics,
    pearson_r,
    regression_metrics,
)

# Differences r_c − r_r: 2.0, −1.0, 0.0, 0.5.
CHOSEN = [3.0, 0.0, 1.0, 0.5]
REJECTED = [1.0, 1.0, 1.0, 0.0]


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_pairwise_accuracy_counts_ties_as_wrong() -> None:
    assert pairwise_accuracy(CHOSEN, REJECTED) == 0.5  # pairs 1 and 4 right, the tie and pair 2 wrong


def test_bt_loss_value() -> None:
    expected = -sum(math.log(sigmoid(d)) for d in (2.0, -1.0, 0.0, 0.5)) / 4
    assert bt_loss_value(CHOSEN, REJECTED) == pytest.approx(expected)


def test_bt_loss_value_is_stable_for_large_differences() -> None:
    assert bt_loss_value([0.0], [1000.0]) == pytest.approx(1000.0)
    assert bt_loss_value([1000.0], [0.0]) == pytest.approx(0.0)


def test_expected_calibration_error_by_hand() -> None:
    # p = σ(d): 0.880797, 0.268941, 0.5, 0.622459. Confidence max(p, 1 − p) and correctness (p > 0.5):
    #   0.880797 right → bin 8;  0.731059 wrong → bin 7;  0.5 wrong → bin 5;  0.622459 right → bin 6.
    # One pair per bin, so ECE = (1/4) Σ |correct − confidence|.
    expected = (abs(1 - 0.880797) + abs(0 - 0.731059) + abs(0 - 0.5) + abs(1 - 0.622459)) / 4
    assert expected_calibration_error(CHOSEN, REJECTED) == pytest.approx(expected, abs=1e-6)


def test_expected_calibration_error_pools_a_bin() -> None:
    # Differences 2.0 and −2.0 share bin 8 (confidence 0.880797 each), one right, one wrong:
    # bin accuracy 0.5, bin confidence 0.880797 → ECE = |0.5 − 0.880797|.
    assert expected_calibration_error([2.0, 0.0], [0.0, 2.0]) == pytest.approx(0.380797, abs=1e-6)


def test_mean_std_uses_population_std() -> None:
    mean, std = mean_std([1.0, 3.0])
    assert (mean, std) == (2.0, 1.0)


def test_pairwise_metrics_bundle() -> None:
    metrics = pairwise_metrics(CHOSEN, REJECTED)
    # All eight rewards 3 + 0 + 1 + 0.5 + 1 + 1 + 1 + 0 = 7.5 → mean 0.9375.
    assert metrics["accuracy"] == 0.5
    assert metrics["reward_mean"] == pytest.approx(0.9375)
    assert metrics["margin_mean"] == pytest.approx((2.0 - 1.0 + 0.0 + 0.5) / 4)
    assert set(metrics) == {"accuracy", "bt_loss", "ece", "margin_mean", "reward_mean", "reward_std"}


def test_pearson_r_by_hand() -> None:
    # x = 1, 2, 3; y = 1, 3, 2: deviations (−1, 0, 1) and (−1, 1, 0) → Sxy = 1, Sxx = Syy = 2 → r = 0.5.
    assert pearson_r([1.0, 2.0, 3.0], [1.0, 3.0, 2.0]) == pytest.approx(0.5)
    assert math.isnan(pearson_r([1.0, 1.0], [0.0, 2.0]))


def test_regression_metrics_per_attribute() -> None:
    predictions = [[1.0, 0.0], [2.0, 1.0], [3.0, 5.0]]
    targets = [[1.0, 0.0], [3.0, 2.0], [2.0, 4.0]]
    metrics = regression_metrics(predictions, targets, ["helpfulness", "verbosity"])
    assert metrics["mse_helpfulness"] == pytest.approx(2 / 3)  # errors 0, 1, 1
    assert metrics["mse_verbosity"] == pytest.approx(2 / 3)  # errors 0, 1, 1
    assert metrics["mse"] == pytest.approx(2 / 3)
    assert metrics["pearson_helpfulness"] == pytest.approx(0.5)
    # verbosity: x = 0, 1, 5 (mean 2); y = 0, 2, 4 (mean 2): Sxy = 4 + 0 + 6 = 10, Sxx = 14, Syy = 8.
    assert metrics["pearson_verbosity"] == pytest.approx(10 / math.sqrt(14 * 8))


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError):
        pairwise_accuracy([1.0], [1.0, 2.0])
