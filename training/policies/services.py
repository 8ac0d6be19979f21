"""Writes of the policy registry: register an external model as a starting checkpoint, pick the start."""
from django.conf import settings
from django.core.exceptions import ValidationError

from annotation.models import Project
from training.policies.models import PolicyCheckpoint


def default_start_checkpoint(*, project: Project) -> PolicyCheckpoint:
    """The project's newest checkpoint; else VERDICT_POLICY_MODEL, registered on first use."""
    newest = PolicyCheckpoint.objects.filter(project=project).first()
    if newest is not None:
        return newest
    if settings.VERDICT_POLICY_MODEL:
        return policy_checkpoint_register_external(project=project, path=settings.VERDICT_POLICY_MODEL)
    raise ValidationError(
        {"start_checkpoint": f"Project {project.slug} has no policy checkpoint: run `manage.py bootstrap_policy --project "
         f"{project.slug}`, register a model path, or set VERDICT_POLICY_MODEL."}
    )


def policy_checkpoint_register_external(*, project: Project, path: str, name: str = "") -> PolicyCheckpoint:
    """Any AutoModelForCausalLM folder or hub id as a starting policy (reused when already registered)."""
    path = path.strip()
    if not path:
        raise ValidationError({"path": "Give a model folder or hub id."})
    existing = PolicyCheckpoint.objects.filter(project=project, path=path, parent__isnull=True).first()
    if existing is not None:
        return existing
    return PolicyCheckpoint.objects.create(project=project, name=name or path.rstrip("/").rsplit("/", 1)[-1], base_model=path, path=path)
