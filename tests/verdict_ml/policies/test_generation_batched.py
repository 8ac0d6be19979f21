"""Batched generation: K samples per prompt, provenance, limits, and padding that does not change answers."""

import pytest

from verdict_ml.policies.generation import GenerationParams, completion_logprobs, encode_prompts, generate, load_policy
from verdict_ml.policies.tiny import TinyPolicyConfig, build_tiny_policy
from verdict_ml.policies.toy import toy_chat_examples

PROMPTS = [
    [{"role": "user", "content": "Tell me about the cat."}],
    [{"role": "user", "content": "Say something about the old mountain and the river."}],
    "Describe a dog.",
]


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    path = build_tiny_policy(
        toy_chat_examples(200, seed=1), tmp_path_factory.mktemp("tiny"), config=TinyPolicyConfig(max_steps=60)
    )
    return load_policy(path, device="cpu")


def test_generate_returns_k_samples_per_prompt_with_provenance(policy):
    results = generate(
        policy, PROMPTS, num_samples=3, temperature=0.8, top_p=0.9, max_new_tokens=12, seed=4, batch_size=4
    )

    assert [len(group) for group in results] == [3, 3, 3]
    assert [sample.sample_index for sample in results[1]] == [0, 1, 2]
    expected = GenerationParams(
        model=policy.source, adapter_path=None, num_samples=3, temperature=0.8, top_p=0.9,
        max_new_tokens=12, seed=4, do_sample=True,
    )
    assert {sample.params for group in results for sample in group} == {expected}
    prompt_lengths = [len(ids) for ids in encode_prompts(policy.tokenizer, PROMPTS)]
    assert [group[0].prompt_tokens for group in results] == prompt_lengths
    for sample in (sample for group in results for sample in group):
        assert sample.completion_tokens == len(sample.token_ids)
        assert sample.finish_reason in {"stop", "length"}


def test_generate_respects_max_new_tokens(policy):
    results = generate(policy, PROMPTS, num_samples=4, max_new_tokens=3, seed=0)

    samples = [sample for group in results for sample in group]
    eos = policy.tokenizer.eos_token_id
    assert max(sample.completion_tokens for sample in samples) <= 3
    assert {s.finish_reason for s in samples if eos not in s.token_ids} <= {"length"}
    assert {s.finish_reason for s in samples if eos in s.token_ids} <= {"stop"}


def test_generate_is_reproducible_with_a_seed(policy):
    first = generate(policy, PROMPTS, num_samples=2, max_new_tokens=10, seed=7)
    second = generate(policy, PROMPTS, num_samples=2, max_new_tokens=10, seed=7)

    assert [[s.text for s in group] for group in first] == [[s.text for s in group] for group in second]


def test_batched_greedy_answers_match_one_prompt_at_a_time(policy):
    batched = generate(policy, PROMPTS, temperature=0.0, max_new_tokens=10, batch_size=8)
    single = [generate(policy, [prompt], temperature=0.0, max_new_tokens=10)[0] for prompt in PROMPTS]

    assert [group[0].token_ids for group in batched] == [group[0].token_ids for group in single]


def test_plain_text_prompts_when_the_tokenizer_has_no_chat_template(policy, monkeypatch):
    monkeypatch.setattr(policy.tokenizer, "chat_template", None)

    results = generate(policy, ["The cat is", "A dog"], num_samples=2, max_new_tokens=5, seed=0)

    assert encode_prompts(policy.tokenizer, ["The cat is"]) == [policy.tokenizer("The cat is")["input_ids"]]
    assert [len(group) for group in results] == [2, 2]


def test_completion_logprobs_are_negative_and_zero_for_empty_completions(policy):
    results = generate(policy, PROMPTS, num_samples=1, max_new_tokens=8, seed=1)
    prompt_ids = encode_prompts(policy.tokenizer, PROMPTS)

    logps = completion_logprobs(policy, prompt_ids + [prompt_ids[0]], [g[0].token_ids for g in results] + [[]])

    assert all(value < 0 for value in logps[:-1])
    assert logps[-1] == 0.0
