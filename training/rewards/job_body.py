"""What a reward-model job runs on a worker: rows from the database → the Django-free trainer →
artifacts, then the registry entry when it succeeded."""
import logging
from typing import Any

from annotation.models import Project
from datasets_app.models import DatasetVersion
from jobs.models import JobStatus, TrainingJob
from jobs.runtime import JobBody, JobCancelled, JobReporter, artifacts_dir, finite, run_job
from training.rewards import selectors
from training.rewards.config import (
    BUNDLED_BASE_MODEL,
    MIN_TRAIN_PAIRS,
    TINY_VALIDATION_PAIRS,
    reward_config_clean,
    trainer_config,
)
from verdict_ml.rewards.train import RewardTrainingConfig

logger = logging.getLogger(__name__)


def reward_job_execute(job_id: int, *, task_id: str, body: JobBody | None = None) -> str:
    """What the Celery task (and `train_reward_model --inline`) runs: the job, then, if it succeeded,
    its registry entry. Returns the job's final status. `body` may wrap `reward_job_body`."""
    from training.rewards.services import reward_model_register

    status = run_job(job_id, task_id=task_id, body=body or reward_job_body)
    if status == JobStatus.SUCCEEDED:
        reward_model_register(job=TrainingJob.objects.get(pk=job_id))
    return status


def reward_job_body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
    from verdict_ml.rewards.train import train_reward_model

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
            # the job page and the command mark validation metrics from so few pairs as tiny
            "tiny_validation": len(data.val_pairs) < TINY_VALIDATION_PAIRS,
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
        # An event without metrics only says where training is (the trainer's epoch starts and ticks).
        metrics = finite({**event.metrics, **({"member": event.member} if members > 1 else {})}) if event.metrics else None
        reporter.progress(
            event.step, event.total_steps, stage=stage, metrics=metrics, epoch=event.epoch,
            split="validation" if validation else "train",
        )

    return report
