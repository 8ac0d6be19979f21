"""Exported HelpSteer2 / HelpSteer2-Preference files import back (through the importer service) with the
same values: export → import into a fresh project → export again gives the same rows."""
import pytest
from django.core.files.storage import default_storage

from datasets_app.exports.services import dataset_version_create
from datasets_app.imports.services import items_import
from tests.datasets_app.export_builders import annotate, pair, raters, read_jsonl, scores
from tests.factories import MembershipFactory, ProjectFactory

MULTI_TURN = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello!"},
    {"role": "user", "content": "Write a haiku about rain."},
]


@pytest.fixture
def labelled(project):
    users = raters(3)
    items = [
        pair(project, "", "Soft rain on the roof", "Rain.", messages=MULTI_TURN),
        pair(project, "What is 2+2?", "4", "Four, because 2+2=4."),
        pair(project, "Name a prime.", "7", "9"),
        pair(project, "Best editor?", "vim", "emacs"),
    ]
    plans = [(-2, -3, -2), (1, 2, 2), (-3, -3, -1), (2, 3, 3)]
    for item, strengths in zip(items, plans):
        for offset, (user, strength) in enumerate(zip(users, strengths)):
            annotate(item, user, preference_strength=strength,
                     justification=f"Response {'A' if strength < 0 else 'B'} is better. Reason {offset}.",
                     attribute_scores={"1": scores(4 - offset, 3, 4, 1, 2), "2": scores(1, 2 + offset % 2, 3, 1, 3)})
    return project


def export(project, capture, fmt, **policy):
    with capture(execute=True):
        version = dataset_version_create(project=project, format=fmt, created_by=None, policy={"containers": ["jsonl"], **policy})
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return version


def fresh_project(slug, researcher):
    copy = ProjectFactory(slug=slug, task_types=["pairwise", "likert"])
    MembershipFactory(project=copy, user=researcher)
    return copy


def import_file(project, version, name, fmt):
    path = default_storage.path(f"{version.storage_path}/jsonl/{name}.jsonl.gz")
    record = items_import(project=project, path_or_file=path, file_name=f"{name}.jsonl.gz", format=fmt)
    assert record.status == "succeeded", record.errors
    return record


def test_helpsteer2_round_trip(labelled, researcher, django_capture_on_commit_callbacks):
    first = export(labelled, django_capture_on_commit_callbacks, "helpsteer2", validation_fraction=0.0)
    rows = read_jsonl(first, "train")
    assert len(rows) == 8 and rows[0]["prompt"].startswith("Hi\n<extra_id_1>Assistant\nHello!")
    copy = fresh_project("copy", researcher)
    assert import_file(copy, first, "train", "helpsteer2").items_created == 4
    again = export(copy, django_capture_on_commit_callbacks, "helpsteer2", validation_fraction=0.0)
    assert read_jsonl(again, "train") == rows


def test_helpsteer2_preference_round_trip(labelled, researcher, django_capture_on_commit_callbacks):
    first = export(labelled, django_capture_on_commit_callbacks, "helpsteer2-preference", validation_fraction=0.5)
    rows = read_jsonl(first, "preference")
    assert len(rows) == 4 and {row["split"] for row in rows} == {"train", "val"}
    copy = fresh_project("copy", researcher)
    import_file(copy, first, "preference", "helpsteer2-preference")
    again = read_jsonl(export(copy, django_capture_on_commit_callbacks, "helpsteer2-preference", validation_fraction=0.5), "preference")
    compared = ("split", "prompt", "response_1", "response_2", "preference_strength", "preference_statement", "preference_elaboration")
    assert [{key: row[key] for key in compared} for row in again] == [{key: row[key] for key in compared} for row in rows]
