"""The body of an arena's sampling job: every contestant answers the same prompts of the pool (policy
checkpoints are sampled once per prompt; imported models contribute the response they already have),
and every two contestants' different responses to a prompt become a battle item of the project, its
stored order drawn at random. Annotators meet battles in the usual workspace: blind, in random display
order. A response's `model_name` is its contestant's label; a text that the project already holds under
another model's name is left out of the battles (its provenance would be ambiguous)."""
import logging
import random
from dataclasses import asdict
from itertools import combinations
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from annotation.models import Item, Prompt, Response, ResponseSource
from annotation.services import item_get_or_create, response_get_or_create
from jobs.models import JobStatus, TrainingJob
from jobs.runtime import JobBody, JobCancelled, JobReporter, finite, run_job
from training.arena.config import HELD_OUT
from training.arena.models import Arena, ArenaBattle
from training.arena.services import arena_leaderboard_mark_stale
from training.policies.models import PolicyCheckpoint
from training.policies.pools import EVAL_POOL, prompt_pools

logger = logging.getLogger(__name__)


def arena_execute(job_id: int, *, task_id: str, body: JobBody | None = None) -> str:
    """What the Celery task runs: the job, then (if it queued battles) the leaderboard marked stale."""
    status = run_job(job_id, task_id=task_id, body=body or arena_body)
    if status == JobStatus.SUCCEEDED:
        arena_leaderboard_mark_stale(project_id=TrainingJob.objects.get(pk=job_id).project_id)
    return status


def arena_for_job(job: TrainingJob) -> Arena:
    """The arena a job samples; a restarted job (same config, new job) takes it over."""
    arena = Arena.objects.get(pk=job.config["arena"], project_id=job.project_id)
    if arena.job_id != job.pk:
        arena.job = job
        arena.save(update_fields=["job"])
    return arena


def arena_prompt_ids(*, arena: Arena) -> list[int]:
    """The pool's first `prompts` prompts in content-hash order (the held-out pool unless `all`)."""
    config = arena.config
    if config["pool"] == HELD_OUT:
        ids = prompt_pools(project=arena.project, eval_fraction=config["eval_fraction"])[EVAL_POOL]
    else:
        ids = list(Prompt.objects.filter(project=arena.project).order_by("content_hash").values_list("pk", flat=True))
    return ids[: config["prompts"]]


def arena_body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
    arena = arena_for_job(job)
    prompts = list(Prompt.objects.filter(pk__in=arena_prompt_ids(arena=arena)).order_by("content_hash"))
    if not prompts:
        raise ValueError(f"the arena's prompt pool ({arena.config['pool']}) of project {arena.project.slug!r} is empty")
    reporter.log(f"arena #{arena.pk}: {len(arena.contestants)} contestants on {len(prompts)} {arena.config['pool']} prompt(s)")
    answers: dict[str, dict[int, Response]] = {}
    clashes = 0
    for step, contestant in enumerate(arena.contestants):
        if reporter.should_stop():
            raise JobCancelled
        reporter.progress(step, len(arena.contestants) + 1, stage=f"responses of {contestant['label']}")
        if "checkpoint_id" in contestant:
            answers[contestant["label"]], clashed = _sample_checkpoint(arena, contestant, prompts)
            clashes += clashed
        else:
            answers[contestant["label"]] = _imported(contestant["model_name"], prompts)
        reporter.log(f"{contestant['label']}: a response on {len(answers[contestant['label']])} prompt(s)")
    silent = [label for label, by_prompt in answers.items() if not by_prompt]
    if silent:
        raise ValueError(
            f"no response to any of the pool's {len(prompts)} prompt(s) from {', '.join(silent)}: an imported model needs "
            "responses on the pool's prompts (its model_name as imported), a checkpoint prompts that fit its context"
        )
    reporter.progress(len(arena.contestants), len(arena.contestants) + 1, stage="queuing battles")
    battles = _queue_battles(arena, prompts, answers)
    summary = finite({
        "prompts": len(prompts), "battles": battles, "provenance_clashes": clashes,
        "responses": {label: len(by_prompt) for label, by_prompt in answers.items()},
    })
    Arena.objects.filter(pk=arena.pk).update(summary=summary)
    reporter.log(f"{battles} battle(s) queued for the annotators")
    return {**summary, "arena": arena.pk, "metrics": {"battles": battles, "prompts": len(prompts)}}


def _imported(model_name: str, prompts: list[Prompt]) -> dict[int, Response]:
    """The imported model's first non-empty response to each prompt it answered."""
    found: dict[int, Response] = {}
    rows = Response.objects.filter(prompt_id__in=[p.pk for p in prompts], model_name=model_name).exclude(text="").order_by("pk")
    for response in rows:
        found.setdefault(response.prompt_id, response)
    return found


def _sample_checkpoint(arena: Arena, contestant: dict[str, Any], prompts: list[Prompt]) -> tuple[dict[int, Response], int]:
    """One sample per prompt the checkpoint's context fits, stored with its provenance."""
    import torch

    from verdict_ml.policies.generation import encode_prompts, generate, load_policy

    if settings.VERDICT_TORCH_THREADS:
        torch.set_num_threads(settings.VERDICT_TORCH_THREADS)
    config = arena.config
    checkpoint = PolicyCheckpoint.objects.get(pk=contestant["checkpoint_id"], project=arena.project)
    policy = load_policy(checkpoint.load_path, device=config["device"])
    limit = getattr(policy.model.config, "max_position_embeddings", None)
    if limit:
        lengths = encode_prompts(policy.tokenizer, [p.messages for p in prompts])
        prompts = [p for p, ids in zip(prompts, lengths) if len(ids) + config["max_new_tokens"] <= limit]
    if not prompts:
        return {}, 0
    samples = generate(
        policy, [p.messages for p in prompts], num_samples=1, temperature=config["temperature"], top_p=config["top_p"],
        max_new_tokens=config["max_new_tokens"], batch_size=config["generation_batch_size"],
        seed=config["seed"] * 1000 + checkpoint.pk, device=config["device"],
    )
    found: dict[int, Response] = {}
    clashes = 0
    with transaction.atomic():
        for prompt, (sample,) in zip(prompts, samples):
            if not sample.text.strip():
                continue
            response, _ = response_get_or_create(
                prompt=prompt, text=sample.text, source=ResponseSource.POLICY, model_name=contestant["label"],
                checkpoint=checkpoint.load_path, round=checkpoint.round,
                generation_params={**asdict(sample.params), "checkpoint_id": checkpoint.pk},
                metadata={"arena": arena.pk, "policy_checkpoint": checkpoint.pk, "completion_tokens": sample.completion_tokens,
                          "finish_reason": sample.finish_reason},
            )
            if response.model_name != contestant["label"]:
                clashes += 1
                continue
            found[prompt.pk] = response
    return found, clashes


def _queue_battles(arena: Arena, prompts: list[Prompt], answers: dict[str, dict[int, Response]]) -> int:
    """Every two contestants' responses to a prompt as a comparison item (reused when the pair is
    already an item, in either order); each new item's stored order is drawn at random."""
    priority = arena.config["priority"]
    created = 0
    with transaction.atomic():
        for prompt in prompts:
            rng = random.Random(f"{arena.config['seed']}:{arena.pk}:{prompt.pk}")
            present = [(label, by_prompt[prompt.pk]) for label, by_prompt in answers.items() if prompt.pk in by_prompt]
            for (label_a, a), (label_b, b) in combinations(present, 2):
                if a.pk == b.pk:
                    continue
                item = Item.objects.filter(
                    Q(response_1=a, response_2=b) | Q(response_1=b, response_2=a), project=arena.project, prompt=prompt
                ).first()
                if item is None:
                    first, second = (a, b) if rng.random() < 0.5 else (b, a)
                    item, _ = item_get_or_create(project=arena.project, prompt=prompt, response_1=first, response_2=second, priority=priority)
                if item.is_gold:
                    continue
                labels = (label_a, label_b) if item.response_1_id == a.pk else (label_b, label_a)
                _, made = ArenaBattle.objects.get_or_create(arena=arena, item=item, defaults={"model_1": labels[0], "model_2": labels[1]})
                created += made
    return created
