"""Writes of the arena: launching an arena (its contestants checked, its sampling job queued) and
marking the project's leaderboard for recomputation. The job's body is `job_body.py`; the leaderboard's
refresh is `leaderboard.py`."""
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from annotation.models import Project
from jobs.models import JobKind, TrainingJob
from jobs.services import job_create
from training.arena.config import ALL_PROMPTS, arena_config_clean
from training.arena.models import Arena, ArenaLeaderboard
from training.policies.models import PolicyCheckpoint
from training.policies.selectors import held_out_share_problem

MAX_CONTESTANTS = 12


def checkpoint_label(checkpoint: PolicyCheckpoint) -> str:
    """A policy contestant's name on the leaderboard and in its responses' `model_name` (unique in the project)."""
    return f"{checkpoint.name} (#{checkpoint.pk})"


def _contestants(*, project: Project, checkpoint_ids: list[int], model_names: list[str]) -> list[dict[str, Any]]:
    errors: dict[str, str] = {}
    ids = list(dict.fromkeys(checkpoint_ids))
    checkpoints = {c.pk: c for c in PolicyCheckpoint.objects.filter(project=project, pk__in=ids)}
    unknown = [str(pk) for pk in ids if pk not in checkpoints]
    if unknown:
        errors["checkpoints"] = f"Not policy checkpoints of project {project.slug}: {', '.join(unknown)}."
    # Whether a named model answered the pool's prompts is the job's to find out: no request reads all of
    # a project's responses (model_name has no index), and the pool is only drawn by the job.
    names = list(dict.fromkeys(name.strip() for name in model_names if name.strip()))
    contestants = [{"label": checkpoint_label(checkpoints[pk]), "checkpoint_id": pk} for pk in ids if pk in checkpoints]
    labels = {c["label"] for c in contestants}
    clashing = [name for name in names if name in labels]
    if clashing:
        errors["model_names"] = f"{', '.join(clashing)} is also a checkpoint contestant's name."
    contestants += [{"label": name, "model_name": name} for name in names]
    if not errors and not 2 <= len(contestants) <= MAX_CONTESTANTS:
        errors["contestants"] = f"An arena needs 2 to {MAX_CONTESTANTS} contestants (checkpoints and imported models); got {len(contestants)}."
    if errors:
        raise ValidationError(errors)
    return contestants


def arena_launch(
    *,
    project: Project,
    checkpoint_ids: list[int],
    model_names: list[str],
    config: dict[str, Any],
    launched_by: AbstractBaseUser | None,
    enqueue: bool = True,
) -> Arena:
    """Check the contestants and settings, then queue the arena's sampling job (`gpu` queue). With
    enqueue=False the job is only created (inline runs and tests run it through `run_job`)."""
    clean = arena_config_clean(config)
    contestants = _contestants(project=project, checkpoint_ids=checkpoint_ids, model_names=model_names)
    if clean["pool"] == ALL_PROMPTS and any("checkpoint_id" in c for c in contestants):
        raise ValidationError({"pool": "A policy checkpoint is battled on the held-out pool only (it may have trained on the rest)."})
    checkpoints = list(PolicyCheckpoint.objects.filter(pk__in=[c["checkpoint_id"] for c in contestants if "checkpoint_id" in c]))
    problem = held_out_share_problem(checkpoints, clean["eval_fraction"])
    if problem:
        raise ValidationError({"eval_fraction": problem})
    with transaction.atomic():
        arena = Arena.objects.create(project=project, contestants=contestants, config=clean, launched_by=launched_by)
        fields = {"project": project, "kind": JobKind.ARENA, "config": {**clean, "arena": arena.pk}, "launched_by": launched_by}
        arena.job = job_create(**fields) if enqueue else TrainingJob.objects.create(**fields)
        arena.save(update_fields=["job"])
    return arena


def arena_leaderboard_mark_stale(*, project_id: int) -> None:
    """The next background refresh recomputes the project's leaderboard (after an arena queued battles)."""
    board, created = ArenaLeaderboard.objects.get_or_create(project_id=project_id, defaults={"stale": True})
    if not created and not board.stale:
        ArenaLeaderboard.objects.filter(pk=project_id).update(stale=True)
