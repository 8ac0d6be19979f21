from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "datasets_app"
    verbose_name = "Datasets"

    def ready(self) -> None:
        # Register this app's Celery tasks in every process, not only in workers (whose autodiscovery
        # imports `tasks`): the web process enqueues dataset builds by task name (`jobs.services.task_for_kind`).
        from datasets_app import tasks  # noqa: F401
