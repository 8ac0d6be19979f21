"""`manage.py import_items --project SLUG [--format F] [--user NAME] FILE`: import a file or a
save_to_disk folder; prints the counts, or every error and exits non-zero."""
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotation.models import Project
from datasets_app.imports.services import UploadTooLarge, items_import
from datasets_app.models import ImportFormat, ImportStatus


class Command(BaseCommand):
    help = "Import prompts, responses and ratings into a project (all-or-nothing, idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSONL/CSV file (optionally .gz), .zip or folder saved with save_to_disk")
        parser.add_argument("--project", required=True, help="slug of the project to import into")
        parser.add_argument("--format", default=ImportFormat.AUTO, choices=ImportFormat.values)
        parser.add_argument("--user", help="username recorded as the importer")

    def handle(self, *args: str, **options: str) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file or folder.")
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project with slug '{options['project']}'.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named '{options['user']}'.")
        try:
            record = items_import(project=project, path_or_file=path, file_name=path.name, format=options["format"], user=user)
        except UploadTooLarge as error:
            raise CommandError(f"{error} Nothing was written.") from error
        if record.status == ImportStatus.FAILED:
            for error in record.errors:
                where = ":".join(str(part) for part in (error["file"], error["line"]) if part not in (None, ""))
                field = f" {error['field']}:" if error["field"] else ""
                self.stderr.write(f"{where}:{field} {error['message']}")
            raise CommandError(f"Import failed ({len(record.errors)} errors listed); nothing was written.")
        self.stdout.write(
            f"Imported {path.name} ({record.format}) into {project.slug}: {record.rows_read} rows read, "
            f"{record.prompts_created} prompts, {record.responses_created} responses, {record.items_created} items, "
            f"{record.annotations_created} annotations created."
        )
