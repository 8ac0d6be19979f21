"""What management commands share when they launch or run a job: the project named by `--project`,
launch errors as one CommandError, `--set KEY=JSON` options, a reporter that echoes the job's progress
to the terminal (Ctrl-C asks the job to stop), and running a job inline to its end."""
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from annotation.models import Project
from jobs.models import JobStatus, TrainingJob
from jobs.runtime import JobReporter


def command_project(slug: str) -> Project:
    """The project a command's `--project SLUG` names."""
    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise CommandError(f"No project with slug '{slug}'.")
    return project


def launch_error(error: ValidationError) -> CommandError:
    """A launch's ValidationError as one line naming each bad setting."""
    return CommandError("; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()))


def set_options(items: list[str]) -> dict[str, Any]:
    """The settings of repeated `--set KEY=JSON` options; a value that is not JSON stays a string."""
    settings: dict[str, Any] = {}
    for item in items:
        key, separator, raw = item.partition("=")
        if not separator:
            raise CommandError(f"--set {item}: expected KEY=VALUE.")
        try:
            settings[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            settings[key.strip()] = raw
    return settings


class EchoingReporter:
    """The job's reporter, also printing progress here; Ctrl-C asks the trainer to stop at its next step."""

    def __init__(self, reporter: JobReporter, write: Callable[[str], None]) -> None:
        self.reporter = reporter
        self.write = write
        self.interrupted = False

    def progress(self, step: int, total: int | None = None, **kwargs: Any) -> None:
        self.reporter.progress(step, total, **kwargs)
        metrics = kwargs.get("metrics") or {}
        shown = " ".join(f"{name}={value:.4g}" for name, value in sorted(metrics.items()) if isinstance(value, float))
        self.write(f"{step}/{total if total is not None else '?'} {kwargs.get('stage') or ''} {shown}".rstrip())

    def log(self, message: str) -> None:
        self.reporter.log(message)
        self.write(message)

    def should_stop(self) -> bool:
        return self.interrupted or self.reporter.should_stop()

    def artifact(self, name: str, path: Path | str, metadata: dict[str, Any] | None = None) -> Any:
        return self.reporter.artifact(name, path, metadata)


def run_inline(
    job: TrainingJob,
    *,
    execute: Callable[..., str],
    body: Callable[[TrainingJob, Any], dict[str, Any]],
    write: Callable[[str], None],
) -> TrainingJob:
    """Run a queued job in this process: `execute` (the kind's runner, e.g. `run_job`) with `body`, its
    progress echoed through `write`. Returns the finished job; a job that did not succeed is an error."""

    def echoing_body(running: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
        return body(running, EchoingReporter(reporter, write))

    execute(job.pk, task_id="inline", body=echoing_body)
    job.refresh_from_db()
    if job.status != JobStatus.SUCCEEDED:
        raise CommandError(f"Job #{job.pk} {job.status}: {job.error}")
    return job
