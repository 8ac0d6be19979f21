"""Uploads and decompression are bounded (issue 13.7): an upload past VERDICT_IMPORT_MAX_UPLOAD_BYTES is a
413 from the page, the API and the command, with nothing kept; a .gz that unpacks past
VERDICT_IMPORT_MAX_DECOMPRESSED_BYTES is a 400 naming the line where the limit was reached, recorded as a
failed import, and nothing past that line is read."""
import gzip
import io
import json
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotation.models import Item, Prompt
from datasets_app.imports.services import UploadTooLarge, import_file
from datasets_app.models import ImportRecord, ImportStatus

LINE = b'{"prompt": "Same question?", "responses": ["Same answer.", "Other answer."]}\n'


def numbered_line(number: int) -> bytes:
    return json.dumps({"prompt": f"Question {number:08d}?", "responses": ["Yes.", "No."]}).encode() + b"\n"


class GeneratedGzip(io.RawIOBase):
    """A gzip stream of numbered JSONL lines made as it is read: `lines` lines (about 70 bytes each)
    unpacked, however few bytes it takes packed; counts the bytes handed out."""

    def __init__(self, lines: int) -> None:
        self.lines, self.next_line = lines, 1
        self.compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
        self.pending = b""
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self.pending) < len(buffer) and self.compressor is not None:
            if self.next_line > self.lines:
                self.pending += self.compressor.flush()
                self.compressor = None
                break
            block = b"".join(numbered_line(number) for number in range(self.next_line, min(self.next_line + 1000, self.lines + 1)))
            self.next_line += 1000
            self.pending += self.compressor.compress(block)
        size = min(len(buffer), len(self.pending))
        buffer[:size], self.pending = self.pending[:size], self.pending[size:]
        self.bytes_read += size
        return size


def api_url(project) -> str:
    return reverse("api-project-imports", args=[project.slug])


def upload(content: bytes, name: str = "items.jsonl") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


# ---------------------------------------------------------------- decompressed size


def test_gzip_bomb_is_a_400_naming_the_line_and_recorded(project, researcher, client_for, settings):
    settings.VERDICT_IMPORT_MAX_DECOMPRESSED_BYTES = 100 * len(LINE) + 10  # the limit falls inside line 101
    bomb = gzip.compress(LINE * 200_000)  # 15 MB unpacked from about 40 KB

    response = client_for(researcher).post(api_url(project), {"file": upload(bomb, "bomb.jsonl.gz")}, format="multipart")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(error["file"], error["line"], error["field"]) for error in errors] == [("bomb.jsonl.gz", 101, "")]
    assert errors[0]["message"].startswith(f"decompressed size exceeds {100 * len(LINE) + 10:,} bytes at line 101")
    record = ImportRecord.objects.get()
    assert (record.status, record.rows_read) == (ImportStatus.FAILED, 100)
    assert Item.objects.count() == 0


def test_reading_stops_at_the_decompressed_limit(project, settings):
    """A stream that would unpack to 63 MB: the import reads what packs 1 MB (and one read-ahead) and stops; the
    batches written before the limit was reached are rolled back."""
    limit = 1_000_000
    settings.VERDICT_IMPORT_MAX_DECOMPRESSED_BYTES = limit
    stream = GeneratedGzip(lines=1_000_000)
    line_bytes = len(numbered_line(1))

    record = import_file(project=project, path_or_file=stream, file_name="huge.jsonl.gz")

    assert record.status == ImportStatus.FAILED
    assert [(error["line"], error["field"]) for error in record.errors] == [(limit // line_bytes + 1, "")]
    assert record.rows_read == limit // line_bytes
    assert stream.bytes_read < 256 * 1024  # the packed bytes behind 1 MB unpacked and a 64 KiB read-ahead, of about 4 MB
    assert record.file_sha256 == ""  # the file was not read to its end
    assert (Prompt.objects.count(), Item.objects.count()) == (0, 0)


def test_a_zip_that_unpacks_past_the_limit_is_a_failed_import(project, settings, tmp_path):
    settings.VERDICT_IMPORT_MAX_DECOMPRESSED_BYTES = 10_000
    import zipfile

    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ds/state.json", "{}")
        archive.writestr("ds/data.arrow", b"\0" * 20_000)

    record = import_file(project=project, path_or_file=path, file_name=path.name)

    assert record.status == ImportStatus.FAILED
    assert "unpacks to 20,002 bytes" in record.errors[0]["message"]


# ---------------------------------------------------------------- upload size


@pytest.mark.parametrize("size", [2_000, 200_000], ids=["just over the limit", "past the multipart allowance"])
def test_api_upload_over_the_limit_is_a_413(project, researcher, client_for, settings, size):
    settings.VERDICT_IMPORT_MAX_UPLOAD_BYTES = 1_000

    response = client_for(researcher).post(api_url(project), {"file": upload(LINE * (size // len(LINE)))}, format="multipart")

    assert response.status_code == 413
    assert "VERDICT_IMPORT_MAX_UPLOAD_BYTES" in response.json()["message"]
    assert (ImportRecord.objects.count(), Item.objects.count()) == (0, 0)


@pytest.mark.parametrize("size", [2_000, 200_000], ids=["just over the limit", "past the multipart allowance"])
def test_page_upload_over_the_limit_is_a_413(project, researcher, client, settings, size):
    settings.VERDICT_IMPORT_MAX_UPLOAD_BYTES = 1_000
    client.force_login(researcher)

    content = LINE * (size // len(LINE))

    response = client.post(reverse("datasets_app:project_import", args=[project.slug]), {"file": upload(content), "format": "auto"})

    assert response.status_code == 413
    assert b"VERDICT_IMPORT_MAX_UPLOAD_BYTES" in response.content
    assert (ImportRecord.objects.count(), Item.objects.count()) == (0, 0)


def test_command_refuses_a_file_over_the_limit(project, settings, tmp_path):
    settings.VERDICT_IMPORT_MAX_UPLOAD_BYTES = 1_000
    path = tmp_path / "items.jsonl"
    path.write_bytes(LINE * 30)

    with pytest.raises(CommandError, match="VERDICT_IMPORT_MAX_UPLOAD_BYTES"):
        call_command("import_items", str(path), project=project.slug)

    assert (ImportRecord.objects.count(), Item.objects.count()) == (0, 0)


def test_a_stream_of_unknown_size_is_stopped_at_the_upload_limit(project, settings):
    """A body sent without a length (chunked, or a plain stream): the bytes are counted as they are read,
    and what was written before the limit is rolled back."""
    settings.VERDICT_IMPORT_MAX_UPLOAD_BYTES = 500_000
    content = b"".join(numbered_line(number) for number in range(20_000))

    class Unsized(io.RawIOBase):
        def __init__(self) -> None:
            self.inner = io.BytesIO(content)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            return self.inner.readinto(buffer)

    with pytest.raises(UploadTooLarge):
        import_file(project=project, path_or_file=Unsized(), file_name="stream.jsonl")

    assert (ImportRecord.objects.count(), Prompt.objects.count()) == (0, 0)
