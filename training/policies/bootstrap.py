"""The embedded default policy: a tiny causal LM built from the project's own prompts and responses
(tokenizer trained on them, brief fine-tune so its samples are word-like), registered as the
project's first PolicyCheckpoint. No hub download. Only training-pool prompts are used, so the
held-out prompts of online rounds stay unseen."""
import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from annotation.models import Project, Response, ResponseSource
from jobs.models import JobKind, JobStatus, TrainingJob
from jobs.runtime import JobBody, JobReporter, artifacts_dir, finite, run_job
from jobs.services import job_create
from training.policies.config import bootstrap_config_clean, tiny_policy_config
from training.policies.models import PolicyCheckpoint
from training.policies.pools import EVAL_POOL, prompt_pool

logger = logging.getLogger(__name__)


def bootstrap_examples(*, project: Project, config: dict[str, Any]) -> list[tuple[list[dict[str, str]], str]]:
    """(prompt messages, response text) of training-pool prompts; policy samples are left out."""
    rows = (
        Response.objects.filter(prompt__project=project)
        .exclude(source=ResponseSource.POLICY)
        .exclude(text="")
        .order_by("pk")
        .values_list("prompt__content_hash", "prompt__metadata", "prompt__messages", "text")
    )
    examples = []
    for content_hash, metadata, messages, text in rows.iterator():
        if prompt_pool((content_hash, metadata), config["eval_fraction"]) == EVAL_POOL:
            continue
        examples.append((messages, text))
        if len(examples) >= config["max_examples"]:
            break
    return examples


def policy_bootstrap_launch(
    *, project: Project, config: dict[str, Any], launched_by: AbstractBaseUser | None, enqueue: bool = True
) -> TrainingJob:
    clean = bootstrap_config_clean(config)
    if not bootstrap_examples(project=project, config={**clean, "max_examples": 1}):
        raise ValidationError({"project": f"Project {project.slug} has no responses on training-pool prompts to learn from; import some first."})
    fields = {"project": project, "kind": JobKind.BOOTSTRAP_POLICY, "config": clean, "launched_by": launched_by}
    return job_create(**fields) if enqueue else TrainingJob.objects.create(**fields)


def policy_bootstrap_execute(job_id: int, *, task_id: str, body: JobBody | None = None) -> str:
    status = run_job(job_id, task_id=task_id, body=body or policy_bootstrap_body)
    if status == JobStatus.SUCCEEDED:
        policy_bootstrap_register(job=TrainingJob.objects.get(pk=job_id))
    return status


def policy_bootstrap_body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
    from verdict_ml.policies.tiny import build_tiny_policy

    config = bootstrap_config_clean(job.config)
    examples = bootstrap_examples(project=job.project, config=config)
    if not examples:
        raise ValueError(f"project {job.project.slug!r} has no responses on training-pool prompts")
    reporter.log(f"building a tiny policy from {len(examples)} (prompt, response) examples")
    output = artifacts_dir(job) / "policy"
    reporter.artifact("policy", output, {"examples": len(examples)})
    tiny = tiny_policy_config(config)
    last: dict[str, float] = {}

    def progress(event: Any) -> None:
        last.update(event.metrics)
        reporter.progress(event.step, event.total, stage=f"fine-tuning the tiny policy ({event.stage})", metrics=event.metrics)

    path = build_tiny_policy(examples, output, config=tiny, progress=progress)
    return finite({"policy_path": path, "examples": len(examples), "final_loss": last.get("loss"),
                   "metrics": {"sft_loss": last.get("loss"), "examples": len(examples)}})


def policy_bootstrap_register(*, job: TrainingJob) -> PolicyCheckpoint:
    existing = PolicyCheckpoint.objects.filter(created_by_job=job).first()
    if existing is not None:
        return existing
    path = job.summary["policy_path"]
    return PolicyCheckpoint.objects.create(
        project=job.project, name=f"tiny policy · job {job.pk}", base_model=path, path=path, merged_path=path,
        metrics={"examples": job.summary.get("examples"), "sft_loss": job.summary.get("final_loss")}, created_by_job=job,
    )
