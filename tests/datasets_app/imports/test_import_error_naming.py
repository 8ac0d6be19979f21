"""Import errors name what is wrong in the user's own terms: the missing column or field (not a symptom
of it), on the line a text editor shows, for every bad row at once."""
import json

from annotation.models import Item
from datasets_app.models import ImportStatus
from tests.datasets_app.imports.test_import_validation import import_lines
from tests.factories import ProjectFactory


def errors_of(record) -> list[tuple]:
    assert record.status == ImportStatus.FAILED
    return [(error["file"], error["line"], error["field"]) for error in record.errors]


def test_csv_without_a_response_2_column_names_the_column(db, tmp_path):
    pairwise = ProjectFactory(task_types=["pairwise"])
    lines = ["prompt,response_1", "first,a", "second,b"]
    record = import_lines(pairwise, tmp_path, lines, name="pairs.csv")

    assert errors_of(record) == [("pairs.csv", 1, "response_2")]
    assert "column is missing" in record.errors[0]["message"]
    assert "prompt, response_1" in record.errors[0]["message"]
    assert Item.objects.count() == 0


def test_csv_without_a_response_2_column_is_fine_for_likert_projects(db, tmp_path):
    likert = ProjectFactory(task_types=["likert"])
    record = import_lines(likert, tmp_path, ["prompt,response_1", "first,a"], name="ratings.csv")

    assert record.status == ImportStatus.SUCCEEDED, record.errors
    assert Item.objects.count() == 1


def test_csv_without_a_response_1_column_names_the_column_once(project, tmp_path):
    record = import_lines(project, tmp_path, ["prompt,answer", "first,a", "second,b"], name="pairs.csv")

    assert errors_of(record) == [("pairs.csv", 1, "response_1")]
    assert "column is missing" in record.errors[0]["message"]


def test_empty_response_2_cells_on_a_pairwise_project_name_the_cell(db, tmp_path):
    pairwise = ProjectFactory(task_types=["pairwise"])
    lines = ["prompt,response_1,response_2", "first,a,b", "second,c,", "third,d,"]
    record = import_lines(pairwise, tmp_path, lines, name="pairs.csv")

    assert errors_of(record) == [("pairs.csv", 3, "response_2"), ("pairs.csv", 4, "response_2")]


def test_jsonl_row_without_responses_names_the_field(project, tmp_path):
    lines = [json.dumps({"prompt": "A question", "responses": ["a", "b"]}), json.dumps({"prompt": "Another question"})]
    record = import_lines(project, tmp_path, lines)

    assert errors_of(record) == [("bad.jsonl", 2, "responses")]
    assert record.errors[0]["message"].startswith("is missing")


def test_first_jsonl_row_without_responses_names_the_field_not_the_format(project, tmp_path):
    lines = [json.dumps({"prompt": "A question"}), json.dumps({"messages": [{"role": "user", "content": "q"}]})]
    record = import_lines(project, tmp_path, lines)

    assert errors_of(record) == [("bad.jsonl", 1, "responses"), ("bad.jsonl", 2, "responses")]
    assert "cannot tell the format" not in record.errors[0]["message"]


def test_every_bad_csv_row_is_reported_with_the_editors_line(project, tmp_path):
    lines = ["prompt,response_1,response_2,preference_strength", "a,x,y,9", "b,x,y,1", "c,x,y,-7", ",x,y,1"]
    record = import_lines(project, tmp_path, lines, name="pairs.csv")

    assert errors_of(record) == [
        ("pairs.csv", 2, "preference_strength"),
        ("pairs.csv", 4, "preference_strength"),
        ("pairs.csv", 5, "prompt"),
    ]
