"""Splits by prompt hash, stable as the project grows, and byte-identical files on a re-run."""
import pytest

from annotation.models import Item
from datasets_app.exports.services import dataset_version_create
from tests.datasets_app.export_builders import annotate, pair, raters, read_jsonl, scores
from tests.factories import ItemFactory, ResponseFactory


def build(project, researcher, capture, fmt="individual", **policy):
    with capture(execute=True):
        version = dataset_version_create(project=project, format=fmt, created_by=researcher, policy=policy)
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return version


def add_prompts(project, users, start, count):
    for n in range(start, start + count):
        item = pair(project, f"Prompt {n}?", f"First answer {n}", f"Second answer {n}")
        # a second item on the same prompt: its rows must land in the same split
        second = ItemFactory(project=project, prompt=item.prompt, response_1=item.response_1,
                             response_2=ResponseFactory(prompt=item.prompt, text=f"Third answer {n}"))
        for target in (item, second):
            for user, strength in zip(users, (-2, -1)):
                annotate(target, user, preference_strength=strength, justification="Response A is better.",
                         attribute_scores={"1": scores(3, 3, 3, 2, 2), "2": scores(1, 1, 2, 2, 2)})


def splits_by_prompt(version):
    seen: dict[str, set[str]] = {}
    for split in ("train", "validation"):
        for row in read_jsonl(version, split):
            seen.setdefault(row["prompt"], set()).add(split)
    return seen


def test_a_prompt_is_in_one_split_and_validation_prompts_stay(project, researcher, django_capture_on_commit_callbacks):
    users = raters(2)
    add_prompts(project, users, 0, 40)
    first = splits_by_prompt(build(project, researcher, django_capture_on_commit_callbacks, validation_fraction=0.3))
    assert len(first) == 40
    assert all(len(splits) == 1 for splits in first.values())
    validation = {prompt for prompt, splits in first.items() if splits == {"validation"}}
    assert 3 <= len(validation) <= 25

    add_prompts(project, users, 40, 40)
    second = splits_by_prompt(build(project, researcher, django_capture_on_commit_callbacks, validation_fraction=0.3))
    assert len(second) == 80
    assert all(len(splits) == 1 for splits in second.values())
    assert {prompt for prompt in validation if second[prompt] == {"validation"}} == validation
    assert all(second[prompt] == first[prompt] for prompt in first)


@pytest.mark.parametrize("fmt", ["helpsteer2", "helpsteer2-preference", "trl-preference", "individual"])
def test_rerun_on_unchanged_data_is_byte_identical(project, researcher, django_capture_on_commit_callbacks, fmt):
    add_prompts(project, raters(2), 0, 12)
    first = build(project, researcher, django_capture_on_commit_callbacks, fmt, validation_fraction=0.25)
    second = build(project, researcher, django_capture_on_commit_callbacks, fmt, validation_fraction=0.25)
    assert (first.version, second.version) == (1, 2)

    def digests(version):
        return {entry["path"].replace(version.zip_name, "dataset.zip"): entry["sha256"] for entry in version.files}

    assert digests(first) == digests(second)
    main_file = "preference" if fmt == "helpsteer2-preference" else "train"
    expected = {"README.md", "dataset.zip", f"jsonl/{main_file}.jsonl.gz", f"parquet/{main_file}.parquet", "hf/dataset_dict.json"}
    assert expected <= set(digests(first))
    assert first.row_counts == second.row_counts and sum(first.row_counts.values()) > 0


def test_new_annotations_change_the_next_version_only(project, researcher, django_capture_on_commit_callbacks):
    users = raters(3)
    add_prompts(project, users[:2], 0, 3)
    first = build(project, researcher, django_capture_on_commit_callbacks)
    annotate(Item.objects.filter(project=project).first(), users[2], preference_strength=3, justification="Response B wins.")
    second = build(project, researcher, django_capture_on_commit_callbacks)
    assert sum(second.row_counts.values()) == sum(first.row_counts.values()) + 1
    first.refresh_from_db()
    assert sum(first.row_counts.values()) == 12 and len(read_jsonl(first, "train")) + len(read_jsonl(first, "validation")) == 12


def test_an_imported_prompt_keeps_its_declared_split(project, researcher, django_capture_on_commit_callbacks):
    declared = pair(project, "Imported as validation", "x", "y")
    declared.prompt.metadata = {"split": "validation"}
    declared.prompt.save()
    annotate(declared, None, preference_strength=2)
    annotate(pair(project, "Not declared", "x", "y"), None, preference_strength=2)
    version = build(project, researcher, django_capture_on_commit_callbacks, "individual", validation_fraction=0.0)
    assert [row["prompt"] for row in read_jsonl(version, "validation")] == ["Imported as validation"]
    assert [row["prompt"] for row in read_jsonl(version, "train")] == ["Not declared"]
    ignored = build(project, researcher, django_capture_on_commit_callbacks, "individual", validation_fraction=0.0,
                    use_declared_split=False)
    assert read_jsonl(ignored, "validation") == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["helpsteer2", "helpsteer2-preference", "trl-preference", "individual"])
def test_the_streaming_read_path_writes_the_same_files(project, researcher, django_capture_on_commit_callbacks, fmt):
    """A real build runs outside a transaction (on PostgreSQL it reads ahead on a second connection);
    inside one it reads on the caller's connection. Both must give the same bytes."""
    from django.db import transaction

    add_prompts(project, raters(2), 0, 12)
    with transaction.atomic():
        inside = build(project, researcher, django_capture_on_commit_callbacks, fmt, validation_fraction=0.25)
    outside = build(project, researcher, django_capture_on_commit_callbacks, fmt, validation_fraction=0.25)

    def digests(version):
        return {entry["path"].replace(version.zip_name, "dataset.zip"): entry["sha256"] for entry in version.files}

    assert digests(inside) == digests(outside)
    assert sum(outside.row_counts.values()) > 0


@pytest.mark.parametrize("fmt", ["helpsteer2", "helpsteer2-preference", "trl-preference", "individual"])
def test_files_do_not_depend_on_how_the_rows_are_batched(project, researcher, django_capture_on_commit_callbacks,
                                                         monkeypatch, fmt):
    """Read chunks and processed frames of a few rows each (items cut across chunks, frames of several
    chunks, written batches sliced out of them mid-byte) give the same bytes as larger ones."""
    from datasets_app.exports import record_batches
    from datasets_app.exports.builders import writers
    from datasets_app.exports.builders.columnar import frames

    add_prompts(project, raters(2), 0, 12)
    monkeypatch.setattr(writers, "BATCH_ROWS", 7)  # several written batches, sliced out of larger tables
    usual = build(project, researcher, django_capture_on_commit_callbacks, fmt, validation_fraction=0.25)
    monkeypatch.setattr(record_batches, "CHUNK_SIZE", 3)
    monkeypatch.setattr(frames, "PROCESS_ROWS", 5)
    batched = build(project, researcher, django_capture_on_commit_callbacks, fmt, validation_fraction=0.25)

    def digests(version):
        return {entry["path"]: entry["sha256"] for entry in version.files if entry["path"] != version.zip_name}

    assert sum(usual.row_counts.values()) > 10
    assert digests(batched) == digests(usual)
