"""The "items still open" figure after each of an annotator's own submits and skips comes from their
cached count, taken down by one, not from a recount of the project's open items (at 1M annotations that
count joins tens of thousands of the annotator's assignments: it would be most of next-task's time)."""
import uuid

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation.progress import open_items_cache_key

OPEN_ITEMS_COUNT = 'SELECT COUNT(*) FROM (SELECT 1 FROM "annotation_item" i'


def next_task(client, project) -> dict:
    return client.post(f"/api/projects/{project.slug}/next-task/", {}, format="json").json()


def submit(client, project, task) -> None:
    response = client.post(f"/api/tasks/{task['assignment_id']}/annotation/", {
        "client_id": str(uuid.uuid4()), "preference_strength": -1, "justification": "ok",
        "attribute_scores": {slot: {name: 3 for name in project.attribute_names} for slot in ("A", "B")},
    }, format="json")
    assert response.status_code == 201


def test_a_submit_takes_one_off_the_cached_count_without_a_recount(project, items, annotator, client_for, django_capture_on_commit_callbacks):
    cache.clear()
    client = client_for(annotator)
    task = next_task(client, project)
    before = task["progress"]["remaining"]
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, project, task)

    with CaptureQueriesContext(connection) as queries:
        after = next_task(client, project)["progress"]["remaining"]

    assert after == before - 1
    assert not [q["sql"] for q in queries.captured_queries if OPEN_ITEMS_COUNT in q["sql"]]


def test_a_skip_takes_one_off_and_the_count_never_goes_below_zero(project, items, annotator, client_for, django_capture_on_commit_callbacks):
    cache.clear()
    client = client_for(annotator)
    task = next_task(client, project)
    key = open_items_cache_key(project_id=project.pk, annotator_id=annotator.pk)
    cache.set(key, 0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/tasks/{task['assignment_id']}/skip/", {"reason": "unclear"}, format="json")
    assert response.status_code == 200

    assert cache.get(key) == 0


def test_without_a_cached_count_the_submit_leaves_the_recount_to_the_next_read(project, items, annotator, client_for, django_capture_on_commit_callbacks):
    client = client_for(annotator)
    task = next_task(client, project)
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, project, task)

    with CaptureQueriesContext(connection) as queries:
        next_task(client, project)

    assert [q["sql"] for q in queries.captured_queries if OPEN_ITEMS_COUNT in q["sql"]]


def test_counts_cached_together_do_not_all_expire_together(project, annotator, monkeypatch):
    """50 annotators who start together would otherwise all be recounted in the same second, two minutes
    later (a p95 burst in the 1M load benchmark)."""
    from annotation import selectors

    timeouts = []
    monkeypatch.setattr(selectors.cache, "set", lambda key, value, timeout: timeouts.append(timeout))
    for _ in range(50):
        selectors.cache.delete(open_items_cache_key(project_id=project.pk, annotator_id=annotator.pk))
        selectors.open_items_count(project=project, annotator=annotator)
    assert len(timeouts) == 50 and len(set(timeouts)) > 10
    assert all(60 <= timeout <= 180 for timeout in timeouts)
