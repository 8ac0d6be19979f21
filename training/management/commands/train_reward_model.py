"""`manage.py train_reward_model --dataset VERSION --objective OBJ [options] [--wait | --inline]` (or
`--project SLUG` to train on the project's annotations, `--label-source hindsight|foresight` on its
hindsight judgements): queue a reward-model job, checked like the web form, or run it in this process,
printing its progress. VERSION: a dataset version's id, or `SLUG:N`."""
import json
import signal
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotation.models import Project
from datasets_app.models import DatasetVersion
from jobs.cli import EchoingReporter, command_project, launch_error, set_options
from jobs.models import FINISHED_STATUSES, JobStatus, TrainingJob
from jobs.runtime import JobReporter
from jobs.selectors import job_eta_seconds
from jobs.services import job_cancel
from training.rewards.config import WORKER_SETTINGS, RewardJobConfig
from training.rewards.job_body import reward_job_body, reward_job_execute
from training.rewards.models import RewardModel
from training.rewards.selectors import dataset_version_for, plain_number
from training.rewards.services import reward_job_launch
from verdict_ml.config import add_arguments, config_settings

# Given by reference (--attribute-dataset), not by id.
OPTION_EXCLUDED = (*WORKER_SETTINGS, "attribute_dataset_version")






class Command(BaseCommand):
    help = "Train a reward model on a project's judgements (queued on the gpu queue, or --inline here)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", help="dataset version to train on: its id, or SLUG:N (version N of project SLUG)")
        parser.add_argument("--project", help="project slug; without --dataset, train on its annotations")
        parser.add_argument(
            "--attribute-dataset", dest="attribute_dataset",
            help="helpsteer2 version for the regression phase of regression_then_scaled_bt (id or SLUG:N)",
        )
        settings = add_arguments(parser, RewardJobConfig, exclude=OPTION_EXCLUDED)
        settings["objective"].required = True
        parser.add_argument("--lora", dest="use_lora", action="store_const", const=True, help="the same as --use-lora")
        parser.add_argument(
            "--set", dest="extra", action="append", default=[], metavar="KEY=JSON",
            help="a setting as JSON (for lists and nulls), e.g. --set lora_target_modules='[\"query\", \"value\"]' --set max_grad_norm=null",
        )
        parser.add_argument("--user", help="username recorded as the launcher")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--wait", action="store_true", help="queue it, then print progress until it finishes")
        mode.add_argument("--inline", action="store_true", help="run it in this process (no worker needed)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named '{options['user']}'.")
        try:
            project = self._project(options)
            version = dataset_version_for(project=project, reference=options["dataset"]) if options["dataset"] else None
            config = self._config(options)
            if options["attribute_dataset"]:
                config["attribute_dataset_version"] = dataset_version_for(project=project, reference=options["attribute_dataset"]).pk
            job = reward_job_launch(
                project=project, config=config, launched_by=user, dataset_version=version, enqueue=not options["inline"]
            )
        except ValidationError as error:
            raise launch_error(error) from error
        self.stdout.write(f"Job #{job.pk} ({job.config['objective']}) {'running here' if options['inline'] else 'queued'}.")
        if options["inline"]:
            self._run_here(job)
        elif options["wait"]:
            self._follow(job)
        else:
            return
        job.refresh_from_db()
        self._report(job)

    def _project(self, options: dict[str, Any]) -> Project:
        """--project, or the project of --dataset (`SLUG:N`, or a version id)."""
        slug = options["project"]
        reference = (options["dataset"] or "").strip()
        if not slug and not reference:
            raise CommandError("Give --dataset VERSION (or --project SLUG to train on the project's annotations).")
        if not slug and ":" in reference:
            slug = reference.rpartition(":")[0]
        if not slug:
            number = plain_number(reference)
            version = DatasetVersion.objects.filter(pk=number).select_related("project").first() if number is not None else None
            if version is None:
                raise CommandError(f"No dataset version with id {reference}.")
            return version.project
        return command_project(slug)

    def _config(self, options: dict[str, Any]) -> dict[str, Any]:
        config = {name: options[name] for name in config_settings(RewardJobConfig, exclude=OPTION_EXCLUDED) if options[name] is not None}
        config.update(set_options(options["extra"]))
        return config

    def _run_here(self, job: TrainingJob) -> None:
        echo: list[EchoingReporter] = []

        def body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
            echo.append(EchoingReporter(reporter, self.stdout.write))
            return reward_job_body(job, echo[0])

        def interrupt(_signum: int, _frame: Any) -> None:
            if echo:
                echo[0].interrupted = True
            self.stderr.write(f"Cancelling job #{job.pk} at its next step…")

        previous = signal.signal(signal.SIGINT, interrupt)
        try:
            reward_job_execute(job.pk, task_id="inline", body=body)
        finally:
            signal.signal(signal.SIGINT, previous)

    def _follow(self, job: TrainingJob) -> None:
        """Print progress every second until a worker finishes the job; Ctrl-C cancels it."""
        shown = ""
        try:
            while job.status not in FINISHED_STATUSES:
                time.sleep(1)
                job.refresh_from_db()
                eta = job_eta_seconds(job)
                line = f"[{job.status}] {job.progress_step}/{job.progress_total} {job.stage}" + (f" · ETA {eta:.0f}s" if eta else "")
                if line != shown:
                    self.stdout.write(line)
                    shown = line
        except KeyboardInterrupt:
            job_cancel(job=job)
            self.stderr.write(f"Cancel requested for job #{job.pk}; it stops at its next step.")

    def _report(self, job: TrainingJob) -> None:
        if job.status == JobStatus.SUCCEEDED:
            metrics = job.summary.get("metrics", {})
            self.stdout.write(self.style.SUCCESS(f"Job #{job.pk} succeeded: {json.dumps(metrics, sort_keys=True)}"))
            if job.summary.get("tiny_validation"):
                pairs = job.summary.get("data", {}).get("validation_pairs", 0)
                self.stdout.write(f"Tiny validation set: the validation metrics come from {pairs} pairs.")
            model = RewardModel.objects.filter(job=job).first()
            if model is not None:
                self.stdout.write(f"Registered as reward model #{model.pk} at {model.path}{' (active)' if model.is_active else ''}.")
            return
        if job.status == JobStatus.FAILED:
            raise CommandError(f"Job #{job.pk} failed: {job.error}")
        if job.status == JobStatus.CANCELLED:
            raise CommandError(f"Job #{job.pk} was cancelled.")
        self.stdout.write(f"Job #{job.pk} is {job.status}.")
