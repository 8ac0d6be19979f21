"""The suite is the same wherever it runs: real data the tests need ships in tests/data, and the one
test that needs the shared 1,500-row file fails in CI without it (issue 16, point 12)."""
import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest

import tests.data
from tests.data import HH_SAMPLE, HH_SAMPLE_ROWS, require_full_hh

TESTS = Path(__file__).resolve().parent


def test_the_sample_is_the_documented_prefix_of_the_shared_file():
    rows = gzip.open(HH_SAMPLE, "rt", encoding="utf-8").read().splitlines()
    assert len(rows) == HH_SAMPLE_ROWS
    assert all(set(json.loads(row)) == {"chosen", "rejected"} for row in rows)
    readme = (HH_SAMPLE.parent / "README.md").read_text(encoding="utf-8")
    assert "MIT License" in readme and "Copyright (c) 2022 Anthropic" in readme and f"first {HH_SAMPLE_ROWS} rows" in readme
    if tests.data.HH_FULL.exists():
        full = gzip.open(tests.data.HH_FULL, "rt", encoding="utf-8").read().splitlines()
        assert rows == full[:HH_SAMPLE_ROWS]
        assert hashlib.sha256(tests.data.HH_FULL.read_bytes()).hexdigest() in readme


def test_no_test_reads_the_shared_folder_except_through_require_full_hh():
    readers = [
        path.relative_to(TESTS).as_posix()
        for path in TESTS.rglob("*.py")
        if re.search(r"""["']shared["']""", path.read_text(encoding="utf-8")) and path != TESTS / "data" / "__init__.py"
    ]
    assert readers == []


def test_the_full_file_is_required_in_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(tests.data, "HH_FULL", tmp_path / "missing.jsonl.gz")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="is absent"):
        require_full_hh()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="is absent"):
        require_full_hh()
