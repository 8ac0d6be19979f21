"""Reads of online DPO: the prompts a round trains and is evaluated on, the extra human pairs it may
add, the human slice's labels, and the rounds' pages and charts."""
import random
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet

from annotation.models import AnnotationSource, Item, Project, Prompt, messages_content_hash
from hindsight.selectors import hindsight_preference_pairs
from training.online_dpo.models import OnlineRound, OnlineRun
from training.policies.pools import EVAL_POOL, TRAIN_POOL, prompt_pools


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


FIGURES = ("mean_reward", "previous_mean_reward", "win_rate", "kl", "mean_length", "mismatch_rate", "margin_start", "margin_end")


# Figures only the evaluation JSON holds (rounds evaluated before they existed have none).
EVALUATION_FIGURES = ("judge_mean_reward", "kl_to_start", "kl_to_previous")


def rounds_for_project(*, project: Project, counted: bool = True) -> QuerySet[OnlineRound]:
    """The project's rounds, newest first, each with its human slice's size (`slice_size`) unless `counted`
    is False: a list page counts its own page's slices (`rounds_with_slice_sizes`), since the count
    annotation groups every round of the project before a page is cut."""
    rounds = (
        OnlineRound.objects.filter(project=project)
        .select_related("job", "run", "start_checkpoint", "checkpoint", "reward_model")
        .order_by("-number")
    )
    return rounds.annotate(slice_size=Count("human_items")) if counted else rounds


def rounds_with_slice_sizes(rounds: Iterable[OnlineRound]) -> list[OnlineRound]:
    """Sets `slice_size` on each of `rounds` (a page of them) with one query."""
    rounds = list(rounds)
    through = OnlineRound.human_items.through
    sizes = dict(
        through.objects.filter(onlineround_id__in=[r.pk for r in rounds])
        .values_list("onlineround_id").annotate(size=Count("pk")).values_list("onlineround_id", "size")
    )
    for round_ in rounds:
        round_.slice_size = sizes.get(round_.pk, 0)
    return rounds


def runs_for_project(*, project: Project) -> QuerySet[OnlineRun]:
    return OnlineRun.objects.filter(project=project).select_related("initial_checkpoint", "launched_by")


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
    """Per round number: held-out proxy reward (and the starting policy's), the independent judge's,
    win rate, KL to the reference, to the previous and to the run's starting policy, length, RM–human
    mismatch, and each round's 95 % intervals. Rounds without figures yet are skipped."""
    rounds = list(
        OnlineRound.objects.filter(project=project, mean_reward__isnull=False).order_by("number").values("number", "run_id", "evaluation", *FIGURES)
    )
    return {
        "rounds": [r["number"] for r in rounds],
        "runs": [r["run_id"] for r in rounds],
        **{name: [r[name] for r in rounds] for name in FIGURES},
        **{name: [r["evaluation"].get(name) for r in rounds] for name in EVALUATION_FIGURES},
        "intervals": [r["evaluation"].get("intervals", {}) for r in rounds],
    }


EVALUATION_ROWS = (
    ("mean_reward", "Proxy reward (the reward model optimised against)"),
    ("previous_mean_reward", "Proxy reward of the policy it started from"),
    ("judge_mean_reward", "Independent judge's reward"),
    ("judge_previous_mean_reward", "Independent judge's reward of the policy it started from"),
    ("win_rate_vs_previous", "Win rate vs previous policy (proxy)"),
    ("judge_win_rate_vs_previous", "Win rate vs previous policy (independent judge)"),
    ("kl_to_start", "KL to the run's starting policy"),
    ("kl_to_previous", "KL to the previous policy"),
    ("kl_to_reference", "KL to the DPO reference"),
    ("mean_response_tokens", "Mean response length (tokens)"),
)


def evaluation_rows(*, round_: OnlineRound) -> list[dict[str, Any]]:
    """The held-out figures the round has, each with its 95 % interval over prompts (when computed)."""
    evaluation, intervals = round_.evaluation, round_.evaluation.get("intervals", {})
    return [
        {"name": name, "label": label, "value": evaluation.get(name), "interval": intervals.get(name)}
        for name, label in EVALUATION_ROWS if evaluation.get(name) is not None
    ]
