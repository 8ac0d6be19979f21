"""Stored dashboard figures (issue 18): maintained in the background, read by requests, computed in
bounded memory, and agreement equal to the `krippendorff` library's."""
import random
import uuid
from datetime import timedelta

import krippendorff
import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotation import dashboard, selectors, services, stats
from annotation.agreement import krippendorff_alpha
from annotation.models import Annotation, Assignment, AssignmentState, ProjectStats
from annotation.tasks import refresh_project_stats
from tests.factories import ItemFactory, UserFactory, attribute_scores_for


def submit(annotator, project, strength=-1, seconds=12.0):
    assignment = services.assignment_next(annotator=annotator, project=project)
    return services.annotation_submit(
        annotator=annotator,
        assignment=assignment,
        client_id=uuid.uuid4(),
        data=services.AnnotationInput(
            preference_strength=strength, attribute_scores=attribute_scores_for(assignment.item),
            justification="ok", time_spent_seconds=seconds,
        ),
    )[0]


def annotate_directly(item, user, strength, helpfulness, seconds=5.0):
    Assignment.objects.create(item=item, annotator=user, state=AssignmentState.SUBMITTED, leased_at=item.created_at, lease_expires_at=item.created_at)
    scores = {slot: {"helpfulness": value} for slot, value in zip(("1", "2"), helpfulness)}
    return Annotation.objects.create(item=item, annotator=user, client_id=uuid.uuid4(), preference_strength=strength,
                                     attribute_scores=scores, time_spent_seconds=seconds)


def test_a_submit_marks_the_stored_figures_stale(project, items, annotator):
    stats.project_stats_refresh(project=project)
    assert ProjectStats.objects.get(project=project).stale is False
    submit(annotator, project)
    assert ProjectStats.objects.get(project=project).stale is True


def test_revising_and_skipping_mark_them_stale_too(project, items, annotator):
    annotation = submit(annotator, project)
    stats.project_stats_refresh(project=project)
    services.annotation_revise(annotator=annotator, annotation=annotation, data=services.AnnotationInput(
        preference_strength=2, attribute_scores=attribute_scores_for(annotation.item), justification="better"))
    assert ProjectStats.objects.get(project=project).stale is True
    stats.project_stats_refresh(project=project)
    assignment = services.assignment_next(annotator=annotator, project=project)
    services.assignment_skip(assignment=assignment, annotator=annotator, reason="unclear")
    assert ProjectStats.objects.get(project=project).stale is True


def test_the_beat_task_recomputes_stale_projects_only(project, items, annotator):
    stats.project_stats_refresh(project=project)
    before = ProjectStats.objects.get(project=project)
    assert before.payload["annotations"] == 0
    assert refresh_project_stats() == []  # nothing changed: nothing recomputed
    submit(annotator, project)
    assert refresh_project_stats() == [project.pk]
    after = ProjectStats.objects.get(project=project)
    assert after.payload["annotations"] == 1 and after.stale is False and after.computed_at >= before.computed_at
    assert refresh_project_stats() == []


def test_the_beat_task_refreshes_figures_older_than_the_maximum_age(project, items, settings):
    settings.VERDICT_STATS_MAX_AGE_SECONDS = 60
    stats.project_stats_refresh(project=project)
    ProjectStats.objects.filter(project=project).update(computed_at=timezone.now() - timedelta(minutes=5))
    assert refresh_project_stats() == [project.pk]


def test_the_stats_api_serves_the_stored_row_without_reading_annotations(project, items, annotator, researcher, client_for):
    first = client_for(researcher).get(f"/api/projects/{project.slug}/stats/").json()  # computed once, on first read
    # ... without the slow figures (the reliability model), so left stale for the background refresh.
    assert first["annotations"] == 0 and first["computed_at"] and first["stale"] is True
    assert refresh_project_stats() == [project.pk]
    first = client_for(researcher).get(f"/api/projects/{project.slug}/stats/").json()
    assert first["stale"] is False
    submit(annotator, project)
    with CaptureQueriesContext(connection) as queries:
        stored = client_for(researcher).get(f"/api/projects/{project.slug}/stats/").json()
    assert not [q["sql"] for q in queries.captured_queries if "annotation_annotation" in q["sql"]]
    assert stored["annotations"] == 0 and stored["stale"] is True and stored["computed_at"] == first["computed_at"]
    refresh_project_stats()
    assert client_for(researcher).get(f"/api/projects/{project.slug}/stats/").json()["annotations"] == 1


def test_the_dashboard_page_says_how_old_its_figures_are(project, items, annotator, researcher, client):
    stats.project_stats_refresh(project=project)
    computed_at = timezone.now() - timedelta(seconds=42)
    ProjectStats.objects.filter(project=project).update(computed_at=computed_at)
    submit(annotator, project)
    client.force_login(researcher)
    page = client.get(f"/projects/{project.slug}/dashboard/").content.decode()
    shown = timezone.localtime(computed_at).strftime("%H:%M:%S")
    assert f"Figures as of {shown} (42 s ago); changes since then are being counted." in page


def _random_annotations(project, n_items, annotators, rng):
    project.attribute_schema = [{"name": "helpfulness", "min": 0, "max": 4, "levels": {}}]
    project.save()
    units = []
    for item in ItemFactory.create_batch(n_items, project=project):
        raters = rng.sample(annotators, rng.randint(1, len(annotators)))
        values = [(rng.randint(0, 4), rng.randint(0, 4)) for _ in raters]
        for user, (first, second) in zip(raters, values):
            annotate_directly(item, user, rng.randint(-3, 3), (first, second), seconds=rng.uniform(1, 60))
        units += [[v[0] for v in values], [v[1] for v in values]]
    return units


def test_streamed_agreement_equals_the_krippendorff_library_across_chunk_boundaries(project, annotator, other_annotator):
    annotators = [annotator, other_annotator, UserFactory(username="third", role="annotator")]
    units = _random_annotations(project, 40, annotators, random.Random(7))
    value_counts = np.array([[unit.count(v) for v in range(5)] for unit in units])
    expected = krippendorff.alpha(value_counts=value_counts, level_of_measurement="ordinal")
    for chunk_size in (1, 3, 1000):
        agreement = dashboard.project_agreement(project=project, chunk_size=chunk_size)
        assert agreement["alpha"]["helpfulness"] == pytest.approx(expected)
    assert krippendorff_alpha(units, level="nominal") == pytest.approx(
        krippendorff.alpha(value_counts=value_counts, level_of_measurement="nominal"))


def test_the_agreement_pass_streams_rows_with_iterator(project, annotator, other_annotator, monkeypatch):
    """The pass asks for rows chunk by chunk (QuerySet.iterator) rather than materialising them."""
    _random_annotations(project, 5, [annotator, other_annotator], random.Random(1))
    chunk_sizes = []
    original = type(Annotation.objects.all()).iterator

    def recording_iterator(queryset, chunk_size=None):
        chunk_sizes.append(chunk_size)
        return original(queryset, chunk_size=chunk_size)

    monkeypatch.setattr(type(Annotation.objects.all()), "iterator", recording_iterator)
    dashboard.project_dashboard(project=project)
    assert chunk_sizes == [dashboard.CHUNK_SIZE]


def test_recomputing_costs_the_same_number_of_queries_whatever_the_number_of_annotations(project, annotator, other_annotator):
    users = [annotator, other_annotator]
    _random_annotations(project, 3, users, random.Random(2))
    with CaptureQueriesContext(connection) as small:
        dashboard.project_dashboard(project=project)
    _random_annotations(project, 60, users, random.Random(3))
    with CaptureQueriesContext(connection) as large:
        dashboard.project_dashboard(project=project)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_medians_and_gold_accuracy_match_a_direct_computation(project, annotator, other_annotator):
    from statistics import median

    _random_annotations(project, 25, [annotator, other_annotator], random.Random(5))
    gold = ItemFactory(project=project, is_gold=True, gold_strength=2)
    annotate_directly(gold, annotator, 1, (1, 1))
    annotate_directly(gold, other_annotator, -1, (1, 1))
    rows = {row["annotator"]: row for row in selectors.project_dashboard(project=project)["annotators"]}
    for user in (annotator, other_annotator):
        times = list(Annotation.objects.filter(annotator=user).values_list("time_spent_seconds", flat=True))
        assert rows[user.username]["median_seconds"] == round(median(times), 1)
    assert (rows[annotator.username]["gold_accuracy"], rows[other_annotator.username]["gold_accuracy"]) == (1.0, 0.0)
