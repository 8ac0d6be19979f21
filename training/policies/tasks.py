"""Celery adapter for the tiny default policy: takes the job id and runs the bootstrap service."""
from celery import shared_task

from training.policies.bootstrap import policy_bootstrap_execute


@shared_task(name="training.bootstrap_policy", bind=True, acks_late=True, ignore_result=True)
def bootstrap_policy(self, job_id: int, **_kwargs) -> str:  # noqa: ANN001, ANN003
    """Build and register the project's tiny policy; a redelivered message finds the job claimed."""
    return policy_bootstrap_execute(job_id, task_id=self.request.id or "")
