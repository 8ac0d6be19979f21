"""Held-out evaluation of a DPO round: reward, win rate against the previous policy, KL to the reference."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from statistics import fmean, pstdev

from verdict_ml.online_dpo.pairs import RewardFn, score_samples
from verdict_ml.policies.generation import (
    GeneratedText,
    LoadedPolicy,
    PolicyLike,
    completion_logprobs,
    encode_prompts,
    ensure_policy,
    generate,
)
from verdict_ml.policies.tiny import Prompt


def evaluate_policy(
    policy: PolicyLike,
    reference_policy: PolicyLike | None,
    previous_policy: PolicyLike | None,
    prompts: Sequence[Prompt],
    reward_fn: RewardFn,
    *,
    num_samples: int = 4,
    temperature: float = 1.0,
    top_p: float = 1.0,
    max_new_tokens: int = 64,
    batch_size: int = 16,
    seed: int | None = 0,
    device: str = "auto",
) -> dict[str, float | int | None]:
    """Sample `num_samples` responses per prompt from `policy` (and `previous_policy`) and score them.

    Returns mean_reward, reward_std, mean_response_tokens, num_prompts, num_samples and, when the
    other policies are given, previous_mean_reward, win_rate_vs_previous (sample k of the new policy
    against sample k of the previous one on the same prompt, ties 0.5) and kl_to_reference: the
    Monte-Carlo estimate mean over samples of log π(y|x) − log π_ref(y|x) on the policy's own samples,
    which is an unbiased KL estimate only at temperature 1 and top_p 1.

    Both policies are sampled with the same seed (common random numbers), so a policy compared with
    itself ties everywhere and scores exactly 0.5.
    """
    loaded: dict[str, LoadedPolicy] = {}

    def load(candidate: PolicyLike) -> LoadedPolicy:
        if isinstance(candidate, LoadedPolicy):
            return candidate
        key = str(Path(candidate))
        if key not in loaded:
            loaded[key] = ensure_policy(candidate, device=device)
        return loaded[key]

    gen_kwargs = {
        "num_samples": num_samples,
        "temperature": temperature,
        "top_p": top_p,
        "max_new_tokens": max_new_tokens,
        "batch_size": batch_size,
        "seed": seed,
    }
    current = load(policy)
    samples = generate(current, prompts, **gen_kwargs)
    rewards = _rewards(prompts, samples, reward_fn)
    flat_rewards = [reward for group in rewards for reward in group]
    flat_samples = [sample for group in samples for sample in group]
    report: dict[str, float | int | None] = {
        "mean_reward": fmean(flat_rewards),
        "reward_std": pstdev(flat_rewards),
        "mean_response_tokens": fmean(sample.completion_tokens for sample in flat_samples),
        "num_prompts": len(prompts),
        "num_samples": num_samples,
        "previous_mean_reward": None,
        "win_rate_vs_previous": None,
        "kl_to_reference": None,
    }

    if previous_policy is not None:
        previous_rewards = _rewards(prompts, generate(load(previous_policy), prompts, **gen_kwargs), reward_fn)
        outcomes = [
            1.0 if new > old else 0.5 if new == old else 0.0
            for new_group, old_group in zip(rewards, previous_rewards, strict=True)
            for new, old in zip(new_group, old_group, strict=True)
        ]
        report["previous_mean_reward"] = fmean(r for group in previous_rewards for r in group)
        report["win_rate_vs_previous"] = fmean(outcomes)

    if reference_policy is not None:
        reference = load(reference_policy)
        report["kl_to_reference"] = _kl_estimate(current, reference, prompts, samples, batch_size)
    return report


def _rewards(
    prompts: Sequence[Prompt], samples: Sequence[Sequence[GeneratedText]], reward_fn: RewardFn
) -> list[list[float]]:
    return [[sample.reward for sample in group] for group in score_samples(prompts, samples, reward_fn)]


def _kl_estimate(
    policy: LoadedPolicy,
    reference: LoadedPolicy,
    prompts: Sequence[Prompt],
    samples: Sequence[Sequence[GeneratedText]],
    batch_size: int,
) -> float:
    completions = [sample.token_ids for group in samples for sample in group]
    policy_prompts = encode_prompts(policy.tokenizer, prompts)
    reference_prompts = encode_prompts(reference.tokenizer, prompts)
    if policy_prompts != reference_prompts:
        raise ValueError("policy and reference tokenise the prompts differently; KL needs a shared vocabulary")
    prompt_ids = [ids for ids, group in zip(policy_prompts, samples, strict=True) for _ in group]
    policy_logps = completion_logprobs(policy, prompt_ids, completions, batch_size=batch_size)
    reference_logps = completion_logprobs(reference, prompt_ids, completions, batch_size=batch_size)
    return fmean(p - r for p, r in zip(policy_logps, reference_logps, strict=True))
