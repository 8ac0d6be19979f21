"""Writes of one dataset version's files: its rows streamed from the database into every container
asked for (the columnar path for the aggregated formats, the per-group path for hindsight), and its card."""
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Count, QuerySet

from annotation.models import Project
from datasets_app.exports import record_batches, selectors
from datasets_app.exports.battles import battle_votes
from datasets_app.exports.builders import formats
from datasets_app.exports.builders.battles import battle_row
from datasets_app.exports.builders.card import CardContext, render_card
from datasets_app.exports.builders.columnar.builders import COLUMNAR_FORMATS, batch_builder, group_key
from datasets_app.exports.builders.columnar.frames import BatchContext, whole_groups
from datasets_app.exports.builders.hindsight import export_groups
from datasets_app.exports.builders.policy import JUDGE_EXCLUDE, ExportPolicy
from datasets_app.exports.builders.records import ItemGroup, ResponseGroup
from datasets_app.exports.builders.splits import TRAIN, VALIDATION, split_of
from datasets_app.exports.builders.stats import ExportStats, judge_of
from datasets_app.exports.builders.writers import DatasetSink
from datasets_app.exports.pseudonyms import pseudonymiser
from datasets_app.models import DatasetFormat, DatasetVersion
from hindsight.export_rows import HindsightGroup
from hindsight.selectors import hindsight_export_groups
from quality.selectors import quality_counts

PROGRESS_EVERY = 5000


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


def count_provenance(group: ItemGroup | ResponseGroup | HindsightGroup, stats: ExportStats) -> None:
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
    stats.judged_items.update({judge_of(source) for source in sources} - {None})
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


def split_names(format_name: str) -> list[str]:
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
    make_rows = formats.row_builder(build.version.format)
    stats, total = build.stats, sum(len(group.judgements) for group in groups)
    seen = reported = 0
    with _cycle_collection_paused(), build.sink() as sink:
        for group in groups:
            emitted = make_rows(group, build.policy, stats)
            for file_name, split_name, row in emitted:
                sink.write(file_name, split_name, row)
                stats.rows[split_name] += 1
            if emitted:
                count_provenance(group, stats)
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
        batches = record_batches.response_score_batches(annotations, formats.HELPSTEER_ATTRIBUTES)
    else:
        individual = build.version.format == DatasetFormat.INDIVIDUAL
        batches = record_batches.item_annotation_batches(
            annotations, pairs_only=not individual, score_attributes=build.attributes if individual else ()
        )
    frames = whole_groups(batches, group_key(build.version.format))
    context = BatchContext(build.policy, build.stats, build.pseudonym, build.split, count_provenance)
    make_rows = batch_builder(build.version.format, build.file_schemas)
    seen = 0
    with _streams_closed(frames, batches), build.sink() as sink:
        for frame in frames:
            for file_name, part in make_rows(frame, context).items():
                sink.write_table(file_name, part.table, part.splits)
                build.stats.rows.update(part.splits)
            seen += frame.height
            build.on_progress(min(seen / max(total, 1), 1.0))


def _write_battles(build: _Build, project_ids: list[int]) -> None:
    """The arena-battles path: one row per vote on a pair of two named models (builders/battles.py)."""
    stats = build.stats
    with _cycle_collection_paused(), build.sink() as sink:
        for vote in battle_votes(project_ids=project_ids, filters=build.version.filters):
            row = battle_row(vote, build.pseudonym(vote.annotator_id))
            if row is None:
                stats.drop("no_outcome")
                continue
            split_name = build.split(vote.content_hash, None)
            sink.write(split_name, split_name, row)
            stats.rows[split_name] += 1
            stats.label("winner", row[5])
            stats.annotations["votes"] += 1
            if vote.annotator_id is not None:
                stats.annotators.add(vote.annotator_id)
            stats.models.update((vote.model_a, vote.model_b))


def write_dataset(version: DatasetVersion, root: Path, on_progress: Callable[[float], None]) -> ExportStats:
    """Stream the version's rows into `root` (every container asked for) and write its card."""
    policy = ExportPolicy.from_dict(version.policy)
    projects = list(version.source_projects.order_by("pk"))
    attributes = _attribute_names(projects)
    file_schemas = formats.file_schemas(version.format, policy, attributes)
    names = split_names(version.format)
    split_schemas = {name: file_schemas.get(name, next(iter(file_schemas.values()))) for name in names}
    build = _Build(version, policy, attributes, file_schemas, split_schemas, root, ExportStats(),
                   pseudonymiser(version.project), _splitter(policy), on_progress)
    if version.format in COLUMNAR_FORMATS:
        # Model judges give no attribute ratings: only the pair formats can take their labels.
        judge_labels = policy.judge_labels if version.format != DatasetFormat.HELPSTEER2 else JUDGE_EXCLUDE
        annotations = selectors.export_annotations(project_ids=[p.pk for p in projects], filters=version.filters,
                                                   judge_labels=judge_labels)
        _write_batches(build, annotations)
        review = quality_counts(annotations=annotations)
    elif version.format == DatasetFormat.ARENA_BATTLES:
        review = None
        _write_battles(build, [p.pk for p in projects])
    else:
        review = None
        _write_groups(build, _hindsight_groups(projects, version.filters, build.pseudonym, build.split))
    stats = build.stats
    for name in names:
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
        file_names=names,
        review=review,
    )
    (root / "README.md").write_text(render_card(card), encoding="utf-8")
    return stats
