"""A successful import changes a project's dashboard figures, so it marks the stored figures stale
(annotation.stats.project_stats_mark_stale, for the beat task to recompute); a failed one writes nothing
and leaves them as they were."""
import json

import pytest

from annotation.models import ProjectStats
from annotation.stats import project_stats_refresh
from datasets_app.imports.services import import_file
from datasets_app.models import ImportStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_stats(project):
    project_stats_refresh(project=project)
    assert ProjectStats.objects.get(project=project).stale is False


def test_a_successful_import_marks_the_project_stats_stale(project, tmp_path, fresh_stats):
    """Guards: the stats not marked stale after a successful import (or another project's marked)."""
    path = tmp_path / "judged.jsonl"
    path.write_text(json.dumps({"prompt": "A question?", "responses": ["Yes.", "No."], "preference_strength": -2}) + "\n")
    assert import_file(project=project, path_or_file=path, file_name="judged.jsonl").status == ImportStatus.SUCCEEDED
    assert ProjectStats.objects.get(project=project).stale is True


def test_a_failed_import_leaves_the_project_stats_fresh(project, tmp_path, fresh_stats):
    """Guards: the stats marked stale when the import failed and wrote nothing."""
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps({"prompt": "No responses?"}) + "\n")
    assert import_file(project=project, path_or_file=path, file_name="broken.jsonl").status == ImportStatus.FAILED
    assert ProjectStats.objects.get(project=project).stale is False
