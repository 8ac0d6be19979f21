"""What a worker's pool processes load before their first job: Hugging Face `datasets` (127 MiB with
PyArrow) where the worker consumes the `default` queue, whose dataset builds write it; not in a
`gpu`-queue-only worker, whose reward-model jobs never use it (issue 17's memory budget). Read from the
libraries mapped into the real pool process of a real worker (`celery -A verdict worker`)."""
import time
from pathlib import Path

import psutil
import pytest

from tests.jobs.worker_support import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def pool_process(worker: psutil.Process, log: Path) -> psutil.Process:
    return wait_for(lambda: next(iter(worker.children()), None), timeout=30, what="the pool process", log=log)


def maps_arrow(process: psutil.Process) -> bool:
    return any("libarrow" in Path(mapped.path).name for mapped in process.memory_maps())


def test_a_gpu_only_worker_does_not_preload_datasets(start_worker):
    process, log = start_worker(queues="gpu", name="gpu-worker")
    child = pool_process(psutil.Process(process.pid), log)
    time.sleep(5)  # past the pool process's start-up, where a preload would happen (about a second)
    assert not maps_arrow(child)


def test_a_worker_of_the_default_queue_preloads_datasets(start_worker):
    process, log = start_worker(queues="gpu,default", name="default-worker")
    child = pool_process(psutil.Process(process.pid), log)
    wait_for(lambda: maps_arrow(child), timeout=30, what="datasets (PyArrow) in the pool process", log=log)
