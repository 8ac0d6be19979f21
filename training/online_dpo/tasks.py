"""Celery adapters for online DPO rounds: they take ids and call the round services."""
from celery import shared_task

from training.online_dpo.round_body import online_round_execute
from training.online_dpo.services import online_rounds_tick


@shared_task(name="training.online_dpo", bind=True, acks_late=True, ignore_result=True)
def run_online_round(self, job_id: int, **_kwargs) -> str:  # noqa: ANN001, ANN003
    """Run (or resume) one round; when it succeeds its checkpoint is registered and the next round queued."""
    return online_round_execute(job_id, task_id=self.request.id or "")


@shared_task(name="training.online_dpo_tick", ignore_result=True)
def online_dpo_tick(**_kwargs) -> dict[str, int]:  # noqa: ANN003
    """Periodic (Celery beat): resume rounds whose human slice is annotated; refresh mismatch rates."""
    return online_rounds_tick()
