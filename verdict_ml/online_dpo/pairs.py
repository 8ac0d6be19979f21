"""Scoring sampled responses and turning each prompt's samples into one preference pair.

Strategies follow RLHFlow/Online-RLHF: `best_vs_worst` (their `max_min`, the default),
`best_vs_random`, `best_vs_second`, and `length_penalised` (score r − α·length, then best vs worst).
A prompt yields no pair when the two picked samples tie or their score gap is below `min_gap`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from verdict_ml.policies.generation import GeneratedText
from verdict_ml.policies.tiny import Messages, Prompt

RewardFn = Callable[[list[Messages], list[str]], list[float]]
"""(prompts as message lists, responses) → one reward per response."""

PAIR_STRATEGIES = ("best_vs_worst", "best_vs_random", "best_vs_second", "length_penalised")


class PairLike(Protocol):
    """What DPO training reads from a pair: a `SampledPair`, or a human one such as `reward_data.PreferencePair`."""

    prompt: Prompt
    chosen: str
    rejected: str


@dataclass
class ScoredSample:
    """A response with its reward; `length` is its token count (used by `length_penalised`)."""

    prompt: Prompt
    response: str
    reward: float
    length: int


@dataclass
class SampledPair:
    """`chosen_reward`/`rejected_reward` are the raw rewards; `gap` is the gap in the strategy's score."""

    prompt: Prompt
    chosen: str
    rejected: str
    chosen_reward: float
    rejected_reward: float
    gap: float
    strategy: str


def score_samples(
    prompts: Sequence[Prompt], samples: Sequence[Sequence[GeneratedText]], reward_fn: RewardFn
) -> list[list[ScoredSample]]:
    """Call `reward_fn` once over every sample and group the scores back per prompt."""
    from verdict_ml.policies.tiny import as_messages

    if len(prompts) != len(samples):
        raise ValueError("one list of samples per prompt is needed")
    flat_prompts = [as_messages(prompt) for prompt, group in zip(prompts, samples, strict=True) for _ in group]
    flat_texts = [sample.text for group in samples for sample in group]
    rewards = list(reward_fn(flat_prompts, flat_texts)) if flat_texts else []
    if len(rewards) != len(flat_texts):
        raise ValueError(f"reward_fn returned {len(rewards)} rewards for {len(flat_texts)} responses")
    scored: list[list[ScoredSample]] = []
    position = 0
    for prompt, group in zip(prompts, samples, strict=True):
        scored.append(
            [
                ScoredSample(
                    prompt=prompt,
                    response=sample.text,
                    reward=float(rewards[position + k]),
                    length=sample.completion_tokens,
                )
                for k, sample in enumerate(group)
            ]
        )
        position += len(group)
    return scored


def select_pairs(
    samples_with_rewards: Sequence[Sequence[ScoredSample]],
    strategy: str = "best_vs_worst",
    *,
    min_gap: float = 0.0,
    length_penalty_alpha: float = 0.0,
    seed: int | None = 0,
) -> list[SampledPair]:
    """At most one pair per prompt group; groups with fewer than two samples give none.

    The best sample is the first with the highest score. For `best_vs_random` the rejected sample is
    drawn (seeded) from the others. Pairs whose score gap is 0 or below `min_gap`, or whose
    two responses are the same text, are dropped.
    """
    if strategy not in PAIR_STRATEGIES:
        raise ValueError(f"unknown pair strategy {strategy!r}; expected one of {PAIR_STRATEGIES}")
    rng = random.Random(seed)
    alpha = length_penalty_alpha if strategy == "length_penalised" else 0.0
    pairs = []
    for group in samples_with_rewards:
        if len(group) < 2:
            continue
        scores = [sample.reward - alpha * sample.length for sample in group]
        ranked = sorted(range(len(group)), key=lambda i: (-scores[i], i))
        best = ranked[0]
        if strategy == "best_vs_second":
            other = ranked[1]
        elif strategy == "best_vs_random":
            other = rng.choice(ranked[1:])
        else:
            other = ranked[-1]
        gap = scores[best] - scores[other]
        chosen, rejected = group[best], group[other]
        if gap <= 0 or gap < min_gap or chosen.response == rejected.response:
            continue
        pairs.append(
            SampledPair(
                prompt=chosen.prompt,
                chosen=chosen.response,
                rejected=rejected.response,
                chosen_reward=chosen.reward,
                rejected_reward=rejected.reward,
                gap=gap,
                strategy=strategy,
            )
        )
    return pairs
