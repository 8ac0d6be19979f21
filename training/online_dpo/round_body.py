"""The body of one online DPO round job, step by step; a resumed job continues from `OnlineRound.step`.

PENDING → sample K responses per training-pool prompt (stored as annotation Responses with their
provenance), score them with the reward model, pick pairs, put the human slice in the annotation
queue → SAMPLED → (human mode: WAITING until the slice is annotated) → RM–human mismatch, DPO on
the pairs, evaluation on the held-out pool → TRAINED. Registering the checkpoint happens once the
job has succeeded (`services.online_round_register`). Cancelling between steps raises
JobCancelled; earlier rounds are untouched.
"""
import logging
import math
import random
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from annotation.models import Item, Prompt, Response, ResponseSource
from annotation.services import item_get_or_create, response_get_or_create
from jobs.models import JobStatus, TrainingJob
from jobs.runtime import JobBody, JobCancelled, JobReporter, artifacts_dir, finite, run_job
from training.online_dpo import selectors, services
from training.online_dpo.judges import judge_resolve, proxy_paths
from training.online_dpo.models import OnlineRound, RoundStep, RunMode
from training.rewards import selectors as reward_selectors
from verdict_ml.rewards.data import PreferencePair

logger = logging.getLogger(__name__)


def online_round_execute(job_id: int, *, task_id: str, body: JobBody | None = None, chain: bool = True) -> str:
    """What the Celery task runs: the round's job, then, if it succeeded, its checkpoint registered and
    (with `chain`) the next round queued. Returns the job's final status (`waiting` in human mode)."""
    status = run_job(job_id, task_id=task_id, body=body or online_round_body)
    if status == JobStatus.SUCCEEDED:
        done = services.online_round_register(job=TrainingJob.objects.get(pk=job_id))
        if chain:
            services.online_round_launch_next(round_=done, enqueue=True)
    return status


def online_round_body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
    import torch

    if settings.VERDICT_TORCH_THREADS:
        torch.set_num_threads(settings.VERDICT_TORCH_THREADS)
    round_ = services.online_round_for_job(job)
    config = round_.run.config
    reporter.log(f"round {round_.number} ({round_.index} of {round_.run.rounds_requested}), {config['mode']} mode, from {round_.start_checkpoint}")
    scorer = None
    if round_.step == RoundStep.PENDING:
        scorer = _scorer(round_, config, reporter)
        _sample_score_pair(round_, config, scorer, reporter)
    _stop_if_asked(reporter)
    if config["mode"] == RunMode.HUMAN and round_.step in (RoundStep.SAMPLED, RoundStep.WAITING):
        missing = round_.human_items.filter(completed_count__lt=config["human_annotations_per_item"]).count()
        if missing and not round_.evaluation.get("resumed_early"):
            services.online_round_wait(job=job, round_=round_, missing=missing)
            reporter.log(f"waiting for human labels on {missing} of {round_.human_items.count()} slice item(s)")
            return {"waiting_for": missing}
    services.online_round_mismatch_refresh(round_=round_)
    if round_.mismatch_rate is not None:
        reporter.log(f"RM–human mismatch {round_.mismatch_rate:.2f} on {round_.human_labelled} labelled slice pair(s)")
    scorer = scorer or _scorer(round_, config, reporter)
    return _train_and_evaluate(job, round_, config, scorer, reporter)


def _stop_if_asked(reporter: JobReporter) -> None:
    if reporter.should_stop():
        reporter.log("cancelled between steps")
        raise JobCancelled


def _scorer(round_: OnlineRound, config: dict[str, Any], reporter: JobReporter) -> Any:
    from verdict_ml.rewards.ensemble import load_reward_scorer

    model = round_.run.reward_model or reward_selectors.active_reward_model(project=round_.project)
    if model is None:
        raise ValueError(f"project {round_.project.slug!r} has no active reward model to score samples with")
    if round_.reward_model_id != model.pk:
        round_.reward_model = model
        round_.save(update_fields=["reward_model"])
    aggregation = config["aggregation"] or model.aggregation
    uwo_lambda = config["uwo_lambda"] if config["uwo_lambda"] is not None else model.uwo_lambda
    paths = proxy_paths(model, config)
    reporter.log(f"scoring with reward model #{model.pk} ({len(paths)} member(s), {aggregation})")
    return load_reward_scorer(paths, device=config["device"], aggregation=aggregation, uwo_lambda=uwo_lambda)


def _judge_scorer(round_: OnlineRound, config: dict[str, Any], reporter: JobReporter) -> tuple[Any, dict[str, Any] | None]:
    """The independent judge's scorer (None without one), checked again against the round's proxy:
    a judge that became the proxy (the active model changed) fails the round rather than judge itself."""
    from verdict_ml.rewards.ensemble import load_reward_scorer

    proxy = round_.reward_model or round_.run.reward_model or reward_selectors.active_reward_model(project=round_.project)
    try:
        judge = judge_resolve(project=round_.project, config=config, proxy=proxy)
    except ValidationError as error:
        raise ValueError(f"independent judge refused: {' '.join(m for ms in error.message_dict.values() for m in ms)}") from error
    if judge is None:
        return None, None
    reporter.log(f"independent judge: {judge.label}")
    scorer = load_reward_scorer(judge.paths, device=config["device"], aggregation=judge.aggregation, uwo_lambda=judge.uwo_lambda)
    return scorer, judge.as_dict()


def _fitting(policy: Any, prompts: list[Prompt], max_new_tokens: int) -> list[Prompt]:
    """Prompts the policy can answer within its context window."""
    from verdict_ml.policies.generation import encode_prompts

    limit = getattr(policy.model.config, "max_position_embeddings", None)
    if not limit:
        return prompts
    lengths = encode_prompts(policy.tokenizer, [p.messages for p in prompts])
    return [p for p, ids in zip(prompts, lengths) if len(ids) + max_new_tokens <= limit]


def _sample_score_pair(round_: OnlineRound, config: dict[str, Any], scorer: Any, reporter: JobReporter) -> None:
    from verdict_ml.online_dpo import generate, load_policy, score_samples, select_pairs

    start = round_.start_checkpoint
    prompt_ids = selectors.draw_training_prompts(project=round_.project, config=config, round_number=round_.number)
    reporter.progress(0, stage=f"loading policy {start}")
    policy = load_policy(start.load_path, device=config["device"])
    prompts = _fitting(policy, list(Prompt.objects.filter(pk__in=prompt_ids).order_by("pk")), config["max_new_tokens"])
    if not prompts:
        raise ValueError(f"no training-pool prompt fits the policy's context with max_new_tokens {config['max_new_tokens']}")
    _stop_if_asked(reporter)
    reporter.progress(0, stage=f"sampling {config['samples_per_prompt']} responses for {len(prompts)} prompts")
    seed = config["seed"] * 1000 + round_.number
    samples = generate(
        policy, [p.messages for p in prompts], num_samples=config["samples_per_prompt"], temperature=config["temperature"],
        top_p=config["top_p"], max_new_tokens=config["max_new_tokens"], batch_size=config["generation_batch_size"], seed=seed,
    )
    _stop_if_asked(reporter)
    reporter.progress(0, stage="scoring the samples with the reward model")
    scored = score_samples([p.messages for p in prompts], samples, scorer)
    pairs = [
        (i, pair)
        for i, group in enumerate(scored)
        for pair in select_pairs(
            [group], config["pair_strategy"], min_gap=config["min_reward_gap"],
            length_penalty_alpha=config["length_penalty_alpha"], seed=seed + i,
        )
    ]
    _stop_if_asked(reporter)
    with transaction.atomic():
        ids = _store_responses(round_, start, prompts, samples, scored)
        rows = [
            {"prompt": prompts[i].pk, "chosen": ids[i][pair.chosen], "rejected": ids[i][pair.rejected],
             "chosen_reward": pair.chosen_reward, "rejected_reward": pair.rejected_reward, "gap": pair.gap, "item": None}
            for i, pair in pairs
        ]
        _human_slice(round_, config, rows, seed)
        round_.prompt_ids = [p.pk for p in prompts]
        round_.num_samples = sum(len(group) for group in samples)
        round_.pairs = finite(rows)
        round_.step = RoundStep.SAMPLED
        round_.save(update_fields=["prompt_ids", "num_samples", "pairs", "step"])
    rewards = [s.reward for group in scored for s in group]
    reporter.log(
        f"{round_.num_samples} samples on {len(prompts)} prompts, mean reward {sum(rewards) / len(rewards):.4f}; "
        f"{len(rows)} pairs ({config['pair_strategy']}), {round_.human_items.count()} in the human slice"
    )


def _store_responses(round_: OnlineRound, start: Any, prompts: list[Prompt], samples: list, scored: list) -> list[dict[str, int]]:
    """Every sample as an annotation Response with its provenance; returns text → response id per prompt.
    A text already stored for the prompt (imported, or sampled before) keeps its first provenance."""
    ids: list[dict[str, int]] = []
    for prompt, group, scores in zip(prompts, samples, scored):
        by_text: dict[str, int] = {}
        for sample, score in zip(group, scores):
            response, _ = response_get_or_create(
                prompt=prompt, text=sample.text, source=ResponseSource.POLICY, model_name=start.base_model,
                checkpoint=start.load_path, round=round_.number,
                generation_params={**asdict(sample.params), "checkpoint_id": start.pk},
                metadata={
                    "policy_checkpoint": start.pk, "online_round": round_.pk, "job": round_.job_id,
                    "sample_index": sample.sample_index, "reward": finite(score.reward),
                    "completion_tokens": sample.completion_tokens, "finish_reason": sample.finish_reason,
                },
            )
            by_text.setdefault(sample.text, response.pk)
        ids.append(by_text)
    return ids


def _human_slice(round_: OnlineRound, config: dict[str, Any], rows: list[dict[str, Any]], seed: int) -> None:
    """A share of the pairs becomes comparison items marked with the round, in random canonical order."""
    eligible = [row for row in rows if row["chosen"] != row["rejected"]]
    count = min(len(eligible), math.ceil(len(rows) * config["human_fraction"]))
    rng = random.Random(seed)
    prompts = {p.pk: p for p in Prompt.objects.filter(pk__in={row["prompt"] for row in eligible})}
    responses = Response.objects.in_bulk([row[side] for row in eligible for side in ("chosen", "rejected")])
    for row in rng.sample(eligible, count):
        if not responses[row["chosen"]].text.strip() or not responses[row["rejected"]].text.strip():
            continue
        first, second = (row["chosen"], row["rejected"]) if rng.random() < 0.5 else (row["rejected"], row["chosen"])
        item, _ = item_get_or_create(
            project=round_.project, prompt=prompts[row["prompt"]], response_1=responses[first],
            response_2=responses[second], round=round_.number, priority=config["human_priority"],
        )
        row["item"] = item.pk
        round_.human_items.add(item)


def _training_pairs(round_: OnlineRound, config: dict[str, Any]) -> tuple[list[Any], int]:
    """The round's pairs as DPO reads them. In human mode a slice pair takes the humans' order
    (ties and 'neither acceptable' are dropped); otherwise the reward model's order."""
    from verdict_ml.online_dpo import SampledPair

    items = {item.pk: item for item in Item.objects.filter(pk__in=[r["item"] for r in round_.pairs if r["item"]]).prefetch_related("annotations")}
    texts = dict(Response.objects.filter(prompt_id__in=round_.prompt_ids).values_list("pk", "text"))
    messages = dict(Prompt.objects.filter(pk__in=round_.prompt_ids).values_list("pk", "messages"))
    pairs, human_used = [], 0
    for row in round_.pairs:
        chosen, rejected = row["chosen"], row["rejected"]
        item = items.get(row["item"]) if config["mode"] == RunMode.HUMAN else None
        if item is not None and item.completed_count:
            preference = selectors.item_human_preference(item)
            if not preference:
                continue
            chosen = item.response_1_id if preference < 0 else item.response_2_id
            rejected = item.response_2_id if preference < 0 else item.response_1_id
            human_used += 1
        pairs.append(SampledPair(
            prompt=messages[row["prompt"]], chosen=texts[chosen], rejected=texts[rejected],
            chosen_reward=row["chosen_reward"], rejected_reward=row["rejected_reward"], gap=row["gap"], strategy=config["pair_strategy"],
        ))
    return pairs, human_used


def _discrepancy(round_: OnlineRound, policy_path: str, config: dict[str, Any]) -> dict[str, Any]:
    """SEAM-style: on the round's own pairs, how often the policy that sampled them (its likelihood per
    token) ranks the reward model's rejected response above its chosen one (README: "Online DPO")."""
    from verdict_ml.online_dpo import policy_reward_discrepancy

    texts = dict(Response.objects.filter(prompt_id__in=round_.prompt_ids).values_list("pk", "text"))
    messages = dict(Prompt.objects.filter(pk__in=round_.prompt_ids).values_list("pk", "messages"))
    pairs = [(messages[row["prompt"]], texts[row["chosen"]], texts[row["rejected"]]) for row in round_.pairs]
    return policy_reward_discrepancy(policy_path, pairs, batch_size=config["generation_batch_size"], device=config["device"])


def dpo_config(config: dict[str, Any]) -> Any:
    from verdict_ml.online_dpo import DPOTrainingConfig

    return DPOTrainingConfig(
        beta=config["beta"], loss_type=list(config["loss_type"]), learning_rate=config["learning_rate"],
        num_train_epochs=config["epochs"], max_steps=config["max_steps"], per_device_train_batch_size=config["batch_size"],
        max_length=config["max_length"], use_lora=config["use_lora"], lora_r=config["lora_r"], lora_alpha=config["lora_alpha"],
        device=config["device"], seed=config["seed"],
    )


def _train_and_evaluate(job: TrainingJob, round_: OnlineRound, config: dict[str, Any], scorer: Any, reporter: JobReporter) -> dict[str, Any]:
    from verdict_ml.online_dpo import evaluate_policy, train_dpo

    pairs, human_used = _training_pairs(round_, config)
    extra, extra_left_out = selectors.extra_training_pairs(project=round_.project, config=config)
    pairs += [PreferencePair(pair["prompt"], pair["chosen"], pair["rejected"], pair["strength"]) for pair in extra]
    if extra or extra_left_out:
        reporter.log(
            f"{len(extra)} {config['extra_pairs']}-labelled pair(s) added from the hindsight judgements "
            f"({extra_left_out} on evaluation prompts left out)"
        )
    if not pairs:
        raise ValueError(
            f"round {round_.number} has no preference pair to train on: every prompt's samples tied or fell below "
            f"min_reward_gap {config['min_reward_gap']} (raise temperature or samples_per_prompt)"
        )
    start, initial = round_.start_checkpoint, round_.run.initial_checkpoint
    output = artifacts_dir(job) / "policy"
    reporter.artifact("policy", output, {"round": round_.number, "parent": start.pk})
    reporter.log(f"DPO on {len(pairs)} pairs ({human_used} with human labels), reference {config['reference']}")

    def progress(event: Any) -> None:
        reporter.progress(event.step, event.total, stage=f"DPO step {event.step} of {event.total}", metrics=event.metrics)

    result = train_dpo(
        start.load_path, pairs, output, config=dpo_config(config), reference=config["reference"],
        initial_policy_path=initial.load_path, progress=progress, should_stop=reporter.should_stop,
    )
    if result.cancelled:
        reporter.log(f"cancelled during DPO at step {result.steps}")
        raise JobCancelled
    reporter.log(f"DPO margin {result.margin_start:.4f} → {result.margin_end:.4f}, accuracy {result.accuracy_end:.2f}")
    _stop_if_asked(reporter)
    reporter.progress(result.steps, stage="evaluating on the held-out prompts")
    eval_prompts = list(Prompt.objects.filter(pk__in=selectors.evaluation_prompts(project=round_.project, config=config)).order_by("content_hash"))
    judge_scorer, judge = _judge_scorer(round_, config, reporter)
    evaluation = evaluate_policy(
        result.checkpoint_path, result.reference_path, start.load_path, [p.messages for p in eval_prompts], scorer,
        judge_fn=judge_scorer, start_policy=initial.load_path,
        num_samples=config["eval_samples"], temperature=config["temperature"], top_p=config["top_p"],
        max_new_tokens=config["max_new_tokens"], batch_size=config["generation_batch_size"], seed=config["seed"], device=config["device"],
    )
    evaluation = finite({**evaluation, "margin_start": result.margin_start, "margin_end": result.margin_end,
                         "accuracy_start": result.accuracy_start, "accuracy_end": result.accuracy_end, "dpo_steps": result.steps,
                         "num_pairs": len(pairs), "human_pairs": human_used, "extra_pairs": len(extra),
                         "extra_pairs_source": config.get("extra_pairs", "none"), "extra_pairs_left_out": extra_left_out,
                         "reference": result.reference, "reference_path": result.reference_path,
                         "judge": judge, "start_policy_path": initial.load_path,
                         "policy_rm_discrepancy": _discrepancy(round_, start.load_path, config)})
    OnlineRound.objects.filter(pk=round_.pk).update(
        step=RoundStep.TRAINED, human_pairs_used=human_used, margin_start=evaluation["margin_start"],
        margin_end=evaluation["margin_end"], mean_reward=evaluation["mean_reward"],
        previous_mean_reward=evaluation["previous_mean_reward"], win_rate=evaluation["win_rate_vs_previous"],
        kl=evaluation["kl_to_reference"], mean_length=evaluation["mean_response_tokens"],
        evaluation={**round_.evaluation, **evaluation},
    )
    reporter.log(
        f"held-out: mean reward {evaluation['mean_reward']:.4f} (previous {evaluation['previous_mean_reward']:.4f}), "
        f"win rate {evaluation['win_rate_vs_previous']:.2f}, KL {evaluation['kl_to_reference']:.4f}, "
        f"length {evaluation['mean_response_tokens']:.1f} tokens"
    )
    shown = ("mean_reward", "previous_mean_reward", "win_rate_vs_previous", "kl_to_reference", "mean_response_tokens", "margin_start", "margin_end")
    return {"checkpoint_path": result.checkpoint_path, "adapter_path": result.checkpoint_path if result.is_adapter else None,
            "evaluation": evaluation, "round": round_.number, "metrics": {name: evaluation[name] for name in shown}}
