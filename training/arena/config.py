"""The configuration of an arena's sampling job: one dataclass whose field metadata the API, the
launch form and the job read (help, choices, bounds)."""
from dataclasses import dataclass
from typing import Any

from jobs.configs import config_clean
from verdict_ml.config import MAX_SEED, ConfigError, config_defaults, config_to_dict, setting

HELD_OUT, ALL_PROMPTS = "held_out", "all"


@dataclass
class ArenaConfig:
    """Which prompts the contestants meet on, how policies are sampled, and how the battles are queued."""

    pool: str = setting(
        HELD_OUT, choices=(HELD_OUT, ALL_PROMPTS),
        help="held_out: the evaluation pool online DPO never trains on (fixed by content hash, eval_fraction); all: every "
        "prompt, allowed only when no contestant is a policy checkpoint (a checkpoint is never judged on prompts it trained on).",
    )
    eval_fraction: float = setting(0.2, gt=0, lt=1, help="Share of the project's prompts in the held-out pool (as online DPO uses).")
    prompts: int = setting(32, ge=1, le=5000, help="Prompts of the pool battled on at most (in content-hash order).")
    temperature: float = setting(0.7, ge=0, le=5, help="Sampling temperature of policy contestants (0: greedy).")
    top_p: float = setting(1.0, gt=0, le=1, help="Nucleus sampling of policy contestants.")
    max_new_tokens: int = setting(64, ge=1, le=4096, help="Tokens a policy contestant generates per response at most.")
    generation_batch_size: int = setting(16, ge=1, help="Sequences generated per forward pass.")
    priority: float = setting(0.5, help="Queue priority of the battle items (higher comes first among equally annotated items).")
    seed: int = setting(0, ge=0, le=MAX_SEED, help="Seed of sampling and of each battle's stored order.")
    device: str = setting("auto", help="auto, cpu or cuda[:n].")

    def __post_init__(self) -> None:
        if not (self.device in ("auto", "cpu") or self.device.startswith("cuda")):
            raise ConfigError({"device": "Must be auto, cpu or cuda[:n]."})


def arena_config_defaults() -> dict[str, Any]:
    return config_defaults(ArenaConfig)


def arena_config_clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, types and ranges checked; ValidationError keyed by the setting's name."""
    return config_to_dict(config_clean(ArenaConfig, raw))
