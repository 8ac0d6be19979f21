"""The reward-model judge's strength mapping (σ(r2 − r1), cut at 0.55 / 0.65 / 0.80) on hand-worked cases."""
import math

import pytest

from verdict_ml.judges.run import JudgePair, reward_model_verdicts
from verdict_ml.judges.strength import combine_orders, probability_strength, reward_strength


@pytest.mark.parametrize(("r1", "r2", "expected"), [
    (0.0, 1.0, 2),     # σ(1) = 0.731: response 2 better
    (2.0, 0.0, -3),    # σ(−2) = 0.119, confidence 0.881 in response 1: much better
    (0.1, 0.0, 0),     # confidence σ(0.1) = 0.525 < 0.55: a near-tie
    (0.0, 0.3, 1),     # σ(0.3) = 0.574: slightly
    (0.0, math.log(4), 3),  # σ(ln 4) = 0.80 exactly: the cut belongs to the stronger side
    (1.5, 1.5, 0),
])
def test_reward_differences_map_to_strengths(r1, r2, expected):
    assert reward_strength(r1, r2) == expected


def test_cuts_are_checked_and_can_be_changed():
    assert probability_strength(0.6, (0.5, 0.6, 0.9)) == 2
    with pytest.raises(ValueError):
        probability_strength(0.6, (0.7, 0.6, 0.9))
    with pytest.raises(ValueError):
        reward_strength(float("nan"), 0.0)


def test_both_orders_cancel_a_position_following_judge():
    assert combine_orders(-2, 2) == 0     # "A" both times: −2 in the stored order, +2 once swapped back
    assert combine_orders(-2, -3) == -3   # −2.5 rounds half away from zero
    assert combine_orders(None, 1) == 1 and combine_orders(None, None) is None


def test_reward_model_verdicts_score_both_responses_of_each_pair():
    pairs = [JudgePair([{"role": "user", "content": "q"}], "x good", "y"), JudgePair([{"role": "user", "content": "q"}], "z", "w good")]

    def scorer(prompts, responses):
        assert len(prompts) == len(responses) == 4
        return [3.0 if "good" in r else 0.0 for r in responses]

    verdicts = reward_model_verdicts(scorer, pairs)
    assert [v.strength for v in verdicts] == [-3, 3]
    assert verdicts[0].detail == {"reward_1": 3.0, "reward_2": 0.0}
