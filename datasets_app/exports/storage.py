"""Where a dataset version's files live and how they are read back.

Each version stores its files under a key of its own (`datasets/versions/<uuid>`), made once when the
version is defined and never reused, so renaming or deleting a project — and another project taking its
slug — cannot reach them. Every read (download, training, copy) checks the bytes against the SHA-256
recorded when the version was built: a mismatch is an error naming the file, never a silent read."""
import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.core.files.storage import default_storage

from datasets_app.models import DatasetVersion

CHUNK_BYTES = 1 << 20


class DatasetFileCorrupted(ValueError):
    """A stored file's bytes no longer match the checksum recorded when its version was built."""


def new_storage_path() -> str:
    return f"datasets/versions/{uuid.uuid4().hex}"


def stored_name(version: DatasetVersion, relative: str) -> str:
    return f"{version.storage_path}/{relative}"


def _entry(version: DatasetVersion, relative: str) -> dict[str, Any]:
    entry = next((entry for entry in version.files if entry["path"] == relative), None)
    if entry is None:
        raise FileNotFoundError(f"{version} has no file {relative}")
    return entry


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK_BYTES):
        yield chunk


def _mismatch(version: DatasetVersion, relative: str, expected: str, actual: str) -> DatasetFileCorrupted:
    return DatasetFileCorrupted(
        f"{version}: {relative} fails its checksum (recorded sha256 {expected}, stored bytes {actual}); "
        "the stored file was changed after the version was built"
    )


def verify(version: DatasetVersion, relative: str) -> None:
    """Hash the stored file (streaming) and raise DatasetFileCorrupted unless it matches its record."""
    expected = _entry(version, relative)["sha256"]
    digest = hashlib.sha256()
    with default_storage.open(stored_name(version, relative), "rb") as handle:
        for chunk in _chunks(handle):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise _mismatch(version, relative, expected, digest.hexdigest())


class VerifiedReader:
    """A stored file read for a streaming download, hashed as it is handed out: the bytes sent are the
    bytes checked. A file changed after the check before (between the two opens, or while streaming)
    raises DatasetFileCorrupted at its end, which aborts the download instead of completing it."""

    def __init__(self, version: DatasetVersion, relative: str) -> None:
        entry = _entry(version, relative)
        self.version, self.relative, self.expected, self.size = version, relative, entry["sha256"], entry.get("size")
        self._handle = default_storage.open(stored_name(version, relative), "rb")
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        if chunk:
            self._digest.update(chunk)
        elif self._digest.hexdigest() != self.expected:
            raise _mismatch(self.version, self.relative, self.expected, self._digest.hexdigest())
        return chunk

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> "VerifiedReader":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_verified(version: DatasetVersion, relative: str) -> VerifiedReader:
    """The stored file for a streaming download: checked whole first (a corrupted file is an error before
    any byte is sent), then hashed again as it streams (``VerifiedReader``)."""
    verify(version, relative)
    return VerifiedReader(version, relative)


def read_verified(version: DatasetVersion, relative: str) -> bytes:
    """The stored file's bytes, read once and checked (for files a job loads whole)."""
    expected = _entry(version, relative)["sha256"]
    with default_storage.open(stored_name(version, relative), "rb") as handle:
        data = handle.read()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise _mismatch(version, relative, expected, actual)
    return data


def copy_verified(version: DatasetVersion, relative: str, destination: Path) -> Path:
    """Copy the stored file to `destination`, hashing as it goes; a mismatch removes the copy and raises."""
    expected = _entry(version, relative)["sha256"]
    digest = hashlib.sha256()
    destination.parent.mkdir(parents=True, exist_ok=True)
    with default_storage.open(stored_name(version, relative), "rb") as source, open(destination, "wb") as sink:
        for chunk in _chunks(source):
            digest.update(chunk)
            sink.write(chunk)
    if digest.hexdigest() != expected:
        destination.unlink()
        raise _mismatch(version, relative, expected, digest.hexdigest())
    return destination


def download_response(reader: VerifiedReader, filename: str) -> Any:
    """A streaming attachment of a verified stored file, its length the recorded size."""
    from django.http import FileResponse

    response = FileResponse(reader, as_attachment=True, filename=filename)
    if reader.size is not None:
        response["Content-Length"] = str(reader.size)
    return response
