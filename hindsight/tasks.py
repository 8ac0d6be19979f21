"""Celery adapter for hindsight outcome simulation: takes the job id, runs the hindsight simulation
body through the job runner (claim, heartbeat, cancellation, outcome). The task keeps the name it had
when jobs lived in the training app, so messages already queued still find it."""
from celery import shared_task

from hindsight.jobs import outcome_simulation_body
from jobs.runtime import run_job


@shared_task(name="training.outcome_simulation", bind=True, acks_late=True, ignore_result=True)
def simulate_outcomes(self, job_id: int, **_kwargs) -> str:  # noqa: ANN001, ANN003
    """Simulate the outcomes of a queued job; a redelivered message finds the job claimed and does nothing."""
    return run_job(job_id, task_id=self.request.id or "", body=outcome_simulation_body)
