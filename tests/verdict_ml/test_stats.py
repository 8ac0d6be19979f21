"""The intervals round figures carry, on cases worked by hand."""
import pytest

from verdict_ml.stats import bootstrap_interval, wilson_interval


def test_wilson_interval_of_5_in_10():
    # p = ½, z² = 3.8415: centre (½ + z²/20) / (1 + z²/10) = ½, half-width
    # z·√(¼/10 + z²/400) / (1 + z²/10) = 1.96 · 0.18602 / 1.38415 = 0.26340.
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.236596, abs=1e-5)
    assert high == pytest.approx(0.763404, abs=1e-5)


def test_wilson_interval_of_none_in_20_starts_at_zero_and_is_not_empty():
    # p = 0: centre = half-width = (z²/40) / (1 + z²/20) = 0.09604 / 1.19207 → (0, 0.16113).
    low, high = wilson_interval(0, 20)
    assert low == 0
    assert high == pytest.approx(0.161125, abs=1e-5)
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_bootstrap_over_two_prompts_spans_both():
    # Resampling two prompts valued 0 and 1 gives means 0, ½, 1 with chances ¼, ½, ¼: the 2.5th
    # percentile is 0 and the 97.5th is 1.
    assert bootstrap_interval([0.0, 1.0], samples=4000, seed=1) == (0.0, 1.0)


def test_bootstrap_of_equal_values_is_a_point_and_is_seeded():
    assert bootstrap_interval([0.3] * 5) == pytest.approx((0.3, 0.3))
    assert bootstrap_interval([]) is None
    values = [0.1, 0.5, 0.2, 0.9, 0.4, 0.7]
    assert bootstrap_interval(values, seed=2) == bootstrap_interval(values, seed=2)
    low, high = bootstrap_interval(values, seed=2)
    assert low < sum(values) / len(values) < high
