"""Why a queued dataset version has not started building: the queue its build task waits on, and the
build holding that queue's worker (read from the database, as jobs.waiting does for jobs)."""
from datasets_app.models import DatasetStatus, DatasetVersion
from jobs.models import JOB_TASKS, JobKind
from jobs.waiting import EARLIER_CAP, earlier_text, queue_for_task


def dataset_version_wait_reason(version: DatasetVersion) -> str:
    """E.g. "queued on the default queue behind v3 (building)" or "waiting for a worker on the default
    queue"; empty for a version that is not queued."""
    if version.status != DatasetStatus.QUEUED:
        return ""
    queue = queue_for_task(JOB_TASKS[JobKind.DATASET_BUILD])
    others = DatasetVersion.objects.exclude(pk=version.pk)
    building = others.filter(status=DatasetStatus.RUNNING).order_by("started_at", "pk").first()
    earlier = others.filter(status=DatasetStatus.QUEUED, pk__lt=version.pk).order_by()[: EARLIER_CAP + 1].count()
    before = f" and {earlier_text(earlier)} earlier queued version{'s' if earlier != 1 else ''}" if earlier else ""
    if building is not None:
        holder = f"v{building.version} (building)" if building.project_id == version.project_id else "another project's build"
        return f"queued on the {queue} queue behind {holder}{before}"
    return f"waiting for a worker on the {queue} queue{before}: none has taken it yet"
