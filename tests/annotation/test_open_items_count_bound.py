"""The "items still open" count costs the same whatever the annotator's history or the queue's size
(issue 18): it stops at OPEN_ITEMS_COUNT_CAP ("1,000+") and checks each candidate with one index probe,
instead of joining all of the annotator's finished assignments (80 ms at 1M annotations)."""
import json
import os
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotation import progress, selectors
from annotation.models import Annotation, Assignment, AssignmentState
from tests.factories import ItemFactory

OPEN_ITEMS_COUNT = 'SELECT COUNT(*) FROM (SELECT 1 FROM "annotation_item" i'


def next_task(client, project) -> dict:
    return client.post(f"/api/projects/{project.slug}/next-task/", {}, format="json").json()


@pytest.fixture
def cap(monkeypatch):
    monkeypatch.setattr(progress, "OPEN_ITEMS_COUNT_CAP", 3, raising=False)
    monkeypatch.setattr(selectors, "OPEN_ITEMS_COUNT_CAP", 3, raising=False)
    cache.clear()
    return 3


def test_above_the_cap_the_count_says_more(project, items, annotator, client_for, cap):
    task = next_task(client_for(annotator), project)
    assert task["progress"]["remaining"] == cap
    assert task["progress"]["remaining_capped"] is True


def test_below_the_cap_the_count_is_exact(project, annotator, client_for, cap):
    ItemFactory.create_batch(2, project=project)
    task = next_task(client_for(annotator), project)
    assert task["progress"] == {"done": 0, "remaining": 2, "remaining_capped": False}


def test_an_own_submit_leaves_a_capped_count_capped(project, items, annotator, client_for, cap, django_capture_on_commit_callbacks):
    client = client_for(annotator)
    task = next_task(client, project)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/tasks/{task['assignment_id']}/annotation/", {
            "client_id": str(uuid.uuid4()), "preference_strength": -1, "justification": "ok",
            "attribute_scores": {slot: {name: 3 for name in project.attribute_names} for slot in ("A", "B")},
        }, format="json")
    assert response.status_code == 201
    assert next_task(client, project)["progress"]["remaining_capped"] is True


def test_the_project_list_shows_a_capped_count_with_a_plus(project, items, annotator, client, cap):
    client.force_login(annotator)
    assert "3+ open" in client.get("/").content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_recount_probes_at_most_the_cap_whatever_the_history(project, annotator, client_for, cap):
    """The plan PostgreSQL runs: the annotator's finished assignments are never read in bulk (no hash or
    merge anti-join over them); each candidate item costs one probe of the (item, annotator) index."""
    if connection.vendor != "postgresql":
        message = "needs PostgreSQL (set DATABASE_URL=postgres://…): the query plan is what is under test"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    history = ItemFactory.create_batch(60, project=project, completed_count=1)  # judged by the annotator, open to others
    now = timezone.now()
    Assignment.objects.bulk_create(Assignment(item=item, annotator=annotator, state=AssignmentState.SUBMITTED, leased_at=now,
                                              lease_expires_at=now) for item in history)
    Annotation.objects.bulk_create(Annotation(item=item, annotator=annotator, preference_strength=1) for item in history)
    ItemFactory.create_batch(20, project=project)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        next_task(client_for(annotator), project)
    [count_sql] = [q["sql"] for q in queries.captured_queries if OPEN_ITEMS_COUNT in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + count_sql)
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    every = list(nodes(plan[0]["Plan"]))
    assert not [n["Node Type"] for n in every if n.get("Join Type") == "Anti"]
    probes = [n for n in every if n.get("Relation Name") == "annotation_assignment"]
    assert probes and all(n["Actual Rows"] <= 1 for n in probes)  # per loop: a probe, not a read of the history
