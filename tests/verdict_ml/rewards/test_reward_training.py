"""Reward-model training on a tiny BERT and a separable toy set: every objective learns it."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from verdict_ml.rewards.data import PreferencePair
from verdict_ml.rewards.ensemble import aggregate_rewards, disagreement, load_reward_scorer
from verdict_ml.rewards.metrics import bt_loss_value, pairwise_accuracy
from verdict_ml.rewards.train import RewardTrainingConfig, TrainingProgress, train_reward_model


def tiny_config(model_dir: Path, **overrides: object) -> RewardTrainingConfig:
    settings = {
        "base_model": str(model_dir),
        "learning_rate": 1e-2,
        "epochs": 3,
        "batch_size": 16,
        "max_length": 32,
        "device": "cpu",
        "logging_steps": 2,
        # The tiny model is initialised at random: its embeddings hold nothing to keep, and it learns the toy
        # set through them.
        "freeze_word_embeddings": False,
        **overrides,
    }
    return RewardTrainingConfig(**settings)


def pair_scores(model_path: Path | str, pairs: list[PreferencePair]) -> tuple[list[float], list[float]]:
    scorer = load_reward_scorer(model_path, "cpu")
    prompts = [p.prompt for p in pairs]
    return scorer(prompts, [p.chosen for p in pairs]), scorer(prompts, [p.rejected for p in pairs])


def train_losses(result: object) -> list[float]:
    return [row["loss"] for row in result.history if not any(k.startswith("val_") for k in row)]


@pytest.mark.parametrize("objective", ["bt", "margin_bt", "scaled_bt"])
def test_pairwise_objective_learns_the_toy_preference(objective: str, tiny_model_dir: Path, toy_pairs, tmp_path: Path) -> None:
    train, val = toy_pairs
    before = pair_scores(tiny_model_dir, val)
    events: list[TrainingProgress] = []

    result = train_reward_model(tiny_config(tiny_model_dir, objective=objective), train, val, tmp_path, progress=events.append)

    losses = train_losses(result)
    assert losses[-1] < losses[0] * 0.7
    assert result.final_metrics["val_accuracy"] > 0.8
    assert result.final_metrics["val_bt_loss"] < bt_loss_value(*before)
    assert not result.cancelled and result.steps == result.total_steps == 3 * 8
    assert [e.step for e in events] == sorted(e.step for e in events) and events[-1].step == 24
    assert {e.epoch for e in events if "val_accuracy" in e.metrics} == {1, 2, 3}
    saved = json.loads((tmp_path / "reward_model.json").read_text())
    assert saved["objective"] == objective and saved["metrics"]["val_accuracy"] == result.final_metrics["val_accuracy"]
    after = pair_scores(tmp_path, val)
    assert pairwise_accuracy(*after) == pytest.approx(result.final_metrics["val_accuracy"])


def test_regression_on_five_attributes_reduces_mse(tiny_model_dir: Path, toy_pairs, toy_attributes, tmp_path: Path) -> None:
    train_attrs, val_attrs = toy_attributes
    # No clipping: MSE gradients on a from-scratch head start large, and clipping stalls this tiny model.
    config = tiny_config(tiny_model_dir, objective="regression", epochs=4, learning_rate=3e-3, max_grad_norm=None)

    result = train_reward_model(
        config, [], toy_pairs[1], tmp_path, train_attributes=train_attrs, val_attributes=val_attrs
    )

    val_mse = [row["val_mse"] for row in result.history if "val_mse" in row]
    assert len(val_mse) == 4 and val_mse[-1] < val_mse[0] and val_mse[-1] < 0.5
    assert train_losses(result)[-1] < train_losses(result)[0] * 0.5
    assert result.final_metrics["val_pearson_helpfulness"] > 0.8
    assert result.final_metrics["val_accuracy"] > 0.8  # helpfulness output ranks the toy pairs too
    from transformers import AutoConfig

    assert AutoConfig.from_pretrained(tmp_path).num_labels == 5


def test_regression_then_scaled_bt_runs_both_phases_and_ends_with_one_output(
    tiny_model_dir: Path, toy_pairs, toy_attributes, tmp_path: Path
) -> None:
    train, val = toy_pairs
    config = tiny_config(tiny_model_dir, objective="regression_then_scaled_bt", epochs=2)

    result = train_reward_model(
        config, train, val, tmp_path, train_attributes=toy_attributes[0], val_attributes=toy_attributes[1]
    )

    phases = [row["phase"] for row in result.history]
    assert phases.index("scaled_bt") > phases.index("regression") and phases[-1] == "scaled_bt"
    assert result.total_steps == 2 * 16 + 2 * 8  # 256 attribute rows, then 128 pairs, batch 16
    assert result.final_metrics["val_accuracy"] > 0.8
    from transformers import AutoConfig

    assert AutoConfig.from_pretrained(tmp_path).num_labels == 1


def test_narrowed_head_starts_from_the_helpfulness_output(tiny_model_dir: Path) -> None:
    import torch

    from verdict_ml.rewards.model import load_sequence_classifier, load_tokenizer, narrow_head

    tokenizer = load_tokenizer(str(tiny_model_dir))
    model = load_sequence_classifier(str(tiny_model_dir), ["a", "b", "c", "d", "e"], tokenizer).eval()
    batch = tokenizer(["some reply", "another one"], return_tensors="pt", padding=True)
    with torch.no_grad():
        five = model(**batch).logits
        one = narrow_head(model, output_index=0)(**batch).logits
    assert one.shape == (2, 1)
    assert torch.allclose(one[:, 0], five[:, 0])


def test_lora_training_learns_and_saves_a_plain_model(tiny_model_dir: Path, toy_pairs, tmp_path: Path) -> None:
    train, val = toy_pairs
    config = tiny_config(tiny_model_dir, use_lora=True, lora_r=8, lora_alpha=16, learning_rate=1e-2, epochs=4)

    result = train_reward_model(config, train, val, tmp_path)

    assert result.final_metrics["val_accuracy"] > 0.8
    assert not (tmp_path / "adapter_config.json").exists()  # adapters merged into the weights
    assert pairwise_accuracy(*pair_scores(tmp_path, val)) == pytest.approx(result.final_metrics["val_accuracy"])


def test_should_stop_cancels_at_the_next_step_and_saves_nothing(tiny_model_dir: Path, toy_pairs, tmp_path: Path) -> None:
    polls: list[int] = []

    def stop_after_three_steps() -> bool:
        polls.append(1)
        return len(polls) > 3

    config = tiny_config(tiny_model_dir, logging_steps=1, ensemble_size=2)
    result = train_reward_model(config, *toy_pairs, tmp_path, should_stop=stop_after_three_steps)

    assert result.cancelled and result.steps == 3 and result.total_steps == 2 * 3 * 8
    assert [row["step"] for row in result.history] == [1, 2, 3]
    assert result.model_dirs == [] and not list(tmp_path.iterdir())


def test_ensemble_of_two_members_scores_and_aggregates(tiny_model_dir: Path, toy_pairs, tmp_path: Path) -> None:
    train, val = toy_pairs
    result = train_reward_model(tiny_config(tiny_model_dir, ensemble_size=2, seed=7), train, val, tmp_path)

    assert result.model_dirs == [str(tmp_path / "member-0"), str(tmp_path / "member-1")]
    seeds = [json.loads((Path(d) / "reward_model.json").read_text())["seed"] for d in result.model_dirs]
    assert seeds == [7, 8]
    assert len(result.member_metrics) == 2 and result.final_metrics["val_accuracy"] > 0.8

    scorer = load_reward_scorer(tmp_path, "cpu", aggregation="min")
    prompts, chosen, rejected = [p.prompt for p in val], [p.chosen for p in val], [p.rejected for p in val]
    members = scorer.member_scores(prompts, chosen)
    assert len(members) == 2 and members[0] != members[1]
    assert scorer(prompts, chosen) == pytest.approx(aggregate_rewards(members, "min"))
    spread = disagreement([list(zip(a, b)) for a, b in zip(members, scorer.member_scores(prompts, rejected))])
    assert len(spread) == len(val) and min(spread) >= 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"objective": "dpo"}, "objective"),
        ({"device": "tpu"}, "device"),
        ({"batch_size": 0}, "batch_size"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"warmup_ratio": 1.0}, "warmup_ratio"),
        ({"ensemble_size": 0}, "ensemble_size"),
        ({"max_length": 4}, "max_length"),
    ],
)
def test_invalid_config_is_rejected(overrides: dict, message: str, toy_pairs, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        train_reward_model(RewardTrainingConfig(**overrides), *toy_pairs, tmp_path)


def test_missing_or_invalid_data_is_rejected(toy_pairs, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="train_attributes"):
        train_reward_model(RewardTrainingConfig(objective="regression"), *toy_pairs, tmp_path)
    strong = [PreferencePair([], "a", "b", strength=5)]
    with pytest.raises(ValueError, match="strength"):
        train_reward_model(RewardTrainingConfig(), strong, [], tmp_path)


def test_importing_the_library_does_not_import_torch() -> None:
    code = (
        "import sys, verdict_ml.rewards.train, verdict_ml.rewards.ensemble, "
        "verdict_ml.rewards.metrics, verdict_ml.rewards.losses; "
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[3])
    assert out.stdout.split() == ["False", "False"]
