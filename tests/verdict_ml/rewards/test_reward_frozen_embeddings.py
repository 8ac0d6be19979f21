"""`freeze_word_embeddings` (issue 17, memory): the token embedding matrix keeps its pretrained values, with
no gradient and no AdamW state, while the rest of the model trains; off, it trains with the rest."""
from pathlib import Path

import pytest

from tests.verdict_ml.rewards.test_reward_training import tiny_config
from verdict_ml.rewards.train import train_reward_model

EMBEDDINGS = "bert.embeddings.word_embeddings.weight"
LAYER = "bert.encoder.layer.0.attention.self.query.weight"


def _weights(model_dir: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(model_dir / "model.safetensors"))


@pytest.mark.parametrize("freeze", [True, False])
def test_only_the_frozen_embeddings_keep_their_values(freeze: bool, tiny_model_dir: Path, toy_pairs, tmp_path: Path) -> None:
    train, val = toy_pairs
    before = _weights(tiny_model_dir)
    config = tiny_config(tiny_model_dir, epochs=1, freeze_word_embeddings=freeze)

    train_reward_model(config, train[:32], val[:8], tmp_path)

    after = _weights(tmp_path)
    assert after[EMBEDDINGS].equal(before[EMBEDDINGS]) is freeze
    assert not after[LAYER].equal(before[LAYER])

