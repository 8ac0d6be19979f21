"""Issue 15.1: annotators see the responses as A and B in a shuffled order, so nothing they read may
name them "Response 1/2" (which they would take to mean the first/second shown)."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANNOTATOR_FACING = [
    "verdict/demo/guidelines.md",
    "templates/annotation/annotate.html",
    "templates/annotation/my_annotations.html",
    "static/js/annotate.js",
    "static/js/annotate-keys.js",
    "static/js/annotate-render.js",
    "static/js/annotate-shell.js",
]


@pytest.mark.parametrize("path", ANNOTATOR_FACING)
def test_annotator_facing_text_names_responses_by_their_displayed_letters(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    assert not re.search(r"[Rr]esponse\s*[12]\b", text), path


def test_the_demo_guidelines_tell_annotators_to_write_the_displayed_letters():
    text = (ROOT / "verdict/demo/guidelines.md").read_text(encoding="utf-8")
    assert "@A" in text and "@B" in text
