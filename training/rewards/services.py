"""Writes of reward models: launching a training job (after checking its data), registering the
model a job produced, activating one, and ordering the annotation queue by ensemble disagreement."""
import logging
from pathlib import Path
from typing import Any

from celery import current_app
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotation.models import Item, Project
from datasets_app.models import DatasetVersion
from jobs.models import JobKind, JobStatus, TrainingJob
from jobs.services import job_create
from training.rewards import evaluation_pairs, selectors
from training.rewards.config import evaluation_config_clean, reward_config_clean
from training.rewards.models import RewardAggregation, RewardModel


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


logger = logging.getLogger(__name__)


MIN_ENSEMBLE_FOR_UNCERTAINTY = 2


def reward_model_register(*, job: TrainingJob) -> RewardModel:
    """The registry entry of a succeeded reward-model job (idempotent). The project's first model
    becomes its active one."""
    if job.status != JobStatus.SUCCEEDED:
        raise ValidationError(f"Job #{job.pk} has not succeeded ({job.status}); nothing to register.")
    artifact = job.artifacts.filter(name="reward_model", ready=True).first()
    if artifact is None:
        raise ValidationError(f"Job #{job.pk} has no ready reward_model artifact.")
    summary = job.summary or {}
    config = job.config or {}
    with transaction.atomic():
        model, created = RewardModel.objects.get_or_create(
            job=job,
            defaults={
                "project": job.project,
                "name": f"{config.get('objective', 'reward')} · job {job.pk}",
                "path": artifact.path,
                "member_paths": summary.get("model_dirs", [artifact.path]),
                "base_model": summary.get("base_model", config.get("base_model", "")),
                "objective": config.get("objective", ""),
                "dataset_version": job.dataset_version,
                "data_source": {
                    "project": job.project.slug,
                    "dataset_version": job.dataset_version_id,
                    "attribute_dataset_version": config.get("attribute_dataset_version"),
                    "validation_fraction": config.get("validation_fraction"),
                    "split_seed": config.get("split_seed"),
                    **summary.get("data", {}),
                },
                "metrics": summary.get("metrics", {}),
                "aggregation": config.get("aggregation", "mean"),
                "uwo_lambda": config.get("uwo_lambda", 0.1),
            },
        )
        first = created and not RewardModel.objects.filter(project=job.project, is_active=True).exists()
        if first and not selectors.activation_problems(model):
            reward_model_activate(reward_model=model)
        elif first:
            logger.info("reward model %s not activated: %s", model.pk, "; ".join(selectors.activation_problems(model)))
    return model


def reward_model_activate(
    *, reward_model: RewardModel, aggregation: str | None = None, uwo_lambda: float | None = None, force: bool = False
) -> RewardModel:
    """Make this the project's only active reward model (optionally changing how its ensemble's scores
    combine). With uncertainty ordering on and an ensemble, the unlabelled queue is re-scored by its
    disagreement (a `gpu` task, after commit).

    Refused (ValidationError keyed `force`, saying why) when its held-out evidence does not show it is
    better than chance (`selectors.activation_problems`), unless `force` — an admin's explicit choice."""
    problems = selectors.activation_problems(reward_model)
    if problems and not force:
        raise ValidationError({"force": [
            f"{reward_model.name} is not activated: {'; '.join(problems)}. Evaluate it on more held-out pairs, "
            "or force the activation."
        ]})
    if aggregation is not None and aggregation not in RewardAggregation.values:
        raise ValidationError({"aggregation": f"Must be one of {', '.join(RewardAggregation.values)}."})
    if uwo_lambda is not None and uwo_lambda < 0:
        raise ValidationError({"uwo_lambda": "Must be at least 0."})
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=reward_model.project_id)
        RewardModel.objects.filter(project_id=reward_model.project_id, is_active=True).exclude(pk=reward_model.pk).update(
            is_active=False
        )
        reward_model.is_active = True
        reward_model.activated_at = timezone.now()
        reward_model.aggregation = aggregation or reward_model.aggregation
        reward_model.uwo_lambda = reward_model.uwo_lambda if uwo_lambda is None else uwo_lambda
        reward_model.save(update_fields=["is_active", "activated_at", "aggregation", "uwo_lambda"])
        if reward_model.project.uncertainty_ordering and reward_model.ensemble_size >= MIN_ENSEMBLE_FOR_UNCERTAINTY:
            uncertainty_scoring_enqueue(project=reward_model.project)
    return reward_model


def uncertainty_scoring_enqueue(*, project: Project) -> None:
    """Queue `training.score_queue_uncertainty` for the project's active ensemble once the transaction commits."""
    _check_uncertainty_ready(project)
    task = current_app.tasks["training.score_queue_uncertainty"]  # by name: tasks.py imports this module
    transaction.on_commit(lambda: task.delay(project.pk))


def _check_uncertainty_ready(project: Project) -> RewardModel:
    if not project.uncertainty_ordering:
        raise ValidationError("Uncertainty ordering is off for this project; turn it on in the project settings first.")
    model = selectors.active_reward_model(project=project)
    if model is None:
        raise ValidationError("The project has no active reward model.")
    if model.ensemble_size < MIN_ENSEMBLE_FOR_UNCERTAINTY:
        raise ValidationError(
            f"The active reward model has {model.ensemble_size} member; disagreement needs an ensemble of at least "
            f"{MIN_ENSEMBLE_FOR_UNCERTAINTY} (train with ensemble size ≥ 2)."
        )
    return model


def items_prioritise_by_uncertainty(*, project: Project) -> int:
    """Set `Item.priority` of every unlabelled comparison to the active ensemble's disagreement on it
    (variance over members of r(response 1) − r(response 2)), so the next-task queue, which serves
    equally-annotated items by descending priority, shows the most uncertain pairs first.
    Returns the number of items scored. Runs in a worker: it loads the models (torch)."""
    from verdict_ml.rewards.ensemble import disagreement

    model = _check_uncertainty_ready(project)
    items = list(selectors.unlabelled_comparison_items(project=project))
    if not items:
        return 0
    scorer = selectors.reward_scorer_for(model)
    prompts = [item.prompt.messages for item in items]
    first = scorer.member_scores(prompts, [item.response_1.text for item in items])
    second = scorer.member_scores(prompts, [item.response_2.text for item in items])
    spread = disagreement([list(zip(a, b)) for a, b in zip(first, second)])
    for item, value in zip(items, spread):
        item.priority = value
    with transaction.atomic():
        Item.objects.bulk_update(items, ["priority"], batch_size=500)
    logger.info("project %s: %d unlabelled items re-prioritised by reward model %s", project.slug, len(items), model.pk)
    return len(items)


MAX_STORED_EVALUATIONS = 20


def reward_model_evaluate(
    *, reward_model: RewardModel, pairs: list, source: str, aggregation: str | None = None, device: str = "auto",
    scores_path: Path | None = None,
) -> dict[str, Any]:
    """Score `pairs` with the model (an ensemble combined by its aggregation, or `aggregation`), and keep
    the report in `metrics["evaluations"]` (newest last, at most MAX_STORED_EVALUATIONS). Loads the
    models: call it in a worker or a command. A large enough evaluation can make the model activatable, so
    the pairs whose prompts it may have been trained on are left out (counted in the report).
    `scores_path`: also write each pair's two rewards to that file (not stored on the model)."""
    from verdict_ml.rewards.ensemble import load_reward_scorer
    from verdict_ml.rewards.evaluation import ScoresFileError, evaluate_pairs

    if aggregation is not None and aggregation not in RewardAggregation.values:
        raise ValidationError({"aggregation": f"Must be one of {', '.join(RewardAggregation.values)}."})
    pairs, left_out = evaluation_pairs.pairs_not_trained_on(reward_model, pairs)
    scorer = load_reward_scorer(
        reward_model.member_paths or [reward_model.path], device,
        aggregation=aggregation or reward_model.aggregation, uwo_lambda=reward_model.uwo_lambda,
    )
    try:
        scores = evaluate_pairs(scorer, pairs, scores_path=scores_path)
    except ScoresFileError as error:
        raise ValidationError({"scores_path": str(error)}) from error
    report = {
        **scores, "source": source, "aggregation": aggregation or reward_model.aggregation, "left_out_trained_prompts": left_out,
        "evaluated_at": timezone.now().isoformat(timespec="seconds"),
    }
    with transaction.atomic():
        model = RewardModel.objects.select_for_update().get(pk=reward_model.pk)
        evaluations = [*model.metrics.get("evaluations", []), report][-MAX_STORED_EVALUATIONS:]
        model.metrics = {**model.metrics, "evaluations": evaluations}
        model.save(update_fields=["metrics"])
    reward_model.metrics = model.metrics
    return report


def reward_evaluation_launch(
    *,
    reward_model: RewardModel,
    dataset_version: DatasetVersion | None,
    config: dict[str, Any],
    launched_by: AbstractBaseUser | None,
) -> TrainingJob:
    """Queue a job that scores `reward_model` on a split of a ready pair-format dataset version of its
    project (on the `gpu` queue) and stores the report on the model, as `evaluate_reward_model` does.
    Refuses the pairs the model was trained on: they measure memory, not what it learned."""
    clean = evaluation_config_clean({**config, "reward_model": reward_model.pk})
    if dataset_version is None:
        raise ValidationError({"dataset_version": "Choose a ready dataset version of the project to evaluate on."})
    evaluation_pairs.evaluation_version_check(reward_model=reward_model, version=dataset_version, split=clean["split"])
    return job_create(
        project=reward_model.project, kind=JobKind.REWARD_EVALUATION, config=clean, launched_by=launched_by,
        dataset_version=dataset_version,
    )
