"""My annotations costs a fixed number of queries per page, whatever the number of rows on it: the review
status shown per row comes with the annotations, not one query per row (found by benchmarks/scale.py's
--explain: 25 review lookups per page)."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.datasets_app.export_builders import annotate, pair


def page_queries(client, project) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("annotation:my_annotations", args=[project.slug]))
    assert response.status_code == 200
    return len(captured)


def test_the_query_count_does_not_grow_with_the_rows_on_the_page(client, project, annotator):
    client.force_login(annotator)
    for n in range(2):
        annotate(pair(project, f"Question {n}?", f"one {n}", f"two {n}"), annotator, preference_strength=1)
    few = page_queries(client, project)
    for n in range(2, 12):
        annotate(pair(project, f"Question {n}?", f"one {n}", f"two {n}"), annotator, preference_strength=-1)

    assert page_queries(client, project) == few
