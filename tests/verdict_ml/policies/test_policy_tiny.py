"""The tiny default policy: builds from a few hundred short examples, loads with Auto classes, talks in words."""

import subprocess
import sys
from pathlib import Path

import pytest

from verdict_ml.policies.tiny import EOS_TOKEN, TinyPolicyConfig, TrainingProgress, build_tiny_policy
from verdict_ml.policies.toy import toy_chat_examples, toy_prompts, toy_vocabulary, words_of

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def built_policy(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    events: list[TrainingProgress] = []
    output_dir = tmp_path_factory.mktemp("tiny")
    examples = toy_chat_examples(300, seed=0)
    path = build_tiny_policy(examples, output_dir, config=TinyPolicyConfig(), progress=events.append)
    return path, events


def test_importing_the_trainers_does_not_import_torch():
    code = (
        "import sys\n"
        "import verdict_ml.policies.tiny, verdict_ml.policies.generation, verdict_ml.online_dpo\n"
        "heavy = [name for name in ('torch', 'transformers', 'trl', 'peft') if name in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


def test_tiny_policy_loads_with_auto_classes_and_has_a_chat_template(built_policy):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path, _ = built_policy
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    rendered = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Tell me about the cat."}], add_generation_prompt=True, tokenize=False
    )

    assert rendered == "<|user|>Tell me about the cat.<|end|><|assistant|>"
    assert tokenizer.eos_token == EOS_TOKEN
    assert tokenizer.pad_token_id != tokenizer.eos_token_id
    assert model.config.hidden_size == 64
    assert model.config.num_hidden_layers == 2
    assert model.config.vocab_size == len(tokenizer)


def test_tiny_policy_reports_every_sft_step(built_policy):
    _, events = built_policy

    assert [event.step for event in events] == list(range(1, events[-1].total + 1))
    assert events[-1].metrics["loss"] < events[0].metrics["loss"]


def test_tiny_policy_samples_are_mostly_words_from_its_training_text(built_policy):
    from verdict_ml.policies.generation import generate

    path, _ = built_policy
    samples = generate(path, toy_prompts(16, seed=5), num_samples=4, max_new_tokens=24, seed=0, device="cpu")
    tokens = [token for group in samples for sample in group for token in sample.text.split()]
    known = toy_vocabulary()
    word_like = [token for token in tokens if words_of(token) and all(word in known for word in words_of(token))]

    assert len(tokens) > 100
    assert len(word_like) / len(tokens) > 0.8
