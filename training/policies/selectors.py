"""Reads of the policy registry."""
from django.db.models import QuerySet

from annotation.models import Project
from training.policies.models import PolicyCheckpoint


def checkpoints_for_project(*, project: Project) -> QuerySet[PolicyCheckpoint]:
    return PolicyCheckpoint.objects.filter(project=project).select_related("parent", "created_by_job")
