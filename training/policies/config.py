"""The configuration of a tiny-policy bootstrap job: verdict_ml's TinyPolicyConfig (the settings a job
may choose) and which of the project's examples it learns from, one dataclass whose metadata the API
and `bootstrap_policy`'s options read."""
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings

from jobs.configs import config_clean
from verdict_ml.config import config_to_dict, setting
from verdict_ml.policies.tiny import TinyPolicyConfig

# Settings of the tiny policy a job does not choose: the bundled model shape, the BPE merge threshold,
# and the worker's thread count (VERDICT_TORCH_THREADS).
FIXED_SETTINGS = ("model_config_path", "min_frequency", "num_threads")


@dataclass
class BootstrapConfig(TinyPolicyConfig):
    max_examples: int = setting(5000, ge=1, help="(prompt, response) examples learnt from at most.")
    eval_fraction: float = setting(
        0.2, gt=0, lt=1,
        help="Share of the project's prompts held out for evaluating online rounds (as the rounds use); never learnt from.",
    )


def bootstrap_config_clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, types and ranges checked; ValidationError keyed by the setting's name."""
    return config_to_dict(config_clean(BootstrapConfig, raw, exclude=FIXED_SETTINGS), exclude=FIXED_SETTINGS)


def tiny_policy_config(config: dict[str, Any]) -> TinyPolicyConfig:
    chosen = {field.name for field in fields(TinyPolicyConfig)} - set(FIXED_SETTINGS)
    return TinyPolicyConfig(**{name: config[name] for name in chosen}, num_threads=settings.VERDICT_TORCH_THREADS or None)
