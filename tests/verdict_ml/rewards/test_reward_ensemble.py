"""Ensemble aggregation and disagreement against values worked out by hand."""
import pytest

from verdict_ml.rewards.ensemble import aggregate_rewards, disagreement

# Three members, two items: item 1 scores 1, 2, 3; item 2 scores 0, 0, 3.
SCORES = [[1.0, 0.0], [2.0, 0.0], [3.0, 3.0]]


def test_mean() -> None:
    assert aggregate_rewards(SCORES, "mean") == pytest.approx([2.0, 1.0])


def test_worst_case_is_the_minimum() -> None:
    assert aggregate_rewards(SCORES, "min") == [1.0, 0.0]


def test_uwo_subtracts_lambda_times_population_variance() -> None:
    # Item 1: variance ((−1)² + 0² + 1²)/3 = 2/3; item 2: ((−1)² + (−1)² + 2²)/3 = 2.
    assert aggregate_rewards(SCORES, "uwo", uwo_lambda=0.5) == pytest.approx([2.0 - 0.5 * 2 / 3, 1.0 - 0.5 * 2])


def test_single_member_uwo_is_the_score() -> None:
    assert aggregate_rewards([[0.7]], "uwo", uwo_lambda=1.0) == [0.7]


def test_unknown_method_and_ragged_members_are_rejected() -> None:
    with pytest.raises(ValueError, match="method"):
        aggregate_rewards(SCORES, "median")
    with pytest.raises(ValueError, match="different numbers"):
        aggregate_rewards([[1.0], [1.0, 2.0]])


def test_disagreement_is_variance_of_reward_differences() -> None:
    members = [
        [(1.0, 0.0), (5.0, 5.0)],  # differences 1, 0
        [(3.0, 2.0), (1.0, 3.0)],  # differences 1, −2
    ]
    # Pair 1: both members say +1 (offsets differ) → 0. Pair 2: 0 and −2 → mean −1, variance 1.
    assert disagreement(members) == pytest.approx([0.0, 1.0])
