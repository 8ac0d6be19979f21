"""Writes of the reward-model registry: registering a succeeded job's model, making one the project's
active reward model, and ordering the annotation queue by the active ensemble's disagreement."""
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotation.models import Item, Project
from training import selectors
from training.models import JobStatus, RewardAggregation, RewardModel, TrainingJob

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
        if created and not RewardModel.objects.filter(project=job.project, is_active=True).exists():
            reward_model_activate(reward_model=model)
    return model


def reward_model_activate(
    *, reward_model: RewardModel, aggregation: str | None = None, uwo_lambda: float | None = None
) -> RewardModel:
    """Make this the project's only active reward model (optionally changing how its ensemble's scores
    combine). With uncertainty ordering on and an ensemble, the unlabelled queue is re-scored by its
    disagreement (a `gpu` task, after commit)."""
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
    from training.tasks.reward_model import score_queue_uncertainty

    transaction.on_commit(lambda: score_queue_uncertainty.delay(project.pk))


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
    from training.trainers.reward_ensemble import disagreement

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
