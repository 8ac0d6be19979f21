"""What every import attempt leaves behind (datasets_app/imports/services.py): an ImportRecord that says
who imported which file (its name and SHA-256), in which format, with what result, and one log line with
the same facts."""
import hashlib
import json
import logging

import pytest
from django.contrib.auth.models import AnonymousUser

from datasets_app.imports.services import import_file
from datasets_app.models import ImportStatus

pytestmark = pytest.mark.django_db

ROWS = [
    {"prompt": "First question?", "responses": ["Yes.", "No."], "preference_strength": -2},
    {"prompt": "Second question?", "responses": ["Maybe.", "Perhaps."], "preference_strength": 1},
]


@pytest.fixture
def judged(tmp_path):
    path = tmp_path / "judged.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in ROWS) + "\n")
    return path


def test_a_successful_import_is_recorded_and_logged(project, researcher, judged, caplog):
    """Guards: the record losing the file's name, digest, format, status or importer, and the log line
    losing (or mismatching) its arguments."""
    with caplog.at_level(logging.INFO, logger="datasets_app.imports.services"):
        record = import_file(project=project, path_or_file=judged, file_name="judged.jsonl", user=researcher)
    assert (record.project, record.file_name, record.format, record.status) == (project, "judged.jsonl", "jsonl", ImportStatus.SUCCEEDED)
    assert record.file_sha256 == hashlib.sha256(judged.read_bytes()).hexdigest()
    assert (record.rows_read, record.items_created, record.errors, record.created_by) == (2, 2, [], researcher)
    assert [r.getMessage() for r in caplog.records if r.name == "datasets_app.imports.services"] == [
        "import judged.jsonl into demo: succeeded, 2 rows, 2 items created, 0 errors"
    ]


def test_a_failed_import_is_recorded_with_its_errors_and_logged(project, tmp_path, caplog):
    """Guards: a failed import recorded as succeeded, or with its counts, or logged without its errors."""
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n" + json.dumps({"prompt": "No responses?"}) + "\n")
    with caplog.at_level(logging.INFO, logger="datasets_app.imports.services"):
        record = import_file(project=project, path_or_file=path, file_name="broken.jsonl", user=AnonymousUser())
    assert (record.status, record.items_created, record.created_by) == (ImportStatus.FAILED, 0, None)
    assert record.errors and record.errors[0]["file"] == "broken.jsonl" and record.errors[0]["line"] == 2
    messages = [r.getMessage() for r in caplog.records if r.name == "datasets_app.imports.services"]
    assert messages == [f"import broken.jsonl into demo: failed, 2 rows, 0 items created, {len(record.errors)} errors"]


def test_a_long_file_name_is_recorded_cut_to_its_column(project, judged):
    """Guards: the record's file name not being cut to the 500 characters its column holds (PostgreSQL
    then refuses the record, and the import fails after its rows were written)."""
    name = "n" * 600 + ".jsonl"
    record = import_file(project=project, path_or_file=judged, file_name=name)
    assert record.file_name == name[:500]


def test_a_long_format_name_is_recorded_cut_to_its_column(project, judged):
    """Guards: the requested format not being cut to the 40 characters its column holds (an unknown
    format is refused, but the failed attempt is still recorded under the name it was asked for)."""
    requested = "f" * 60
    record = import_file(project=project, path_or_file=judged, file_name="judged.jsonl", format=requested)
    assert (record.status, record.format) == (ImportStatus.FAILED, requested[:40])
    assert record.errors[0]["field"] == "format"
