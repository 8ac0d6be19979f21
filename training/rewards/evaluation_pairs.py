"""Reads for evaluating a registered reward model: the preference pairs of a file (any importable preference
format, or TRL pairs; read, never imported) or of a dataset version's split, and which versions a model may
be scored on, and which pairs it may have been trained on (left out of every evaluation)."""
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from annotation.models import Annotation, AnnotationSource, messages_content_hash
from datasets_app.models import DatasetStatus, DatasetVersion
from hindsight.models import HindsightJudgement
from training.rewards.models import RewardModel
from training.rewards.selectors import (
    PAIR_FORMATS,
    RewardTrainingData,
    dataset_version_split,
    pairs_from_rows,
    prompt_messages,
)
from verdict_ml.rewards.data import PreferencePair

MAX_EVALUATION_FILE_BYTES = 512 * 1024**2


def evaluation_pairs_from_file(path: str) -> list[PreferencePair]:
    """Preference pairs of a file in any importable preference format, read without touching the database:
    HH-RLHF, HelpSteer2-Preference and Verdict's JSONL/CSV/`save_to_disk` layouts through the import
    parsers (an item counts when its imported judgement prefers one reply; ties and "neither" are left
    out), and TRL pairs (`prompt`, `chosen`, `rejected`, optional `margin` 1–3) directly. Raises
    ValidationError naming the first problems."""
    from datasets_app.imports.parsers.detect import parse_source
    from datasets_app.imports.parsers.records import ErrorLog
    from datasets_app.imports.parsers.sources import Limits, jsonl_rows, open_source

    file = Path(path)
    if not file.exists():
        raise ValidationError({"file": f"No file or folder at {path}."})
    if file.is_file() and file.stat().st_size > MAX_EVALUATION_FILE_BYTES:
        raise ValidationError({"file": f"{path} is larger than {MAX_EVALUATION_FILE_BYTES // 1024**2} MiB."})
    limits = Limits(max_upload_bytes=MAX_EVALUATION_FILE_BYTES, max_decompressed_bytes=settings.VERDICT_IMPORT_MAX_DECOMPRESSED_BYTES)
    errors = ErrorLog()
    is_csv = file.name.lower().removesuffix(".gz").endswith(".csv")
    if file.is_file() and not is_csv:
        # TRL pairs (prompt / chosen / rejected) are no import format: read them here, as JSON lines.
        with open_source(file, file.name, errors, limits) as source:
            rows = list(jsonl_rows(source, errors)) if source.stream is not None else []
        if rows and {"prompt", "chosen", "rejected"} <= set(rows[0].data):
            if errors:  # its broken lines, named as themselves (not the file re-read as another format)
                raise ValidationError({"file": _file_errors(errors)})
            trl = DatasetVersion(format="trl-preference")
            try:
                return pairs_from_rows(trl, file.name, [(row.line, {"margin": 1, **row.data}) for row in rows], RewardTrainingData())
            except ValueError as error:
                raise ValidationError({"file": str(error)}) from None
        errors = ErrorLog()
    with open_source(file, file.name, errors, limits) as source:
        items = list(parse_source(source, "auto", errors).items)
    if errors:
        raise ValidationError({"file": _file_errors(errors)})
    pairs = []
    for item in items:
        strength = item.annotation.preference_strength if item.annotation else item.gold_strength
        if len(item.responses) < 2 or strength in (None, 0, -100):
            continue
        first, second = item.responses[0].text, item.responses[1].text
        chosen, rejected = (first, second) if strength < 0 else (second, first)
        pairs.append(PreferencePair(item.messages, chosen, rejected, min(abs(strength), 3)))
    if not pairs:
        raise ValidationError({"file": f"{path} holds no judged preference pairs."})
    return pairs


def _file_errors(errors: Any) -> list[str]:
    """The first five problems of an ErrorLog, each as `file:line field message`."""
    return [f"{e['file']}:{e['line']} {e['field']} {e['message']}".strip() for e in errors.as_list()[:5]]


def evaluation_pairs_from_version(version: DatasetVersion, split: str) -> list[PreferencePair]:
    """The pairs of a ready pair-format dataset version: one split (`train`, `validation`) or `all`."""
    if version.format not in PAIR_FORMATS:
        raise ValidationError({"dataset_version": f"{version} is {version.format}, not a pair format ({', '.join(PAIR_FORMATS)})."})
    data = RewardTrainingData()
    pairs = []
    for name in ("train", "validation") if split == "all" else (split,):
        pairs += pairs_from_rows(version, *dataset_version_split(version, name), data)
    if not pairs:
        raise ValidationError({"dataset_version": f"{version} has no judged pairs in split {split}."})
    return pairs


def evaluation_version_check(*, reward_model: RewardModel, version: DatasetVersion, split: str) -> None:
    """A version a model may be evaluated on: of its project, ready, in a pair format, and not the pairs it
    was trained on (the train split, or all, of the version it was trained from)."""
    if version.project_id != reward_model.project_id:
        raise ValidationError({"dataset_version": f"{version} is not a dataset version of {reward_model.project.name}."})
    if version.status != DatasetStatus.READY:
        raise ValidationError({"dataset_version": f"{version} is {version.status}, not ready."})
    if version.format not in PAIR_FORMATS:
        raise ValidationError({"dataset_version": f"{version} is {version.format}, not a pair format ({', '.join(PAIR_FORMATS)})."})
    if reward_model.dataset_version_id == version.pk and split != "validation":
        raise ValidationError({"split": (
            f"{reward_model.name} was trained on the train split of {version}; score its validation split or another version."
        )})


def model_version_pairs(*, reward_model: RewardModel, version: DatasetVersion, split: str) -> list[PreferencePair]:
    """The pairs of `version`'s split that `reward_model` may be scored on (``evaluation_version_check``),
    for the command and the job alike."""
    evaluation_version_check(reward_model=reward_model, version=version, split=split)
    return evaluation_pairs_from_version(version, split)


def trained_prompt_hashes(reward_model: RewardModel, hashes: set[str]) -> set[str]:
    """Of ``hashes`` (prompt content hashes), those of prompts the model may have been trained on: the
    train split of the version(s) it was trained from, or, for a model trained on its project's own
    judgements, every prompt of the project judged (by a person, or in hindsight) before its training
    job started. Its own validation prompts count too: they chose its checkpoint's metrics."""
    source = reward_model.data_source or {}
    versions = [pk for pk in (reward_model.dataset_version_id, source.get("attribute_dataset_version")) if pk]
    if versions:
        seen: set[str] = set()
        for version in DatasetVersion.objects.filter(pk__in=versions):
            name, rows = dataset_version_split(version, "train")
            seen.update(messages_content_hash(prompt_messages(row.get("prompt"), name, line)) for line, row in rows)
        return seen & hashes
    job = reward_model.job
    cutoff = job.started_at or job.created_at
    if (job.config or {}).get("label_source", "annotations") == "annotations":
        judged = Annotation.objects.filter(item__project_id=reward_model.project_id, created_at__lt=cutoff).exclude(
            source=AnnotationSource.MODEL
        )
    else:
        judged = HindsightJudgement.objects.filter(item__project_id=reward_model.project_id, created_at__lt=cutoff)
    seen = set()
    ordered = sorted(hashes)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        seen.update(judged.filter(item__prompt__content_hash__in=chunk).values_list("item__prompt__content_hash", flat=True).distinct())
    return seen


def pairs_not_trained_on(reward_model: RewardModel, pairs: list[PreferencePair]) -> tuple[list[PreferencePair], int]:
    """``pairs`` without those whose prompt the model may have been trained on (``trained_prompt_hashes``),
    and how many were left out; a ValidationError when none is left."""
    hashes = [messages_content_hash(pair.prompt) for pair in pairs]
    seen = trained_prompt_hashes(reward_model, set(hashes))
    kept = [pair for pair, digest in zip(pairs, hashes) if digest not in seen]
    if not kept:
        raise ValidationError({"pairs": (
            f"All {len(pairs)} pairs have prompts that {reward_model.name} may have been trained on; score it on "
            "prompts it has not seen (a held-out file, or a version's validation split)."
        )})
    return kept, len(pairs) - len(kept)
