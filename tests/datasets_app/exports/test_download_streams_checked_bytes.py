"""A download streams the bytes that were checked: a stored file changed after the check before the
download (between the check's read and the streaming read, or while streaming) makes the download
fail at its end instead of completing with the changed bytes."""
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from datasets_app.exports.storage import DatasetFileCorrupted, new_storage_path, stored_name
from datasets_app.models import DatasetStatus, DatasetVersion

DATA = b'{"prompt": "hi", "chosen": "a", "rejected": "b"}\n' * 100


@pytest.fixture
def version(project):
    version = DatasetVersion.objects.create(
        project=project, version=1, format="trl-preference", status=DatasetStatus.READY, storage_path=new_storage_path(),
        files=[{"path": "jsonl/train.jsonl", "size": len(DATA), "sha256": hashlib.sha256(DATA).hexdigest()}],
    )
    default_storage.save(stored_name(version, "jsonl/train.jsonl"), ContentFile(DATA))
    yield version
    default_storage.delete(stored_name(version, "jsonl/train.jsonl"))


def replaced_after_the_check(monkeypatch, version) -> None:
    """The first open (the check) reads the stored bytes; every later open finds them changed."""
    real_open, opens = default_storage.open, []

    def open_(name, mode="rb"):
        opens.append(name)
        if name == stored_name(version, "jsonl/train.jsonl") and len(opens) > 1:
            from io import BytesIO

            return BytesIO(DATA.replace(b'"a"', b'"z"'))
        return real_open(name, mode)

    monkeypatch.setattr(default_storage, "open", open_)


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["page", "api"])
def test_a_file_changed_after_the_check_is_not_served_whole(version, researcher, client, monkeypatch, route):
    client.force_login(researcher)
    replaced_after_the_check(monkeypatch, version)
    if route == "page":
        url = reverse("datasets_app:dataset_file", args=[version.project.slug, 1, "jsonl/train.jsonl"])
    else:
        url = reverse("api-dataset-download", args=[version.project.slug, 1]) + "?file=jsonl/train.jsonl"

    response = client.get(url)

    assert response.status_code == 200 and response["Content-Length"] == str(len(DATA))
    with pytest.raises(DatasetFileCorrupted):
        b"".join(response.streaming_content)


@pytest.mark.django_db
def test_an_intact_file_is_served_whole(version, researcher, client):
    client.force_login(researcher)

    response = client.get(reverse("datasets_app:dataset_file", args=[version.project.slug, 1, "jsonl/train.jsonl"]))

    assert b"".join(response.streaming_content) == DATA
