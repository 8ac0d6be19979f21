"""Writes of dataset exports: define a version and queue its build as a `dataset_build` job (the job's
body is `build.py`, run by the task `datasets_app.dataset_build`), rebuild a failed version, copy a
ready version's files out."""
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from annotation.models import Project
from datasets_app.codecs.helpsteer2 import HELPSTEER_ATTRIBUTES
from datasets_app.exports.builders.policy import ExportPolicy
from datasets_app.exports.storage import copy_verified, new_storage_path
from datasets_app.exports.weights import PAIR_FORMATS, reliability_weights
from datasets_app.models import DatasetFormat, DatasetStatus, DatasetVersion
from jobs.models import JobKind, TrainingJob
from jobs.services import job_create

FILTER_KEYS = ("date_from", "date_to", "annotators", "exclude_annotators", "rounds", "model_names", "include_imported", "review")


class DatasetVersionNotReady(Exception):
    """Its files are asked for before the build finished (or after it failed)."""


class DatasetVersionNotFailed(Exception):
    """A rebuild is asked for a version that did not fail (a ready version is never rebuilt)."""


# ---------------------------------------------------------------- definition


def _iso_date(value: Any, key: str) -> str:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValidationError({"filters": f"{key}: {value!r} is not a date (YYYY-MM-DD)."}) from None


def _string_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise ValidationError({"filters": f"{key}: must be a list of names."})
    return sorted(set(value))


def clean_filters(filters: dict[str, Any] | None) -> dict[str, Any]:
    """Normalised filters (ISO dates, sorted lists, no empty entries), or a ValidationError naming the key."""
    filters = {key: value for key, value in (filters or {}).items() if value not in (None, "", [], ())}
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise ValidationError({"filters": f"unknown filter(s): {', '.join(unknown)}; use {', '.join(FILTER_KEYS)}."})
    cleaned: dict[str, Any] = {}
    for key in ("date_from", "date_to"):
        if key in filters:
            cleaned[key] = _iso_date(filters[key], key)
    if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
        raise ValidationError({"filters": "date_from is after date_to."})
    for key in ("annotators", "exclude_annotators", "model_names"):
        if key in filters:
            cleaned[key] = _string_list(filters[key], key)
    if "rounds" in filters:
        rounds = filters["rounds"]
        if not isinstance(rounds, list | tuple) or not all(isinstance(r, int) and not isinstance(r, bool) and r >= 0 for r in rounds):
            raise ValidationError({"filters": "rounds: must be a list of non-negative integers."})
        cleaned["rounds"] = sorted(set(rounds))
    if "include_imported" in filters:
        if not isinstance(filters["include_imported"], bool):
            raise ValidationError({"filters": "include_imported: must be true or false."})
        cleaned["include_imported"] = filters["include_imported"]
    if "review" in filters:
        if filters["review"] != "accepted":
            raise ValidationError({"filters": "review: the only value is \"accepted\" (reviewer-accepted labels only)."})
        cleaned["review"] = "accepted"
    return cleaned


def clean_policy(policy: dict[str, Any] | None) -> dict[str, Any]:
    if "reliability_weights" in (policy or {}):
        raise ValidationError({"policy": "reliability_weights are taken from the projects' reliability estimates, not given."})
    try:
        return ExportPolicy.from_dict(policy or {}).as_dict()
    except (TypeError, ValueError) as error:
        raise ValidationError({"policy": str(error)}) from None


def _check_format(format_name: str, projects: list[Project]) -> None:
    if format_name not in DatasetFormat.values:
        raise ValidationError({"format": f"Unknown format {format_name!r}; choose from {', '.join(DatasetFormat.values)}."})
    if format_name == DatasetFormat.HELPSTEER2:
        for project in projects:
            missing = [name for name in HELPSTEER_ATTRIBUTES if name not in project.attribute_names]
            if missing:
                raise ValidationError(
                    {"format": f"helpsteer2 needs the attributes {', '.join(HELPSTEER_ATTRIBUTES)}; "
                     f"project {project.slug} lacks {', '.join(missing)}."}
                )
    if format_name == DatasetFormat.HINDSIGHT:
        for project in projects:
            if not project.is_hindsight:
                raise ValidationError(
                    {"format": f"hindsight exports hindsight judgements; project {project.slug} does not have the "
                     "hindsight task type."}
                )


def dataset_version_create(
    *,
    project: Project,
    format: str,  # noqa: A002
    created_by: AbstractBaseUser | None,
    filters: dict[str, Any] | None = None,
    policy: dict[str, Any] | None = None,
    extra_projects: list[Project] | tuple[Project, ...] = (),
    enqueue: bool = True,
) -> DatasetVersion:
    """A queued version with the next number of `project` and its `dataset_build` job, enqueued after
    the commit. With enqueue=False the job is only created (`dataset_version_build` runs it inline)."""
    projects = [project, *[p for p in extra_projects if p.pk != project.pk]]
    _check_format(format, projects)
    cleaned_filters, cleaned_policy = clean_filters(filters), clean_policy(policy)
    if cleaned_policy["aggregation"] == "reliability_weighted":
        if format not in PAIR_FORMATS:
            raise ValidationError({"policy": f"reliability_weighted aggregation applies to {' and '.join(PAIR_FORMATS)}."})
        cleaned_policy["reliability_weights"] = reliability_weights(project=project, projects=projects)
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()
        last = DatasetVersion.objects.filter(project=project).aggregate(last=Max("version"))["last"] or 0
        version = DatasetVersion.objects.create(
            project=project, version=last + 1, format=format, filters=cleaned_filters, policy=cleaned_policy,
            created_by=created_by, storage_path=new_storage_path(),
        )
        version.source_projects.set(projects)
        dataset_build_job_create(version=version, launched_by=created_by, enqueue=enqueue)
    return version


def dataset_build_job_create(
    *, version: DatasetVersion, launched_by: AbstractBaseUser | None, enqueue: bool = True, restart_of: TrainingJob | None = None
) -> TrainingJob:
    """The job that builds `version`, recorded as its `build_job` (the job's body claims the version)."""
    with transaction.atomic():
        job = job_create(
            project=version.project, kind=JobKind.DATASET_BUILD, config={"dataset_version": version.pk},
            launched_by=launched_by, restart_of=restart_of, enqueue=enqueue,
        )
        DatasetVersion.objects.filter(pk=version.pk).update(build_job=job)
        version.build_job = job
    return job


def dataset_version_rebuild(*, version: DatasetVersion, launched_by: AbstractBaseUser | None) -> DatasetVersion:
    """A failed version goes back to queued with a new build job (restarting the one that failed).
    Anything else is refused: a ready version is never rebuilt, a queued or running one is building."""
    with transaction.atomic():
        version = DatasetVersion.objects.select_for_update().select_related("project").get(pk=version.pk)
        if version.status != DatasetStatus.FAILED:
            raise DatasetVersionNotFailed(f"Only a failed version can be rebuilt; v{version.version} is {version.status}.")
        previous = TrainingJob.objects.filter(pk=version.build_job_id).first()
        dataset_build_job_create(version=version, launched_by=launched_by, restart_of=previous)
        DatasetVersion.objects.filter(pk=version.pk).update(
            status=DatasetStatus.QUEUED, progress=0.0, error="", started_at=None, finished_at=None
        )
    version.refresh_from_db()
    return version


def dataset_version_copy_to(*, version: DatasetVersion, target: Path) -> list[Path]:
    """Copy a ready version's files (not the zip) from storage into a local folder, each checked against
    its recorded SHA-256 (DatasetFileCorrupted on a mismatch)."""
    if not version.is_ready:
        raise DatasetVersionNotReady(f"{version} is {version.status}")
    return [
        copy_verified(version, entry["path"], target / entry["path"])
        for entry in version.files
        if entry["path"] != version.zip_name
    ]
