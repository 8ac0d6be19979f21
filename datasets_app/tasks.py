"""The app's Celery tasks, where Celery's autodiscovery looks for them (`<app>.tasks`)."""
from datasets_app.exports.tasks import build_dataset_version, dataset_build, reconcile_dataset_builds

__all__ = ["build_dataset_version", "dataset_build", "reconcile_dataset_builds"]
