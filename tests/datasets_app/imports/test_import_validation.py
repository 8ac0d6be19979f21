"""Bad input writes nothing, and the failed ImportRecord names the file, line and field of each error."""
import json

import pytest

from annotation.models import Annotation, Item, Prompt, Response
from datasets_app.imports.parsers.records import MAX_REPORTED_ERRORS
from datasets_app.imports.services import import_file
from datasets_app.models import ImportFormat, ImportRecord, ImportStatus
from tests.factories import ProjectFactory

GOOD = {"prompt": "Fine question?", "responses": ["Fine answer.", "Other answer."]}
HS2_ROW = {"prompt": "P", "response": "R", "helpfulness": 3, "correctness": 3, "coherence": 3, "complexity": 1, "verbosity": 1}


def table_counts() -> tuple[int, int, int, int]:
    return Prompt.objects.count(), Response.objects.count(), Item.objects.count(), Annotation.objects.count()


def import_lines(project, tmp_path, lines, name="bad.jsonl", format=ImportFormat.AUTO):  # noqa: A002
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return import_file(project=project, path_or_file=path, file_name=name, format=format)


def only_error(record: ImportRecord) -> tuple:
    assert record.status == ImportStatus.FAILED
    assert len(record.errors) == 1, record.errors
    error = record.errors[0]
    return error["file"], error["line"], error["field"]


def test_bad_json_line_fails_the_whole_file(project, tmp_path):
    record = import_lines(project, tmp_path, [json.dumps(GOOD), '{"prompt": "x", "responses": [', json.dumps(GOOD)], format=ImportFormat.JSONL)

    assert only_error(record) == ("bad.jsonl", 2, "")
    assert "not valid JSON" in record.errors[0]["message"]
    assert table_counts() == (0, 0, 0, 0)
    assert ImportRecord.objects.get().status == ImportStatus.FAILED


def test_missing_field(project, tmp_path):
    record = import_lines(project, tmp_path, [json.dumps(GOOD), json.dumps({"responses": ["a"]})], format=ImportFormat.JSONL)

    assert only_error(record) == ("bad.jsonl", 2, "prompt")
    assert table_counts() == (0, 0, 0, 0)


def test_wrong_type(project, tmp_path):
    record = import_lines(project, tmp_path, [json.dumps(GOOD), json.dumps(GOOD), json.dumps({"prompt": 5, "responses": ["a"]})])

    assert only_error(record) == ("bad.jsonl", 3, "prompt")
    assert "must be a string" in record.errors[0]["message"]
    assert table_counts() == (0, 0, 0, 0)


def test_out_of_range_rating(project, tmp_path):
    rows = [HS2_ROW, {**HS2_ROW, "response": "R2", "verbosity": 5}]
    record = import_lines(project, tmp_path, [json.dumps(row) for row in rows], name="hs.jsonl")

    assert only_error(record) == ("hs.jsonl", 2, "verbosity")
    assert "from 0 to 4" in record.errors[0]["message"]
    assert table_counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "row, field",
    [
        ({**GOOD, "preference_strength": 4}, "preference_strength"),
        ({**GOOD, "preference_strength": "strong"}, "preference_strength"),
        ({"prompt": "x", "responses": ["a"], "gold_strength": 1}, "gold_strength"),
        ({"prompt": "x", "responses": ["a", "a"]}, "responses"),
        ({"prompt": "x", "responses": ["a", {"model_name": "m"}]}, "responses[1].text"),
        ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "responses": ["b"]}, "messages"),
        ({"messages": [{"role": "robot", "content": "q"}], "responses": ["b"]}, "messages[0].role"),
    ],
)
def test_generic_row_errors_name_the_field(project, tmp_path, row, field):
    record = import_lines(project, tmp_path, [json.dumps(GOOD), json.dumps(row)], format=ImportFormat.JSONL)

    assert only_error(record) == ("bad.jsonl", 2, field)
    assert table_counts() == (0, 0, 0, 0)


def test_hh_rows_that_do_not_share_a_prompt(project, tmp_path):
    row = {"chosen": "\n\nHuman: Cats?\n\nAssistant: Yes.", "rejected": "\n\nHuman: Dogs?\n\nAssistant: No."}
    record = import_lines(project, tmp_path, [json.dumps(row)], name="hh.jsonl")

    assert only_error(record) == ("hh.jsonl", 1, "chosen")
    assert table_counts() == (0, 0, 0, 0)


def test_helpsteer_prompt_ending_on_an_assistant_turn(project, tmp_path):
    row = {**HS2_ROW, "prompt": "Hi\n<extra_id_1>Assistant\nHello"}
    record = import_lines(project, tmp_path, [json.dumps(row)], name="hs.jsonl", format=ImportFormat.HELPSTEER2)

    assert only_error(record) == ("hs.jsonl", 1, "prompt")


def test_preference_split_must_be_known(project, tmp_path):
    row = {"split": "dev", "prompt": "p", "response_1": "a", "response_2": "b", "preference_strength": 1}
    record = import_lines(project, tmp_path, [json.dumps(row)], name="pref.jsonl")

    assert only_error(record) == ("pref.jsonl", 1, "split")


def test_csv_errors_use_the_files_line_numbers(project, tmp_path):
    lines = ["prompt,response_1,response_2,preference_strength", '"multi\nline prompt",a,b,1', "second,c,d,9"]
    record = import_lines(project, tmp_path, lines, name="pairs.csv")

    assert only_error(record) == ("pairs.csv", 4, "preference_strength")
    assert table_counts() == (0, 0, 0, 0)


def test_single_responses_need_a_likert_project(db, tmp_path):
    pairwise_only = ProjectFactory(task_types=["pairwise"])
    record = import_lines(pairwise_only, tmp_path, [json.dumps(GOOD), json.dumps({"prompt": "x", "responses": ["a"]})])

    assert only_error(record) == ("bad.jsonl", 2, "responses")
    assert table_counts() == (0, 0, 0, 0)


def test_unknown_shape_asks_for_a_format(project, tmp_path):
    record = import_lines(project, tmp_path, [json.dumps({"question": "x", "answer": "y"})])

    assert only_error(record) == ("bad.jsonl", 1, "")
    assert "choose a format" in record.errors[0]["message"]


def test_every_error_is_collected_and_the_report_is_capped(project, tmp_path):
    lines = [json.dumps({"prompt": "x", "responses": []})] * (MAX_REPORTED_ERRORS + 20)
    record = import_lines(project, tmp_path, lines, format=ImportFormat.JSONL)

    assert record.status == ImportStatus.FAILED
    assert len(record.errors) == MAX_REPORTED_ERRORS + 1
    assert [error["line"] for error in record.errors[:3]] == [1, 2, 3]
    assert record.errors[-1]["message"] == "… and 20 more errors."
    assert table_counts() == (0, 0, 0, 0)
