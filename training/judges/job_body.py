"""The body of a judge run's job: the project's pairs (all non-gold pairs, or those no person labelled)
judged in chunks by a reward model or a causal LM, each chunk's verdicts stored as MODEL annotations
at once (so a cancelled run keeps what it judged)."""
from collections import Counter
from typing import Any

from django.conf import settings

from jobs.models import TrainingJob
from jobs.runtime import JobCancelled, JobReporter, finite, run_job
from training.judges.config import UNLABELLED, judge_config_clean
from training.judges.models import JudgeKind, JudgeRun
from training.judges.selectors import judge_items
from training.judges.services import judge_labels_store

CHUNK = 64  # pairs judged between two progress reports (and cancellation checks)
ANSWERS_KEPT = 10  # an LM judge's first answers, kept in the summary to see what it says


def judge_execute(job_id: int, *, task_id: str) -> str:
    """What the Celery task runs. Returns the job's final status."""
    return run_job(job_id, task_id=task_id, body=judge_body)


def judge_run_for_job(job: TrainingJob) -> JudgeRun:
    """The run a job labels for; a restarted job (same config, new job) takes it over."""
    run = JudgeRun.objects.select_related("project", "reward_model").get(pk=job.config["judge_run"], project_id=job.project_id)
    if run.job_id != job.pk:
        run.job = job
        run.save(update_fields=["job"])
    return run


def _judge(run: JudgeRun, config: dict[str, Any]) -> Any:
    """A function pairs → verdicts, its model loaded once."""
    import torch

    from verdict_ml.judges.run import LmJudgeSettings, lm_verdicts, reward_model_verdicts

    if settings.VERDICT_TORCH_THREADS:
        torch.set_num_threads(settings.VERDICT_TORCH_THREADS)
    if run.kind == JudgeKind.REWARD_MODEL:
        from training.rewards.selectors import reward_scorer_for

        if run.reward_model is None:
            raise ValueError("the run's reward model was deleted")
        scorer = reward_scorer_for(run.reward_model, device=config["device"])
        return lambda pairs: reward_model_verdicts(scorer, pairs, cuts=config["cuts"], batch_size=config["batch_size"])
    from verdict_ml.policies.generation import load_policy

    policy = load_policy(run.model_path, device=config["device"])
    lm_settings = LmJudgeSettings(
        template=config["prompt_template"], method=config["method"], both_orders=config["both_orders"],
        max_new_tokens=config["max_new_tokens"], default_strength=config["default_strength"], cuts=tuple(config["cuts"]),
        batch_size=config["batch_size"],
    )
    return lambda pairs: lm_verdicts(policy, pairs, lm_settings)


def judge_body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
    from verdict_ml.judges.run import JudgePair

    run = judge_run_for_job(job)
    config = judge_config_clean({k: v for k, v in job.config.items() if k != "judge_run"})
    items = judge_items(project=run.project, scope=config["scope"], limit=config["max_items"])
    if not items:
        raise ValueError(f"project {run.project.slug!r} has no {'unlabelled ' if config['scope'] == UNLABELLED else ''}non-gold pairs to judge")
    reporter.log(f"{run.label}: judging {len(items)} pair(s) ({config['scope']})")
    reporter.progress(0, len(items), stage="loading the judge")
    judge = _judge(run, config)
    strengths: Counter = Counter()
    written = no_verdict = 0
    answers: list[str] = []
    for start in range(0, len(items), CHUNK):
        if reporter.should_stop():
            raise JobCancelled
        chunk = items[start : start + CHUNK]
        verdicts = judge([JudgePair(i.prompt.messages, i.response_1.text, i.response_2.text) for i in chunk])
        written += judge_labels_store(run=run, items=chunk, strengths=[v.strength for v in verdicts])
        no_verdict += sum(v.strength is None for v in verdicts)
        strengths.update(str(v.strength) for v in verdicts if v.strength is not None)
        answers += [v.answer for v in verdicts if v.answer][: ANSWERS_KEPT - len(answers)]
        reporter.progress(start + len(chunk), len(items), stage="judging")
    summary = finite({
        "judge": run.label, "pairs": len(items), "labels": written, "no_verdict": no_verdict,
        "strengths": dict(sorted(strengths.items(), key=lambda kv: int(kv[0]))), "answers": answers,
    })
    JudgeRun.objects.filter(pk=run.pk).update(summary=summary)
    reporter.log(f"{written} label(s) stored, {no_verdict} pair(s) without a verdict")
    return {**summary, "judge_run": run.pk, "metrics": {"labels": written, "no_verdict": no_verdict}}
