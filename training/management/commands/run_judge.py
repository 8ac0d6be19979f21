"""`manage.py run_judge --project SLUG [--judge reward_model|lm] [settings] [--prompt-file PATH] [--queue]`:
launch a model judge run (README: "Model judges (RLAIF)") and run it here (or queue it on the `gpu`
queue with --queue); inline, the labels' strengths are printed."""
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from jobs.cli import command_project, launch_error, run_inline
from jobs.runtime import run_job
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
        project = command_project(options["project"])
        config = {name: options[name] for name in config_settings(JudgeConfig) if options.get(name) is not None}
        if options["prompt_file"]:
            config["prompt_template"] = Path(options["prompt_file"]).read_text(encoding="utf-8")
        try:
            run = judge_run_launch(project=project, config=config, launched_by=None, enqueue=options["queue"])
        except ValidationError as error:
            raise launch_error(error) from error
        if options["queue"]:
            self.stdout.write(f"{run.label}: job #{run.job_id} queued.")
            return
        run_inline(run.job, execute=run_job, body=judge_body, write=self.stdout.write)
        summary = run.job.summary
        self.stdout.write(self.style.SUCCESS(
            f"{run.label}: {summary['labels']} label(s) on {summary['pairs']} pair(s), {summary['no_verdict']} without a verdict; "
            f"strengths {summary['strengths']}"))
