"""Every read of a stored dataset file (datasets_app/exports/storage.py) checks its bytes against the
SHA-256 recorded for that very file: the four readers pass intact files through unchanged, refuse a
changed one with an error that names the file and both digests, and a failed copy leaves nothing behind."""
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from datasets_app.exports.storage import (
    CHUNK_BYTES,
    DatasetFileCorrupted,
    copy_verified,
    new_storage_path,
    open_verified,
    read_verified,
    stored_name,
    verify,
)
from datasets_app.models import DatasetVersion

pytestmark = pytest.mark.django_db

# Larger than one read chunk, so the streaming readers hash more than their first chunk.
TRAIN = bytes(range(256)) * (CHUNK_BYTES // 256 + 100)
README = b"# A dataset\n"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def version(project):
    version = DatasetVersion(project=project, version=1, format="trl-preference", storage_path=new_storage_path(), files=[
        {"path": "README.md", "size": len(README), "sha256": _digest(README)},
        {"path": "jsonl/train.jsonl", "size": len(TRAIN), "sha256": _digest(TRAIN)},
    ])
    for entry, data in zip(version.files, (README, TRAIN)):
        default_storage.save(stored_name(version, entry["path"]), ContentFile(data))
    yield version
    for entry in version.files:
        default_storage.delete(stored_name(version, entry["path"]))


def _tamper(version: DatasetVersion, relative: str, data: bytes) -> None:
    default_storage.delete(stored_name(version, relative))
    default_storage.save(stored_name(version, relative), ContentFile(data))


def test_intact_files_are_read_back_unchanged(version, tmp_path):
    """Guards: a reader refusing intact files (the comparison inverted), or checking one file against
    another file's record."""
    verify(version, "README.md")
    verify(version, "jsonl/train.jsonl")
    assert read_verified(version, "jsonl/train.jsonl") == TRAIN
    assert read_verified(version, "README.md") == README
    with open_verified(version, "jsonl/train.jsonl") as handle:
        assert handle.read() == TRAIN
    copy = copy_verified(version, "jsonl/train.jsonl", tmp_path / "copy" / "train.jsonl")
    assert copy == tmp_path / "copy" / "train.jsonl" and copy.read_bytes() == TRAIN


@pytest.mark.parametrize("tampered", [TRAIN[:-1] + b"!", TRAIN + b"\n", b""])
def test_every_reader_refuses_a_changed_file_naming_it_and_both_digests(version, tmp_path, tampered):
    """Guards: a reader skipping the comparison, hashing only part of the file, or raising an error that
    does not say which file failed and how (recorded digest, digest of the stored bytes)."""
    _tamper(version, "jsonl/train.jsonl", tampered)
    readers = [
        lambda: verify(version, "jsonl/train.jsonl"),
        lambda: read_verified(version, "jsonl/train.jsonl"),
        lambda: open_verified(version, "jsonl/train.jsonl"),
        lambda: copy_verified(version, "jsonl/train.jsonl", tmp_path / "train.jsonl"),
    ]
    for read in readers:
        with pytest.raises(DatasetFileCorrupted) as error:
            read()
        message = str(error.value)
        assert str(version) in message and "jsonl/train.jsonl fails its checksum" in message
        assert f"recorded sha256 {_digest(TRAIN)}" in message and f"stored bytes {_digest(tampered)}" in message
        assert message.endswith("the stored file was changed after the version was built")
    assert not (tmp_path / "train.jsonl").exists()
    verify(version, "README.md")  # the other file is untouched and still passes


def test_a_file_the_version_does_not_list_is_not_found(version):
    """Guards: _entry reading a file that has no recorded checksum (or not saying which one is missing)."""
    with pytest.raises(FileNotFoundError, match="has no file jsonl/validation.jsonl"):
        read_verified(version, "jsonl/validation.jsonl")
