"""Pair selection against hand-made rewards."""

import pytest

from verdict_ml.online_dpo import ScoredSample, score_samples, select_pairs

PROMPT = [{"role": "user", "content": "Describe a cat."}]


def group(*rewards_and_lengths):
    return [
        ScoredSample(prompt=PROMPT, response=f"response {i}", reward=reward, length=length)
        for i, (reward, length) in enumerate(rewards_and_lengths)
    ]


@pytest.fixture
def one_group():
    return [group((0.5, 10), (0.9, 10), (0.1, 10), (0.7, 10))]


def test_best_vs_worst_is_the_default(one_group):
    (pair,) = select_pairs(one_group)

    assert (pair.chosen, pair.rejected) == ("response 1", "response 2")
    assert (pair.chosen_reward, pair.rejected_reward) == (0.9, 0.1)
    assert pair.gap == pytest.approx(0.8)
    assert pair.prompt == PROMPT
    assert pair.strategy == "best_vs_worst"


def test_best_vs_second(one_group):
    (pair,) = select_pairs(one_group, "best_vs_second")

    assert (pair.chosen, pair.rejected) == ("response 1", "response 3")


def test_best_vs_random_rejects_one_of_the_others_reproducibly(one_group):
    many = one_group * 50

    first = select_pairs(many, "best_vs_random", seed=3)
    second = select_pairs(many, "best_vs_random", seed=3)

    assert [p.rejected for p in first] == [p.rejected for p in second]
    assert {p.chosen for p in first} == {"response 1"}
    assert {p.rejected for p in first} == {"response 0", "response 2", "response 3"}


def test_ties_are_dropped():
    assert select_pairs([group((0.4, 5), (0.4, 7))]) == []
    assert select_pairs([group((0.9, 5), (0.9, 7), (0.1, 3))], "best_vs_second") == []


def test_pairs_below_min_gap_are_dropped():
    groups = [group((0.5, 5), (0.6, 5)), group((0.1, 5), (0.9, 5))]

    pairs = select_pairs(groups, min_gap=0.3)

    assert [(p.chosen_reward, p.rejected_reward) for p in pairs] == [(0.9, 0.1)]


def test_length_penalty_flips_the_choice():
    groups = [group((1.0, 40), (0.9, 5), (0.2, 30))]

    (plain,) = select_pairs(groups, "best_vs_worst")
    (penalised,) = select_pairs(groups, "length_penalised", length_penalty_alpha=0.01)

    assert plain.chosen == "response 0"
    assert penalised.chosen == "response 1"
    assert penalised.rejected == "response 2"
    assert penalised.gap == pytest.approx((0.9 - 0.05) - (0.2 - 0.3))


def test_groups_with_one_sample_or_identical_texts_give_no_pair():
    same_text = [
        ScoredSample(prompt=PROMPT, response="same", reward=1.0, length=2),
        ScoredSample(prompt=PROMPT, response="same", reward=0.0, length=2),
    ]

    assert select_pairs([group((1.0, 3))]) == []
    assert select_pairs([same_text]) == []


def test_unknown_strategy_is_an_error(one_group):
    with pytest.raises(ValueError, match="unknown pair strategy"):
        select_pairs(one_group, "best_vs_median")


def test_score_samples_calls_the_reward_once_and_regroups():
    from verdict_ml.policies.generation import GeneratedText, GenerationParams

    params = GenerationParams("m", None, 2, 1.0, 1.0, 8, 0, True)
    samples = [
        [GeneratedText(text, 3, len(text), "stop", [], k, params) for k, text in enumerate(texts)]
        for texts in (["a", "bb"], ["ccc", "d"])
    ]
    calls = []

    def reward_fn(prompts, responses):
        calls.append((prompts, responses))
        return [float(len(response)) for response in responses]

    scored = score_samples(["first", PROMPT], samples, reward_fn)

    assert len(calls) == 1
    assert calls[0][0][0] == [{"role": "user", "content": "first"}]
    assert [[s.reward for s in g] for g in scored] == [[1.0, 2.0], [3.0, 1.0]]
    assert scored[1][0].length == 3
