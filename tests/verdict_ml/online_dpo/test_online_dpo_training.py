"""DPO on a toy preference moves the policy the right way; evaluation measures it; chained references are right."""

import json
from pathlib import Path

import pytest

from verdict_ml.online_dpo import DPOTrainingConfig, SampledPair, evaluate_policy, generate, load_policy, train_dpo
from verdict_ml.policies.tiny import TinyPolicyConfig, build_tiny_policy
from verdict_ml.policies.toy import NOUNS, toy_chat_examples, toy_prompts, word_preference_reward

FAST = DPOTrainingConfig(learning_rate=5e-3, num_train_epochs=3, per_device_train_batch_size=8, device="cpu")


@pytest.fixture(scope="module")
def initial_policy(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    return build_tiny_policy(
        toy_chat_examples(200, seed=2), tmp_path_factory.mktemp("initial"), config=TinyPolicyConfig(max_steps=80)
    )


@pytest.fixture(scope="module")
def happy_pairs():
    """The preferred answer is always the happy one."""
    return [
        SampledPair(
            prompt=[{"role": "user", "content": f"Tell me about the {noun}."}],
            chosen=f"The {noun} is happy and bright.",
            rejected=f"The {noun} is dark and {adjective}.",
            chosen_reward=1.0,
            rejected_reward=0.0,
            gap=1.0,
            strategy="fixed",
        )
        for noun in NOUNS
        for adjective in ("cold", "slow")
    ]


@pytest.fixture(scope="module")
def first_round(initial_policy, happy_pairs, tmp_path_factory):
    events = []
    result = train_dpo(
        initial_policy, happy_pairs, tmp_path_factory.mktemp("round1"), config=FAST, progress=events.append
    )
    return result, events


def test_dpo_raises_the_implicit_margin_and_lowers_the_loss(first_round):
    result, _ = first_round
    losses = [entry["loss"] for entry in result.log_history if "loss" in entry]

    assert result.margin_start == pytest.approx(0.0, abs=1e-6)
    assert result.margin_end > 0.2
    assert result.accuracy_end > 0.8
    assert sum(losses[-3:]) / 3 < losses[0]
    assert result.steps == len(losses) == 15


def test_dpo_reports_progress_each_step(first_round):
    result, events = first_round

    assert [event.step for event in events] == list(range(1, result.steps + 1))
    assert {event.total for event in events} == {result.steps}
    assert {"loss", "rewards/margins", "rewards/accuracies"} <= set(events[-1].metrics)


def test_dpo_saves_a_merged_checkpoint_that_loads_like_any_policy(first_round):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    result, _ = first_round

    assert not result.is_adapter
    assert not (Path(result.checkpoint_path) / "adapter_config.json").exists()
    AutoModelForCausalLM.from_pretrained(result.checkpoint_path)
    assert AutoTokenizer.from_pretrained(result.checkpoint_path).chat_template


def test_should_stop_cancels_without_saving(initial_policy, happy_pairs, tmp_path):
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) >= 2

    result = train_dpo(initial_policy, happy_pairs, tmp_path / "out", config=FAST, should_stop=should_stop)

    assert result.cancelled
    assert result.steps == 2
    assert result.checkpoint_path is None
    assert not (tmp_path / "out" / "model.safetensors").exists()


def test_unsaved_adapter_round_writes_an_adapter(initial_policy, happy_pairs, tmp_path):
    config = DPOTrainingConfig(**{**FAST.__dict__, "merge_adapter": False, "max_steps": 1})

    result = train_dpo(initial_policy, happy_pairs, tmp_path / "adapter", config=config)

    assert result.is_adapter
    adapter_config = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())
    assert adapter_config["base_model_name_or_path"] == initial_policy
    loaded = load_policy(result.checkpoint_path, device="cpu")
    assert (loaded.source, loaded.adapter_path) == (initial_policy, result.checkpoint_path)
    (samples,) = generate(initial_policy, ["Describe a cat."], adapter_path=result.checkpoint_path, max_new_tokens=4)
    assert samples[0].params.adapter_path == result.checkpoint_path


def test_chained_round_reference_is_the_initial_or_the_previous_policy(
    initial_policy, happy_pairs, first_round, tmp_path
):
    round_one, _ = first_round
    config = DPOTrainingConfig(**{**FAST.__dict__, "max_steps": 1})

    previous = train_dpo(round_one.checkpoint_path, happy_pairs, tmp_path / "prev", config=config, reference="previous")
    initial = train_dpo(
        round_one.checkpoint_path, happy_pairs, tmp_path / "init", config=config,
        reference="initial", initial_policy_path=initial_policy,
    )

    assert previous.margin_start == pytest.approx(0.0, abs=1e-6)
    assert previous.reference_path == round_one.checkpoint_path
    assert initial.reference_path == initial_policy
    assert initial.margin_start == pytest.approx(round_one.margin_end, rel=1e-3)


def test_evaluating_a_policy_against_itself(initial_policy):
    prompts = toy_prompts(8, seed=9)

    report = evaluate_policy(
        initial_policy, initial_policy, initial_policy, prompts, word_preference_reward(),
        num_samples=2, max_new_tokens=12, seed=0, device="cpu",
    )

    assert report["kl_to_reference"] == pytest.approx(0.0, abs=1e-5)
    assert report["win_rate_vs_previous"] == 0.5
    assert report["mean_reward"] == report["previous_mean_reward"]
    assert 0 < report["mean_response_tokens"] <= 12
    assert report["num_prompts"] == 8


def test_trained_policy_drifts_from_the_reference(initial_policy, first_round):
    result, _ = first_round

    report = evaluate_policy(
        result.checkpoint_path, initial_policy, None, toy_prompts(8, seed=9), word_preference_reward(),
        num_samples=2, max_new_tokens=12, seed=0, device="cpu",
    )

    assert report["kl_to_reference"] > 0.05
    assert report["win_rate_vs_previous"] is None


def test_pairs_become_conversational_or_plain_rows():
    from verdict_ml.online_dpo.train import pairs_to_rows

    pair = SampledPair(
        prompt=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        chosen="Hello", rejected="Go away", chosen_reward=1.0, rejected_reward=0.0, gap=1.0, strategy="fixed",
    )

    (conversational,) = pairs_to_rows([pair], conversational=True)
    (plain,) = pairs_to_rows([pair], conversational=False)

    assert conversational["prompt"] == pair.prompt
    assert conversational["chosen"] == [{"role": "assistant", "content": "Hello"}]
    assert plain == {"prompt": "Be brief.\nHi", "chosen": "Hello", "rejected": "Go away"}
