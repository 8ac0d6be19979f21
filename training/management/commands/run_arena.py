"""`manage.py run_arena --project SLUG [--checkpoint ID ...] [--model NAME ...] [settings] [--queue]`:
launch an arena (README: "Arena") and run its sampling job here (or queue it on the `gpu` queue with
--queue); inline, the project's leaderboard is refreshed afterwards and printed."""
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotation.models import Project
from jobs.cli import EchoingReporter
from jobs.models import JobStatus, TrainingJob
from jobs.runtime import JobReporter
from training.arena.config import ArenaConfig
from training.arena.job_body import arena_body, arena_execute
from training.arena.leaderboard import arena_leaderboard_refresh
from training.arena.services import arena_launch
from verdict_ml.config import add_arguments, config_settings


class Command(BaseCommand):
    help = "Battle policy checkpoints and imported models on held-out prompts: queue blind battles for the annotators."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--checkpoint", type=int, action="append", default=[], help="a policy checkpoint id (repeat)")
        parser.add_argument("--model", action="append", default=[], help="an imported model's model_name (repeat)")
        add_arguments(parser, ArenaConfig)
        parser.add_argument("--queue", action="store_true", help="queue the job on the gpu queue instead of running it here")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with slug '{options['project']}'.")
        config = {name: options[name] for name in config_settings(ArenaConfig) if options[name] is not None}
        try:
            arena = arena_launch(project=project, checkpoint_ids=options["checkpoint"], model_names=options["model"], config=config,
                                 launched_by=None, enqueue=options["queue"])
        except ValidationError as error:
            raise CommandError("; ".join(f"{name}: {' '.join(m)}" for name, m in error.message_dict.items())) from error
        if options["queue"]:
            self.stdout.write(f"Arena #{arena.pk}: job #{arena.job_id} queued.")
            return

        def body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
            return arena_body(job, EchoingReporter(reporter, self.stdout.write))

        arena_execute(arena.job_id, task_id="inline", body=body)
        arena.job.refresh_from_db()
        if arena.job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"Job #{arena.job_id} {arena.job.status}: {arena.job.error}")
        board = arena_leaderboard_refresh(project=project)
        self.stdout.write(self.style.SUCCESS(f"Arena #{arena.pk}: {arena.job.summary['battles']} battle(s) queued; "
                                             f"leaderboard from {board.payload['votes']} vote(s):"))
        for row in board.payload["players"]:
            interval = row["elo_interval"] or [None, None]
            self.stdout.write(f"  {row['model']}: Elo {row['elo']:.0f} [{interval[0]:.0f}, {interval[1]:.0f}], {row['votes']} vote(s)")
