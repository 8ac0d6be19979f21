"""Writes of model judges: launching a judge run (its model checked, its job queued) and storing its
labels as MODEL annotations. The job's body is `job_body.py`."""
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from annotation.models import Annotation, AnnotationSource, Item, Project
from annotation.stats import project_stats_mark_stale
from jobs.models import JobKind, TrainingJob
from jobs.services import job_create
from training.judges.config import judge_config_clean
from training.judges.models import JudgeKind, JudgeRun
from training.policies.models import PolicyCheckpoint
from training.rewards.models import RewardModel


def _judge_model(project: Project, config: dict[str, Any]) -> tuple[RewardModel | None, str, str]:
    """(reward model, LM path, the judge's name in its label); ValidationError naming what is missing."""
    if config["judge"] == JudgeKind.REWARD_MODEL:
        models = RewardModel.objects.filter(project=project)
        model = models.filter(pk=config["reward_model"]).first() if config["reward_model"] else models.filter(is_active=True).first()
        if model is None:
            wanted = f"reward model {config['reward_model']}" if config["reward_model"] else "an active reward model"
            raise ValidationError({"reward_model": f"Project {project.slug} has no {wanted}."})
        return model, "", f"reward model {model.name} (#{model.pk})"
    path = config["model_path"].strip()
    if not path:
        checkpoint = PolicyCheckpoint.objects.filter(project=project).first()
        if checkpoint is None:
            raise ValidationError({"model_path": f"Name a model folder: project {project.slug} has no policy checkpoint."})
        return None, checkpoint.load_path, f"LM {checkpoint.name} (checkpoint #{checkpoint.pk})"
    return None, path, f"LM {Path(path).name or path}"


def judge_run_launch(
    *, project: Project, config: dict[str, Any], launched_by: AbstractBaseUser | None, enqueue: bool = True
) -> JudgeRun:
    """Check the settings and the judge's model, then queue the labelling job (`gpu` queue). With
    enqueue=False the job is only created (inline runs and tests run it through `run_job`)."""
    clean = judge_config_clean(config)
    reward_model, model_path, name = _judge_model(project, clean)
    with transaction.atomic():
        run = JudgeRun.objects.create(project=project, kind=clean["judge"], reward_model=reward_model, model_path=model_path,
                                      label=f"pending {project.pk}:{name}"[:300], config=clean, launched_by=launched_by)
        run.label = f"judge #{run.pk}: {name}"[:300]
        fields = {"project": project, "kind": JobKind.JUDGE, "config": {**clean, "judge_run": run.pk}, "launched_by": launched_by}
        run.job = job_create(**fields) if enqueue else TrainingJob.objects.create(**fields)
        run.save(update_fields=["label", "job"])
    return run


def judge_labels_store(*, run: JudgeRun, items: Sequence[Item], strengths: Sequence[int | None]) -> int:
    """The run's verdicts as MODEL annotations (no annotator; `judge` = the run's label); items without a
    verdict get none. A label the run already stored (a redelivered chunk) is kept as it was. The
    project's dashboard figures are marked stale (judge agreement). Returns the labels written."""
    labels = [
        Annotation(item=item, annotator=None, source=AnnotationSource.MODEL, judge=run.label, preference_strength=strength)
        for item, strength in zip(items, strengths, strict=True)
        if strength is not None
    ]
    with transaction.atomic():
        # (item, judge) is unique among MODEL labels: its index finds the chunk's labels already stored.
        stored = set(Annotation.objects.filter(source=AnnotationSource.MODEL, judge=run.label,
                                               item_id__in=[label.item_id for label in labels]).values_list("item_id", flat=True))
        fresh = [label for label in labels if label.item_id not in stored]
        Annotation.objects.bulk_create(fresh)
        project_stats_mark_stale(project_id=run.project_id)
    return len(fresh)
