"""Celery adapters of dataset exports: take ids, call one service. The only importer of `build.py`
besides the `export_dataset` command, so `services.py` can enqueue through this module."""
from typing import Any

from celery import shared_task

from datasets_app.exports.build import dataset_version_build

QUEUE = "default"


@shared_task(name="datasets_app.build_dataset_version", ignore_result=True)
def build_dataset_version(version_id: int, **kwargs: Any) -> None:
    dataset_version_build(version_id=version_id)


def enqueue_dataset_version_build(version_id: int) -> None:
    build_dataset_version.apply_async(args=[version_id], queue=QUEUE)
