"""Importing the same content twice adds nothing; the real HH sample imports completely."""
import json
import time

from annotation.models import Annotation, Item, Prompt, Response
from datasets_app.imports.services import import_file
from datasets_app.models import ImportFormat, ImportRecord, ImportStatus
from tests.data import HH_SAMPLE, HH_SAMPLE_ROWS, require_full_hh
from tests.factories import ProjectFactory

HS2_SCORES = {"helpfulness": 2, "correctness": 2, "coherence": 3, "complexity": 1, "verbosity": 1}


def table_counts() -> tuple[int, int, int, int]:
    return Prompt.objects.count(), Response.objects.count(), Item.objects.count(), Annotation.objects.count()


def created(record: ImportRecord) -> tuple[int, int, int, int]:
    return record.prompts_created, record.responses_created, record.items_created, record.annotations_created


def test_reimporting_generic_jsonl_adds_nothing(project, tmp_path):
    path = tmp_path / "items.jsonl"
    rows = [
        {"prompt": "Q1", "responses": ["a", "b"], "preference_strength": 1},
        {"prompt": "Q2", "responses": ["c"]},
        {"prompt": "Q3", "responses": ["d", "e"], "gold_strength": -1},
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")

    first = import_file(project=project, path_or_file=path, file_name=path.name)
    second = import_file(project=project, path_or_file=path, file_name=path.name)

    assert created(first) == (3, 5, 3, 1)
    assert second.status == ImportStatus.SUCCEEDED
    assert created(second) == (0, 0, 0, 0)
    assert table_counts() == (3, 5, 3, 1)


def test_overlapping_file_adds_only_what_is_new(project, tmp_path):
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    old.write_text(json.dumps({"prompt": "Q1", "responses": ["a", "b"]}), encoding="utf-8")
    new.write_text(
        json.dumps({"prompt": "Q1", "responses": ["a", "c"]}) + "\n" + json.dumps({"prompt": "Q1", "responses": ["a", "b"]}),
        encoding="utf-8",
    )

    import_file(project=project, path_or_file=old, file_name=old.name)
    record = import_file(project=project, path_or_file=new, file_name=new.name)

    assert created(record) == (0, 1, 1, 0)


def test_reimporting_helpsteer2_adds_no_annotations(project, tmp_path):
    path = tmp_path / "hs2.jsonl"
    rows = [{"prompt": "P", "response": text, **HS2_SCORES} for text in ("r1", "r2")]
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")

    import_file(project=project, path_or_file=path, file_name=path.name)
    second = import_file(project=project, path_or_file=path, file_name="renamed.jsonl")

    assert created(second) == (0, 0, 0, 0)
    assert table_counts() == (1, 2, 1, 1)


def test_same_content_in_another_project_is_imported_there(project, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps({"prompt": "Q1", "responses": ["a", "b"], "preference_strength": 2}), encoding="utf-8")
    other = ProjectFactory()

    import_file(project=project, path_or_file=path, file_name=path.name)
    record = import_file(project=other, path_or_file=path, file_name=path.name)

    assert created(record) == (1, 2, 1, 1)


def test_the_bundled_hh_sample_imports_every_row_once(project):
    first = import_file(project=project, path_or_file=HH_SAMPLE, file_name=HH_SAMPLE.name, format=ImportFormat.AUTO)
    second = import_file(project=project, path_or_file=HH_SAMPLE, file_name=HH_SAMPLE.name)

    assert first.errors == []
    rows = HH_SAMPLE_ROWS
    assert (first.format, first.rows_read, first.items_created, first.annotations_created) == ("hh-rlhf", rows, rows, rows)
    assert created(second) == (0, 0, 0, 0)
    assert set(Annotation.objects.values_list("preference_strength", flat=True)) == {-1}


def test_real_hh_sample_imports_every_row_once(project):
    # All 1,500 rows: the import's speed at that size is the point, so it reads the shared file (CI has it).
    full = require_full_hh()
    started = time.perf_counter()
    first = import_file(project=project, path_or_file=full, file_name=full.name, format=ImportFormat.AUTO)
    seconds = time.perf_counter() - started
    second = import_file(project=project, path_or_file=full, file_name=full.name)

    assert first.errors == []
    assert (first.format, first.rows_read, first.items_created, first.annotations_created) == ("hh-rlhf", 1500, 1500, 1500)
    assert created(second) == (0, 0, 0, 0)
    assert Item.objects.filter(project=project).count() == 1500
    assert set(Annotation.objects.values_list("preference_strength", flat=True)) == {-1}
    assert seconds < 30, f"1,500 HH rows took {seconds:.1f} s"
