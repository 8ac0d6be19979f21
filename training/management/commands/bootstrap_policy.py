"""`manage.py bootstrap_policy --project SLUG [options] [--queue]`: build the project's tiny default
policy from its own prompts and responses and register it as a policy checkpoint. Runs here by
default (a few seconds on CPU); --queue sends it to a `gpu` worker instead."""
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from jobs.cli import command_project, launch_error, run_inline
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
        project = command_project(options["project"])
        config = {name: options[name] for name in config_settings(BootstrapConfig, exclude=FIXED_SETTINGS) if options[name] is not None}
        try:
            job = policy_bootstrap_launch(project=project, config=config, launched_by=None, enqueue=options["queue"])
        except ValidationError as error:
            raise launch_error(error) from error
        if options["queue"]:
            self.stdout.write(f"Job #{job.pk} queued.")
            return
        run_inline(job, execute=policy_bootstrap_execute, body=policy_bootstrap_body, write=self._every_50th)
        checkpoint = PolicyCheckpoint.objects.get(created_by_job=job)
        self.stdout.write(self.style.SUCCESS(
            f"Policy checkpoint #{checkpoint.pk} at {checkpoint.path}: {json.dumps(job.summary, sort_keys=True)}"
        ))

    def _every_50th(self, line: str) -> None:
        step = line.split("/", 1)[0]
        if not step.isdigit() or int(step) % 50 == 0:
            self.stdout.write(line)
