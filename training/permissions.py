"""Who may see and run training. Admins launch, cancel, restart and activate; a project's researchers
may watch its jobs and models read-only; annotators see none of it; non-members get 404."""
from django.core.exceptions import PermissionDenied
from django.http import Http404

from annotation.models import Project
from annotation.permissions import User, can_view_project, is_admin, project_for_annotation, require_manager
from training.models import TrainingJob

READ_ONLY_MESSAGE = "Only the project's researchers and admins may see training jobs."
WRITE_MESSAGE = "Only admins may launch, cancel or restart training jobs and change the active reward model."


def training_project(user: User, slug: str, *, write: bool = False) -> Project:
    project = project_for_annotation(user, slug)
    _check(user, project, write=write)
    return project


def training_job(user: User, job_id: int, *, write: bool = False) -> TrainingJob:
    job = TrainingJob.objects.select_related("project", "launched_by").filter(pk=job_id).first()
    if job is None or not can_view_project(user, job.project):  # one answer for missing and not yours
        raise Http404("No such job.")
    _check(user, job.project, write=write)
    return job


def can_run_training(user: User) -> bool:
    return is_admin(user)


def _check(user: User, project: Project, *, write: bool) -> None:
    require_manager(user, project, READ_ONLY_MESSAGE)
    if write and not can_run_training(user):
        raise PermissionDenied(WRITE_MESSAGE)
