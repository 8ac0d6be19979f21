"""The SHA-256 and size a dataset version records for each file are those of the bytes in storage,
for every file it stored (JSONL, Parquet, the Hugging Face folder, the card and the zip), and
nothing is stored that the version does not list. Other tests only compare checksums between runs,
which a consistently wrong checksum passes."""
import hashlib
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from datasets_app.exports.builders.archive import BLOCK, file_sha256
from datasets_app.exports.services import dataset_version_create
from tests.datasets_app.export_builders import annotate, pair, raters, read_stored


def stored_names(prefix: str) -> set[str]:
    directories, files = default_storage.listdir(prefix)
    names = {name for name in files}
    for directory in directories:
        names |= {f"{directory}/{name}" for name in stored_names(f"{prefix}/{directory}")}
    return names


@pytest.fixture
def version(project, researcher, django_capture_on_commit_callbacks):
    first, second = raters(2)
    for index in range(6):
        item = pair(project, f"Question {index}?", f"Good answer {index}.", f"Bad answer {index}.")
        annotate(item, first, preference_strength=-2, justification="Response A is right.")
        annotate(item, second, preference_strength=-1, justification="Response A is a bit better.")
    with django_capture_on_commit_callbacks(execute=True):
        version = dataset_version_create(
            project=project, format="helpsteer2-preference", created_by=researcher, policy={"validation_fraction": 0.3}
        )
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return version


def test_every_recorded_checksum_and_size_is_that_of_the_stored_bytes(version):
    """Guards: the build recording a SHA-256 or size of other bytes than those it stored (a wrong
    file's digest, the zip hashed before it was complete, a digest of the scratch copy's name)."""
    assert {"README.md", version.zip_name} <= {entry["path"] for entry in version.files}
    assert any(entry["path"].startswith("hf/") for entry in version.files)
    for entry in version.files:
        stored = read_stored(version, entry["path"])
        assert (entry["sha256"], entry["size"]) == (hashlib.sha256(stored).hexdigest(), len(stored)), entry["path"]


def test_the_version_lists_exactly_the_files_in_storage(version):
    """Guards: a file stored without an entry (never checksummed) or an entry without a stored file."""
    assert stored_names(version.storage_path) == {entry["path"] for entry in version.files}


def test_the_zip_holds_every_other_file_byte_for_byte(version):
    """Guards: the zip packaging a different or partial set of files than the version lists."""
    archive = zipfile.ZipFile(BytesIO(read_stored(version, version.zip_name)))
    others = {entry["path"]: entry for entry in version.files if entry["path"] != version.zip_name}
    assert set(archive.namelist()) == set(others)
    for name, entry in others.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == entry["sha256"], name


def test_file_sha256_reads_files_longer_than_one_block(tmp_path: Path):
    """Guards: file_sha256 hashing only its first block (or skipping one) of a large file."""
    data = bytes(range(256)) * (BLOCK * 2 // 256 + 3)
    path = tmp_path / "large.bin"
    path.write_bytes(data)
    assert len(data) > 2 * BLOCK
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
