"""Celery tasks of the training app: one module per job kind (`training/tasks/<kind>.py` defines a
task named `training.<kind>`), plus maintenance. Importing the package registers them all."""
import importlib
import pkgutil

from celery import Task

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def task_for_kind(kind: str) -> Task:
    from verdict.celery import app

    return app.tasks[f"training.{kind}"]
