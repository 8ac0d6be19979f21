"""Writes of projects, their members and their content (prompts, responses, items)."""
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from annotation.models import (
    Item,
    Membership,
    Project,
    Prompt,
    Response,
    messages_content_hash,
    text_content_hash,
)
from annotation.stats import project_stats_mark_stale

# ---------------------------------------------------------------- projects


def project_create(*, name: str, slug: str, created_by: AbstractBaseUser | None = None, **fields: Any) -> Project:
    project = Project(name=name, slug=slug, created_by=created_by, **fields)
    project.full_clean()
    with transaction.atomic():
        project.save()
        if created_by is not None:
            Membership.objects.create(project=project, user=created_by)
    return project


def project_update(*, project: Project, **fields: Any) -> Project:
    for name, value in fields.items():
        setattr(project, name, value)
    project.full_clean()
    project.save()
    project_stats_mark_stale(project_id=project.pk)
    return project


def membership_add(*, project: Project, user: AbstractBaseUser) -> Membership:
    membership, _ = Membership.objects.get_or_create(project=project, user=user)
    return membership


def membership_pause(*, project: Project, user: AbstractBaseUser, paused: bool) -> Membership:
    """Pause (or resume) a member's annotating in a project. What they already submitted stays; the
    exports' `exclude_annotators` filter is how their labels are left out of a dataset."""
    membership = Membership.objects.get(project=project, user=user)
    membership.paused = paused
    membership.paused_at = timezone.now() if paused else None
    membership.save(update_fields=["paused", "paused_at"])
    return membership


# ---------------------------------------------------------------- content


def prompt_get_or_create(*, project: Project, messages: list[dict[str, str]], metadata: dict | None = None) -> tuple[Prompt, bool]:
    prompt = Prompt.objects.filter(project=project, content_hash=messages_content_hash(messages)).first()
    if prompt is not None:
        return prompt, False
    return Prompt.objects.create(project=project, messages=messages, metadata=metadata or {}), True


def response_get_or_create(*, prompt: Prompt, text: str, **provenance: Any) -> tuple[Response, bool]:
    response = Response.objects.filter(prompt=prompt, content_hash=text_content_hash(text)).first()
    if response is not None:
        return response, False
    return Response.objects.create(prompt=prompt, text=text, **provenance), True


def item_get_or_create(
    *, project: Project, prompt: Prompt, response_1: Response, response_2: Response | None = None, **fields: Any
) -> tuple[Item, bool]:
    item = Item.objects.filter(project=project, prompt=prompt, response_1=response_1, response_2=response_2).first()
    if item is not None:
        return item, False
    item = Item.objects.create(project=project, prompt=prompt, response_1=response_1, response_2=response_2, **fields)
    project_stats_mark_stale(project_id=project.pk)
    return item, True
