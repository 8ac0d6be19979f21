"""Real data the tests read: a 48-row HH-RLHF sample shipped in the repository (README.md here gives its
provenance and licence), and the 1,500-row shared file, which only a test that needs all of it reads."""
import os
from pathlib import Path

import pytest

HH_SAMPLE = Path(__file__).resolve().parent / "hh-harmless-sample.jsonl.gz"
HH_SAMPLE_ROWS = 48
# The shared file lives beside the repository (../shared/data), not in it.
HH_FULL = Path(__file__).resolve().parents[3] / "shared" / "data" / "hh-harmless-dev.jsonl.gz"


def require_full_hh() -> Path:
    """The shared 1,500-row file. CI must have it (the test fails there without it); a clone elsewhere
    skips the test with the reason."""
    if HH_FULL.exists():
        return HH_FULL
    message = f"the shared HH-RLHF file {HH_FULL} is absent (it lives in ../shared/data beside the repository)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
