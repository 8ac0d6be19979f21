"""Why a queued job has not started: which Celery queue it waits on and what holds that queue's worker.

Read from the database only (asking Celery's workers would block a page for a broadcast timeout): a job
running on the same queue means the worker is busy with it; nothing running means no worker has taken
the job yet, i.e. none consumes that queue (or it is starting).
"""
from collections.abc import Iterable

from celery import current_app

from jobs.models import JOB_TASKS, JobKind, JobStatus, TrainingJob

EARLIER_CAP = 100  # queued jobs ahead are counted up to here ("100+"), never the whole table


def earlier_text(count: int) -> str:
    return f"{EARLIER_CAP}+" if count > EARLIER_CAP else str(count)


def queue_for_task(task_name: str) -> str:
    """The queue CELERY_TASK_ROUTES sends `task_name` to."""
    route = current_app.amqp.router.route({}, task_name)
    queue = route.get("queue")
    return getattr(queue, "name", None) or str(queue or current_app.conf.task_default_queue)


def job_queue(kind: str) -> str:
    return queue_for_task(JOB_TASKS[kind])


def job_wait_reason(job: TrainingJob, *, running_by_queue: dict[str, TrainingJob | None] | None = None) -> str:
    """A sentence for a queued job, e.g. "queued on the gpu queue behind job #12 (Reward-model training,
    running)" or "waiting for a worker on the gpu queue"; empty for a job that is not queued. A list
    passes one `running_by_queue` dict for all its rows, so each queue's running job is read once."""
    if job.status != JobStatus.QUEUED:
        return ""
    queue = job_queue(job.kind)
    kinds = [kind for kind in JobKind.values if job_queue(kind) == queue]
    ahead = TrainingJob.objects.filter(kind__in=kinds).exclude(pk=job.pk)
    if running_by_queue is None:
        running_by_queue = {}
    if queue not in running_by_queue:
        running_by_queue[queue] = ahead.filter(status=JobStatus.RUNNING).order_by("started_at", "pk").only("pk", "kind", "project_id").first()
    running = running_by_queue[queue]
    earlier = ahead.filter(status=JobStatus.QUEUED, pk__lt=job.pk).order_by()[: EARLIER_CAP + 1].count()
    before = f" and {earlier_text(earlier)} earlier queued job{'s' if earlier != 1 else ''}" if earlier else ""
    if running is not None:
        holder = (
            f"job #{running.pk} ({running.get_kind_display()}, running)"
            if running.project_id == job.project_id
            else "a running job of another project"
        )
        return f"queued on the {queue} queue behind {holder}{before}"
    return f"waiting for a worker on the {queue} queue{before}: none has taken it yet"


def job_wait_reasons(jobs: Iterable[TrainingJob]) -> None:
    """Sets `wait_reason` on each of `jobs` (a list page's rows)."""
    running_by_queue: dict[str, TrainingJob | None] = {}
    for job in jobs:
        job.wait_reason = job_wait_reason(job, running_by_queue=running_by_queue)
