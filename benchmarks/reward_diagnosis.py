"""Short reward-training probes on the shared HH harmless pairs (a script, not a test).

Trains ``train_reward_model`` for a few hundred steps with the defaults plus the given overrides, on a
prompt-disjoint split (a pair is held out when the SHA-256 of its prompt text ends in 0–3 of 16 hex
values, i.e. ~25 %), and prints the training-loss curve and the held-out metrics before and after. Used
for the diagnosis in the README ("Why the defaults sat at chance").

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/reward_diagnosis.py --train 480 --val 200 \
        --set learning_rate=3e-5 --set head_learning_rate=1e-3
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verdict_ml.rewards.data import PreferencePair, pairs_from_hh_jsonl, prompt_to_text
from verdict_ml.rewards.train import RewardTrainingConfig, train_reward_model

HH_PATH = Path(__file__).resolve().parents[2] / "shared" / "data" / "hh-harmless-dev.jsonl.gz"


def is_held_out(pair: PreferencePair) -> bool:
    return hashlib.sha256(prompt_to_text(pair.prompt).encode()).hexdigest()[-1] in "0123"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=int, default=480)
    parser.add_argument("--val", type=int, default=200)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=JSON")
    args = parser.parse_args()
    overrides = {}
    for item in args.overrides:
        key, _, raw = item.partition("=")
        overrides[key] = json.loads(raw)
    pairs = pairs_from_hh_jsonl(HH_PATH)
    val = [p for p in pairs if is_held_out(p)][: args.val]
    train = [p for p in pairs if not is_held_out(p)][: args.train]
    config = RewardTrainingConfig(device="cpu", logging_steps=10, **overrides)
    losses: list[float] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        untrained = train_reward_model(
            RewardTrainingConfig(**{**vars(config), "learning_rate": 1e-12, "head_learning_rate": None}), train[:8], val, out
        ).final_metrics
        result = train_reward_model(
            config, train, val, out, progress=lambda e: losses.append(round(e.metrics["loss"], 4)) if "loss" in e.metrics and "val_accuracy" not in e.metrics else None
        )
    after = result.final_metrics
    keys = ("val_accuracy", "val_bt_loss", "val_margin_mean", "val_reward_std")
    print(json.dumps({
        "overrides": overrides, "train": len(train), "val": len(val), "steps": result.steps,
        "loss_every_10_steps": losses,
        "untrained": {k: round(untrained[k], 4) for k in keys},
        "trained": {k: round(after[k], 4) for k in keys},
        "seconds": round(time.perf_counter() - started),
    }), flush=True)


if __name__ == "__main__":
    main()
