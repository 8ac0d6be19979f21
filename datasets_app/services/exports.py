"""Writes of dataset exports: define a version, build it (claimed once, all or nothing), store its files."""
import gc
import hashlib
import hmac
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from annotation.hindsight.export_rows import HindsightGroup
from annotation.hindsight.selectors import hindsight_export_groups
from annotation.models import Project
from datasets_app import selectors
from datasets_app.exporters import formats
from datasets_app.exporters.archive import file_sha256, files_under, write_zip
from datasets_app.exporters.card import CardContext, render_card
from datasets_app.exporters.columnar.builders import COLUMNAR_FORMATS, batch_builder, group_key
from datasets_app.exporters.columnar.frames import BatchContext, whole_groups
from datasets_app.exporters.hindsight import export_groups
from datasets_app.exporters.policy import ExportPolicy
from datasets_app.exporters.records import ItemGroup, ResponseGroup
from datasets_app.exporters.splits import TRAIN, VALIDATION, split_of
from datasets_app.exporters.stats import ExportStats
from datasets_app.exporters.writers import DatasetSink
from datasets_app.models import AnnotatorPseudonymSalt, DatasetFormat, DatasetStatus, DatasetVersion

logger = logging.getLogger(__name__)

FILTER_KEYS = ("date_from", "date_to", "annotators", "rounds", "model_names", "include_imported")
PROGRESS_EVERY = 5000
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
            from datasets_app.tasks import enqueue_dataset_version_build

            transaction.on_commit(lambda: enqueue_dataset_version_build(version.pk))
    return version


# ---------------------------------------------------------------- grouping


def _pseudonymiser(project: Project) -> Callable[[int | None], str | None]:
    salt, _ = AnnotatorPseudonymSalt.objects.get_or_create(project=project)
    key = salt.salt.encode()
    known: dict[int, str] = {}

    def pseudonym(annotator_id: int | None) -> str | None:
        if annotator_id is None:
            return None
        if annotator_id not in known:
            known[annotator_id] = hmac.new(key, str(annotator_id).encode(), hashlib.sha256).hexdigest()[:16]
        return known[annotator_id]

    return pseudonym


def _splitter(policy: ExportPolicy) -> Callable[[str, Any], str]:
    def split(content_hash: str, declared: Any) -> str:
        return split_of(
            content_hash, policy.validation_fraction, policy.split_seed, declared if policy.use_declared_split else None
        )

    return split


def _hindsight_groups(
    projects: list[Project], filters: dict[str, Any], pseudonym: Callable[[int | None], str | None], split: Callable[[str, Any], str]
) -> list[HindsightGroup]:
    """The projects' completed hindsight judgements, filtered, split and pseudonymised, in item order."""
    raw = [group for project in projects for group in hindsight_export_groups(project=project)]
    keys = selectors.hindsight_item_keys(item_ids=[group.item_id for group in raw])
    usernames = sorted({j.annotator for group in raw for j in group.judgements if j.annotator is not None})
    user_ids = selectors.user_ids_by_username(usernames=usernames)
    return sorted(export_groups(raw, keys, user_ids, pseudonym, split, filters), key=lambda group: group.item_id)


def _count_provenance(group: ItemGroup | ResponseGroup | HindsightGroup, stats: ExportStats) -> None:
    if isinstance(group, HindsightGroup):
        annotators = [j.annotator for j in group.judgements]
        sources, models = ["human"] * len(group.judgements), group.model_names
    elif isinstance(group, ItemGroup):
        annotators = [j.annotator for j in group.judgements]
        sources = [j.source for j in group.judgements]
        models = group.model_names
    else:
        annotators, sources, models = group.annotators, group.sources, (group.model_name,)
    stats.annotations.update(sources)
    stats.annotators.update(annotators)
    stats.annotators.discard(None)  # imported annotations have no annotator
    stats.models.update(models)
    stats.rounds[group.round] += 1


# ---------------------------------------------------------------- building


def _attribute_names(projects: list[Project]) -> list[str]:
    names: list[str] = []
    for project in projects:
        names += [name for name in project.attribute_names if name not in names]
    return names


def _split_names(format_name: str) -> list[str]:
    return [TRAIN, VALIDATION, "disagreements"] if format_name == DatasetFormat.HELPSTEER2 else [TRAIN, VALIDATION]


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Streaming allocates millions of short-lived rows (tuples, dicts), all freed by reference counting
    as soon as they are written; the cyclic collector would still walk every live object over and over
    (about a tenth of a 1M-annotation export). It runs again, once, as soon as the loop ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect()


@contextmanager
def _streams_closed(*streams: Iterator[Any]) -> Iterator[None]:
    """Close the row generators when the export ends, even half-read: they hold a database cursor (or
    a reader thread and its connection), which must not wait for the garbage collector to let go."""
    try:
        yield
    finally:
        for stream in streams:
            close = getattr(stream, "close", None)
            if close is not None:
                close()


@dataclass
class _Build:
    """What one build's writing steps share."""

    version: DatasetVersion
    policy: ExportPolicy
    attributes: list[str]
    file_schemas: dict[str, Any]
    split_schemas: dict[str, Any]
    root: Path
    stats: ExportStats
    pseudonym: Callable[[int | None], str | None]
    split: Callable[[str, Any], str]
    on_progress: Callable[[float], None]

    def sink(self) -> DatasetSink:
        return DatasetSink(self.root, self.file_schemas, self.split_schemas, self.policy.containers)


def _write_groups(build: _Build, groups: list[HindsightGroup]) -> None:
    """The per-group path (hindsight): one row-builder call per group."""
    make_rows = formats.row_builder(build.version.format, build.attributes)
    stats, total = build.stats, sum(len(group.judgements) for group in groups)
    seen = reported = 0
    with _cycle_collection_paused(), build.sink() as sink:
        for group in groups:
            emitted = make_rows(group, build.policy, stats)
            for file_name, split_name, row in emitted:
                sink.write(file_name, split_name, row)
                stats.rows[split_name] += 1
            if emitted:
                _count_provenance(group, stats)
            seen += len(group.judgements)
            if seen - reported >= PROGRESS_EVERY:
                reported = seen
                build.on_progress(min(seen / max(total, 1), 1.0))


def _write_batches(build: _Build, annotations: QuerySet) -> None:
    """The columnar path: row batches straight from the database into Polars, whole groups at a time."""
    counts = annotations.aggregate(annotations=Count("id"), pairs=Count("item__response_2_id"))
    total = counts["annotations"]
    if build.version.format == DatasetFormat.HELPSTEER2:  # each annotation of a pair rates two responses
        total += counts["pairs"]
        batches = selectors.response_score_batches(annotations, formats.HELPSTEER_ATTRIBUTES)
    else:
        individual = build.version.format == DatasetFormat.INDIVIDUAL
        batches = selectors.item_annotation_batches(
            annotations, pairs_only=not individual, score_attributes=build.attributes if individual else ()
        )
    frames = whole_groups(batches, group_key(build.version.format))
    context = BatchContext(build.policy, build.stats, build.pseudonym, build.split, _count_provenance)
    make_rows = batch_builder(build.version.format, build.attributes, build.file_schemas)
    seen = 0
    with _streams_closed(frames, batches), build.sink() as sink:
        for frame in frames:
            for file_name, part in make_rows(frame, context).items():
                sink.write_table(file_name, part.table, part.splits)
                build.stats.rows.update(part.splits)
            seen += frame.height
            build.on_progress(min(seen / max(total, 1), 1.0))


def write_dataset(version: DatasetVersion, root: Path, on_progress: Callable[[float], None]) -> ExportStats:
    """Stream the version's rows into `root` (every container asked for) and write its card."""
    policy = ExportPolicy.from_dict(version.policy)
    projects = list(version.source_projects.order_by("pk"))
    attributes = _attribute_names(projects)
    file_schemas = formats.file_schemas(version.format, policy, attributes)
    split_names = _split_names(version.format)
    split_schemas = {name: file_schemas.get(name, next(iter(file_schemas.values()))) for name in split_names}
    build = _Build(version, policy, attributes, file_schemas, split_schemas, root, ExportStats(),
                   _pseudonymiser(version.project), _splitter(policy), on_progress)
    if version.format in COLUMNAR_FORMATS:
        annotations = selectors.export_annotations(project_ids=[p.pk for p in projects], filters=version.filters)
        _write_batches(build, annotations)
    else:
        _write_groups(build, _hindsight_groups(projects, version.filters, build.pseudonym, build.split))
    stats = build.stats
    for name in split_names:
        stats.rows.setdefault(name, 0)
    card = CardContext(
        title=f"{version.project.name}: {version.format}",
        format_name=version.format,
        projects=[{"name": p.name, "slug": p.slug} for p in projects],
        licence=version.project.licence,
        filters=version.filters,
        policy=version.policy,
        schemas=file_schemas,
        stats=stats.as_dict(),
        file_names=split_names,
    )
    (root / "README.md").write_text(render_card(card), encoding="utf-8")
    return stats


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
        row_counts={name: stats.rows[name] for name in _split_names(version.format)},
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
