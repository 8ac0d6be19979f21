from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Register this app's Celery tasks in every process, not only in workers (whose autodiscovery
        # imports `tasks`): the web process enqueues jobs by task name (`jobs.services.task_for_kind`).
        from jobs import tasks  # noqa: F401
