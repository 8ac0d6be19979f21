"""Reward-model jobs: the launch configuration (checked before anything is queued), the job body the
Celery task runs (rows from the database → the Django-free trainer → artifacts), and the follow-up
when it succeeds (registry entry, queue ordering by ensemble disagreement)."""
import logging
import math
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from annotation.models import Project
from datasets_app.models import DatasetVersion
from training import selectors
from training.models import JobKind, JobStatus, RewardAggregation, TrainingJob
from training.runtime import JobBody, JobCancelled, JobReporter, artifacts_dir, run_job
from training.services import job_create
from training.trainers.reward_train import RewardTrainingConfig

logger = logging.getLogger(__name__)

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


def reward_job_launch(
    *,
    project: Project,
    config: dict[str, Any],
    launched_by: AbstractBaseUser | None,
    dataset_version: DatasetVersion | None = None,
    enqueue: bool = True,
) -> TrainingJob:
    """Check the configuration and the data, then queue a reward-model job on the `gpu` queue. Without
    a dataset version it trains on the project's annotations. With enqueue=False the job is only
    created, for a caller that runs it in its own process (`train_reward_model --inline`)."""
    clean = reward_config_clean(config)
    reward_data_check(project=project, config=clean, dataset_version=dataset_version)
    fields = {"project": project, "kind": JobKind.REWARD_MODEL, "config": clean, "launched_by": launched_by, "dataset_version": dataset_version}
    if not enqueue:
        return TrainingJob.objects.create(**fields)
    return job_create(**fields)


def reward_data_check(*, project: Project, config: dict[str, Any], dataset_version: DatasetVersion | None) -> None:
    """Pairwise objectives read a pair format, regression a helpsteer2 version, and the combined
    recipe a pair format plus a helpsteer2 version (`attribute_dataset_version`)."""
    objective, attribute_ref = config["objective"], config["attribute_dataset_version"]
    label_source = config["label_source"]
    if label_source != "annotations":
        if dataset_version is not None:
            raise ValidationError({"label_source": f"{label_source} pairs come from the project's judgements, not a dataset version."})
        if not project.is_hindsight:
            raise ValidationError({"label_source": f"Project {project.slug} has no hindsight task type, so no {label_source} ratings."})
    if dataset_version is None:
        if attribute_ref is not None:
            raise ValidationError({"attribute_dataset_version": "Only used together with a dataset version."})
        return
    if dataset_version.project_id != project.pk:
        raise ValidationError({"dataset_version": f"Dataset version {dataset_version} is not one of project {project.slug}."})
    if not dataset_version.is_ready:
        raise ValidationError({"dataset_version": f"Dataset version {dataset_version} is {dataset_version.status}, not ready."})
    if objective == "regression":
        if dataset_version.format != selectors.ATTRIBUTE_FORMAT:
            raise ValidationError({"dataset_version": f"regression trains on a helpsteer2 version; {dataset_version} is {dataset_version.format}."})
    elif dataset_version.format not in selectors.PAIR_FORMATS:
        raise ValidationError(
            {"dataset_version": f"{objective} trains on pairs ({' or '.join(selectors.PAIR_FORMATS)}); {dataset_version} is {dataset_version.format}."}
        )
    if objective != "regression_then_scaled_bt":
        if attribute_ref is not None:
            raise ValidationError({"attribute_dataset_version": "Only regression_then_scaled_bt uses a second (helpsteer2) version."})
        return
    if attribute_ref is None:
        raise ValidationError({"attribute_dataset_version": "regression_then_scaled_bt also needs a helpsteer2 version for its regression phase."})
    try:
        attributes = selectors.dataset_version_for(project=project, reference=attribute_ref)
    except ValidationError as error:
        raise ValidationError({"attribute_dataset_version": error.message_dict["dataset_version"]}) from error
    if attributes.format != selectors.ATTRIBUTE_FORMAT:
        raise ValidationError({"attribute_dataset_version": f"Needs a helpsteer2 version; {attributes} is {attributes.format}."})


def reward_job_execute(job_id: int, *, task_id: str, body: JobBody | None = None) -> str:
    """What the Celery task (and `train_reward_model --inline`) runs: the job, then, if it succeeded,
    its registry entry. Returns the job's final status. `body` may wrap `reward_job_body`."""
    from training.services_reward import reward_model_register

    status = run_job(job_id, task_id=task_id, body=body or reward_job_body)
    if status == JobStatus.SUCCEEDED:
        reward_model_register(job=TrainingJob.objects.get(pk=job_id))
    return status


def reward_job_body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
    from training.trainers.reward_train import train_reward_model

    config = reward_config_clean(job.config)
    trainer = trainer_config(config)
    reporter.progress(0, stage="reading the training data")
    data, source = _training_data(job, config)
    counts = data.counts()
    reporter.log(f"data from {source}: " + ", ".join(f"{name} {value}" for name, value in counts.items()))
    train_attributes, val_attributes = _attribute_examples(trainer, data, job.project if job.dataset_version_id is None else None)
    if trainer.objective != "regression" and len(data.train_pairs) < MIN_TRAIN_PAIRS:
        raise ValueError(
            f"objective {trainer.objective!r} needs at least {MIN_TRAIN_PAIRS} judged pairs with a preference "
            f"(not ties) in {source}; it has {len(data.train_pairs)} for training"
        )
    output = artifacts_dir(job) / "reward_model"
    reporter.artifact("reward_model", output, {"objective": trainer.objective, "ensemble_size": trainer.ensemble_size})
    reporter.log(f"training {trainer.objective} on {trainer.base_model or BUNDLED_BASE_MODEL}, {trainer.ensemble_size} member(s)")
    reporter.progress(0, stage="loading the base model")
    result = train_reward_model(
        trainer,
        data.train_pairs,
        data.val_pairs,
        output,
        train_attributes=train_attributes,
        val_attributes=val_attributes,
        progress=_progress_reporter(reporter, trainer.ensemble_size),
        should_stop=reporter.should_stop,
    )
    if result.cancelled:
        reporter.log(f"cancelled at step {result.steps} of {result.total_steps}")
        raise JobCancelled
    reporter.log(f"done: {result.steps} steps, {result.pairs_per_second:.1f} examples/s")
    return finite(
        {
            "metrics": result.final_metrics,
            "member_metrics": result.member_metrics,
            "model_dirs": result.model_dirs,
            "output_dir": str(output),
            "base_model": trainer.base_model or BUNDLED_BASE_MODEL,
            "steps": result.steps,
            "train_seconds": result.train_seconds,
            "pairs_per_second": result.pairs_per_second,
            "data": {"source": source, **counts},
        }
    )


def _training_data(job: TrainingJob, config: dict[str, Any]) -> tuple[selectors.RewardTrainingData, str]:
    """The rows to train on, and where they come from (for the log and the registry)."""
    fraction, seed = config["validation_fraction"], config["split_seed"]
    version = job.dataset_version
    if version is None and config["label_source"] != "annotations":
        label_source = config["label_source"]
        data = selectors.hindsight_training_data(
            project=job.project, label_source=label_source, validation_fraction=fraction, seed=seed
        )
        return data, f"the {label_source} ratings of project {job.project.slug!r}"
    if version is None:
        data = selectors.reward_training_data(project=job.project, validation_fraction=fraction, seed=seed)
        return data, f"the annotations of project {job.project.slug!r}"
    if version.format == selectors.ATTRIBUTE_FORMAT:
        pairs_version, attributes_version = None, version
    else:
        attribute_ref = config["attribute_dataset_version"]
        pairs_version = version
        attributes_version = DatasetVersion.objects.get(pk=attribute_ref) if attribute_ref is not None else None
    data = selectors.reward_training_data_from_versions(
        pairs_version=pairs_version, attributes_version=attributes_version, validation_fraction=fraction, seed=seed
    )
    names = " and ".join(f"{v} ({v.format})" for v in (pairs_version, attributes_version) if v is not None)
    return data, f"dataset version {names}"


def _attribute_examples(
    trainer: RewardTrainingConfig, data: selectors.RewardTrainingData, project: Project | None
) -> tuple[list, list]:
    """Regression phases need every predicted attribute; examples missing one are left out. With the
    project's annotations (`project` given), the project must rate those attributes at all."""
    if trainer.objective not in ("regression", "regression_then_scaled_bt"):
        return [], []
    wanted = trainer.attributes
    missing = [name for name in wanted if project is not None and name not in project.attribute_names]
    if missing:
        raise ValueError(
            f"objective {trainer.objective!r} regresses {', '.join(wanted)}, but project {project.slug!r} does not rate "
            f"{', '.join(missing)}; choose a pairwise objective or helpfulness-only regression"
        )
    train = [example for example in data.train_attributes if all(name in example.scores for name in wanted)]
    val = [example for example in data.val_attributes if all(name in example.scores for name in wanted)]
    if not train:
        raise ValueError(f"objective {trainer.objective!r} needs Likert scores for {', '.join(wanted)}; the training data has none")
    return train, val


def _progress_reporter(reporter: JobReporter, members: int) -> Any:
    def report(event: Any) -> None:
        validation = any(name.startswith("val_") for name in event.metrics)
        stage = f"{event.phase} · epoch {event.epoch}"
        if members > 1:
            stage += f" · member {event.member + 1} of {members}"
        metrics = finite({**event.metrics, **({"member": event.member} if members > 1 else {})})
        reporter.progress(
            event.step, event.total_steps, stage=stage, metrics=metrics, epoch=event.epoch,
            split="validation" if validation else "train",
        )

    return report


def finite(value: Any) -> Any:
    """JSON columns (PostgreSQL jsonb above all) take no NaN or infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value

