"""The default pipeline end to end on real data: MiniLM backbone, HH-RLHF harmless pairs.

A smoke test (a few steps, short max_length): whether it *learns* HH is measured by
`benchmarks/reward_training.py --hh` (minutes on CPU), not here.
"""
from pathlib import Path

import pytest

from tests.data import HH_SAMPLE
from verdict_ml.rewards.data import pairs_from_hh_jsonl
from verdict_ml.rewards.ensemble import load_reward_scorer
from verdict_ml.rewards.metrics import pairwise_accuracy
from verdict_ml.rewards.train import RewardTrainingConfig, train_reward_model


@pytest.mark.slow
def test_minilm_trains_on_hh_pairs_and_its_saved_scores_match_validation(tmp_path: Path) -> None:
    pairs = pairs_from_hh_jsonl(HH_SAMPLE)
    train, val = pairs[:32], pairs[32:48]
    config = RewardTrainingConfig(learning_rate=3e-5, epochs=1, batch_size=8, max_length=48, device="cpu", logging_steps=2)

    result = train_reward_model(config, train, val, tmp_path)

    assert result.steps == 4 and len([row for row in result.history if "loss" in row]) == 3
    metrics = result.final_metrics
    assert 0.0 <= metrics["val_accuracy"] <= 1.0 and 0.0 < metrics["val_bt_loss"] < 5.0
    scorer = load_reward_scorer(tmp_path, "cpu")
    prompts = [p.prompt for p in val]
    chosen, rejected = scorer(prompts, [p.chosen for p in val]), scorer(prompts, [p.rejected for p in val])
    assert pairwise_accuracy(chosen, rejected) == pytest.approx(metrics["val_accuracy"])
    assert sum(chosen + rejected) / (2 * len(val)) == pytest.approx(metrics["val_reward_mean"], abs=1e-4)
