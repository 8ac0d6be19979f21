"""Reading what was uploaded: a JSONL/CSV file (optionally gzipped), a folder written by
`datasets.save_to_disk`, or a .zip of such a folder. Rows come out as RawRow with the file's line
numbers; problems with the file itself go to the ErrorLog."""
import csv
import gzip
import hashlib
import io
import json
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from datasets_app.imports.parsers.records import ErrorLog, RawRow

MAX_UNZIPPED_BYTES = 4 * 1024**3
HF_MARKERS = ("dataset_dict.json", "state.json")

PathOrFile = str | Path | IO[bytes]


@dataclass
class Source:
    name: str
    sha256: str
    data: bytes = b""
    folder: Path | None = None


def _folder_sha256(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _dataset_root(folder: Path) -> Path | None:
    candidates = [path.parent for marker in HF_MARKERS for path in folder.rglob(marker)]
    return min(candidates, key=lambda path: len(path.parts)) if candidates else None


def _decompressed(raw: bytes, name: str, errors: ErrorLog) -> bytes:
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        errors.add(name, None, "", f"is not a readable gzip file: {error}.")
        return b""


@contextmanager
def open_source(path_or_file: PathOrFile, file_name: str, errors: ErrorLog) -> Iterator[Source]:
    """The uploaded content; a .zip is unpacked into a temporary folder that lives as long as the context."""
    if isinstance(path_or_file, (str, Path)) and Path(path_or_file).is_dir():
        folder = Path(path_or_file)
        yield Source(name=file_name, sha256=_folder_sha256(folder), folder=folder)
        return
    if isinstance(path_or_file, (str, Path)):
        raw = Path(path_or_file).read_bytes()
    else:
        raw = path_or_file.read()
    sha256 = hashlib.sha256(raw).hexdigest()
    if not file_name.lower().endswith(".zip"):
        yield Source(name=file_name, sha256=sha256, data=_decompressed(raw, file_name, errors))
        return
    with tempfile.TemporaryDirectory(prefix="verdict-import-") as temporary:
        root = None
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                    errors.add(file_name, None, "", "unpacks to more than 4 GiB.")
                else:
                    archive.extractall(temporary)
                    root = _dataset_root(Path(temporary))
                    if root is None:
                        errors.add(file_name, None, "", "holds no dataset saved with save_to_disk (no dataset_dict.json or state.json).")
        except zipfile.BadZipFile as error:
            errors.add(file_name, None, "", f"is not a readable zip file: {error}.")
        yield Source(name=file_name, sha256=sha256, folder=root)


def jsonl_rows(source: Source, errors: ErrorLog) -> list[RawRow]:
    rows = []
    for number, raw_line in enumerate(source.data.split(b"\n"), start=1):
        if not raw_line.strip():
            continue
        try:
            text = raw_line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            errors.add(source.name, number, "", f"is not UTF-8 text ({error.reason} at byte {error.start}).")
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            errors.add(source.name, number, "", f"is not valid JSON: {error.msg} (column {error.colno}).")
            continue
        if not isinstance(data, dict):
            errors.add(source.name, number, "", f"must be a JSON object, not {type(data).__name__}.")
            continue
        rows.append(RawRow(source.name, number, data))
    return rows


def csv_rows(source: Source, errors: ErrorLog) -> list[RawRow]:
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = source.data[: error.start].count(b"\n") + 1
        errors.add(source.name, line, "", f"is not UTF-8 text ({error.reason}).")
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    try:
        while True:
            start = reader.line_num + 1
            try:
                data: dict[str, Any] = next(reader)
            except StopIteration:
                break
            if None in data:
                errors.add(source.name, start, "", f"has more cells than the header's {len(reader.fieldnames or [])} columns.")
                continue
            rows.append(RawRow(source.name, start, data))
    except csv.Error as error:
        errors.add(source.name, reader.line_num, "", f"is not valid CSV: {error}.")
    if reader.fieldnames is not None and "prompt" not in reader.fieldnames:
        errors.add(source.name, 1, "prompt", f"column is missing from the header ({', '.join(reader.fieldnames)}).")
    return rows


def hf_rows(source: Source, errors: ErrorLog) -> list[RawRow]:
    """Rows of a Dataset or of every split of a DatasetDict; `line` is the row number in its split and a
    DatasetDict's split name fills a missing `split` column."""
    from datasets import Dataset, load_from_disk  # heavy; only imports of this format pay for it

    if source.folder is None:
        errors.add(source.name, None, "", "is not a folder written by datasets' save_to_disk.")
        return []
    try:
        loaded = load_from_disk(str(source.folder))
    except FileNotFoundError as error:
        errors.add(source.name, None, "", f"is not a dataset saved with save_to_disk: {error}.")
        return []
    splits = {None: loaded} if isinstance(loaded, Dataset) else dict(loaded)
    rows = []
    for split, dataset in splits.items():
        file = source.name if split is None else f"{source.name}[{split}]"
        for number, data in enumerate(dataset, start=1):
            if split is not None and "split" not in data:
                data = {**data, "split": split}
            rows.append(RawRow(file, number, data))
    return rows
