"""An ensemble's members are trained one after another in one process. Each member's optimizer (AdamW's
state: twice the model) is let go before the member is saved, so neither the save's copy of the weights
nor the next member ever runs beside it (issue 17: peak memory of a CPU job)."""
import gc
import weakref
from pathlib import Path

import torch

from tests.verdict_ml.rewards.test_reward_training import tiny_config
from verdict_ml.rewards import model as model_module
from verdict_ml.rewards.train import train_reward_model


def test_each_members_optimizer_is_gone_before_the_member_is_saved(tiny_model_dir: Path, toy_pairs, tmp_path: Path, monkeypatch) -> None:
    optimizers: list[weakref.ref] = []
    make_adamw = torch.optim.AdamW

    def recorded_adamw(*args, **kwargs):
        optimizer = make_adamw(*args, **kwargs)
        optimizers.append(weakref.ref(optimizer))
        return optimizer

    alive_at_save: list[int] = []
    save = model_module.save_reward_model

    def recorded_save(*args, **kwargs):
        gc.collect()
        alive_at_save.append(sum(ref() is not None for ref in optimizers))
        return save(*args, **kwargs)

    monkeypatch.setattr(torch.optim, "AdamW", recorded_adamw)
    monkeypatch.setattr(model_module, "save_reward_model", recorded_save)
    result = train_reward_model(tiny_config(tiny_model_dir, ensemble_size=2, epochs=1), *toy_pairs, tmp_path)

    assert len(result.model_dirs) == 2 and len(optimizers) == 2
    assert alive_at_save == [0, 0]
