"""Values that parse but that no database column (or JSON column) can hold: each is a 400 naming the
file, line and field, recorded as a failed import, with nothing written (issue 13.8: each was a 500
with no ImportRecord)."""
import io
import zipfile

import pytest
from datasets import Dataset
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annotation.models import Item, Prompt, Response
from datasets_app.imports.services import import_file
from datasets_app.models import ImportFormat, ImportRecord, ImportStatus

GOOD_LINE = '{"prompt": "Fine question?", "responses": ["Fine answer.", "Other answer."]}'


def jsonl_case(bad_line: str) -> bytes:
    """A good line 1, then the bad line 2, so the error must name line 2."""
    return (GOOD_LINE + "\n" + bad_line + "\n").encode()


def zip_through_a_file() -> bytes:
    """A save_to_disk-like zip with an entry `ds/data` that is a file and another, `ds/data/part.arrow`,
    under it: extracting the second needs `ds/data` to be a folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ds/state.json", "{}")
        archive.writestr("ds/data", "a file")
        archive.writestr("ds/data/part.arrow", "x")
    return buffer.getvalue()


DEEP = "[" * 3000 + "]" * 3000

CASES = {
    "nul escape in a JSON string": ("bad.jsonl", jsonl_case(r'{"prompt": "a\u0000b", "responses": ["x", "y"]}'), 2, "prompt"),
    "raw NUL in a CSV cell": ("bad.csv", b"prompt,response_1,response_2\r\nQ1,a,b\r\nQ2,x\x00y,z\r\n", 3, "response_1"),
    "NUL in metadata": ("bad.jsonl", jsonl_case(r'{"prompt": "Q", "responses": ["x", "y"], "metadata": {"note": "n\u0000"}}'), 2, "metadata.note"),
    "NUL in a metadata key": ("bad.jsonl", jsonl_case(r'{"prompt": "Q", "responses": ["x", "y"], "metadata": {"k\u0000": 1}}'), 2, "metadata"),
    "lone surrogate": ("bad.jsonl", jsonl_case(r'{"prompt": "Q", "responses": ["x\ud800", "y"]}'), 2, "responses[0]"),
    "5,000-digit integer": ("bad.jsonl", jsonl_case('{"prompt": "Q", "responses": ["x", "y"], "metadata": {"n": ' + "7" * 5000 + "}}"), 2, "metadata.n"),
    "NaN in metadata": ("bad.jsonl", jsonl_case('{"prompt": "Q", "responses": ["x", "y"], "metadata": {"score": NaN}}'), 2, "metadata.score"),
    "Infinity in metadata": ("bad.jsonl", jsonl_case('{"prompt": "Q", "responses": ["x", "y"], "metadata": {"score": -Infinity}}'), 2, "metadata.score"),
    "1e999 (an infinite float) in metadata": ("bad.jsonl", jsonl_case('{"prompt": "Q", "responses": ["x", "y"], "metadata": {"s": 1e999}}'), 2, "metadata.s"),
    "round beyond int32": ("bad.jsonl", jsonl_case('{"prompt": "Q", "responses": [{"text": "x", "round": 2147483648}, "y"]}'), 2, "responses[0].round"),
    "nesting depth 3,000": ("bad.jsonl", jsonl_case('{"prompt": "Q", "responses": ["x", "y"], "metadata": {"deep": ' + DEEP + "}}"), 2, "metadata"),
    "zip entry under a file name": ("bad.zip", zip_through_a_file(), None, ""),
}


@pytest.mark.parametrize(("name", "content", "line", "field"), list(CASES.values()), ids=list(CASES))
def test_malformed_value_is_a_400_with_a_failed_record(project, researcher, client_for, name, content, line, field):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")

    response = client_for(researcher).post(reverse("api-project-imports", args=[project.slug]), {"file": upload}, format="multipart")

    assert response.status_code == 400, response.content[:500]
    errors = response.json()["errors"]
    assert [(error["file"], error["line"], error["field"]) for error in errors] == [(name, line, field)], errors
    record = ImportRecord.objects.get()
    assert (record.status, record.errors) == (ImportStatus.FAILED, errors)
    assert (Prompt.objects.count(), Response.objects.count(), Item.objects.count()) == (0, 0, 0)


def test_zip_error_names_the_entry(project, researcher, client_for):
    upload = SimpleUploadedFile("bad.zip", zip_through_a_file(), content_type="application/zip")

    response = client_for(researcher).post(reverse("api-project-imports", args=[project.slug]), {"file": upload}, format="multipart")

    assert "'ds/data/part.arrow' under 'ds/data'" in response.json()["errors"][0]["message"]


def test_arrow_rows_with_unstorable_values_name_row_and_field(project, tmp_path):
    folder = tmp_path / "ds"
    Dataset.from_dict({
        "prompt": ["Q1", "Q2"],
        "response_1": ["a", "b\x00"],
        "response_2": ["c", "d"],
        "preference_strength": [1, 2],
    }).save_to_disk(str(folder))

    record = import_file(project=project, path_or_file=folder, file_name="ds", format=ImportFormat.HF_DISK)

    assert [(error["file"], error["line"], error["field"]) for error in record.errors] == [("ds", 2, "response_1")]
    assert Item.objects.count() == 0


def test_zip_with_a_corrupt_arrow_file_is_a_failed_import(project, tmp_path):
    folder = tmp_path / "ds"
    Dataset.from_dict({"chosen": ["\n\nHuman: Hi\n\nAssistant: Hello."], "rejected": ["\n\nHuman: Hi\n\nAssistant: What?"]}).save_to_disk(str(folder))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.iterdir():
            archive.writestr(f"ds/{path.name}", b"not arrow" if path.suffix == ".arrow" else path.read_bytes())
    buffer.seek(0)

    record = import_file(project=project, path_or_file=buffer, file_name="ds.zip")

    assert record.status == ImportStatus.FAILED
    assert [(error["file"], error["line"]) for error in record.errors] == [("ds.zip", None)]
    assert Item.objects.count() == 0
