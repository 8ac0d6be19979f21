"""`manage.py run_online_dpo --project SLUG --rounds N [options] [--inline]`: launch N chained online
DPO rounds (checked like the web form) on the `gpu` queue, or run them in this process, printing
progress and each round's figures. A human-mode round that waits for labels stops the inline run;
a worker with Celery beat resumes it once the slice is annotated."""
import json
import signal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from annotation.models import Project
from jobs.cli import EchoingReporter, command_project, launch_error, set_options
from jobs.models import JobStatus, TrainingJob
from jobs.runtime import JobReporter
from training.online_dpo.config import OnlineRoundConfig
from training.online_dpo.models import OnlineRound
from training.online_dpo.round_body import online_round_body, online_round_execute
from training.online_dpo.services import online_round_launch_next, online_run_launch
from training.policies.models import PolicyCheckpoint
from training.policies.services import policy_checkpoint_register_external
from training.rewards.models import RewardModel
from verdict_ml.config import add_arguments, config_settings

FIGURES = ("mean_reward", "previous_mean_reward", "win_rate", "kl", "mean_length", "mismatch_rate", "margin_start", "margin_end")


class Command(BaseCommand):
    help = "Run N chained online DPO rounds for a project (queued on the gpu queue, or --inline here)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="project slug")
        parser.add_argument("--rounds", type=int, required=True)
        add_arguments(parser, OnlineRoundConfig)
        parser.add_argument("--set", dest="extra", action="append", default=[], metavar="KEY=JSON", help="a setting as JSON, e.g. --set aggregation=null")
        start = parser.add_mutually_exclusive_group()
        start.add_argument("--checkpoint", type=int, help="start from this policy checkpoint id (default: the newest)")
        start.add_argument("--policy", help="start from this AutoModelForCausalLM folder or hub id (registered)")
        parser.add_argument("--reward-model", dest="reward_model", type=int, help="reward model id (default: the active one)")
        parser.add_argument("--user", help="username recorded as the launcher")
        parser.add_argument("--inline", action="store_true", help="run the rounds in this process (no worker needed)")

    def handle(self, *args: Any, **options: Any) -> None:
        project = command_project(options["project"])
        user = get_user_model().objects.filter(username=options["user"]).first() if options["user"] else None
        if options["user"] and user is None:
            raise CommandError(f"No user named '{options['user']}'.")
        config = {name: options[name] for name in config_settings(OnlineRoundConfig) if options[name] is not None}
        config.update(set_options(options["extra"]))
        try:
            with transaction.atomic():  # a refused launch leaves no --policy checkpoint behind
                run = online_run_launch(
                    project=project, rounds=options["rounds"], config=config, launched_by=user,
                    start_checkpoint=self._start(project, options), reward_model=self._reward_model(project, options),
                    enqueue=not options["inline"],
                )
        except ValidationError as error:
            raise launch_error(error) from error
        first = run.rounds.get(index=1)
        self.stdout.write(f"Online run #{run.pk}: {run.rounds_requested} round(s) from {run.initial_checkpoint}; round {first.number} is job #{first.job_id}.")
        if options["inline"]:
            self._run_here(first)

    def _start(self, project: Project, options: dict[str, Any]) -> PolicyCheckpoint | None:
        if options["policy"]:
            return policy_checkpoint_register_external(project=project, path=options["policy"])
        if options["checkpoint"] is None:
            return None
        checkpoint = PolicyCheckpoint.objects.filter(project=project, pk=options["checkpoint"]).first()
        if checkpoint is None:
            raise CommandError(f"Project {project.slug} has no policy checkpoint #{options['checkpoint']}.")
        return checkpoint

    def _reward_model(self, project: Project, options: dict[str, Any]) -> RewardModel | None:
        if options["reward_model"] is None:
            return None
        model = RewardModel.objects.filter(project=project, pk=options["reward_model"]).first()
        if model is None:
            raise CommandError(f"Project {project.slug} has no reward model #{options['reward_model']}.")
        return model

    def _run_here(self, round_: OnlineRound) -> None:
        echo: list[EchoingReporter] = []

        def body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
            echo[:] = [EchoingReporter(reporter, self.stdout.write)]
            return online_round_body(job, echo[0])

        def interrupt(_signum: int, _frame: Any) -> None:
            if echo:
                echo[0].interrupted = True
            self.stderr.write("Cancelling at the next step…")

        previous = signal.signal(signal.SIGINT, interrupt)
        try:
            while round_ is not None:
                status = online_round_execute(round_.job_id, task_id="inline", body=body, chain=False)
                round_.refresh_from_db()
                if status != JobStatus.SUCCEEDED:
                    self._stopped(round_, status)
                    return
                self.stdout.write(self.style.SUCCESS(f"round {round_.number}: " + json.dumps({k: getattr(round_, k) for k in FIGURES})))
                if echo and echo[0].interrupted:
                    return
                round_ = online_round_launch_next(round_=round_, enqueue=False)
        finally:
            signal.signal(signal.SIGINT, previous)

    def _stopped(self, round_: OnlineRound, status: str) -> None:
        if status == JobStatus.WAITING:
            self.stdout.write(
                f"Round {round_.number} waits for human labels (job #{round_.job_id}); a worker with Celery beat resumes it "
                "once the slice is annotated."
            )
            return
        job = round_.job
        raise CommandError(f"Round {round_.number} (job #{job.pk}) {status}{': ' + job.error if job.error else ''}")
