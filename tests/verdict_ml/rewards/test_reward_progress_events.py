"""Progress events say where training is as soon as it starts, not only after the first logging
window (a job page showed "loading the base model · 0 / 0 steps" long after training began; issue 16,
point 8)."""
from pathlib import Path

from tests.verdict_ml.rewards.test_reward_training import tiny_config
from verdict_ml.rewards.train import TrainingProgress, train_reward_model


def test_the_first_event_comes_before_the_first_step_with_the_total(tiny_model_dir: Path, toy_pairs, tmp_path: Path):
    train, val = toy_pairs
    events: list[TrainingProgress] = []
    config = tiny_config(tiny_model_dir, epochs=2, logging_steps=1000)  # no logging window ever closes

    result = train_reward_model(config, train[:32], val[:8], tmp_path, progress=events.append)

    assert result.total_steps == 4
    first = events[0]
    assert (first.step, first.total_steps, first.epoch, first.phase, first.metrics) == (0, 4, 1, "bt", {})
    starts = [(e.step, e.epoch) for e in events if not e.metrics]
    assert starts[:1] == [(0, 1)] and (2, 2) in starts  # each epoch announces itself
    assert [e.step for e in events] == sorted(e.step for e in events)
    assert all("step" in row and any(k.startswith("val_") or k == "loss" for k in row) for row in result.history)


def test_a_one_step_run_reports_its_loss(tiny_model_dir: Path, toy_pairs, tmp_path: Path):
    train, val = toy_pairs
    events: list[TrainingProgress] = []
    config = tiny_config(tiny_model_dir, epochs=1, batch_size=16)

    train_reward_model(config, train[:16], val[:8], tmp_path, progress=events.append)

    measured = [e for e in events if e.metrics]
    assert [(e.step, "loss" in e.metrics, "val_accuracy" in e.metrics) for e in measured] == [(1, True, True)]
