"""Lists page by keyset, not OFFSET, and never COUNT(*) a long list (issue 18, point 1)."""
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotation import services
from annotation.models import Annotation, Project
from tests.annotation.test_next_task_costs import submit
from tests.factories import ItemFactory

COUNT_OVER_ANNOTATIONS = 'COUNT(*) AS "__count" FROM "annotation_annotation"'


def annotate(project, annotator, n):
    ItemFactory.create_batch(n, project=project)
    for _ in range(n):
        submit(annotator, services.assignment_next(annotator=annotator, project=project))
    # Ties on created_at (a bulk import writes many at once): the id orders them.
    moment = timezone.now() - timedelta(days=1)
    Annotation.objects.filter(pk__in=list(Annotation.objects.order_by("pk").values_list("pk", flat=True)[:3])).update(created_at=moment)
    return list(Annotation.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))


def walk(client, url, link="next"):
    """Follows the links from url; returns the ids seen and the SQL of every page after the first."""
    seen, later_sql = [], []
    body = client.get(url).json()
    seen += [row["id"] for row in body["results"]]
    while body[link]:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(body[link]).json()
        later_sql += [q["sql"] for q in queries.captured_queries]
        seen += [row["id"] for row in body["results"]]
    return seen, later_sql


def test_walking_the_annotations_list_reads_no_offset_and_counts_nothing(project, annotator, client_for):
    expected = annotate(project, annotator, 7)
    seen, later_sql = walk(client_for(annotator), "/api/annotations/?limit=2")
    assert seen == expected
    page_reads = [sql for sql in later_sql if 'FROM "annotation_annotation"' in sql]
    assert len(page_reads) == 3
    assert not [sql for sql in page_reads if "OFFSET" in sql]
    assert not [sql for sql in later_sql if COUNT_OVER_ANNOTATIONS in sql]


def test_the_links_keep_the_position_and_walk_back(project, annotator, client_for):
    expected = annotate(project, annotator, 7)
    client = client_for(annotator)
    body = client.get("/api/annotations/?limit=3").json()
    assert body["count"] == 7 and body["previous"] is None and "offset=3" in body["next"]
    last = client.get(client.get(body["next"]).json()["next"]).json()
    assert [row["id"] for row in last["results"]] == expected[6:] and last["next"] is None
    assert "offset=3" in last["previous"]
    # Back from the last page to the first, by the previous links.
    back, _ = walk(client, last["previous"], link="previous")
    assert back == expected[3:6] + expected[:3]


def test_a_long_list_is_counted_up_to_a_cap_and_still_walked_to_its_end(admin_user, client_for, monkeypatch):
    monkeypatch.setattr("verdict.pagination.COUNT_CAP", 4)
    Project.objects.bulk_create(Project(name=f"P{n:02d}", slug=f"p{n}") for n in range(9))
    client = client_for(admin_user)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/projects/?limit=2").json()
    [count_sql] = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert "LIMIT 5" in count_sql
    assert body["count"] == 4
    seen, _ = walk(client, "/api/projects/?limit=2")
    assert seen == list(Project.objects.order_by("name", "id").values_list("id", flat=True))


def test_a_deep_offset_into_a_long_list_is_a_400_that_names_the_links(admin_user, client_for, monkeypatch):
    monkeypatch.setattr("verdict.pagination.COUNT_CAP", 4)
    monkeypatch.setattr("verdict.pagination.MAX_OFFSET", 4)
    Project.objects.bulk_create(Project(name=f"P{n:02d}", slug=f"p{n}") for n in range(9))
    response = client_for(admin_user).get("/api/projects/?offset=6")
    assert response.status_code == 400 and "next links" in str(response.json()["errors"]["offset"])


def test_a_forged_cursor_is_a_400(project, annotator, client_for):
    client = client_for(annotator)
    for cursor in ("not-base64!!", "W10", "WyJ4IiwgMV0", "eyJhIjogMX0"):  # junk, [], ["x", 1], {"a": 1}
        response = client.get(f"/api/annotations/?after={cursor}")
        assert response.status_code == 400, cursor
        assert "cursor" in response.json()["errors"]
