"""The embedded default policy: a tiny causal LM built from the project's own prompts and responses
(tokenizer trained on them, brief fine-tune so its samples are word-like), registered as the
project's first PolicyCheckpoint. No hub download. Only training-pool prompts are used, so the
held-out prompts of online rounds stay unseen."""
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from annotation.models import Project, Response, ResponseSource
from jobs.models import JobKind, JobStatus, TrainingJob
from jobs.runtime import JobBody, JobReporter, artifacts_dir, finite, run_job
from jobs.services import job_create
from training.policies.models import PolicyCheckpoint
from training.policies.pools import EVAL_POOL, prompt_pool

logger = logging.getLogger(__name__)


# name: (default, JSON types, check, what the check demands)
BOOTSTRAP_SETTINGS: dict[str, tuple[Any, tuple[type, ...], Any, str]] = {
    "vocab_size": (2000, (int,), lambda v: 300 <= v <= 50000, "from 300 to 50000"),
    "epochs": (20, (int,), lambda v: v >= 1, "at least 1"),
    "max_steps": (400, (int, type(None)), lambda v: v is None or v >= 1, "null or at least 1"),
    "batch_size": (32, (int,), lambda v: v >= 1, "at least 1"),
    "learning_rate": (5e-3, (int, float), lambda v: v > 0, "more than 0"),
    "max_length": (128, (int,), lambda v: v >= 8, "at least 8"),
    "max_examples": (5000, (int,), lambda v: v >= 1, "at least 1"),
    "eval_fraction": (0.2, (int, float), lambda v: 0 < v < 1, "more than 0 and less than 1 (as the rounds use)"),
    "seed": (0, (int,), lambda v: True, "an integer"),
}


def bootstrap_config_clean(raw: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValidationError({"config": "The configuration must be a JSON object."})
    unknown = sorted(set(raw) - set(BOOTSTRAP_SETTINGS))
    if unknown:
        raise ValidationError({name: f"Unknown setting; allowed: {', '.join(BOOTSTRAP_SETTINGS)}." for name in unknown})
    config = {name: spec[0] for name, spec in BOOTSTRAP_SETTINGS.items()} | raw
    errors = {}
    for name, (_default, types, check, demand) in BOOTSTRAP_SETTINGS.items():
        value = config[name]
        if not isinstance(value, types) or isinstance(value, bool) or not check(value):
            errors[name] = f"Must be {demand}; got {value!r}."
    if errors:
        raise ValidationError(errors)
    return config


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
    from verdict_ml.policies.tiny import TinyPolicyConfig, build_tiny_policy

    config = bootstrap_config_clean(job.config)
    examples = bootstrap_examples(project=job.project, config=config)
    if not examples:
        raise ValueError(f"project {job.project.slug!r} has no responses on training-pool prompts")
    reporter.log(f"building a tiny policy from {len(examples)} (prompt, response) examples")
    output = artifacts_dir(job) / "policy"
    reporter.artifact("policy", output, {"examples": len(examples)})
    tiny = TinyPolicyConfig(
        vocab_size=config["vocab_size"], epochs=config["epochs"], max_steps=config["max_steps"], batch_size=config["batch_size"],
        learning_rate=config["learning_rate"], max_length=config["max_length"], seed=config["seed"],
        num_threads=settings.VERDICT_TORCH_THREADS or None,
    )
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
