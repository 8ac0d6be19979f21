"""Running a judge over pairs: a reward model (scores → strength) or a causal LM (its answer parsed,
or the probabilities of the verdict tokens compared). Loads nothing itself: the caller passes a scorer
(`verdict_ml.rewards.ensemble.load_reward_scorer`) or a policy (`verdict_ml.policies.generation.load_policy`)."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from verdict_ml.judges.lm import parse_verdict, render_judge_prompt
from verdict_ml.judges.strength import DEFAULT_CUTS, combine_orders, probability_strength, reward_strength

GENERATE, LOGPROBS = "generate", "logprobs"
VERDICT_TOKENS = {"a": " A", "b": " B", "tie": " tie"}
ANSWER_CHARS_KEPT = 500


@dataclass
class JudgePair:
    """A comparison in its stored order (strength < 0 = response 1 better)."""

    messages: list[dict[str, str]]
    response_1: str
    response_2: str


@dataclass
class JudgeVerdict:
    """A judge's strength in the stored order, or None (no verdict: unparsable answer, prompt too long)."""

    strength: int | None
    answer: str = ""  # what an LM judge answered (both orders, clipped), for the record
    detail: dict[str, Any] = field(default_factory=dict)


def reward_model_verdicts(
    scorer: Callable[[Sequence[list[dict[str, str]]], Sequence[str]], list[float]],
    pairs: Sequence[JudgePair],
    *,
    cuts: Sequence[float] = DEFAULT_CUTS,
    batch_size: int = 64,
) -> list[JudgeVerdict]:
    """Each pair's two responses scored by the reward model; strength from σ(r2 − r1) (strength.py)."""
    verdicts: list[JudgeVerdict] = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        prompts = [p.messages for p in chunk] * 2
        rewards = scorer(prompts, [p.response_1 for p in chunk] + [p.response_2 for p in chunk])
        for index in range(len(chunk)):
            r1, r2 = float(rewards[index]), float(rewards[len(chunk) + index])
            if not (math.isfinite(r1) and math.isfinite(r2)):
                verdicts.append(JudgeVerdict(None, detail={"reason": "non-finite reward"}))
                continue
            verdicts.append(JudgeVerdict(reward_strength(r1, r2, cuts), detail={"reward_1": r1, "reward_2": r2}))
    return verdicts


@dataclass(frozen=True)
class LmJudgeSettings:
    template: str
    method: str = GENERATE
    both_orders: bool = True
    max_new_tokens: int = 16
    default_strength: int = 2
    cuts: tuple[float, ...] = DEFAULT_CUTS
    batch_size: int = 8
    max_chars: int = 4000


def lm_verdicts(policy: Any, pairs: Sequence[JudgePair], settings: LmJudgeSettings) -> list[JudgeVerdict]:
    """Each pair judged as (A = response 1, B = response 2) and, with `both_orders`, as the swap too
    (turned back to the stored order and averaged, so a judge that only follows position gives ties)."""
    orders = [False, True] if settings.both_orders else [False]
    by_order = {swapped: _one_order(policy, pairs, settings, swapped) for swapped in orders}
    verdicts = []
    for index in range(len(pairs)):
        first, answer_1 = by_order[False][index]
        if not settings.both_orders:
            verdicts.append(JudgeVerdict(first, answer_1[:ANSWER_CHARS_KEPT]))
            continue
        swapped, answer_2 = by_order[True][index]
        strength = combine_orders(first, None if swapped is None else -swapped)
        answer = f"[A = response 1] {answer_1[:ANSWER_CHARS_KEPT // 2]}\n[A = response 2] {answer_2[:ANSWER_CHARS_KEPT // 2]}"
        verdicts.append(JudgeVerdict(strength, answer, {"stored_order": first, "swapped_order": None if swapped is None else -swapped}))
    return verdicts


def _prompts(pairs: Sequence[JudgePair], settings: LmJudgeSettings, swapped: bool) -> list[list[dict[str, str]]]:
    return [
        [{"role": "user", "content": render_judge_prompt(
            settings.template, p.messages, p.response_2 if swapped else p.response_1, p.response_1 if swapped else p.response_2,
            max_chars=settings.max_chars)}]
        for p in pairs
    ]


def _fits(policy: Any, prompt_ids: list[list[int]], extra: int) -> list[bool]:
    limit = getattr(policy.model.config, "max_position_embeddings", None)
    return [not limit or len(ids) + extra <= limit for ids in prompt_ids]


def _one_order(policy: Any, pairs: Sequence[JudgePair], settings: LmJudgeSettings, swapped: bool) -> list[tuple[int | None, str]]:
    """(strength relative to the order shown, i.e. negative = A better; the answer) per pair."""
    from verdict_ml.policies.generation import encode_prompts, generate

    prompts = _prompts(pairs, settings, swapped)
    prompt_ids = encode_prompts(policy.tokenizer, prompts)
    extra = settings.max_new_tokens if settings.method == GENERATE else 4
    fits = _fits(policy, prompt_ids, extra)
    results: list[tuple[int | None, str]] = [(None, "(the judging prompt is longer than the model's context)")] * len(pairs)
    kept = [i for i, ok in enumerate(fits) if ok]
    if not kept:
        return results
    if settings.method == GENERATE:
        samples = generate(policy, [prompts[i] for i in kept], num_samples=1, temperature=0.0,
                           max_new_tokens=settings.max_new_tokens, batch_size=settings.batch_size)
        for i, (sample,) in zip(kept, samples, strict=True):
            results[i] = (parse_verdict(sample.text, default_strength=settings.default_strength), sample.text)
    else:
        for i, strength in zip(kept, _token_verdicts(policy, [prompt_ids[i] for i in kept], settings), strict=True):
            results[i] = strength
    return results


def _token_verdicts(policy: Any, prompt_ids: list[list[int]], settings: LmJudgeSettings) -> list[tuple[int | None, str]]:
    """log P(" A"), log P(" B"), log P(" tie") after the prompt, normalised over the three: a tie when
    "tie" is the likeliest, else the side's strength from P(B) / (P(A) + P(B)) through the cuts."""
    from verdict_ml.policies.generation import completion_logprobs

    tokens = {name: list(policy.tokenizer(text, add_special_tokens=False)["input_ids"]) for name, text in VERDICT_TOKENS.items()}
    if not all(tokens.values()) or tokens["a"] == tokens["b"]:
        return [(None, "(the tokenizer cannot tell the verdict tokens apart)")] * len(prompt_ids)
    logps = {name: completion_logprobs(policy, prompt_ids, [ids] * len(prompt_ids), batch_size=settings.batch_size)
             for name, ids in tokens.items()}
    results = []
    for index in range(len(prompt_ids)):
        values = {name: logps[name][index] for name in tokens}
        top = max(values.values())
        probs = {name: math.exp(v - top) for name, v in values.items()}
        total = sum(probs.values())
        probs = {name: p / total for name, p in probs.items()}
        answer = "P(A) {a:.3f}, P(B) {b:.3f}, P(tie) {tie:.3f}".format(**probs)
        if probs["tie"] >= max(probs["a"], probs["b"]):
            results.append((0, answer))
        else:
            results.append((probability_strength(probs["b"] / (probs["a"] + probs["b"]), settings.cuts), answer))
    return results
