"""The launch configuration of a reward-model job, checked before anything is queued: the trainer's
settings (verdict_ml's RewardTrainingConfig) and the job's own, in one dataclass whose field metadata
the API, the launch form and `train_reward_model`'s options all read."""
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from jobs.configs import config_clean
from training.rewards.models import RewardAggregation
from verdict_ml.config import MAX_SEED, ConfigError, config_defaults, config_from_dict, config_to_dict, setting
from verdict_ml.rewards.config import RewardTrainingConfig

# Where a job without a dataset version takes its pairs: the project's annotations, or the foresight /
# hindsight ratings of its completed hindsight judgements.
LABEL_SOURCES = ("annotations", "hindsight", "foresight")


HINDSIGHT_OBJECTIVES = ("bt", "margin_bt", "scaled_bt")


BUNDLED_BASE_MODEL = "all-MiniLM-L6-v2 (bundled)"


MIN_TRAIN_PAIRS = 2


# Activation gate: a model becomes (or is made) active without an admin's force only when held-out pairs
# show it beats chance — at least MIN_ACTIVATION_PAIRS pairs and the lower end of the 95 % Wilson interval
# of its accuracy above 0.5 (which alone needs 5 of 5, 8 of 9 or 60 of 100 right). Results on fewer than
# TINY_VALIDATION_PAIRS pairs are marked "tiny" wherever they are shown.
MIN_ACTIVATION_PAIRS = 5
TINY_VALIDATION_PAIRS = 30


# Trainer settings a job may not choose: the worker's thread count is VERDICT_TORCH_THREADS, and the
# allocator setting stays with the worker process once made, so it is the trainer's default for every job.
WORKER_SETTINGS = ("num_threads", "release_cpu_memory")


TRAINER_FIELDS = tuple(field.name for field in fields(RewardTrainingConfig) if field.name not in WORKER_SETTINGS)


@dataclass
class RewardJobConfig(RewardTrainingConfig):
    """The trainer's settings and the job's: where the pairs come from and how an ensemble is read."""

    base_model: str | None = setting(
        None, help="Local folder or Hugging Face hub id of an AutoModelForSequenceClassification. "
        "Empty: VERDICT_REWARD_BASE_MODEL, else the bundled all-MiniLM-L6-v2.",
    )
    attribute_dataset_version: int | None = setting(
        None, help="Only for regression → scaled BT from a pair version: the helpsteer2 version of its regression phase.",
    )
    validation_fraction: float = setting(
        0.1, gt=0, le=0.5, help="Share of prompts held out for validation (no prompt in both splits).",
    )
    split_seed: int = setting(0, ge=0, le=MAX_SEED, help="Seed of the train / validation split by prompt.")
    aggregation: str = setting(
        RewardAggregation.MEAN.value, choices=RewardAggregation.values,
        help="How an ensemble's scores combine: mean, min (worst case) or uwo (mean − λ · variance).",
    )
    uwo_lambda: float = setting(0.1, ge=0, help="λ of the uwo aggregation.")
    label_source: str = setting(
        "annotations", choices=LABEL_SOURCES,
        help="Hindsight projects: train on the ratings given after the outcome was revealed, or on those given "
        "before (no dataset version; pairwise objectives only).",
    )

    def __post_init__(self) -> None:
        if self.label_source != "annotations" and self.objective not in HINDSIGHT_OBJECTIVES:
            raise ConfigError({"label_source": (
                f"{self.label_source} pairs carry no Likert scores; choose {', '.join(HINDSIGHT_OBJECTIVES)}, not {self.objective}."
            )})


def reward_config_defaults() -> dict[str, Any]:
    """Every launch setting with its default; an empty base model means VERDICT_REWARD_BASE_MODEL or the bundled MiniLM."""
    return {**config_defaults(RewardJobConfig, exclude=WORKER_SETTINGS), "base_model": ""}


def _messages(error: ConfigError) -> dict[str, str]:
    """The trainer's settings keep the wording the launch API has always given them, the trainer's own
    sentence ("epochs must be a positive integer, got 0"), which the API's tests pin; the job's settings
    and type errors read "Must be …" / "Expected …" like every other job kind."""
    return {
        name: error.sentences[name] if name in TRAINER_FIELDS and message.startswith("Must be") else message
        for name, message in error.errors.items()
    }


def reward_config_clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Defaults filled in, types and ranges checked, the base model resolved. Raises ValidationError keyed by the setting's name."""
    try:
        config = config_from_dict(RewardJobConfig, raw, exclude=WORKER_SETTINGS)
    except ConfigError as error:
        raise ValidationError(_messages(error)) from error
    base = (config.base_model or "").strip() or settings.VERDICT_REWARD_BASE_MODEL
    if base.startswith(("/", "./", "../", "~")) and not Path(base).expanduser().is_dir():
        raise ValidationError({"base_model": f"No model folder at {base}."})
    config.base_model = base
    return config_to_dict(config, exclude=WORKER_SETTINGS)


def trainer_config(config: dict[str, Any]) -> RewardTrainingConfig:
    values = {name: config[name] for name in TRAINER_FIELDS}
    values["base_model"] = values["base_model"] or None
    values["num_threads"] = settings.VERDICT_TORCH_THREADS or None
    return RewardTrainingConfig(**values)


EVALUATION_SPLITS = ("all", "train", "validation")


@dataclass
class RewardEvaluationConfig:
    """A reward-model evaluation job: which registered model, scored on which split of the job's dataset
    version (a pair format), with which ensemble aggregation."""

    reward_model: int = setting(help="Registry id of the reward model (or ensemble) to score.", ge=1)
    split: str = setting(
        "validation", choices=EVALUATION_SPLITS,
        help="Split of the dataset version to score: validation, train or all (a model's own training pairs say "
        "little about it).",
    )
    aggregation: str = setting(
        "", choices=("", *RewardAggregation.values),
        help="How an ensemble's scores combine; empty: the model's own aggregation.",
    )


def evaluation_config_clean(raw: dict[str, Any]) -> dict[str, Any]:
    """Types, choices and bounds checked; raises ValidationError keyed by the setting's name."""
    return config_to_dict(config_clean(RewardEvaluationConfig, raw))
