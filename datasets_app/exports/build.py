"""The build of a queued dataset version: claimed once, its rows written, zipped and hashed, stored; all
or nothing. The Celery task (`exports/tasks.py`) and `export_dataset --sync` run it; defining and
enqueueing a version is `exports/services.py`, which reaches this module only through the task."""
import logging
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from datasets_app.exports.builders.archive import file_sha256, files_under, write_zip
from datasets_app.exports.dataset_rows import split_names, write_dataset
from datasets_app.models import DatasetStatus, DatasetVersion

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 1.0


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
        running = DatasetVersion.objects.filter(pk=version_id, status=DatasetStatus.RUNNING)
        running.update(progress=round(0.9 * fraction, 4))

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
    except Exception as error:
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
