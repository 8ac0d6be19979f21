"""Celery adapters of the arena: the sampling job (gpu queue) and the leaderboard refresh (beat, default queue)."""
from celery import shared_task

from training.arena.job_body import arena_execute
from training.arena.leaderboard import arena_leaderboards_tick


@shared_task(name="training.arena", bind=True, acks_late=True, ignore_result=True)
def run_arena(self, job_id: int, **_kwargs) -> str:  # noqa: ANN001, ANN003
    """Sample the arena's contestants and queue its battles; a redelivered message finds the job claimed."""
    return arena_execute(job_id, task_id=self.request.id or "")


@shared_task(name="training.arena_refresh", ignore_result=True)
def refresh_arena_leaderboards(**_kwargs) -> dict[str, int]:  # noqa: ANN003
    """Periodic (Celery beat): recompute the leaderboards whose battle votes changed."""
    return arena_leaderboards_tick()
