"""The launch configuration of a reward-model job, checked before anything is queued."""
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from training.rewards.models import RewardAggregation
from verdict_ml.rewards.train import RewardTrainingConfig

# Settings of the trainer an admin may choose, with the JSON types each accepts (None: may be null):
# all of RewardTrainingConfig's but num_threads, which is the worker's VERDICT_TORCH_THREADS.
TRAINER_FIELDS: dict[str, tuple[type, ...]] = {
    "objective": (str,),
    "base_model": (str,),
    "regression_helpfulness_only": (bool,),
    "use_lora": (bool,),
    "lora_r": (int,),
    "lora_alpha": (int,),
    "lora_dropout": (int, float),
    "lora_target_modules": (list, type(None)),
    "learning_rate": (int, float),
    "epochs": (int,),
    "batch_size": (int,),
    "eval_batch_size": (int,),
    "max_length": (int,),
    "group_by_length": (bool,),
    "seed": (int,),
    "weight_decay": (int, float),
    "warmup_ratio": (int, float),
    "max_grad_norm": (int, float, type(None)),
    "ensemble_size": (int,),
    "center_rewards_coefficient": (int, float, type(None)),
    "device": (str,),
    "bf16": (bool,),
    "logging_steps": (int,),
}


# Settings of the job around the trainer.
JOB_DEFAULTS: dict[str, Any] = {
    "validation_fraction": 0.1, "split_seed": 0, "aggregation": RewardAggregation.MEAN.value, "uwo_lambda": 0.1,
    "attribute_dataset_version": None, "label_source": "annotations",
}


JOB_FIELDS: dict[str, tuple[type, ...]] = {
    "attribute_dataset_version": (int, type(None)),
    "validation_fraction": (int, float),
    "split_seed": (int,),
    "aggregation": (str,),
    "uwo_lambda": (int, float),
    "label_source": (str,),
}


# Where a job without a dataset version takes its pairs: the project's annotations, or the foresight /
# hindsight ratings of its completed hindsight judgements.
LABEL_SOURCES = ("annotations", "hindsight", "foresight")


HINDSIGHT_OBJECTIVES = ("bt", "margin_bt", "scaled_bt")


BUNDLED_BASE_MODEL = "all-MiniLM-L6-v2 (bundled)"


MIN_TRAIN_PAIRS = 2


def reward_config_defaults() -> dict[str, Any]:
    """Every launch setting with its default; an empty base model means VERDICT_REWARD_BASE_MODEL or the bundled MiniLM."""
    trainer = RewardTrainingConfig()
    values = {name: getattr(trainer, name) for name in TRAINER_FIELDS}
    values["base_model"] = ""
    return {**values, **JOB_DEFAULTS}


def reward_config_clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, types and ranges checked. Raises ValidationError keyed by the setting's name."""
    if not isinstance(raw, dict):
        raise ValidationError({"config": "The configuration must be a JSON object."})
    allowed = {**TRAINER_FIELDS, **JOB_FIELDS}
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ValidationError({name: f"Unknown setting; allowed: {', '.join(sorted(allowed))}." for name in unknown})
    config = {**reward_config_defaults(), **raw}
    if config["base_model"] is None:
        config["base_model"] = ""
    for name, types in allowed.items():
        value = config[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            expected = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise ValidationError({name: f"Expected {expected}, got {value!r}."})
    if config["lora_target_modules"] is not None and not all(isinstance(m, str) for m in config["lora_target_modules"]):
        raise ValidationError({"lora_target_modules": "Expected a list of module names."})
    config["base_model"] = config["base_model"].strip() or settings.VERDICT_REWARD_BASE_MODEL
    base = config["base_model"]
    if base.startswith(("/", "./", "../", "~")) and not Path(base).expanduser().is_dir():
        raise ValidationError({"base_model": f"No model folder at {base}."})
    try:
        trainer_config(config).validate()
    except ValueError as error:
        name = str(error).split(" ", 1)[0]
        raise ValidationError({name if name in allowed else "config": str(error)}) from error
    if not 0 < config["validation_fraction"] <= 0.5:
        raise ValidationError({"validation_fraction": "Must be more than 0 and at most 0.5."})
    if config["aggregation"] not in RewardAggregation.values:
        raise ValidationError({"aggregation": f"Must be one of {', '.join(RewardAggregation.values)}."})
    if config["uwo_lambda"] < 0:
        raise ValidationError({"uwo_lambda": "Must be at least 0."})
    if config["label_source"] not in LABEL_SOURCES:
        raise ValidationError({"label_source": f"Must be one of {', '.join(LABEL_SOURCES)}; got {config['label_source']!r}."})
    if config["label_source"] != "annotations" and config["objective"] not in HINDSIGHT_OBJECTIVES:
        raise ValidationError(
            {"label_source": f"{config['label_source']} pairs carry no Likert scores; choose {', '.join(HINDSIGHT_OBJECTIVES)}, "
             f"not {config['objective']}."}
        )
    return config


def trainer_config(config: dict[str, Any]) -> RewardTrainingConfig:
    values = {name: config[name] for name in TRAINER_FIELDS}
    values["base_model"] = values["base_model"] or None
    values["num_threads"] = settings.VERDICT_TORCH_THREADS or None
    return RewardTrainingConfig(**values)
