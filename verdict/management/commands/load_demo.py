"""`manage.py load_demo [--hh PATH --hh-rows N]`: demo users, three demo projects (pairwise + Likert,
Likert only, hindsight marketplace scenarios with template-simulated outcomes) and their data.
Idempotent: a second run changes nothing except resetting the demo passwords.

The well-known demo password is used only with DEBUG on (`scripts/demo.sh`). With DEBUG off, each
demo user the command creates gets a random password, printed once; existing users keep theirs."""
import gzip
import hashlib
import io
import secrets
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from annotation.models import Project, Role, TaskType
from annotation.services import membership_add, project_create
from datasets_app.imports.services import items_import
from datasets_app.models import ImportFormat, ImportRecord, ImportStatus

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
HINDSIGHT_SCENARIOS = Path(__file__).resolve().parents[3] / "hindsight" / "demo" / "marketplace_scenarios.jsonl"
DEMO_PASSWORD = "verdict-demo"
USERS = [
    ("admin", None),
    ("researcher", Role.RESEARCHER),
    ("annotator1", Role.ANNOTATOR),
    ("annotator2", Role.ANNOTATOR),
    ("annotator3", Role.ANNOTATOR),
]
PROJECTS: list[dict[str, Any]] = [
    {
        "name": "Demo: helpful and harmless",
        "slug": "demo",
        "task_types": [TaskType.PAIRWISE, TaskType.LIKERT],
        "data": "helpful_harmless.jsonl",
        "gold_rate": 0.1,
    },
    {
        "name": "Demo: Likert ratings",
        "slug": "demo-likert",
        "task_types": [TaskType.LIKERT],
        "data": "likert_ratings.jsonl",
        "gold_rate": 0.0,
    },
]


class Command(BaseCommand):
    help = "Create demo users and projects and import the demo data (safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hh", type=Path, help="HH-RLHF .jsonl(.gz) whose first rows go into the 'demo' project")
        parser.add_argument("--hh-rows", type=int, default=200, help="how many HH rows to import (default 200)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["hh"] is not None and not options["hh"].exists():
            raise CommandError(f"{options['hh']}: no such file.")
        users, passwords = self._users()
        researcher = users["researcher"]
        guidelines = (DEMO_DIR / "guidelines.md").read_text(encoding="utf-8")
        for spec in PROJECTS:
            project = self._project(spec, users["admin"], guidelines)
            for user in users.values():
                membership_add(project=project, user=user)
            path = DEMO_DIR / spec["data"]
            self._import_once(project, path.read_bytes(), path.name, researcher)
        call_command(
            "import_scenarios", str(HINDSIGHT_SCENARIOS), project="demo-hindsight", create_project=True,
            member=[username for username, _ in USERS], simulate_template=True, stdout=self.stdout,
        )
        if options["hh"] is not None:
            project = Project.objects.get(slug="demo")
            data = self._first_lines(options["hh"], options["hh_rows"])
            name = f"{options['hh'].name} (first {options['hh_rows']} rows)"
            self._import_once(project, data, name, researcher, format=ImportFormat.HH_RLHF)
        names = ", ".join(username for username, _ in USERS)
        if settings.DEBUG:
            self.stdout.write(self.style.SUCCESS(f"Demo ready. Users {names}; password for all: {DEMO_PASSWORD}"))
            return
        self.stdout.write(self.style.SUCCESS(f"Demo ready. Users {names}. DEBUG is off, so passwords are not the demo's:"))
        for username, _ in USERS:
            self.stdout.write(f"  {username}: {passwords.get(username) or '(existing user: password unchanged)'}")

    def _users(self) -> tuple[dict[str, AbstractBaseUser], dict[str, str]]:
        """The demo users and the passwords this run gave them (see the module doc)."""
        User = get_user_model()
        users, passwords = {}, {}
        with transaction.atomic():
            for username, role in USERS:
                user, created = User.objects.get_or_create(username=username)
                if role is None:
                    user.is_superuser = user.is_staff = True
                else:
                    user.groups.add(Group.objects.get_or_create(name=role)[0])
                if settings.DEBUG:
                    passwords[username] = DEMO_PASSWORD
                elif created:
                    passwords[username] = secrets.token_urlsafe(16)
                if username in passwords:
                    user.set_password(passwords[username])
                user.save()
                users[username] = user
        return users, passwords

    def _project(self, spec: dict[str, Any], owner: AbstractBaseUser, guidelines: str) -> Project:
        project = Project.objects.filter(slug=spec["slug"]).first()
        if project is not None:
            return project
        return project_create(
            name=spec["name"], slug=spec["slug"], created_by=owner, guidelines=guidelines,
            task_types=spec["task_types"], overlap=2, gold_rate=spec["gold_rate"],
        )

    def _first_lines(self, path: Path, count: int) -> bytes:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            return b"".join(islice((line for line in handle if line.strip()), count))

    def _import_once(
        self, project: Project, data: bytes, file_name: str, user: AbstractBaseUser, format: str = ImportFormat.AUTO  # noqa: A002
    ) -> None:
        """Import the file unless the project already has it: a second run adds nothing, not even another
        "past import" row on the project's Import page."""
        sha256 = hashlib.sha256(data).hexdigest()
        done = ImportRecord.objects.filter(project=project, file_sha256=sha256, status=ImportStatus.SUCCEEDED).first()
        if done is not None:
            self.stdout.write(f"{project.slug}: {file_name} was imported on {done.created_at:%Y-%m-%d %H:%M}; skipped")
            return
        self._report(items_import(project=project, path_or_file=io.BytesIO(data), file_name=file_name, format=format, user=user))

    def _report(self, record: ImportRecord) -> None:
        if record.status == ImportStatus.FAILED:
            details = "; ".join(f"{e['file']}:{e['line']} {e['field']} {e['message']}" for e in record.errors[:5])
            raise CommandError(f"Importing {record.file_name} into {record.project.slug} failed: {details}")
        self.stdout.write(
            f"{record.project.slug}: {record.file_name} → {record.items_created} new items, "
            f"{record.annotations_created} new annotations ({record.rows_read} rows read)"
        )
