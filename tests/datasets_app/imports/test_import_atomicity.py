"""An import is all or nothing even when the database fails partway through the write: prompts,
responses and items are written before the annotations, so a failure on the annotations must roll them
back. The failure is real: a trigger makes the database refuse every imported annotation (as a row
written concurrently would). Transactional test, so that nothing but the import's own transaction can
roll anything back."""
import json
from collections.abc import Iterator

import pytest
from django.db import connection

from annotation.models import Annotation, Item, Prompt, Response
from datasets_app.imports.services import import_file
from datasets_app.models import ImportRecord, ImportStatus
from tests.factories import ProjectFactory

ROWS = [
    {"prompt": "First question?", "responses": ["Yes.", "No."], "preference_strength": -2},
    {"prompt": "Second question?", "responses": ["Maybe.", "Perhaps."], "preference_strength": 1},
]


@pytest.fixture
def annotations_refused(transactional_db) -> Iterator[None]:
    table = Annotation._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION verdict_test_refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused by test trigger' USING ERRCODE = 'unique_violation'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(f"CREATE TRIGGER verdict_test_refuse BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION verdict_test_refuse()")
        else:
            cursor.execute(f"CREATE TRIGGER verdict_test_refuse BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER verdict_test_refuse{' ON ' + table if connection.vendor == 'postgresql' else ''}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION verdict_test_refuse()")


def test_a_failure_while_writing_annotations_leaves_no_prompt_response_or_item(annotations_refused, tmp_path):
    """Guards: the import's write losing its transaction.atomic (prompts, responses and items stayed)."""
    project = ProjectFactory(slug="atomic")
    path = tmp_path / "judged.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in ROWS) + "\n")

    record = import_file(project=project, path_or_file=path, file_name="judged.jsonl")

    assert record.status == ImportStatus.FAILED
    assert "nothing was imported" in record.errors[0]["message"]
    assert (record.prompts_created, record.items_created, record.annotations_created) == (0, 0, 0)
    assert (Prompt.objects.count(), Response.objects.count(), Item.objects.count(), Annotation.objects.count()) == (0, 0, 0, 0)
    assert ImportRecord.objects.get() == record
