"""Online DPO rounds, the Django side: the launch configuration (checked before anything is queued),
the prompt pools, launching N chained rounds, pausing for and resuming on the human slice, the
RM–human mismatch rate, and registering each round's checkpoint. The round body itself (sampling,
scoring, pairs, DPO, evaluation) is in `training/online_round_body.py`."""
import hashlib
import logging
import random
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from annotation.hindsight.selectors import hindsight_preference_pairs
from annotation.models import AnnotationSource, Item, Project, Prompt, messages_content_hash
from training import selectors
from training.models import (
    JobKind,
    JobStatus,
    OnlineRound,
    OnlineRun,
    PolicyCheckpoint,
    RewardModel,
    RoundStep,
    RunMode,
    TrainingJob,
)
from training.runtime import JobBody, run_job
from training.services import job_create

logger = logging.getLogger(__name__)

PAIR_STRATEGIES = ("best_vs_worst", "best_vs_random", "best_vs_second", "length_penalised")
REFERENCES = ("previous", "initial")
AGGREGATIONS = ("mean", "min", "uwo")
EVAL_POOL, TRAIN_POOL = "eval", "train"
# Prompt.metadata["policy_split"] pins a prompt to a pool; otherwise its content hash decides.
POOL_KEY = "policy_split"
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


# ---------------------------------------------------------------- prompt pools


def prompt_pool(prompt: Prompt | tuple[str, dict], eval_fraction: float) -> str:
    """EVAL_POOL or TRAIN_POOL. `metadata["policy_split"]` ("train" / "eval") decides when present;
    otherwise the prompt's content hash does, so a prompt never changes pool between rounds."""
    content_hash, metadata = (prompt.content_hash, prompt.metadata) if isinstance(prompt, Prompt) else prompt
    pinned = (metadata or {}).get(POOL_KEY)
    if pinned in (EVAL_POOL, TRAIN_POOL):
        return pinned
    position = int(hashlib.sha256(f"policy-pool:{content_hash}".encode()).hexdigest()[:12], 16) / 16**12
    return EVAL_POOL if position < eval_fraction else TRAIN_POOL


def prompt_pools(*, project: Project, eval_fraction: float) -> dict[str, list[int]]:
    """Prompt ids of the two pools, in content-hash order (stable across rounds and databases)."""
    pools: dict[str, list[int]] = {TRAIN_POOL: [], EVAL_POOL: []}
    rows = Prompt.objects.filter(project=project).order_by("content_hash").values_list("pk", "content_hash", "metadata")
    for pk, content_hash, metadata in rows:
        pools[prompt_pool((content_hash, metadata), eval_fraction)].append(pk)
    return pools


def draw_training_prompts(*, project: Project, config: dict[str, Any], round_number: int) -> list[int]:
    pool = prompt_pools(project=project, eval_fraction=config["eval_fraction"])[TRAIN_POOL]
    rng = random.Random(f"{config['seed']}:{round_number}")
    return sorted(rng.sample(pool, min(config["prompts_per_round"], len(pool))))


def evaluation_prompts(*, project: Project, config: dict[str, Any]) -> list[int]:
    """The same held-out prompts every round, so the rounds' figures compare."""
    return prompt_pools(project=project, eval_fraction=config["eval_fraction"])[EVAL_POOL][: config["eval_prompts"]]


def extra_training_pairs(*, project: Project, config: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """The hindsight-derived pairs `extra_pairs` asks for (`hindsight_preference_pairs`), less those on
    an evaluation-pool prompt, so the held-out figures stay held out; returns (pairs, left out)."""
    source = config.get("extra_pairs", "none")  # runs launched before the setting existed have none
    if source == "none":
        return [], 0
    pairs = hindsight_preference_pairs(project=project, label_source=source)
    held_out = set(
        Prompt.objects.filter(pk__in=prompt_pools(project=project, eval_fraction=config["eval_fraction"])[EVAL_POOL])
        .values_list("content_hash", flat=True)
    )
    kept = [pair for pair in pairs if messages_content_hash(pair["prompt"]) not in held_out]
    return kept, len(pairs) - len(kept)


# ---------------------------------------------------------------- launching


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
    if reward_model is None and selectors.active_reward_model(project=project) is None:
        raise ValidationError({"reward_model": "The project has no active reward model; train one (or pick one) first."})
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


def default_start_checkpoint(*, project: Project) -> PolicyCheckpoint:
    """The project's newest checkpoint; else VERDICT_POLICY_MODEL, registered on first use."""
    newest = PolicyCheckpoint.objects.filter(project=project).first()
    if newest is not None:
        return newest
    if settings.VERDICT_POLICY_MODEL:
        return policy_checkpoint_register_external(project=project, path=settings.VERDICT_POLICY_MODEL)
    raise ValidationError(
        {"start_checkpoint": f"Project {project.slug} has no policy checkpoint: run `manage.py bootstrap_policy --project "
         f"{project.slug}`, register a model path, or set VERDICT_POLICY_MODEL."}
    )


def policy_checkpoint_register_external(*, project: Project, path: str, name: str = "") -> PolicyCheckpoint:
    """Any AutoModelForCausalLM folder or hub id as a starting policy (reused when already registered)."""
    path = path.strip()
    if not path:
        raise ValidationError({"path": "Give a model folder or hub id."})
    existing = PolicyCheckpoint.objects.filter(project=project, path=path, parent__isnull=True).first()
    if existing is not None:
        return existing
    return PolicyCheckpoint.objects.create(project=project, name=name or path.rstrip("/").rsplit("/", 1)[-1], base_model=path, path=path)


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


# ---------------------------------------------------------------- running, chaining, registering


def online_round_execute(job_id: int, *, task_id: str, body: JobBody | None = None, chain: bool = True) -> str:
    """What the Celery task runs: the round's job, then, if it succeeded, its checkpoint registered and
    (with `chain`) the next round queued. Returns the job's final status (`waiting` in human mode)."""
    from training.online_round_body import online_round_body

    status = run_job(job_id, task_id=task_id, body=body or online_round_body)
    if status == JobStatus.SUCCEEDED:
        done = online_round_register(job=TrainingJob.objects.get(pk=job_id))
        if chain:
            online_round_launch_next(round_=done, enqueue=True)
    return status


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


# ---------------------------------------------------------------- the human slice


def item_human_preference(item: Item) -> float | None:
    """Mean human preference strength on the item (negative: response 1 better); None without one."""
    strengths = [
        a.preference_strength for a in item.annotations.all()
        if a.source == AnnotationSource.HUMAN and a.preference_strength is not None
    ]
    return sum(strengths) / len(strengths) if strengths else None


def slice_is_annotated(*, round_: OnlineRound) -> bool:
    needed = round_.run.config.get("human_annotations_per_item", 1)
    return not round_.human_items.filter(completed_count__lt=needed).exists()


def online_round_mismatch_refresh(*, round_: OnlineRound) -> OnlineRound:
    """How often the reward model ordered the round's own pairs against the humans: over slice items
    with a decisive human preference (mean strength ≠ 0), the share where the RM's chosen response
    is not the one the humans preferred."""
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
    round_.save(update_fields=["human_labelled", "mismatch_count", "mismatch_rate"])
    return round_


def online_round_wait(*, job: TrainingJob, round_: OnlineRound, missing: int) -> bool:
    """RUNNING → WAITING in one UPDATE; the job then stops and the worker is free."""
    round_.step = RoundStep.WAITING
    round_.save(update_fields=["step"])
    return bool(
        TrainingJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.WAITING, stage=f"waiting for human labels on {missing} slice item(s)", heartbeat_at=None
        )
    )


def online_round_resume(*, round_: OnlineRound, force: bool = False) -> bool:
    """WAITING → QUEUED in one UPDATE (so only one resumer wins) and the task queued after commit,
    once the slice is annotated (or at once with `force`, training on the labels there are)."""
    from training.tasks import task_for_kind

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
