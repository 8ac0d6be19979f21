"""Celery adapter for hindsight outcome simulation: takes the job id, runs the annotation app's
simulation service through the job runner (claim, heartbeat, cancellation, outcome)."""
from celery import shared_task

from jobs.runtime import run_job


@shared_task(name="training.outcome_simulation", bind=True, acks_late=True, ignore_result=True)
def simulate_outcomes(self, job_id: int, **_kwargs) -> str:  # noqa: ANN001, ANN003
    """Simulate the outcomes of a queued job; a redelivered message finds the job claimed and does nothing."""
    from hindsight.jobs import outcome_simulation_body

    return run_job(job_id, task_id=self.request.id or "", body=outcome_simulation_body)
