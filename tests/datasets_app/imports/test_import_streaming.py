"""Imports stream: rows are validated and written a batch at a time in one transaction, with the same
results as reading the whole file first (all or nothing, duplicates found across batches, a gold row
winning over an earlier plain row of the same pair), and a line too long to hold is skipped with an error."""
import json

import pytest

from annotation.models import Annotation, Item, Prompt, Response
from datasets_app.imports import services
from datasets_app.imports.parsers import ParsedAnnotation, ParsedItem, ParsedResponse, sources
from datasets_app.imports.services import import_file, imported_annotation_client_id
from datasets_app.models import ImportFormat, ImportStatus


@pytest.fixture
def batches_of_two(monkeypatch):
    monkeypatch.setattr(services, "BATCH_ITEMS", 2)


def write_lines(tmp_path, rows, name="items.jsonl"):
    path = tmp_path / name
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows), encoding="utf-8")
    return path


def row(number: int, **extra) -> dict:
    return {"prompt": f"Q{number}", "responses": [f"a{number}", f"b{number}"], **extra}


def test_an_error_after_written_batches_rolls_everything_back(project, tmp_path, batches_of_two):
    path = write_lines(tmp_path, [row(1), row(2), row(3), row(4), row(5), {"prompt": "Q6", "responses": "x"}])

    record = import_file(project=project, path_or_file=path, file_name=path.name)

    assert record.status == ImportStatus.FAILED
    assert [(error["line"], error["field"]) for error in record.errors] == [(6, "responses")]
    assert (record.rows_read, record.items_created) == (6, 0)
    assert (Prompt.objects.count(), Response.objects.count(), Item.objects.count()) == (0, 0, 0)


def test_duplicates_across_batches_are_written_once_and_gold_wins(project, tmp_path, batches_of_two):
    rows = [
        row(1, metadata={"first": True}, preference_strength=1),
        row(2),
        row(1, metadata={"first": False}, preference_strength=1),  # same pair, same judgement: nothing new
        row(3),
        row(1, gold_strength=-2),  # same pair, now gold: the item becomes gold
    ]
    path = write_lines(tmp_path, rows)

    record = import_file(project=project, path_or_file=path, file_name=path.name)
    again = import_file(project=project, path_or_file=path, file_name=path.name)

    assert record.status == ImportStatus.SUCCEEDED, record.errors
    assert (record.prompts_created, record.responses_created, record.items_created, record.annotations_created) == (3, 6, 3, 1)
    first = Item.objects.get(prompt__content_hash=Prompt.objects.get(messages__0__content="Q1").content_hash)
    assert (first.is_gold, first.gold_strength, first.prompt.metadata) == (True, -2, {"first": True})
    assert (again.prompts_created, again.responses_created, again.items_created, again.annotations_created) == (0, 0, 0, 0)
    assert Annotation.objects.count() == 1


def test_gold_in_a_later_import_does_not_change_an_existing_item(project, tmp_path):
    import_file(project=project, path_or_file=write_lines(tmp_path, [row(1)], "plain.jsonl"), file_name="plain.jsonl")

    record = import_file(project=project, path_or_file=write_lines(tmp_path, [row(1, gold_strength=2)], "gold.jsonl"), file_name="gold.jsonl")

    assert (record.status, record.items_created) == (ImportStatus.SUCCEEDED, 0)
    assert Item.objects.get().is_gold is False


def test_a_line_longer_than_the_limit_is_an_error_and_the_next_lines_keep_their_numbers(project, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_LINE_BYTES", 100)
    long_row = row(2, metadata={"note": "x" * 500})
    path = write_lines(tmp_path, [row(1), long_row, row(3), {"prompt": "Q4"}])

    record = import_file(project=project, path_or_file=path, file_name=path.name, format=ImportFormat.JSONL)

    assert [(error["line"], error["field"]) for error in record.errors] == [(2, ""), (4, "responses")]
    assert "longer than 100 bytes" in record.errors[0]["message"]
    assert Item.objects.count() == 0


def test_a_gzip_file_that_breaks_off_is_an_error(project, tmp_path):
    import gzip

    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(json.dumps(row(n)).encode() + b"\n" for n in range(1000)))[:-200])

    record = import_file(project=project, path_or_file=path, file_name=path.name)

    assert record.status == ImportStatus.FAILED
    assert "not a readable gzip file" in record.errors[-1]["message"]
    assert Item.objects.count() == 0


@pytest.mark.parametrize(
    ("annotation", "client_id"),
    [
        (ParsedAnnotation(preference_strength=1, justification='Réponse 1, "clearly".'), "d26e5703-5af8-502f-ad05-50054a21e0e3"),
        (
            ParsedAnnotation(attribute_scores={"1": {"helpfulness": 3}, "2": {"helpfulness": 1}}, neither_acceptable=True),
            "fe9de582-a862-5cac-85f9-66b5f2781fd7",
        ),
    ],
)
def test_imported_annotation_client_ids_are_the_ones_earlier_imports_stored(annotation, client_id):
    """Idempotency across versions: the ids are those of uuid5 over json.dumps(…, sort_keys=True,
    ensure_ascii=False) of the content, as imports before the streaming writer computed them."""
    item = ParsedItem(file="f", line=1, messages=[{"role": "user", "content": "Q1"}],
                      responses=[ParsedResponse(text="a"), ParsedResponse(text="b")], annotation=annotation)

    assert str(imported_annotation_client_id(item)) == client_id
