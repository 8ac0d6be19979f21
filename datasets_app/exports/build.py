"""The build of a dataset version, as the body of a `dataset_build` job (`jobs.runtime.run_job`: claim,
heartbeat, cancellation, honest failure): the version claimed, its rows written, zipped and hashed,
stored; all or nothing. The Celery task (`exports/tasks.py`) runs it, and `dataset_version_build` runs
it inline for `export_dataset` and tests. `dataset_builds_reconcile` fails the versions whose build
job died with its worker (reaped by `jobs`) or was cancelled, and removes what they left behind."""
import logging
import shutil
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
from datasets_app.exports.services import dataset_build_job_create
from datasets_app.models import DatasetStatus, DatasetVersion
from jobs.models import JobStatus, TrainingJob
from jobs.runtime import JobCancelled, JobReporter, run_job
from jobs.services import jobs_reap_stale

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 1.0
PROGRESS_STEPS = 1000  # the job's progress bar: rows written up to 90 %, packaging and storing the rest
BUILDING = (DatasetStatus.QUEUED, DatasetStatus.RUNNING)


class DatasetBuildRefused(Exception):
    """The job's version is not there to build: ready (never rebuilt), or claimed by another job."""


class DatasetBuildLost(Exception):
    """The version stopped being this job's build while it ran (failed by the reconciler, rebuilt)."""


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


def _store(version: DatasetVersion, folder: Path, digests: dict[str, str], job: TrainingJob) -> list[dict[str, Any]]:
    """Save every file under `folder` beneath the version's storage path (never reused by another
    version) while the version is still this job's build; returns [{path, size, sha256}]."""
    stored = []
    for path in files_under(folder):
        _check_owned(version.pk, job)
        relative = path.relative_to(folder).as_posix()
        name = f"{version.storage_path}/{relative}"
        if default_storage.exists(name):
            # The path is this version's own; a file already there belongs to no one else, but it is
            # never replaced: that would make a stored file change under a recorded checksum.
            raise RuntimeError(f"refusing to overwrite {name}: a stored file is never replaced")
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


def scratch_root() -> Path:
    """Django's upload scratch folder (where a file storage can move finished files from)."""
    return Path(settings.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir())


def scratch_prefix(version: DatasetVersion) -> str:
    """Every build of a version writes into `<scratch_root>/verdict-export-<storage key>-<random>`, so a
    folder a killed worker left behind can be found by the version's storage key — unique across
    databases too, so two Verdict instances (or test runs) sharing a temporary folder never remove each
    other's folders, as a name by primary key did."""
    return f"verdict-export-{Path(version.storage_path).name}-"


def _remove_scratch(version: DatasetVersion) -> None:
    for folder in scratch_root().glob(f"{scratch_prefix(version)}*"):
        shutil.rmtree(folder, ignore_errors=True)


def _owned(version_id: int, job: TrainingJob) -> bool:
    return DatasetVersion.objects.filter(pk=version_id, status=DatasetStatus.RUNNING, build_job=job).exists()


def _check_owned(version_id: int, job: TrainingJob) -> None:
    if not _owned(version_id, job):
        raise DatasetBuildLost(f"dataset version {version_id} is no longer being built by job #{job.pk}")


def _set_progress(
    version_id: int, job: TrainingJob, reporter: JobReporter, every_seconds: float = PROGRESS_SECONDS
) -> Callable[[float], None]:
    """Progress written to the version and its job at most every `every_seconds` (a progress bar needs
    no more); stops the build when the job was cancelled or the version is no longer its build."""
    last = 0.0

    def report(fraction: float) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < every_seconds:
            return
        last = now
        if reporter.should_stop():
            raise JobCancelled
        updated = DatasetVersion.objects.filter(pk=version_id, status=DatasetStatus.RUNNING, build_job=job).update(
            progress=round(0.9 * fraction, 4)
        )
        if not updated:
            raise DatasetBuildLost(f"dataset version {version_id} is no longer being built by job #{job.pk}")
        reporter.progress(round(0.9 * fraction * PROGRESS_STEPS), PROGRESS_STEPS, stage="writing rows")

    return report


def _claim(version_id: int, job: TrainingJob) -> DatasetVersion:
    """Queued or failed → running, for this job, in one UPDATE. A ready version is never rebuilt."""
    claimed = DatasetVersion.objects.filter(pk=version_id, status__in=(DatasetStatus.QUEUED, DatasetStatus.FAILED)).update(
        status=DatasetStatus.RUNNING, build_job=job, started_at=timezone.now(), finished_at=None, progress=0.0,
        error="", files=[], row_counts={}, stats={},
    )
    version = DatasetVersion.objects.select_related("project").filter(pk=version_id).first()
    if version is None:
        raise DatasetBuildRefused(f"dataset version {version_id} does not exist (any more)")
    if not claimed:
        if version.status == DatasetStatus.READY:
            raise DatasetBuildRefused(f"{version} is ready; a ready version is never rebuilt")
        raise DatasetBuildRefused(f"{version} is {version.status}, being built by job #{version.build_job_id}")
    return version


def dataset_build_body(job: TrainingJob, reporter: JobReporter) -> dict[str, Any]:
    """What a `dataset_build` job runs inside `run_job`: build `config["dataset_version"]`. The version
    becomes ready only after every file is stored with its checksum; on any failure it ends failed
    with its stored files removed, and the error is re-raised so that the job fails with it too."""
    version = _claim(int(job.config["dataset_version"]), job)
    _remove_scratch(version)  # what an earlier, killed build of this version left on this host
    reporter.log(f"building {version}")
    try:
        with tempfile.TemporaryDirectory(prefix=scratch_prefix(version), dir=settings.FILE_UPLOAD_TEMP_DIR) as scratch:
            dataset = Path(scratch) / "dataset"
            dataset.mkdir()
            stats = write_dataset(version, dataset, _set_progress(version.pk, job, reporter))
            reporter.progress(round(0.9 * PROGRESS_STEPS), PROGRESS_STEPS, stage="packaging and storing")
            files = _store(version, dataset, _package(dataset, version.zip_name), job)
        row_counts = {name: stats.rows[name] for name in split_names(version.format)}
        ready = DatasetVersion.objects.filter(pk=version.pk, status=DatasetStatus.RUNNING, build_job=job).update(
            status=DatasetStatus.READY, progress=1.0, files=files, row_counts=row_counts, stats=stats.as_dict(),
            finished_at=timezone.now(),
        )
        if not ready:
            raise DatasetBuildLost(f"dataset version {version.pk} is no longer being built by job #{job.pk}")
    # The build runs arbitrary I/O (database, disk, storage backend); whatever breaks, the version
    # must end failed with its files removed rather than stay running or look ready.
    except Exception as error:
        logger.exception("dataset version %s failed (job %s)", version.pk, job.pk)
        message = "The build was cancelled." if isinstance(error, JobCancelled) else f"{type(error).__name__}: {error}"
        if _owned(version.pk, job):  # never remove files that a later build of the version stored
            _remove_stored(version.storage_path)
            DatasetVersion.objects.filter(pk=version.pk, status=DatasetStatus.RUNNING, build_job=job).update(
                status=DatasetStatus.FAILED, error=message, finished_at=timezone.now()
            )
        raise
    reporter.progress(PROGRESS_STEPS, PROGRESS_STEPS, stage="ready")
    reporter.log(f"{version} is ready: {row_counts}, {len(files)} files")
    return {"dataset_version": version.pk, "rows": row_counts, "files": len(files)}


def dataset_version_build(*, version_id: int) -> DatasetVersion | None:
    """Run a queued version's build job in this process (`export_dataset`, tests, benchmarks, and a
    build message queued before builds ran as jobs). Returns None when there is nothing to build, so a
    redelivered message or a second call does nothing."""
    version = DatasetVersion.objects.select_related("build_job").filter(pk=version_id).first()
    if version is None or version.status != DatasetStatus.QUEUED:
        logger.info("dataset version %s is not queued; nothing to do", version_id)
        return None
    job = version.build_job or dataset_build_job_create(version=version, launched_by=version.created_by, enqueue=False)
    if job.status != JobStatus.QUEUED:
        return None
    run_job(job.pk, task_id="", body=dataset_build_body)
    version.refresh_from_db()
    return version


def dataset_builds_reconcile() -> list[int]:
    """Fail the versions still queued or running whose build job failed or was cancelled without
    finishing them (its worker died and the reaper failed it, or it was cancelled while queued), and
    remove their stored files and, on this host, their scratch folders. Returns their ids.

    It reaps stale jobs first (the same conditional UPDATE as the 15-s reaper), so a killed build is
    failed at most VERDICT_JOB_STALE_SECONDS + this task's 5-s period after its last heartbeat."""
    jobs_reap_stale()
    stuck = DatasetVersion.objects.filter(
        status__in=BUILDING, build_job__status__in=(JobStatus.FAILED, JobStatus.CANCELLED)
    ).select_related("project", "build_job")
    failed = []
    for version in stuck:
        job = version.build_job
        error = job.error if job.status == JobStatus.FAILED and job.error else f"The build job was {job.status}."
        updated = DatasetVersion.objects.filter(pk=version.pk, status__in=BUILDING, build_job=job).update(
            status=DatasetStatus.FAILED, error=f"Build job #{job.pk}: {error}", finished_at=timezone.now()
        )
        if updated:
            _remove_stored(version.storage_path)
            _remove_scratch(version)
            failed.append(version.pk)
            logger.warning("dataset version %s failed: build job %s is %s", version.pk, job.pk, job.status)
    return failed
