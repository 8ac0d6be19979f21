"""`manage.py run_judge --project SLUG [--judge reward_model|lm] [settings] [--prompt-file PATH] [--queue]`:
launch a model judge run (README: "Model judges (RLAIF)") and run it here (or queue it on the `gpu`
queue with --queue); inline, the labels' strengths are printed."""
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotation.models import Project
from jobs.cli import EchoingReporter
from jobs.models import JobStatus, TrainingJob
from jobs.runtime import JobReporter, run_job
from training.judges.config import JudgeConfig
from training.judges.job_body import judge_body
from training.judges.services import judge_run_launch
from verdict_ml.config import add_arguments, config_settings


class Command(BaseCommand):
    help = "Label a project's pairs with a model judge (a registered reward model, or a causal LM with a judging prompt)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="project slug")
        add_arguments(parser, JudgeConfig)
        parser.add_argument("--prompt-file", help="LM judge: read the judging prompt from this file")
        parser.add_argument("--queue", action="store_true", help="queue the job on the gpu queue instead of running it here")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with slug '{options['project']}'.")
        config = {name: options[name] for name in config_settings(JudgeConfig) if options.get(name) is not None}
        if options["prompt_file"]:
            config["prompt_template"] = Path(options["prompt_file"]).read_text(encoding="utf-8")
        try:
            run = judge_run_launch(project=project, config=config, launched_by=None, enqueue=options["queue"])
        except ValidationError as error:
            raise CommandError("; ".join(f"{name}: {' '.join(m)}" for name, m in error.message_dict.items())) from error
        if options["queue"]:
            self.stdout.write(f"{run.label}: job #{run.job_id} queued.")
            return

        def body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
            return judge_body(job, EchoingReporter(reporter, self.stdout.write))

        run_job(run.job_id, task_id="inline", body=body)
        run.job.refresh_from_db()
        if run.job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"Job #{run.job_id} {run.job.status}: {run.job.error}")
        summary = run.job.summary
        self.stdout.write(self.style.SUCCESS(
            f"{run.label}: {summary['labels']} label(s) on {summary['pairs']} pair(s), {summary['no_verdict']} without a verdict; "
            f"strengths {summary['strengths']}"))
