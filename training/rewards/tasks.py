"""Celery adapters for reward models: they take ids and call the job runner or a service."""
from celery import shared_task

from annotation.models import Project
from training.rewards.evaluation_body import reward_evaluation_execute
from training.rewards.job_body import reward_job_execute
from training.rewards.services import items_prioritise_by_uncertainty


@shared_task(name="training.reward_model", bind=True, acks_late=True, ignore_result=True)
def train_reward_model(self, job_id: int, **_kwargs) -> str:  # noqa: ANN001, ANN003
    """Train (and register) the reward model of a queued job; a redelivered message does nothing."""
    return reward_job_execute(job_id, task_id=self.request.id or "")


@shared_task(name="training.reward_evaluation", bind=True, acks_late=True, ignore_result=True)
def evaluate_reward_model(self, job_id: int, **_kwargs) -> str:  # noqa: ANN001, ANN003
    """Score a registered reward model on a dataset version's split and store the report on it."""
    return reward_evaluation_execute(job_id, task_id=self.request.id or "")


@shared_task(name="training.score_queue_uncertainty", acks_late=True, ignore_result=True)
def score_queue_uncertainty(project_id: int, **_kwargs) -> int:  # noqa: ANN003
    """Re-prioritise the project's unlabelled pairs by the active ensemble's disagreement."""
    return items_prioritise_by_uncertainty(project=Project.objects.get(pk=project_id))
