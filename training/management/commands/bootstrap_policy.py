"""`manage.py bootstrap_policy --project SLUG [options] [--queue]`: build the project's tiny default
policy from its own prompts and responses and register it as a policy checkpoint. Runs here by
default (a few seconds on CPU); --queue sends it to a `gpu` worker instead."""
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotation.models import Project
from jobs.cli import EchoingReporter
from jobs.models import JobStatus, TrainingJob
from jobs.runtime import JobReporter
from training.policies.bootstrap import policy_bootstrap_body, policy_bootstrap_execute, policy_bootstrap_launch
from training.policies.config import FIXED_SETTINGS, BootstrapConfig
from training.policies.models import PolicyCheckpoint
from verdict_ml.config import add_arguments, config_settings


class Command(BaseCommand):
    help = "Build a tiny causal LM from the project's own text and register it as its starting policy."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="project slug")
        add_arguments(parser, BootstrapConfig, exclude=FIXED_SETTINGS)
        parser.add_argument("--queue", action="store_true", help="queue it on the gpu queue instead of running here")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with slug '{options['project']}'.")
        config = {name: options[name] for name in config_settings(BootstrapConfig, exclude=FIXED_SETTINGS) if options[name] is not None}
        try:
            job = policy_bootstrap_launch(project=project, config=config, launched_by=None, enqueue=options["queue"])
        except ValidationError as error:
            raise CommandError("; ".join(f"{name}: {' '.join(m)}" for name, m in error.message_dict.items())) from error
        if options["queue"]:
            self.stdout.write(f"Job #{job.pk} queued.")
            return

        def body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
            return policy_bootstrap_body(job, EchoingReporter(reporter, self._every_50th))

        policy_bootstrap_execute(job.pk, task_id="inline", body=body)
        job.refresh_from_db()
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"Job #{job.pk} {job.status}: {job.error}")
        checkpoint = PolicyCheckpoint.objects.get(created_by_job=job)
        self.stdout.write(self.style.SUCCESS(
            f"Policy checkpoint #{checkpoint.pk} at {checkpoint.path}: {json.dumps(job.summary, sort_keys=True)}"
        ))

    def _every_50th(self, line: str) -> None:
        step = line.split("/", 1)[0]
        if not step.isdigit() or int(step) % 50 == 0:
            self.stdout.write(line)
