"""Celery adapter of model judges (gpu queue, as every `training.*` task)."""
from celery import shared_task

from training.judges.job_body import judge_execute


@shared_task(name="training.judge", bind=True, acks_late=True, ignore_result=True)
def run_judge(self, job_id: int, **_kwargs) -> str:  # noqa: ANN001, ANN003
    """Label the project's pairs with the run's judge; a redelivered message finds the job claimed."""
    return judge_execute(job_id, task_id=self.request.id or "")
