"""Support for the resolver-driven permission matrix (tests/annotation/test_permission_matrix.py): every
route the URL resolver knows, and a world of real objects whose ids fill every route's address."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from annotation.models import (
    Annotation,
    AnnotationSource,
    Assignment,
    AssignmentState,
    Project,
)
from datasets_app.models import (
    DatasetStatus,
    DatasetVersion,
    ImportRecord,
    ImportStatus,
)
from tests.factories import ItemFactory, UserFactory
from tests.hindsight.hindsight_helpers import (
    import_scenarios,
    keyboard_scenario,
    lease,
    make_project,
    simulate_with_template,
)
from tests.training.online_dpo.online_dpo_helpers import (
    FAST_ROUND,
    fill_project,
    register_policy,
    register_reward_model,
)
from training.online_dpo.models import OnlineRound, OnlineRun
from training.online_dpo.services import online_run_launch

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    kwargs: tuple[str, ...]
    methods: tuple[str, ...] | None  # a class-based view's methods; None for a function view

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def resolver_routes() -> dict[str, Route]:
    """Every named route, nested includes walked; Django's admin site (which checks is_staff itself) left out."""
    routes: dict[str, Route] = {}

    def walk(patterns: list, prefix: str, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
                continue
            assert isinstance(entry, URLPattern)
            assert entry.name, f"route {prefix}{entry.pattern} has no name: name it, then classify it"
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            view = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
            methods = tuple(m for m in HTTP_METHODS if hasattr(view, m)) if view is not None else None
            assert name not in routes, f"two routes are named {name}"
            routes[name] = Route(name, prefix + str(entry.pattern), tuple(entry.pattern.converters), methods)

    walk(get_resolver().url_patterns, "", None)
    return routes


@dataclass
class RouteWorld:
    project: Project
    other: Project  # a project of the same kind, whose members are outsiders to `project`
    users: dict[str, Any]
    kwargs: dict[str, Any]  # a real value for every URL kwarg, all of `project`
    stored: list[str]  # files written to storage

    def delete(self) -> None:
        """Remove everything built (for a world built outside a test's transaction)."""
        for name in self.stored:
            default_storage.delete(name)
        projects = [self.project.pk, self.other.pk]
        OnlineRound.objects.filter(project__in=projects).delete()  # rounds and runs protect their checkpoints
        OnlineRun.objects.filter(project__in=projects).delete()
        Project.objects.filter(pk__in=projects).delete()
        for user in self.users.values():
            user.delete()


def build_route_world() -> RouteWorld:
    users = {
        "owner": UserFactory(username="w-owner", role="annotator"),
        "other-annotator": UserFactory(username="w-annotator", role="annotator"),
        "researcher": UserFactory(username="w-researcher", role="researcher"),
        "admin": UserFactory(username="w-admin", role="admin"),
        "outsider-annotator": UserFactory(username="w-out-annotator", role="annotator"),
        "outsider-researcher": UserFactory(username="w-out-researcher", role="researcher"),
    }
    types = ["pairwise", "hindsight"]
    project = make_project(users["owner"], users["other-annotator"], users["researcher"], slug="world", task_types=types, overlap=3)
    other = make_project(users["outsider-annotator"], users["outsider-researcher"], slug="world-other", task_types=types)
    import_scenarios(project, keyboard_scenario())
    simulate_with_template(project)
    assignment = lease(users["owner"], project)

    judged = ItemFactory(project=project)
    now = timezone.now()
    Assignment.objects.create(item=judged, annotator=users["owner"], state=AssignmentState.SUBMITTED, leased_at=now, lease_expires_at=now)
    annotation = Annotation.objects.create(item=judged, annotator=users["owner"], source=AnnotationSource.HUMAN, preference_strength=-1)

    record = ImportRecord.objects.create(project=project, file_name="items.jsonl", format="jsonl", status=ImportStatus.SUCCEEDED)
    version = _ready_dataset_version(project)

    fill_project(project, prompts=12, items=0)
    register_policy(project, "/nonexistent/policy")
    reward_model = register_reward_model(project, "/nonexistent/reward-model")
    run = online_run_launch(project=project, rounds=1, config=FAST_ROUND, launched_by=users["admin"], enqueue=False)

    kwargs = {
        "slug": project.slug,
        "assignment_id": assignment.pk,
        "annotation_id": annotation.pk,
        "response_id": assignment.item.response_1_id,
        "record_id": record.pk,
        "version": version.version,
        "path": "README.md",
        "model_id": reward_model.pk,
        "job_id": reward_model.job_id,
        "round_id": run.rounds.get().pk,
    }
    return RouteWorld(project, other, users, kwargs, [f"{version.storage_path}/{entry['path']}" for entry in version.files])


def _ready_dataset_version(project: Project) -> DatasetVersion:
    version = DatasetVersion.objects.create(
        project=project, version=1, format="trl-preference", status=DatasetStatus.READY, storage_path=f"datasets/{project.slug}/v1"
    )
    files = []
    for path, data in (("README.md", b"# card\n"), (version.zip_name, b"PK\x05\x06" + b"\0" * 18)):
        name = f"{version.storage_path}/{path}"
        if default_storage.exists(name):  # written by an earlier test of this process
            default_storage.delete(name)
        default_storage.save(name, ContentFile(data))
        files.append({"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    DatasetVersion.objects.filter(pk=version.pk).update(files=files)
    version.refresh_from_db()
    return version
