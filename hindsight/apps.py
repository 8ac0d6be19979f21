from django.apps import AppConfig


class HindsightConfig(AppConfig):
    name = "hindsight"
    verbose_name = "Hindsight simulation (RLHS)"

    def ready(self) -> None:
        # Register this app's Celery tasks in every process, not only in workers (whose autodiscovery
        # imports `tasks`): the web process enqueues jobs by task name (`jobs.services.task_for_kind`).
        from hindsight import tasks  # noqa: F401
