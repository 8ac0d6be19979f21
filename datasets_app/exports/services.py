"""Writes of dataset exports: define a version, build it (claimed once, all or nothing), store its files."""
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from annotation.models import Project
from datasets_app.exports.builders import formats
from datasets_app.exports.builders.archive import file_sha256, files_under, write_zip
from datasets_app.exports.builders.policy import ExportPolicy
from datasets_app.exports.dataset_rows import split_names, write_dataset
from datasets_app.models import DatasetFormat, DatasetStatus, DatasetVersion

logger = logging.getLogger(__name__)

FILTER_KEYS = ("date_from", "date_to", "annotators", "rounds", "model_names", "include_imported")
PROGRESS_SECONDS = 1.0


class DatasetVersionNotReady(Exception):
    """Its files are asked for before the build finished (or after it failed)."""


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
    for key in ("annotators", "model_names"):
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
    return cleaned


def clean_policy(policy: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return ExportPolicy.from_dict(policy or {}).as_dict()
    except (TypeError, ValueError) as error:
        raise ValidationError({"policy": str(error)}) from None


def _check_format(format_name: str, projects: list[Project]) -> None:
    if format_name not in DatasetFormat.values:
        raise ValidationError({"format": f"Unknown format {format_name!r}; choose from {', '.join(DatasetFormat.values)}."})
    if format_name == DatasetFormat.HELPSTEER2:
        for project in projects:
            missing = [name for name in formats.HELPSTEER_ATTRIBUTES if name not in project.attribute_names]
            if missing:
                raise ValidationError(
                    {"format": f"helpsteer2 needs the attributes {', '.join(formats.HELPSTEER_ATTRIBUTES)}; "
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
    """A queued version with the next number of `project`; its build is enqueued after the commit."""
    projects = [project, *[p for p in extra_projects if p.pk != project.pk]]
    _check_format(format, projects)
    cleaned_filters, cleaned_policy = clean_filters(filters), clean_policy(policy)
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()
        last = DatasetVersion.objects.filter(project=project).aggregate(last=Max("version"))["last"] or 0
        version = DatasetVersion.objects.create(
            project=project, version=last + 1, format=format, filters=cleaned_filters, policy=cleaned_policy,
            created_by=created_by, storage_path=f"datasets/{project.slug}/v{last + 1}",
        )
        version.source_projects.set(projects)
        if enqueue:
            from datasets_app.exports.tasks import enqueue_dataset_version_build

            transaction.on_commit(lambda: enqueue_dataset_version_build(version.pk))
    return version


class _ScratchFile(File):
    """A finished file in the scratch folder. FileSystemStorage moves a file that has a temporary path
    (as it does for large uploads) instead of copying it; other backends read it as usual."""

    def temporary_file_path(self) -> str:
        return self.file.name


def _package(folder: Path, zip_name: str) -> dict[str, str]:
    """Zip the folder while hashing its files (zlib and hashlib both work outside the GIL, so the two
    overlap), then hash the zip; returns the SHA-256 of every file by relative path."""
    paths = files_under(folder)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-zip") as pool:
        zipping = pool.submit(write_zip, folder, folder / zip_name)
        digests = {path.relative_to(folder).as_posix(): file_sha256(path) for path in paths}
        zipping.result()
    digests[zip_name] = file_sha256(folder / zip_name)
    return digests


def _store(version: DatasetVersion, folder: Path, digests: dict[str, str]) -> list[dict[str, Any]]:
    """Save every file under `folder` beneath the version's storage path (never reused by another
    version); returns [{path, size, sha256}]."""
    stored = []
    for path in files_under(folder):
        relative = path.relative_to(folder).as_posix()
        name = f"{version.storage_path}/{relative}"
        if default_storage.exists(name):
            default_storage.delete(name)
        size = path.stat().st_size
        with open(path, "rb") as handle:
            saved = default_storage.save(name, _ScratchFile(handle, name=path.name))
        if saved != name:
            raise RuntimeError(f"storage saved {name} as {saved}")
        stored.append({"path": relative, "size": size, "sha256": digests[relative]})
    return stored


def _remove_stored(prefix: str) -> None:
    if not default_storage.exists(prefix):
        return
    directories, files = default_storage.listdir(prefix)
    for name in files:
        default_storage.delete(f"{prefix}/{name}")
    for directory in directories:
        _remove_stored(f"{prefix}/{directory}")


def _set_progress(version_id: int, every_seconds: float = PROGRESS_SECONDS) -> Callable[[float], None]:
    """Progress written to the version at most every `every_seconds` (a progress bar needs no more)."""
    last = 0.0

    def report(fraction: float) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < every_seconds:
            return
        last = now
        DatasetVersion.objects.filter(pk=version_id, status=DatasetStatus.RUNNING).update(progress=round(0.9 * fraction, 4))

    return report


def dataset_version_build(*, version_id: int) -> DatasetVersion | None:
    """Build a queued version. The queued → running claim is one UPDATE, so a redelivered message does
    nothing; any failure leaves the version `failed` with the error and no stored files."""
    claimed = DatasetVersion.objects.filter(pk=version_id, status=DatasetStatus.QUEUED).update(
        status=DatasetStatus.RUNNING, started_at=timezone.now(), progress=0.0
    )
    if not claimed:
        logger.info("dataset version %s is not queued; nothing to do", version_id)
        return None
    version = DatasetVersion.objects.select_related("project").get(pk=version_id)
    try:
        # Django's upload scratch folder: where a file storage can move finished files from
        with tempfile.TemporaryDirectory(prefix="verdict-export-", dir=settings.FILE_UPLOAD_TEMP_DIR) as scratch:
            dataset = Path(scratch) / "dataset"
            dataset.mkdir()
            stats = write_dataset(version, dataset, _set_progress(version.pk))
            files = _store(version, dataset, _package(dataset, version.zip_name))
    # The build runs arbitrary I/O (database, disk, storage backend); whatever breaks, the version
    # must end failed with its files removed rather than stay running or look ready.
    except Exception as error:  # noqa: BLE001
        logger.exception("dataset version %s failed", version_id)
        _remove_stored(version.storage_path)
        DatasetVersion.objects.filter(pk=version_id).update(
            status=DatasetStatus.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        version.refresh_from_db()
        return version
    DatasetVersion.objects.filter(pk=version_id, status=DatasetStatus.RUNNING).update(
        status=DatasetStatus.READY,
        progress=1.0,
        files=files,
        row_counts={name: stats.rows[name] for name in split_names(version.format)},
        stats=stats.as_dict(),
        finished_at=timezone.now(),
    )
    version.refresh_from_db()
    return version


def dataset_version_copy_to(*, version: DatasetVersion, target: Path) -> list[Path]:
    """Copy a ready version's files (not the zip) from storage into a local folder."""
    if not version.is_ready:
        raise DatasetVersionNotReady(f"{version} is {version.status}")
    copied = []
    for entry in version.files:
        if entry["path"] == version.zip_name:
            continue
        destination = target / entry["path"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(f"{version.storage_path}/{entry['path']}", "rb") as source, open(destination, "wb") as sink:
            shutil.copyfileobj(source, sink)
        copied.append(destination)
    return copied
