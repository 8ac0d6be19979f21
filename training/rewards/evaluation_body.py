"""What a reward-model evaluation job runs on a worker: the pairs of a dataset version's split → the
registered model's scores → the report, stored on the model (its registry page) and as the job's summary."""
from typing import Any

from jobs.models import TrainingJob
from jobs.runtime import JobReporter, finite, run_job
from training.rewards import evaluation_pairs
from training.rewards.config import evaluation_config_clean
from training.rewards.models import RewardModel

# The report's figures shown as the job's final metrics.
HEADLINE = ("accuracy", "accuracy_low", "accuracy_high", "n", "ties", "bt_loss", "ece", "margin_mean", "reward_std")


def reward_evaluation_execute(job_id: int, *, task_id: str) -> str:
    """What the Celery task runs. Returns the job's final status."""
    return run_job(job_id, task_id=task_id, body=reward_evaluation_body)


def reward_evaluation_body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
    from training.rewards.services import reward_model_evaluate

    config = evaluation_config_clean(job.config)
    model = RewardModel.objects.select_related("project").get(pk=config["reward_model"], project_id=job.project_id)
    version = job.dataset_version
    if version is None:
        raise ValueError("the job names no dataset version to evaluate on")
    reporter.progress(0, stage="reading the pairs")
    pairs = evaluation_pairs.model_version_pairs(reward_model=model, version=version, split=config["split"])
    reporter.log(f"scoring {model.name} on {len(pairs)} pairs of {version} ({config['split']})")
    reporter.progress(0, stage="scoring the pairs")
    report = reward_model_evaluate(
        reward_model=model, pairs=pairs, source=f"{version} ({config['split']})", aggregation=config["aggregation"] or None,
    )
    reporter.log(
        f"pairwise accuracy {report['accuracy']:.3f} (95 % Wilson {report['accuracy_low']:.3f}–{report['accuracy_high']:.3f}) "
        f"on {report['n']} pairs, ECE {report['ece']:.3f}, mean margin {report['margin_mean']:.4f}"
    )
    headline = {name: report[name] for name in HEADLINE if name in report}
    return finite({"reward_model": model.pk, "evaluation": report, "metrics": headline})
