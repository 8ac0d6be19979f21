"""Celery application. Training tasks go to the `gpu` queue, everything else to `default`."""
import gc
import os
from pathlib import Path

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "verdict.settings.base")
# Every Verdict process imports this module first, before anything loads Polars. A worker process runs
# one job at a time, beside others; on the small batches an export processes, Polars' own thread pool
# adds hand-offs between threads and no speed (set the variable to use more threads).
os.environ.setdefault("POLARS_MAX_THREADS", "1")

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


# Decided per worker from the queues it consumes, before its pool starts (`_choose_preloads`); the pool's
# processes, forked after that, read it.
_PRELOAD = {"datasets": True}


def preload_libraries() -> None:
    """Import `datasets` once per worker process rather than inside its first job (it takes about a
    second), in workers that consume the `default` queue, where dataset builds write Hugging Face
    datasets and a second per build counts. A `gpu`-queue-only worker skips it: it would hold 127 MiB
    more through every reward-model job, which never uses `datasets`, to save the one second of an
    online-DPO round that takes minutes (issue 17's memory budget). Each pool process does it after the
    fork, so the parent stays light (the task modules themselves are imported by autodiscovery).

    Then everything loaded so far (Django, the libraries) is frozen out of the garbage collector's
    full passes: those objects live as long as the process, and a job that makes many objects would
    otherwise have every full pass walk them all again (about a tenth of an export's CPU time)."""
    if _PRELOAD["datasets"]:
        import datasets  # noqa: F401

    gc.freeze()


@signals.celeryd_after_setup.connect
def _choose_preloads(instance, **_kwargs) -> None:  # noqa: ANN001, ANN003
    _PRELOAD["datasets"] = instance.app.conf.task_default_queue in instance.app.amqp.queues.consume_from


@signals.worker_process_init.connect
def _preload_for_jobs(**_kwargs) -> None:  # noqa: ANN003
    preload_libraries()


@signals.before_task_publish.connect
def _prepare_publisher(**_kwargs) -> None:  # noqa: ANN003
    ensure_filesystem_broker_folders()
