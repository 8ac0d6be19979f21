"""`manage.py import_scenarios --project SLUG FILE [--layout single|pairs] [--create-project] [--member USER …] [--simulate-template]`

Import hindsight scenarios (JSONL, all or nothing; see hindsight/importer.py). The demo
file is hindsight/demo/marketplace_scenarios.jsonl. `--simulate-template` then fills in
missing outcomes with the deterministic template simulator, inline (no worker needed)."""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotation.models import Project, TaskType
from annotation.services import membership_add, project_create
from hindsight.importer import LAYOUTS, ScenarioImportError, scenarios_import
from hindsight.jobs import outcomes_simulate, simulation_config_clean


class Command(BaseCommand):
    help = "Import hindsight scenarios from a JSONL file into a hindsight project."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--project", required=True, help="Slug of the hindsight project.")
        parser.add_argument("--layout", choices=LAYOUTS, default=None, help="single: one item per response; pairs: one per pair.")
        parser.add_argument("--create-project", action="store_true", help="Create the project (task types: hindsight) if missing.")
        parser.add_argument("--member", action="append", default=[], help="Add this user to the project (repeatable).")
        parser.add_argument("--simulate-template", action="store_true", help="Then simulate missing outcomes with the template simulator.")

    def handle(self, *args, **options) -> None:  # noqa: ANN003
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            if not options["create_project"]:
                raise CommandError(f"No project '{options['project']}'; pass --create-project to create it.")
            project = project_create(name=options["project"].replace("-", " ").capitalize(), slug=options["project"],
                                     task_types=[TaskType.HINDSIGHT], overlap=1)
            self.stdout.write(f"Created project {project.slug}.")
        for username in options["member"]:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user named '{username}'.")
            membership_add(project=project, user=user)
        try:
            with path.open("rb") as lines:
                summary = scenarios_import(project=project, lines=lines, file_name=path.name, layout=options["layout"])
        except ScenarioImportError as error:
            for problem in error.errors:
                self.stderr.write(f"{problem['file']}:{problem['line']}: {problem['field']}: {problem['message']}")
            raise CommandError(f"Nothing imported: {len(error.errors)} problem(s).") from error
        self.stdout.write(
            f"{summary.lines} scenario line(s): {summary.scenarios_created} new scenario(s), "
            f"{summary.responses_created} new response(s), {summary.items_created} new item(s)."
        )
        if options["simulate_template"]:
            config = simulation_config_clean(project=project, raw={"simulator": "template", "scope": "missing"})
            result = outcomes_simulate(project=project, config=config)
            self.stdout.write(f"Simulated {result['outcomes']} outcome(s) with the template simulator.")
