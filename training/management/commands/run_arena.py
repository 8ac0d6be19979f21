"""`manage.py run_arena --project SLUG [--checkpoint ID ...] [--model NAME ...] [settings] [--queue]`:
launch an arena (README: "Arena") and run its sampling job here (or queue it on the `gpu` queue with
--queue); inline, the project's leaderboard is refreshed afterwards and printed."""
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from jobs.cli import command_project, launch_error, run_inline
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
        project = command_project(options["project"])
        config = {name: options[name] for name in config_settings(ArenaConfig) if options[name] is not None}
        try:
            arena = arena_launch(project=project, checkpoint_ids=options["checkpoint"], model_names=options["model"], config=config,
                                 launched_by=None, enqueue=options["queue"])
        except ValidationError as error:
            raise launch_error(error) from error
        if options["queue"]:
            self.stdout.write(f"Arena #{arena.pk}: job #{arena.job_id} queued.")
            return
        run_inline(arena.job, execute=arena_execute, body=arena_body, write=self.stdout.write)
        board = arena_leaderboard_refresh(project=project)
        self.stdout.write(self.style.SUCCESS(f"Arena #{arena.pk}: {arena.job.summary['battles']} battle(s) queued; "
                                             f"leaderboard from {board.payload['votes']} vote(s):"))
        for row in board.payload["players"]:
            interval = row["elo_interval"] or [None, None]
            self.stdout.write(f"  {row['model']}: Elo {row['elo']:.0f} [{interval[0]:.0f}, {interval[1]:.0f}], {row['votes']} vote(s)")
