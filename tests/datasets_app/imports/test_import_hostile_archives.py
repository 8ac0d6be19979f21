"""Archives and rows that break the readers beneath the parsers are a failed import with a 400 naming the
file (and the line and field where there is one), never a server error with no record: an encrypted or
corrupt zip entry, a save_to_disk folder whose JSON has the wrong shape, a preference row whose `split`
is not text, and a zip entry named hundreds of folders deep."""
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotation.models import Item
from datasets_app.models import ImportRecord, ImportStatus
from tests.datasets_app.imports.test_import_limits import api_url


def zipped(tmp_path, entries: dict[str, bytes], *, encrypted: bool = False) -> bytes:
    path = tmp_path / "upload.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if encrypted:
                info.flag_bits |= 0x1
            archive.writestr(info, content)
    return path.read_bytes()


def corrupt_deflate(tmp_path) -> bytes:
    payload = b"x" * 5000
    data = bytearray(zipped(tmp_path, {"ds/state.json": payload}))
    start = data.index(b"ds/state.json") + len("ds/state.json")  # the local header's name, then the data
    data[start : start + 20] = b"\xff" * 20  # a deflate block of the reserved type 3
    return bytes(data)


def hostile(case: str, tmp_path) -> tuple[str, bytes]:
    if case == "encrypted":
        return "upload.zip", zipped(tmp_path, {"ds/state.json": b"{}"}, encrypted=True)
    if case == "corrupt deflate":
        return "upload.zip", corrupt_deflate(tmp_path)
    if case == "state.json a list":
        return "upload.zip", zipped(tmp_path, {"ds/state.json": b"[]", "ds/dataset_info.json": b"{}"})
    if case == "deep entry":
        return "upload.zip", zipped(tmp_path, {"a/" * 100 + "x.json": b"{}"})
    row = {"prompt": "hi", "response_1": "a", "response_2": "b", "preference_strength": 1, "split": [] if case == "split a list" else {}}
    return "pairs.jsonl", json.dumps(row).encode() + b"\n"


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["encrypted", "corrupt deflate", "state.json a list", "deep entry", "split a list", "split an object"])
def test_a_hostile_upload_is_a_recorded_400(project, researcher, client_for, tmp_path, case):
    name, content = hostile(case, tmp_path)
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")

    response = client_for(researcher).post(api_url(project), {"file": upload}, format="multipart")

    assert response.status_code == 400, response.content[:300]
    [error] = response.json()["errors"][:1]
    assert error["file"].startswith(name)
    if case.startswith("split"):
        assert (error["line"], error["field"]) == (1, "split")
    if case == "deep entry":
        assert "deeper than 64 folders" in error["message"]
    assert ImportRecord.objects.get().status == ImportStatus.FAILED
    assert Item.objects.count() == 0
