"""What management commands share when they run a job inline: `--set KEY=JSON` options and a
reporter that echoes the job's progress to the terminal (Ctrl-C asks the job to stop)."""
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from jobs.runtime import JobReporter


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
