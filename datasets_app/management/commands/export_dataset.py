"""manage.py export_dataset --project SLUG --format FORMAT --out DIR: build a dataset version now (no
worker needed) and copy its files into DIR."""
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotation.models import Project
from datasets_app.exports.build import dataset_version_build
from datasets_app.exports.builders.policy import CONTAINERS
from datasets_app.exports.services import dataset_version_copy_to, dataset_version_create
from datasets_app.models import DatasetFormat, DatasetStatus


class Command(BaseCommand):
    help = "Export a project's annotations as a new immutable dataset version and copy its files to --out."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("--format", required=True, choices=DatasetFormat.values)
        parser.add_argument("--out", required=True, type=Path, help="Folder to copy the files into.")
        parser.add_argument("--containers", default=",".join(CONTAINERS), help="Comma-separated subset of jsonl,parquet,hf.")
        parser.add_argument("--validation-fraction", type=float, default=None)
        parser.add_argument("--filters", default="{}", help='JSON, e.g. {"date_from": "2026-01-01", "rounds": [1, 2]}.')
        parser.add_argument("--policy", default="{}", help='JSON of further options, e.g. {"max_spread": 1}.')

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with slug {options['project']!r}.")
        try:
            filters, policy = json.loads(options["filters"]), json.loads(options["policy"])
        except json.JSONDecodeError as error:
            raise CommandError(f"--filters/--policy must be JSON: {error}") from None
        policy["containers"] = [c.strip() for c in options["containers"].split(",") if c.strip()]
        if options["validation_fraction"] is not None:
            policy["validation_fraction"] = options["validation_fraction"]
        try:
            version = dataset_version_create(
                project=project, format=options["format"], created_by=None, filters=filters, policy=policy, enqueue=False
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        version = dataset_version_build(version_id=version.pk)
        if version.status != DatasetStatus.READY:
            raise CommandError(f"Version {version.version} failed: {version.error}")
        options["out"].mkdir(parents=True, exist_ok=True)
        copied = dataset_version_copy_to(version=version, target=options["out"])
        self.stdout.write(
            f"{project.slug} v{version.version} ({version.format}): {json.dumps(version.row_counts)}; "
            f"{len(copied)} files in {options['out']}"
        )
