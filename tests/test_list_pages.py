"""Every list page pages, searches and filters, and none counts a whole table (issue 16, point 6)."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.listing import COUNT_CAP, PER_PAGE
from annotation.models import Annotation, Project
from datasets_app.models import DatasetVersion, ImportRecord
from jobs.models import TrainingJob
from tests.list_rows import LISTS
from training.online_dpo.models import OnlineRound
from training.rewards.models import RewardModel

pytestmark = pytest.mark.django_db

ROWS = PER_PAGE + 5
# Every list page shows its controls (My annotations' template included).
NO_CONTROLS_YET: set[str] = set()
# The id of the table each page lists, and what one of its rows looks like.
TABLE_ROWS = {
    "projects": r'<li class="card">',
    "imports": r'<tr>\s*<td>\d{4}-\d\d-\d\d',
    "dataset versions": r'<tr class="dataset-version"',
    "jobs": r'<tr>\s*<td><a href="/training/jobs/\d+/">',
    "reward models": r'<td><a href="/training/jobs/\d+/">[^<]*·',
    "rounds": r'<td><a href="/projects/demo/rounds/\d+/">',
    "annotations": r'<tr data-annotation="\d+"><td>\d{4}-\d\d-\d\d',
}


CONTEXT_NAMES = {
    "projects": "listing", "imports": "records", "dataset versions": "versions", "jobs": "jobs", "reward models": "models",
    "rounds": "rounds", "annotations": "listing",
}


LISTED_MODELS = {
    "projects": Project, "imports": ImportRecord, "dataset versions": DatasetVersion, "jobs": TrainingJob,
    "reward models": RewardModel, "rounds": OnlineRound, "annotations": Annotation,
}


def rows_on(html: str, name: str) -> int:
    return len(re.findall(TABLE_ROWS[name], html))


@pytest.fixture
def admin_member(project, admin_user):
    project.memberships.create(user=admin_user)
    return admin_user


@pytest.mark.parametrize("name", list(LISTS))
def test_a_list_page_pages_and_filters(name, project, admin_member, client):
    build, url, narrowing = LISTS[name]
    build(project, admin_member, ROWS)
    url = url.format(slug=project.slug)
    client.force_login(admin_member)
    extra = 1 if name == "projects" else 0  # the fixture's own project is listed too

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    first = response.content.decode()
    assert rows_on(first, name) == PER_PAGE
    listing = response.context[CONTEXT_NAMES[name]]
    assert (listing.has_next, listing.count) == (True, ROWS + extra)
    if name not in NO_CONTROLS_YET:
        assert 'rel="next" href="?page=2"' in first and f"1–{PER_PAGE} of {ROWS + extra}" in first
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert f"LIMIT {COUNT_CAP + 1}" in " ".join(counts), counts
    assert all(re.search(r"LIMIT \d+", sql) for sql in counts if "FROM (" in sql.upper()), counts

    second = client.get(url, {"page": 2}).content.decode()
    assert rows_on(second, name) == ROWS + extra - PER_PAGE
    assert name in NO_CONTROLS_YET or 'rel="prev"' in second

    narrowed = client.get(url, narrowing).content.decode()
    assert 0 < rows_on(narrowed, name) < PER_PAGE, narrowed[-4000:]
    assert name in NO_CONTROLS_YET or "Clear" in narrowed


def test_no_page_counts_a_whole_table(project, admin_member, client, monkeypatch):
    """With the cap below the row count, every page says "N+" and its counts stop at the cap."""
    import annotation.listing

    monkeypatch.setattr(annotation.listing, "COUNT_CAP", 10)
    client.force_login(admin_member)
    for name, (build, url, _narrowing) in LISTS.items():
        build(project, admin_member, 12)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url.format(slug=project.slug))
        assert response.context[CONTEXT_NAMES[name]].count_text == "10+", name
        table = LISTED_MODELS[name]._meta.db_table
        unbounded = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and f'FROM "{table}"' in q["sql"] and "LIMIT" not in q["sql"]]
        assert unbounded == [], (name, unbounded)
