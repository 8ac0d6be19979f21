"""Celery application. Training tasks go to the `gpu` queue, everything else to `default`."""
import os
from pathlib import Path

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verdict.settings.base")

app = Celery("verdict")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_filesystem_broker_folders() -> None:
    """kombu's filesystem transport (the embedded, no-server default) needs its folders to exist."""
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = (app.conf.broker_transport_options or {}).get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)


@signals.after_setup_logger.connect
def _prepare_worker(**_kwargs) -> None:  # noqa: ANN003
    ensure_filesystem_broker_folders()


def preload_libraries() -> None:
    """Import `datasets`, which export and training jobs use, once per worker process rather than inside
    its first job (it takes about a second). Each pool process does it after the fork, so the parent
    stays light (the task modules themselves are imported by autodiscovery)."""
    import datasets  # noqa: F401, PLC0415


@signals.worker_process_init.connect
def _preload_for_jobs(**_kwargs) -> None:  # noqa: ANN003
    preload_libraries()


@signals.before_task_publish.connect
def _prepare_publisher(**_kwargs) -> None:  # noqa: ANN003
    ensure_filesystem_broker_folders()
