"""The project dashboard (issue 15, part 5): imported labels counted apart from platform labels, charts
drawn from the stored figures, Likert rows only on Likert projects, and every figure in the stats API."""
import uuid

from annotation import stats
from annotation.models import Annotation, AnnotationSource, Assignment, AssignmentState
from tests.factories import ItemFactory


def _judge(item, user, strength, scores=None):
    Assignment.objects.create(item=item, annotator=user, state=AssignmentState.SUBMITTED, leased_at=item.created_at,
                              lease_expires_at=item.created_at)
    Annotation.objects.create(item=item, annotator=user, client_id=uuid.uuid4(), preference_strength=strength,
                              attribute_scores=scores or {}, time_spent_seconds=12.0)


def test_imported_labels_are_counted_apart(project, annotator, researcher, client):
    project.task_types = ["pairwise"]
    project.save()
    for strength in (-1, -1, 2):
        Annotation.objects.create(item=ItemFactory(project=project), source=AnnotationSource.IMPORTED, preference_strength=strength)
    _judge(ItemFactory(project=project), annotator, 3)
    stats.project_stats_refresh(project=project)
    client.force_login(researcher)
    page = client.get(f"/projects/{project.slug}/dashboard/").content.decode()
    assert "1 of 8 platform annotations" in page and "3 imported labels" in page
    body = client.get(f"/api/projects/{project.slug}/stats/").json()
    assert body["imported_annotations"] == 3
    assert body["strength_distribution"] == {"platform": {"3": 1}, "imported": {"-1": 2, "2": 1}}


def test_a_pairwise_only_project_shows_no_likert_rows_or_charts(project, annotator, researcher, client):
    project.task_types = ["pairwise"]
    project.save()
    stats.project_stats_refresh(project=project)
    client.force_login(researcher)
    page = client.get(f"/projects/{project.slug}/dashboard/").content.decode()
    assert "Krippendorff" not in page and "chart-attribute" not in page
    assert 'id="chart-strengths"' in page and 'id="chart-position"' in page


def test_a_likert_project_shows_alpha_and_a_chart_per_attribute(project, researcher, client):
    stats.project_stats_refresh(project=project)
    client.force_login(researcher)
    page = client.get(f"/projects/{project.slug}/dashboard/").content.decode()
    assert page.count("Krippendorff") == len(project.attribute_names)
    assert page.count('class="chart-attribute"') == len(project.attribute_names)


def test_the_series_are_per_day_and_the_page_serves_them_as_the_api_does(project, annotator, other_annotator, researcher, client):
    first, second = ItemFactory.create_batch(2, project=project)
    _judge(first, annotator, -2, {"1": {"helpfulness": 3}, "2": {"helpfulness": 1}})
    _judge(first, other_annotator, -1, {"1": {"helpfulness": 3}, "2": {"helpfulness": 2}})
    _judge(second, annotator, 2)
    _judge(second, other_annotator, -2)
    stats.project_stats_refresh(project=project)
    client.force_login(researcher)
    body = client.get(f"/api/projects/{project.slug}/stats/").json()
    [day] = body["annotations_per_day"]
    assert body["annotations_per_day"][day] == 4
    assert body["agreement"]["by_day"] == [{"day": day, "rate": 0.5, "cumulative": 0.5, "pairs": 2}]
    assert body["agreement"]["attribute_distributions"]["helpfulness"] == {"1": 1, "2": 1, "3": 2}
    page = client.get(f"/projects/{project.slug}/dashboard/")
    served = page.context["chart_data"]
    for key in ("annotators", "agreement", "strength_distribution", "annotations_per_day", "imported_annotations", "quality"):
        assert served[key] == body[key]
    assert 'id="dashboard-data"' in page.content.decode()
