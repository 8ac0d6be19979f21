"""Reads of online DPO: a project's rounds and checkpoints, one round's state, the per-round chart."""
from typing import Any

from django.db.models import Count, QuerySet

from annotation.models import Project
from training.models import OnlineRound, OnlineRun, PolicyCheckpoint

FIGURES = ("mean_reward", "previous_mean_reward", "win_rate", "kl", "mean_length", "mismatch_rate", "margin_start", "margin_end")


def rounds_for_project(*, project: Project) -> QuerySet[OnlineRound]:
    return (
        OnlineRound.objects.filter(project=project)
        .select_related("job", "run", "start_checkpoint", "checkpoint", "reward_model")
        .annotate(slice_size=Count("human_items"))
        .order_by("-number")
    )


def runs_for_project(*, project: Project) -> QuerySet[OnlineRun]:
    return OnlineRun.objects.filter(project=project).select_related("initial_checkpoint", "launched_by")


def checkpoints_for_project(*, project: Project) -> QuerySet[PolicyCheckpoint]:
    return PolicyCheckpoint.objects.filter(project=project).select_related("parent", "created_by_job")


def round_state(*, round_: OnlineRound) -> dict[str, Any]:
    """What the round page and API show: where it is, what it drew and made, and its figures."""
    job = round_.job
    return {
        "id": round_.pk,
        "number": round_.number,
        "index": round_.index,
        "run": round_.run_id,
        "rounds_requested": round_.run.rounds_requested,
        "mode": round_.run.mode,
        "status": job.status,
        "stage": job.stage,
        "step": round_.step,
        "job": job.pk,
        "progress_step": job.progress_step,
        "progress_total": job.progress_total,
        "error": job.error,
        "start_checkpoint": round_.start_checkpoint_id,
        "checkpoint": round_.checkpoint_id,
        "reward_model": round_.reward_model_id,
        "num_prompts": len(round_.prompt_ids),
        "num_samples": round_.num_samples,
        "num_pairs": len(round_.pairs),
        "human_items": list(round_.human_items.values_list("pk", flat=True)),
        "human_labelled": round_.human_labelled,
        "mismatch_count": round_.mismatch_count,
        "human_pairs_used": round_.human_pairs_used,
        **{name: getattr(round_, name) for name in FIGURES},
        "evaluation": round_.evaluation,
        "config": round_.run.config,
        "created_at": round_.created_at,
        "finished_at": round_.finished_at,
    }


def rounds_chart(*, project: Project) -> dict[str, Any]:
    """Per round number: held-out reward (with the starting policy's as round 0 of the first chart
    point), win rate, KL, length and RM–human mismatch. Rounds without figures yet are skipped."""
    rounds = list(
        OnlineRound.objects.filter(project=project, mean_reward__isnull=False).order_by("number").values("number", *FIGURES)
    )
    return {
        "rounds": [r["number"] for r in rounds],
        **{name: [r[name] for r in rounds] for name in FIGURES},
    }
