"""Reads of reward models: the registry, the active model and its scorer, and the rows a reward-model
job trains on (the project's annotations, hindsight ratings, or the files of a dataset version)."""
import gzip
import hashlib
import io
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from annotation.models import Annotation, AnnotationSource, Item, Project, messages_content_hash
from datasets_app.codecs.helpsteer2 import decode_prompt
from datasets_app.exports.storage import read_verified, stored_name
from datasets_app.models import DatasetStatus, DatasetVersion
from hindsight.selectors import hindsight_preference_pairs
from training.rewards.config import MIN_ACTIVATION_PAIRS, TINY_VALIDATION_PAIRS
from training.rewards.models import RewardModel
from verdict_ml.rewards.data import ATTRIBUTES, AttributeExample, PreferencePair
from verdict_ml.rewards.metrics import activation_problems as metric_activation_problems
from verdict_ml.rewards.metrics import wilson_interval


def reward_models_for_project(*, project: Project) -> QuerySet[RewardModel]:
    return RewardModel.objects.filter(project=project).select_related("job", "dataset_version")


def active_reward_model(*, project: Project) -> RewardModel | None:
    return RewardModel.objects.filter(project=project, is_active=True).first()


def pairwise_evidence(reward_model: RewardModel) -> dict[str, Any]:
    """The largest held-out pairwise result of a model: its training validation (accuracy averaged over an
    ensemble's members) or a stored `evaluate_reward_model` result. Keys: source, n, accuracy,
    accuracy_low, accuracy_high, tiny (fewer than TINY_VALIDATION_PAIRS pairs); accuracy None when it has none."""
    metrics = reward_model.metrics or {}
    candidates = []
    if metrics.get("val_accuracy") is not None:
        candidates.append(("validation", int(reward_model.data_source.get("validation_pairs") or 0), metrics["val_accuracy"]))
    for evaluation in metrics.get("evaluations", []):
        candidates.append((f"evaluation on {evaluation.get('source', '?')}", int(evaluation.get("n") or 0), evaluation.get("accuracy")))
    candidates = [c for c in candidates if c[2] is not None]
    if not candidates:
        return {"source": None, "n": 0, "accuracy": None, "accuracy_low": None, "accuracy_high": None, "tiny": True}
    source, n, accuracy = max(candidates, key=lambda c: c[1])
    low, high = wilson_interval(accuracy * n, n)
    return {"source": source, "n": n, "accuracy": accuracy, "accuracy_low": low, "accuracy_high": high,
            "tiny": n < TINY_VALIDATION_PAIRS}


def activation_problems(reward_model: RewardModel) -> list[str]:
    """Why the model may not become active without an admin's force (empty: it may)."""
    evidence = pairwise_evidence(reward_model)
    return metric_activation_problems(evidence["accuracy"], evidence["n"], MIN_ACTIVATION_PAIRS)


def ready_dataset_versions(*, project: Project, formats: tuple[str, ...]) -> QuerySet[DatasetVersion]:
    return DatasetVersion.objects.filter(project=project, status=DatasetStatus.READY, format__in=formats).order_by("-version")


def reward_scorer_for(reward_model: RewardModel, *, device: str = "auto") -> Any:
    """A callable `(prompts, responses) -> rewards` over the model's members, combined by its
    aggregation (mean, min, or mean − λ·variance). Loads the models: call it in a worker."""
    from verdict_ml.rewards.ensemble import load_reward_scorer

    return load_reward_scorer(
        reward_model.member_paths, device, aggregation=reward_model.aggregation, uwo_lambda=reward_model.uwo_lambda
    )


def unlabelled_comparison_items(*, project: Project) -> QuerySet[Item]:
    """Pairs nobody has judged yet (gold items excluded): what uncertainty ordering ranks."""
    return (
        Item.objects.filter(project=project, response_2__isnull=False, is_gold=False, completed_count=0)
        .annotate(judgements=Count("annotations", filter=~Q(annotations__source=AnnotationSource.MODEL)))
        .filter(judgements=0)
        .select_related("prompt", "response_1", "response_2")
        .order_by("pk")
    )


@dataclass
class RewardTrainingData:
    """Preference pairs and attribute examples of a project, split by prompt (no prompt in both splits)."""

    train_pairs: list[PreferencePair] = field(default_factory=list)
    val_pairs: list[PreferencePair] = field(default_factory=list)
    train_attributes: list[AttributeExample] = field(default_factory=list)
    val_attributes: list[AttributeExample] = field(default_factory=list)
    dropped_ties: int = 0
    dropped_neither: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "train_pairs": len(self.train_pairs),
            "validation_pairs": len(self.val_pairs),
            "train_attribute_examples": len(self.train_attributes),
            "validation_attribute_examples": len(self.val_attributes),
            "dropped_ties": self.dropped_ties,
            "dropped_neither_acceptable": self.dropped_neither,
        }


def round_half_away(value: float) -> int:
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def validation_prompt_ids(prompt_hashes: dict[Any, str], *, fraction: float, seed: int) -> set[Any]:
    """round(n · fraction) prompts (at least one when there are two or more), chosen by a seeded hash
    of their content, so the split is stable while the data grows and differs between seeds."""
    if len(prompt_hashes) < 2 or fraction <= 0:
        return set()
    wanted = min(max(round(len(prompt_hashes) * fraction), 1), len(prompt_hashes) - 1)
    ranked = sorted(prompt_hashes, key=lambda pk: hashlib.sha256(f"{seed}:{prompt_hashes[pk]}".encode()).hexdigest())
    return set(ranked[:wanted])


def reward_training_data(*, project: Project, validation_fraction: float, seed: int) -> RewardTrainingData:
    """The project's judgements as training rows.

    Pairs: per item, the rounded mean of its annotators' preference strengths (negative = response 1
    better); ties (0) and items every annotator marked "neither acceptable" are dropped.
    Attribute examples: per (prompt, response), the mean of every score given to it.
    """
    annotations = (
        Annotation.objects.filter(item__project=project).exclude(source=AnnotationSource.MODEL)
        .select_related("item__prompt", "item__response_1", "item__response_2")
        .order_by("item_id", "pk")
    )
    strengths: dict[int, list[int]] = defaultdict(list)
    neither: dict[int, int] = defaultdict(int)
    items: dict[int, Item] = {}
    scores: dict[tuple[int, int], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    responses: dict[tuple[int, int], tuple[list[dict[str, str]], str]] = {}
    for annotation in annotations:
        item = annotation.item
        items[item.pk] = item
        if annotation.neither_acceptable:
            neither[item.pk] += 1
        elif annotation.preference_strength is not None:
            strengths[item.pk].append(annotation.preference_strength)
        for slot, values in (annotation.attribute_scores or {}).items():
            response = item.response_1 if slot == "1" else item.response_2
            if response is None or not isinstance(values, dict):
                continue
            key = (item.prompt_id, response.pk)
            responses[key] = (item.prompt.messages, response.text)
            for name, value in values.items():
                scores[key][name].append(value)

    prompt_hashes = {item.prompt_id: item.prompt.content_hash for item in items.values()}
    held_out = validation_prompt_ids(prompt_hashes, fraction=validation_fraction, seed=seed)
    data = RewardTrainingData()
    for item_pk, item in items.items():
        if not strengths[item_pk]:
            data.dropped_neither += bool(neither[item_pk])
            continue
        label = round_half_away(sum(strengths[item_pk]) / len(strengths[item_pk]))
        if label == 0 or item.response_2 is None:
            data.dropped_ties += label == 0
            continue
        chosen, rejected = (item.response_1, item.response_2) if label < 0 else (item.response_2, item.response_1)
        pair = PreferencePair(item.prompt.messages, chosen.text, rejected.text, min(abs(label), 3))
        (data.val_pairs if item.prompt_id in held_out else data.train_pairs).append(pair)
    for (prompt_id, _response_id), by_name in scores.items():
        messages, text = responses[(prompt_id, _response_id)]
        example = AttributeExample(messages, text, {name: sum(v) / len(v) for name, v in by_name.items()})
        (data.val_attributes if prompt_id in held_out else data.train_attributes).append(example)
    return data


def hindsight_training_data(*, project: Project, label_source: str, validation_fraction: float, seed: int) -> RewardTrainingData:
    """The project's hindsight-derived pairs, labelled by the foresight or the hindsight ratings of its
    completed judgements (`hindsight_preference_pairs`), split by prompt content like the annotations."""
    pairs = hindsight_preference_pairs(project=project, label_source=label_source)
    hashes = {messages_content_hash(pair["prompt"]) for pair in pairs}
    held_out = validation_prompt_ids({h: h for h in hashes}, fraction=validation_fraction, seed=seed)
    data = RewardTrainingData()
    for pair in pairs:
        row = PreferencePair(pair["prompt"], pair["chosen"], pair["rejected"], pair["strength"])
        (data.val_pairs if messages_content_hash(pair["prompt"]) in held_out else data.train_pairs).append(row)
    return data


PAIR_FORMATS = ("trl-preference", "helpsteer2-preference")


ATTRIBUTE_FORMAT = "helpsteer2"


def plain_number(text: str) -> int | None:
    """``text`` as a database id or version number: ASCII digits only, at most 18 of them, or None.
    (``str.isdigit`` also accepts ``²`` or ``①``, which ``int`` refuses, and 5,000 digits overflow a column.)"""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def dataset_version_for(*, project: Project, reference: int | str) -> DatasetVersion:
    """A ready dataset version of the project, by id (`12`) or by its number in the project (`v3`, `demo:3`)."""
    text = str(reference).strip()
    slug, by_number, rest = text.rpartition(":")
    if by_number and slug != project.slug:
        raise ValidationError({"dataset_version": f"Dataset version {text} is not one of project {project.slug}."})
    versions = DatasetVersion.objects.filter(project=project)
    if by_number or text[:1] in ("v", "V"):
        number = plain_number(rest.lstrip("vV"))
        version = versions.filter(version=number).first() if number is not None else None
    else:
        number = plain_number(text)
        version = versions.filter(pk=number).first() if number is not None else None
    if version is None:
        raise ValidationError({"dataset_version": f"Project {project.slug} has no dataset version {text}."})
    if not version.is_ready:
        raise ValidationError({"dataset_version": f"Dataset version {version} is {version.status}, not ready."})
    return version


def messages_from_helpsteer_prompt(prompt: str) -> list[dict[str, str]]:
    """Inverse of HelpSteer2's prompt string (the codec the exporter and the importer use)."""
    return decode_prompt(prompt)


def dataset_version_file(version: DatasetVersion, stem: str) -> tuple[str, list[dict[str, Any]]]:
    """(storage name, rows) of one file of a ready version, from its JSONL (or else Parquet) copy, its
    bytes checked against the recorded SHA-256 (a mismatch raises DatasetFileCorrupted, a ValueError)."""
    stored = {entry["path"] for entry in version.files}
    jsonl, parquet = f"jsonl/{stem}.jsonl.gz", f"parquet/{stem}.parquet"
    if jsonl in stored:
        text = gzip.decompress(read_verified(version, jsonl)).decode("utf-8")
        # Newlines only: JSON writers leave U+2028, U+2029 and U+0085 unescaped inside strings, and
        # str.splitlines() would break a row there.
        return stored_name(version, jsonl), [json.loads(line) for line in text.split("\n") if line.strip()]
    if parquet in stored:
        import pyarrow.parquet as pq

        return stored_name(version, parquet), pq.read_table(io.BytesIO(read_verified(version, parquet))).to_pylist()
    raise ValueError(f"dataset version {version} has no {stem} file ({jsonl} or {parquet}); files: {sorted(stored)}")


def dataset_version_split(version: DatasetVersion, split: str) -> tuple[str, list[tuple[int, dict[str, Any]]]]:
    """(storage name, [(line number, row)]) of a split: its own file, or, for helpsteer2-preference,
    the rows of the single `preference` file whose `split` column says so (`train` or `val`, the dataset's
    own values, which the exporter writes)."""
    if version.format == "helpsteer2-preference":
        from datasets_app.exports.builders.formats import PREFERENCE_SPLIT_VALUES

        value = PREFERENCE_SPLIT_VALUES[split]
        name, rows = dataset_version_file(version, "preference")
        return name, [(line, row) for line, row in enumerate(rows, start=1) if row.get("split") == value]
    name, rows = dataset_version_file(version, split)
    return name, list(enumerate(rows, start=1))


def _row_error(name: str, line: int, field_name: str, message: str) -> ValueError:
    return ValueError(f"{name} line {line}: field {field_name!r}: {message}")


def prompt_messages(value: Any, name: str, line: int) -> list[dict[str, str]]:
    if isinstance(value, str):
        return messages_from_helpsteer_prompt(value)
    if isinstance(value, list) and all(isinstance(m, dict) and {"role", "content"} <= set(m) for m in value):
        return [{"role": m["role"], "content": m["content"]} for m in value]
    raise _row_error(name, line, "prompt", "expected a string or a list of {role, content} messages")


def _reply(value: Any, field_name: str, name: str, line: int) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and isinstance(value[-1], dict) and isinstance(value[-1].get("content"), str):
        return value[-1]["content"]
    raise _row_error(name, line, field_name, "expected a string or a list of messages ending with the reply")


def pairs_from_rows(
    version: DatasetVersion, name: str, rows: list[tuple[int, dict[str, Any]]], data: RewardTrainingData
) -> list[PreferencePair]:
    pairs = []
    for line, row in rows:
        prompt = prompt_messages(row.get("prompt"), name, line)
        if version.format == "trl-preference":
            margin = row.get("margin")
            if not isinstance(margin, int | float) or round(margin) not in (1, 2, 3):
                raise _row_error(name, line, "margin", f"expected 1, 2 or 3, got {margin!r}")
            pairs.append(PreferencePair(prompt, _reply(row.get("chosen"), "chosen", name, line), _reply(row.get("rejected"), "rejected", name, line), round(margin)))
            continue
        strength = row.get("preference_strength")
        if not isinstance(strength, int) or not (-3 <= strength <= 3 or strength == -100):
            raise _row_error(name, line, "preference_strength", f"expected an integer −3…3 (or −100), got {strength!r}")
        if strength in (0, -100):
            data.dropped_ties += strength == 0
            data.dropped_neither += strength == -100
            continue
        first, second = _reply(row.get("response_1"), "response_1", name, line), _reply(row.get("response_2"), "response_2", name, line)
        chosen, rejected = (first, second) if strength < 0 else (second, first)
        pairs.append(PreferencePair(prompt, chosen, rejected, abs(strength)))
    return pairs


def _attributes_from_rows(name: str, rows: list[tuple[int, dict[str, Any]]]) -> list[AttributeExample]:
    examples = []
    for line, row in rows:
        scores = {}
        for attribute in ATTRIBUTES:
            value = row.get(attribute)
            if value is not None and not isinstance(value, int | float):
                raise _row_error(name, line, attribute, f"expected a number 0–4, got {value!r}")
            if value is not None:
                scores[attribute] = float(value)
        examples.append(AttributeExample(prompt_messages(row.get("prompt"), name, line), _reply(row.get("response"), "response", name, line), scores))
    return examples


def reward_training_data_from_versions(
    *, pairs_version: DatasetVersion | None, attributes_version: DatasetVersion | None, validation_fraction: float, seed: int
) -> RewardTrainingData:
    """Rows of ready dataset versions, with the versions' own train/validation splits. A version
    without validation rows gets `validation_fraction` of its prompts held out (split by prompt). With
    both versions (regression → scaled BT), a prompt held out by either is held out of both: the pair
    version's validation accuracy must not score replies the regression phase trained on."""
    data = RewardTrainingData()
    if pairs_version is not None:
        train = pairs_from_rows(pairs_version, *dataset_version_split(pairs_version, "train"), data)
        val = pairs_from_rows(pairs_version, *dataset_version_split(pairs_version, "validation"), data)
        data.train_pairs, data.val_pairs = _hold_out(train, val, validation_fraction, seed)
    if attributes_version is not None:
        train = _attributes_from_rows(*dataset_version_split(attributes_version, "train"))
        val = _attributes_from_rows(*dataset_version_split(attributes_version, "validation"))
        data.train_attributes, data.val_attributes = _hold_out(train, val, validation_fraction, seed)
    if pairs_version is not None and attributes_version is not None:
        held = {*_prompt_digests(data.val_pairs), *_prompt_digests(data.val_attributes)}
        data.train_pairs, moved_pairs = _split_by_prompt(data.train_pairs, _prompt_digests(data.train_pairs), held)
        data.train_attributes, moved_attributes = _split_by_prompt(data.train_attributes, _prompt_digests(data.train_attributes), held)
        data.val_pairs += moved_pairs
        data.val_attributes += moved_attributes
    return data


def _prompt_digests(rows: list) -> list[str]:
    return [messages_content_hash(row.prompt) for row in rows]


def _split_by_prompt(rows: list, digests: list[str], held: set[str]) -> tuple[list, list]:
    """(rows whose prompt digest is not in `held`, rows whose digest is); `digests` in the rows' order."""
    return [row for row, d in zip(rows, digests) if d not in held], [row for row, d in zip(rows, digests) if d in held]


def _hold_out(train: list, val: list, fraction: float, seed: int) -> tuple[list, list]:
    if val or not train:
        return train, val
    digests = _prompt_digests(train)
    return _split_by_prompt(train, digests, validation_prompt_ids({digest: digest for digest in digests}, fraction=fraction, seed=seed))
