"""Celery adapters of dataset exports: take ids, call one service or run one job body. The builds run
on the `default` queue (CELERY_TASK_ROUTES), not on GPU hosts."""
from typing import Any

from celery import shared_task

from jobs.runtime import run_job

# The builders (Polars, PyArrow: ~60 MiB resident) are imported when a build runs, not when Celery's
# autodiscovery imports this module in every Verdict process (the web workers and the training jobs too).


@shared_task(name="datasets_app.dataset_build", bind=True, acks_late=True, ignore_result=True)
def dataset_build(self, job_id: int, **_kwargs: Any) -> str:  # noqa: ANN001
    """Build the version of a queued `dataset_build` job; a redelivered message finds it claimed."""
    from datasets_app.exports.build import dataset_build_body

    return run_job(job_id, task_id=self.request.id or "", body=dataset_build_body)


@shared_task(name="datasets_app.build_dataset_version", ignore_result=True)
def build_dataset_version(version_id: int, **_kwargs: Any) -> None:
    """A build message queued before builds ran as jobs: the version gets a job and is built here."""
    from datasets_app.exports.build import dataset_version_build

    dataset_version_build(version_id=version_id)


@shared_task(name="datasets_app.reconcile_dataset_builds", ignore_result=True)
def reconcile_dataset_builds(**_kwargs: Any) -> list[int]:
    """Periodic (Celery beat): fail the versions whose build job was reaped or cancelled."""
    from datasets_app.exports.build import dataset_builds_reconcile

    return dataset_builds_reconcile()
