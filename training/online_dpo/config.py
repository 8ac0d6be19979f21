"""The configuration of online DPO rounds, checked before anything is queued."""
from typing import Any

from django.core.exceptions import ValidationError

from training.online_dpo.models import RunMode

PAIR_STRATEGIES = ("best_vs_worst", "best_vs_random", "best_vs_second", "length_penalised")


REFERENCES = ("previous", "initial")


AGGREGATIONS = ("mean", "min", "uwo")


MAX_ROUNDS = 50


# Human pairs a round may add to its sampled ones: none, or a hindsight project's judgements labelled by
# their hindsight or their foresight ratings.
EXTRA_PAIRS = ("none", "hindsight", "foresight")


INT, NUM, BOOL, STR = (int,), (int, float), (bool,), (str,)


# name: (default, JSON types, check of the value, what the check demands)
ROUND_SETTINGS: dict[str, tuple[Any, tuple[type, ...], Any, str]] = {
    "mode": (RunMode.PROXY.value, STR, lambda v: v in RunMode.values, f"one of {', '.join(RunMode.values)}"),
    "prompts_per_round": (32, INT, lambda v: v >= 1, "at least 1"),
    "samples_per_prompt": (4, INT, lambda v: 2 <= v <= 64, "from 2 to 64"),
    "temperature": (1.0, NUM, lambda v: 0 < v <= 5, "more than 0 and at most 5"),
    "top_p": (1.0, NUM, lambda v: 0 < v <= 1, "more than 0 and at most 1"),
    "max_new_tokens": (64, INT, lambda v: 1 <= v <= 4096, "from 1 to 4096"),
    "generation_batch_size": (32, INT, lambda v: v >= 1, "at least 1"),
    "pair_strategy": ("best_vs_worst", STR, lambda v: v in PAIR_STRATEGIES, f"one of {', '.join(PAIR_STRATEGIES)}"),
    "min_reward_gap": (0.0, NUM, lambda v: v >= 0, "at least 0"),
    "length_penalty_alpha": (0.0, NUM, lambda v: v >= 0, "at least 0"),
    "human_fraction": (0.25, NUM, lambda v: 0 <= v <= 1, "from 0 to 1"),
    "human_annotations_per_item": (1, INT, lambda v: v >= 1, "at least 1"),
    "human_priority": (1.0, NUM, lambda v: True, "a number"),
    "reference": ("previous", STR, lambda v: v in REFERENCES, f"one of {', '.join(REFERENCES)}"),
    "beta": (0.1, NUM, lambda v: v > 0, "more than 0"),
    "loss_type": (["sigmoid"], (list,), lambda v: bool(v) and all(isinstance(x, str) for x in v), "a non-empty list of names"),
    "learning_rate": (5e-6, NUM, lambda v: v > 0, "more than 0"),
    "epochs": (2.0, NUM, lambda v: v > 0, "more than 0"),
    "max_steps": (-1, INT, lambda v: v == -1 or v >= 1, "-1 (epochs decide) or at least 1"),
    "batch_size": (8, INT, lambda v: v >= 1, "at least 1"),
    "max_length": (512, INT, lambda v: v >= 8, "at least 8"),
    "use_lora": (True, BOOL, lambda v: True, "true or false"),
    "lora_r": (8, INT, lambda v: v >= 1, "at least 1"),
    "lora_alpha": (16, INT, lambda v: v >= 1, "at least 1"),
    "eval_fraction": (0.2, NUM, lambda v: 0 < v < 1, "more than 0 and less than 1"),
    "eval_prompts": (32, INT, lambda v: v >= 1, "at least 1"),
    "eval_samples": (2, INT, lambda v: 1 <= v <= 64, "from 1 to 64"),
    "aggregation": (None, (str, type(None)), lambda v: v is None or v in AGGREGATIONS, f"null (the registry's) or one of {', '.join(AGGREGATIONS)}"),
    "uwo_lambda": (None, (int, float, type(None)), lambda v: v is None or v >= 0, "null or at least 0"),
    "extra_pairs": ("none", STR, lambda v: v in EXTRA_PAIRS, f"one of {', '.join(EXTRA_PAIRS)}"),
    "seed": (0, INT, lambda v: True, "an integer"),
    "device": ("auto", STR, lambda v: v == "auto" or v == "cpu" or v.startswith("cuda"), "auto, cpu or cuda[:n]"),
}


def round_config_defaults() -> dict[str, Any]:
    return {name: (list(spec[0]) if isinstance(spec[0], list) else spec[0]) for name, spec in ROUND_SETTINGS.items()}


def round_config_clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, types and ranges checked; ValidationError keyed by the setting's name."""
    if not isinstance(raw, dict):
        raise ValidationError({"config": "The configuration must be a JSON object."})
    unknown = sorted(set(raw) - set(ROUND_SETTINGS))
    if unknown:
        raise ValidationError({name: f"Unknown setting; allowed: {', '.join(ROUND_SETTINGS)}." for name in unknown})
    config = {**round_config_defaults(), **raw}
    errors = {}
    for name, (_default, types, check, demand) in ROUND_SETTINGS.items():
        value = config[name]
        wrong_type = not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
        if wrong_type or not check(value):
            errors[name] = f"Must be {demand}; got {value!r}."
    if errors:
        raise ValidationError(errors)
    return config
