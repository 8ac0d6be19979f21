"""An import refused by the database part-way (an IntegrityError: rows written at the same time by
another import or annotator conflicted with this one's) is rolled back and recorded as failed, with one
error entry naming the file (no line, no field) — what the import page lists. The conflict is simulated
by a BatchWriter that writes its batch and then meets the database's refusal."""
import json

import pytest
from django.db import IntegrityError

from annotation.models import Item, Prompt
from datasets_app.imports.batches import BatchWriter
from datasets_app.imports.services import import_file
from datasets_app.models import ImportStatus

pytestmark = pytest.mark.django_db

ROWS = [
    {"prompt": "First question?", "responses": ["Yes.", "No."], "preference_strength": -2},
    {"prompt": "Second question?", "responses": ["Maybe.", "Perhaps."], "preference_strength": 1},
]


@pytest.fixture
def conflicting_writes(monkeypatch):
    write = BatchWriter.write

    def write_then_conflict(self, items):
        write(self, items)
        raise IntegrityError("UNIQUE constraint failed: annotation_item.prompt_id")

    monkeypatch.setattr(BatchWriter, "write", write_then_conflict)


def test_a_write_conflict_fails_the_import_with_one_error_on_the_file(project, tmp_path, conflicting_writes):
    """Guards: the conflict's error entry losing its file name or its empty field, the record showing a
    digest of a read that was cut short, and the rows written before the conflict being kept."""
    path = tmp_path / "judged.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in ROWS) + "\n")
    record = import_file(project=project, path_or_file=path, file_name="judged.jsonl")
    assert (record.status, record.items_created, record.file_sha256) == (ImportStatus.FAILED, 0, "")
    (error,) = record.errors
    assert (error["file"], error["line"], error["field"]) == ("judged.jsonl", None, "")
    assert error["message"].startswith("conflicted with rows written at the same time; nothing was imported (")
    assert "UNIQUE constraint failed" in error["message"]
    assert not Item.objects.filter(project=project).exists() and not Prompt.objects.filter(project=project).exists()
