"""Writes of online DPO rounds: launching N chained rounds, the round a job runs, registering each
round's checkpoint and queuing the next, pausing for and resuming on the human slice, and the
RM–human mismatch rate. The round's body (sampling, scoring, pairs, DPO, evaluation) is in
`round_body.py`, which calls these; they never call it."""
import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from annotation.models import Item, Project
from jobs.models import JobKind, JobStatus, TrainingJob
from jobs.services import job_create, task_for_kind
from training.online_dpo.config import MAX_ROUNDS, round_config_clean
from training.online_dpo.judges import judge_resolve
from training.online_dpo.models import OnlineRound, OnlineRun, RoundStep
from training.online_dpo.selectors import item_human_preference, slice_is_annotated
from training.policies.models import PolicyCheckpoint
from training.policies.pools import EVAL_POOL, TRAIN_POOL, prompt_pools
from training.policies.selectors import held_out_share_problem
from training.policies.services import default_start_checkpoint
from training.rewards import selectors as reward_selectors
from training.rewards.models import RewardModel
from verdict_ml.stats import wilson_interval

logger = logging.getLogger(__name__)


def online_run_launch(
    *,
    project: Project,
    rounds: int,
    config: dict[str, Any],
    launched_by: AbstractBaseUser | None,
    start_checkpoint: PolicyCheckpoint | None = None,
    reward_model: RewardModel | None = None,
    enqueue: bool = True,
) -> OnlineRun:
    """Check everything a round needs, then queue round 1 on the `gpu` queue; each round queues the
    next when it succeeds. With enqueue=False the first round's job is only created (inline runs)."""
    clean = round_config_clean(config)
    if not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
        raise ValidationError({"rounds": f"Must be from 1 to {MAX_ROUNDS}; got {rounds!r}."})
    start = start_checkpoint or default_start_checkpoint(project=project)
    if start.project_id != project.pk:
        raise ValidationError({"start_checkpoint": f"Checkpoint #{start.pk} is not one of project {project.slug}."})
    if reward_model is not None and reward_model.project_id != project.pk:
        raise ValidationError({"reward_model": f"Reward model #{reward_model.pk} is not one of project {project.slug}."})
    if clean["extra_pairs"] != "none" and not project.is_hindsight:
        raise ValidationError(
            {"extra_pairs": f"Project {project.slug} has no hindsight task type, so no {clean['extra_pairs']}-labelled pairs."}
        )
    if clean["human_fraction"] > 0 and clean["human_annotations_per_item"] > project.overlap:
        raise ValidationError({"human_annotations_per_item": (
            f"Must be at most the project's overlap ({project.overlap}): the queue serves no item to more annotators, "
            "so the round would wait for labels that never come."
        )})
    if reward_model is None and reward_selectors.active_reward_model(project=project) is None:
        raise ValidationError({"reward_model": "The project has no active reward model; train one (or pick one) first."})
    judge_resolve(project=project, config=clean, proxy=reward_model or reward_selectors.active_reward_model(project=project))
    problem = held_out_share_problem([start], clean["eval_fraction"])
    if problem:
        raise ValidationError({"eval_fraction": problem})
    pools = prompt_pools(project=project, eval_fraction=clean["eval_fraction"])
    for pool, label in ((TRAIN_POOL, "training"), (EVAL_POOL, "evaluation")):
        if not pools[pool]:
            raise ValidationError({"eval_fraction": f"The project's {label} prompt pool is empty ({len(pools[TRAIN_POOL]) + len(pools[EVAL_POOL])} prompts, eval_fraction {clean['eval_fraction']})."})
    busy = OnlineRound.objects.filter(project=project, job__status__in=(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.WAITING)).first()
    if busy is not None:
        raise ValidationError({"rounds": f"Round {busy.number} (job #{busy.job_id}) is still {busy.job.status}; cancel it or wait."})
    with transaction.atomic():
        run = OnlineRun.objects.create(
            project=project, config=clean, rounds_requested=rounds, initial_checkpoint=start,
            reward_model=reward_model, launched_by=launched_by,
        )
        _round_create(run=run, index=1, start=start, enqueue=enqueue)
    return run


def _round_create(*, run: OnlineRun, index: int, start: PolicyCheckpoint, enqueue: bool) -> OnlineRound:
    """The round and its job; its number is the project's next (the project row is locked for it)."""
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=run.project_id)
        number = (OnlineRound.objects.filter(project_id=run.project_id).aggregate(top=Max("number"))["top"] or 0) + 1
        job_config = {**run.config, "online_run": run.pk, "round_index": index, "rounds_requested": run.rounds_requested}
        fields = {"project": run.project, "kind": JobKind.ONLINE_DPO, "config": job_config, "launched_by": run.launched_by}
        job = job_create(**fields) if enqueue else TrainingJob.objects.create(**fields)
        return OnlineRound.objects.create(
            run=run, project_id=run.project_id, index=index, number=number, job=job, start_checkpoint=start,
            reward_model=run.reward_model,
        )


def online_round_for_job(job: TrainingJob) -> OnlineRound:
    """The round a job runs; a restarted job (same config, new job) takes over its round."""
    found = OnlineRound.objects.filter(job=job).select_related("run", "start_checkpoint", "run__initial_checkpoint").first()
    if found is not None:
        return found
    run_id, index = job.config.get("online_run"), job.config.get("round_index")
    found = OnlineRound.objects.filter(run_id=run_id, index=index).first()
    if found is None:
        raise ValueError(f"job #{job.pk} names no online round (online_run={run_id!r}, round_index={index!r})")
    if found.job.is_active:
        raise ValueError(f"round {found.number} is still run by job #{found.job_id} ({found.job.status})")
    found.job = job
    found.save(update_fields=["job"])
    return OnlineRound.objects.select_related("run", "start_checkpoint", "run__initial_checkpoint").get(pk=found.pk)


def online_round_register(*, job: TrainingJob) -> OnlineRound:
    """The succeeded round's checkpoint in the registry (idempotent)."""
    round_ = OnlineRound.objects.select_related("start_checkpoint", "checkpoint").get(job=job)
    if round_.checkpoint is not None:
        return round_
    summary = job.summary
    start = round_.start_checkpoint
    with transaction.atomic():
        checkpoint = PolicyCheckpoint.objects.create(
            project_id=round_.project_id, name=f"round {round_.number}", base_model=start.base_model,
            path=summary["checkpoint_path"], adapter_path=summary.get("adapter_path") or "",
            merged_path="" if summary.get("adapter_path") else summary["checkpoint_path"],
            parent=start, round=round_.number, metrics=summary.get("evaluation", {}), created_by_job=job,
        )
        round_.checkpoint = checkpoint
        round_.step = RoundStep.DONE
        round_.finished_at = timezone.now()
        round_.save(update_fields=["checkpoint", "step", "finished_at"])
    return round_


def online_round_launch_next(*, round_: OnlineRound, enqueue: bool) -> OnlineRound | None:
    run = round_.run
    if round_.index >= run.rounds_requested or round_.checkpoint_id is None:
        return None
    existing = OnlineRound.objects.filter(run=run, index=round_.index + 1).first()
    return existing or _round_create(run=run, index=round_.index + 1, start=round_.checkpoint, enqueue=enqueue)


def online_round_mismatch_refresh(*, round_: OnlineRound) -> OnlineRound:
    """How often the reward model ordered the round's own pairs against the humans: over slice items
    with a decisive human preference (mean strength ≠ 0), the share where the RM's chosen response
    is not the one the humans preferred; with its Wilson 95 % interval (in `evaluation["human_mismatch"]`)."""
    chosen_by_item = {pair["item"]: pair["chosen"] for pair in round_.pairs if pair.get("item")}
    items = round_.human_items.prefetch_related("annotations")
    labelled = decisive = mismatches = 0
    for item in items:
        preference = item_human_preference(item)
        if preference is None:
            continue
        labelled += 1
        if preference == 0:
            continue
        decisive += 1
        human_choice = item.response_1_id if preference < 0 else item.response_2_id
        mismatches += human_choice != chosen_by_item.get(item.pk)
    round_.human_labelled = labelled
    round_.mismatch_count = mismatches
    round_.mismatch_rate = mismatches / decisive if decisive else None
    round_.evaluation = {
        **round_.evaluation,
        "human_mismatch": {"mismatches": mismatches, "decisive": decisive, "rate": round_.mismatch_rate,
                           "interval": wilson_interval(mismatches, decisive), "interval_method": "Wilson score, 95 %"},
    }
    round_.save(update_fields=["human_labelled", "mismatch_count", "mismatch_rate", "evaluation"])
    return round_


def online_round_wait(*, job: TrainingJob, round_: OnlineRound, missing: int) -> bool:
    """RUNNING → WAITING in one UPDATE, and the round's step with it in the same transaction, so the two
    never disagree; a job that is no longer running (cancelled meanwhile) is left alone, and so is its
    round. The job then stops and the worker is free."""
    with transaction.atomic():
        paused = TrainingJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.WAITING, stage=f"waiting for human labels on {missing} slice item(s)", heartbeat_at=None
        )
        if paused:
            round_.step = RoundStep.WAITING
            round_.save(update_fields=["step"])
    return bool(paused)


def online_round_resume(*, round_: OnlineRound, force: bool = False) -> bool:
    """WAITING → QUEUED in one UPDATE (so only one resumer wins) and the task queued after commit,
    once the slice is annotated (or at once with `force`, training on the labels there are)."""
    if not force and not slice_is_annotated(round_=round_):
        return False
    with transaction.atomic():
        resumed = TrainingJob.objects.filter(pk=round_.job_id, status=JobStatus.WAITING, cancel_requested=False).update(
            status=JobStatus.QUEUED, stage="resuming: human slice annotated" if not force else "resuming on the labels so far"
        )
        if resumed:
            if force:
                OnlineRound.objects.filter(pk=round_.pk).update(evaluation={**round_.evaluation, "resumed_early": True})
            task = task_for_kind(JobKind.ONLINE_DPO)
            transaction.on_commit(lambda: task.delay(round_.job_id))
    return bool(resumed)


def online_round_resume_for_item(*, item: Item) -> bool:
    """For the annotation submit path: resume the waiting round whose slice this item belongs to."""
    round_ = OnlineRound.objects.filter(human_items=item, job__status=JobStatus.WAITING).select_related("run").first()
    return online_round_resume(round_=round_) if round_ is not None else False


def online_rounds_tick() -> dict[str, int]:
    """Periodic (Celery beat): resume waiting rounds whose slice is annotated, and refresh the
    mismatch rate of recent rounds whose slices are still collecting labels."""
    resumed = 0
    for round_ in OnlineRound.objects.filter(job__status=JobStatus.WAITING).select_related("run"):
        resumed += online_round_resume(round_=round_)
    refreshed = 0
    recent = OnlineRound.objects.filter(step=RoundStep.DONE, human_items__isnull=False).distinct().order_by("-pk")[:50]
    for round_ in recent:
        online_round_mismatch_refresh(round_=round_)
        refreshed += 1
    return {"resumed": resumed, "refreshed": refreshed}
