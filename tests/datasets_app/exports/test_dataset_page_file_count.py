"""The dataset page counts the files the zip holds, not the zip among them (issue 16, point 9)."""
import io
import re
import zipfile

import pytest
from django.test import Client

from datasets_app.models import DatasetVersion
from tests.datasets_app.export_builders import annotate, pair, raters

pytestmark = pytest.mark.django_db


def test_the_file_count_is_what_the_zip_holds(project, researcher, django_capture_on_commit_callbacks):
    users = raters(3)
    for n in range(3):
        item = pair(project, f"Question {n}?", f"Good {n}", f"Bad {n}")
        for user in users:
            annotate(item, user, preference_strength=-2, justification="Response A is better.")
    page = Client()
    page.force_login(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        page.post("/projects/demo/datasets/", {
            "format": "trl-preference", "containers": ["jsonl", "parquet"], "validation_fraction": "0", "max_spread": "2",
            "drop_ties": "on", "neither_acceptable": "exclude", "trl_style": "conversational", "include_imported": "on",
            "rounds": "", "annotators": "", "model_names": "",
        })
    version = DatasetVersion.objects.get()
    download = page.get("/projects/demo/datasets/1/download/")
    in_zip = [name for name in zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist() if not name.endswith("/")]
    html = page.get("/projects/demo/datasets/").content.decode()
    summary = re.search(r"<summary>(.*?)</summary>", html, re.S).group(1)
    assert summary.startswith(f"{len(in_zip)} files in the zip"), summary
    assert len(version.files) == len(in_zip) + 1  # the list below it still gives the zip's own checksum
