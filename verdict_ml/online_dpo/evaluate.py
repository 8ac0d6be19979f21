"""Held-out evaluation of a DPO round: the proxy's and an independent judge's reward, win rate against the
previous policy, KL to the reference, the previous and the starting policy, each with a bootstrap interval
over prompts; and the policy–reward-model discrepancy on the round's own pairs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from statistics import fmean, pstdev
from typing import Any

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
from verdict_ml.stats import BOOTSTRAP_SAMPLES, bootstrap_interval, wilson_interval


def evaluate_policy(
    policy: PolicyLike,
    reference_policy: PolicyLike | None,
    previous_policy: PolicyLike | None,
    prompts: Sequence[Prompt],
    reward_fn: RewardFn,
    *,
    judge_fn: RewardFn | None = None,
    start_policy: PolicyLike | None = None,
    num_samples: int = 4,
    temperature: float = 1.0,
    top_p: float = 1.0,
    max_new_tokens: int = 64,
    batch_size: int = 16,
    seed: int | None = 0,
    device: str = "auto",
    bootstrap_samples: int = BOOTSTRAP_SAMPLES,
) -> dict[str, Any]:
    """Sample `num_samples` responses per prompt from `policy` (and `previous_policy`) and score them.

    Returns mean_reward (under `reward_fn`, the proxy the policy was optimised against), reward_std,
    mean_response_tokens, num_prompts, num_samples and, when the other policies are given,
    previous_mean_reward, win_rate_vs_previous (sample k of the new policy against sample k of the
    previous one on the same prompt, ties 0.5), kl_to_reference, kl_to_previous and kl_to_start
    (`start_policy`: the run's initial checkpoint). Each KL is the Monte-Carlo estimate mean over
    samples of log π(y|x) − log π_other(y|x) on the policy's own samples, which is an unbiased KL
    estimate only at temperature 1 and top_p 1. With `judge_fn` (an independent reward model, never
    optimised against) judge_mean_reward, judge_previous_mean_reward and judge_win_rate_vs_previous
    score the very same samples.

    `intervals` holds a 95 % interval per figure: the percentile bootstrap over prompts
    (`verdict_ml.stats.bootstrap_interval`: `bootstrap_samples` resamples of the prompts, each
    figure's per-prompt mean, seeded by `seed`), so a prompt's samples move together.

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
    per_prompt: dict[str, list[float]] = {
        "mean_reward": [fmean(group) for group in rewards],
        "mean_response_tokens": [fmean(s.completion_tokens for s in group) for group in samples],
    }
    report: dict[str, Any] = {
        "mean_reward": fmean(flat_rewards),
        "reward_std": pstdev(flat_rewards),
        "mean_response_tokens": fmean(sample.completion_tokens for sample in flat_samples),
        "num_prompts": len(prompts),
        "num_samples": num_samples,
        "previous_mean_reward": None,
        "win_rate_vs_previous": None,
        "kl_to_reference": None,
        "kl_to_previous": None,
        "kl_to_start": None,
        "judge_mean_reward": None,
        "judge_previous_mean_reward": None,
        "judge_win_rate_vs_previous": None,
    }
    judged = _rewards(prompts, samples, judge_fn) if judge_fn is not None else None
    if judged is not None:
        per_prompt["judge_mean_reward"] = [fmean(group) for group in judged]
        report["judge_mean_reward"] = fmean(r for group in judged for r in group)

    if previous_policy is not None:
        previous_samples = generate(load(previous_policy), prompts, **gen_kwargs)
        previous_rewards = _rewards(prompts, previous_samples, reward_fn)
        per_prompt["previous_mean_reward"] = [fmean(group) for group in previous_rewards]
        per_prompt["win_rate_vs_previous"] = _wins(rewards, previous_rewards)
        report["previous_mean_reward"] = fmean(r for group in previous_rewards for r in group)
        report["win_rate_vs_previous"] = fmean(w for group in _outcomes(rewards, previous_rewards) for w in group)
        if judged is not None and judge_fn is not None:
            previous_judged = _rewards(prompts, previous_samples, judge_fn)
            per_prompt["judge_previous_mean_reward"] = [fmean(group) for group in previous_judged]
            per_prompt["judge_win_rate_vs_previous"] = _wins(judged, previous_judged)
            report["judge_previous_mean_reward"] = fmean(r for group in previous_judged for r in group)
            report["judge_win_rate_vs_previous"] = fmean(w for group in _outcomes(judged, previous_judged) for w in group)

    log_ratios = _LogRatios(current, prompts, samples, batch_size)
    for name, other in (("kl_to_reference", reference_policy), ("kl_to_previous", previous_policy), ("kl_to_start", start_policy)):
        if other is not None:
            differences = log_ratios.per_sample(load(other))
            per_prompt[name] = [fmean(group) for group in differences]
            report[name] = fmean(d for group in differences for d in group)
    report["intervals"] = {
        name: bootstrap_interval(values, samples=bootstrap_samples, seed=seed or 0) for name, values in per_prompt.items()
    }
    report["interval_method"] = (
        f"95 % percentile bootstrap over the {len(prompts)} prompts ({bootstrap_samples} resamples, seed {seed or 0})"
    )
    return report


def _rewards(
    prompts: Sequence[Prompt], samples: Sequence[Sequence[GeneratedText]], reward_fn: RewardFn
) -> list[list[float]]:
    return [[sample.reward for sample in group] for group in score_samples(prompts, samples, reward_fn)]


def _outcomes(new: list[list[float]], old: list[list[float]]) -> list[list[float]]:
    return [
        [1.0 if a > b else 0.5 if a == b else 0.0 for a, b in zip(new_group, old_group, strict=True)]
        for new_group, old_group in zip(new, old, strict=True)
    ]


def _wins(new: list[list[float]], old: list[list[float]]) -> list[float]:
    return [fmean(group) for group in _outcomes(new, old)]


class _LogRatios:
    """log π(y|x) − log π_other(y|x) on the policy's samples, π's log-probabilities computed once."""

    def __init__(self, policy: LoadedPolicy, prompts: Sequence[Prompt], samples: Sequence[Sequence[GeneratedText]], batch_size: int) -> None:
        self.policy, self.prompts, self.samples, self.batch_size = policy, prompts, samples, batch_size
        self.prompt_ids = encode_prompts(policy.tokenizer, prompts)
        self.flat_prompt_ids = [ids for ids, group in zip(self.prompt_ids, samples, strict=True) for _ in group]
        self.completions = [sample.token_ids for group in samples for sample in group]
        self._own: list[float] | None = None

    def per_sample(self, other: LoadedPolicy) -> list[list[float]]:
        if encode_prompts(other.tokenizer, self.prompts) != self.prompt_ids:
            raise ValueError("policy and reference tokenise the prompts differently; KL needs a shared vocabulary")
        if self._own is None:
            self._own = completion_logprobs(self.policy, self.flat_prompt_ids, self.completions, batch_size=self.batch_size)
        theirs = completion_logprobs(other, self.flat_prompt_ids, self.completions, batch_size=self.batch_size)
        differences = iter([p - r for p, r in zip(self._own, theirs, strict=True)])
        return [[next(differences) for _ in group] for group in self.samples]


def policy_reward_discrepancy(
    policy: PolicyLike, pairs: Sequence[tuple[Prompt, str, str]], *, batch_size: int = 16, device: str = "auto"
) -> dict[str, Any]:
    """How often the policy's own likelihood ranks a reward-model pair the other way (SEAM-style).

    `pairs` are (prompt, chosen, rejected) with chosen the reward model's preferred response. The
    policy "prefers" the response with the higher mean per-token log-probability log π(y|x) / |y|
    (length-normalised, so it is not a preference for short answers); a pair is discrepant when it
    prefers the rejected one strictly. Returns discrepant, pairs, rate (None without pairs) and the
    rate's Wilson 95 % interval. Inspired by SEAM (Lu et al., "It Takes Two", arXiv 2406.07971),
    which scores PM–RM discrepancy per sample; this is a simpler pairwise count, not their formula.
    """
    pairs = [pair for pair in pairs if pair[1] != pair[2]]
    if not pairs:
        return {"discrepant": 0, "pairs": 0, "rate": None, "interval": None}
    loaded = ensure_policy(policy, device=device)
    tokenizer = loaded.tokenizer
    prompt_ids = encode_prompts(tokenizer, [prompt for prompt, _, _ in pairs])
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    completions = [
        list(tokenizer(text, add_special_tokens=False)["input_ids"]) + eos for _, chosen, rejected in pairs for text in (chosen, rejected)
    ]
    logps = completion_logprobs(loaded, [ids for ids in prompt_ids for _ in range(2)], completions, batch_size=batch_size)
    means = [logp / max(len(ids), 1) for logp, ids in zip(logps, completions, strict=True)]
    discrepant = sum(means[2 * i] < means[2 * i + 1] for i in range(len(pairs)))
    return {"discrepant": discrepant, "pairs": len(pairs), "rate": discrepant / len(pairs), "interval": wilson_interval(discrepant, len(pairs))}
