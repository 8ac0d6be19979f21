"""next-task and progress cost the same however many assignments an annotator has (issue 18.2)."""
import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotation import services
from annotation.models import Annotation, AnnotatorProgress, Assignment
from tests.factories import ItemFactory, MembershipFactory, ProjectFactory, attribute_scores_for


def submit(annotator, assignment):
    return services.annotation_submit(
        annotator=annotator, assignment=assignment, client_id=uuid.uuid4(),
        data=services.AnnotationInput(preference_strength=-1, attribute_scores=attribute_scores_for(assignment.item), justification="ok"),
    )


def candidate_queries(queries):
    return [q["sql"] for q in queries.captured_queries if "ORDER BY i.completed_count" in q["sql"]]


def test_the_candidate_query_selects_nothing_from_the_annotators_other_assignments(project, items, annotator):
    with CaptureQueriesContext(connection) as queries:
        services.assignment_next(annotator=annotator, project=project)
    [candidate] = candidate_queries(queries)
    select_list = candidate.split(' FROM "annotation_item" i')[0]
    # The claims subquery (per candidate item) stays; nothing of this annotator's assignments is selected.
    assert "EXISTS" not in select_list.upper() and "annotator_id" not in select_list


def test_an_own_expired_lease_is_renewed_not_duplicated(project, annotator):
    project.overlap = 1
    project.save()
    ItemFactory(project=project)
    first = services.assignment_next(annotator=annotator, project=project)
    Assignment.objects.filter(pk=first.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    again = services.assignment_next(annotator=annotator, project=project)
    assert again.pk == first.pk and again.lease_expires_at > timezone.now()
    assert Assignment.objects.filter(annotator=annotator).count() == 1


def test_submits_count_progress_up_and_next_task_reads_the_counter(project, items, annotator, client_for):
    client = client_for(annotator)
    for _ in range(3):
        task = client.post(f"/api/projects/{project.slug}/next-task/", {}, format="json").json()
        response = client.post(f"/api/tasks/{task['assignment_id']}/annotation/", {
            "client_id": str(uuid.uuid4()), "preference_strength": -1, "justification": "ok",
            "attribute_scores": {slot: {name: 3 for name in project.attribute_names} for slot in ("A", "B")},
        }, format="json")
        assert response.status_code == 201
    assert AnnotatorProgress.objects.get(project=project, annotator=annotator).done == 3
    with CaptureQueriesContext(connection) as queries:
        task = client.post(f"/api/projects/{project.slug}/next-task/", {}, format="json").json()
    assert task["progress"]["done"] == 3
    # done comes from the counter: no count over the annotator's annotations.
    assert not [q["sql"] for q in queries.captured_queries if 'COUNT(*) AS "__count" FROM "annotation_annotation"' in q["sql"]]


def test_a_first_submit_starts_the_counter_from_existing_annotations(project, items, annotator):
    earlier = items[0]
    Assignment.objects.create(item=earlier, annotator=annotator, state="submitted", leased_at=timezone.now(), lease_expires_at=timezone.now())
    Annotation.objects.create(item=earlier, annotator=annotator, preference_strength=1)
    assignment = services.assignment_next(annotator=annotator, project=project)
    submit(annotator, assignment)
    assert AnnotatorProgress.objects.get(project=project, annotator=annotator).done == 2


def test_the_project_list_reads_every_projects_done_count_in_one_query(project, items, annotator, client):
    others = ProjectFactory.create_batch(3)
    for other in others:
        MembershipFactory(project=other, user=annotator)
        ItemFactory(project=other)
    for each in [project, *others]:
        submit(annotator, services.assignment_next(annotator=annotator, project=each))
    client.force_login(annotator)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/")
    assert page.status_code == 200 and page.content.decode().count("you: 1 done") == 4
    assert len([q for q in queries.captured_queries if "annotation_annotatorprogress" in q["sql"]]) == 1
    # No count over the annotator's annotations (the open-items count, cached, keeps its own query).
    assert not [q["sql"] for q in queries.captured_queries if 'COUNT(*) AS "__count" FROM "annotation_annotation"' in q["sql"]]


def test_the_annotations_list_counts_from_the_counters_not_count_star(project, items, annotator, client_for):
    for _ in range(3):
        submit(annotator, services.assignment_next(annotator=annotator, project=project))
    with CaptureQueriesContext(connection) as queries:
        body = client_for(annotator).get("/api/annotations/?limit=2").json()
    assert (body["count"], len(body["results"])) == (3, 2) and "offset=2" in body["next"]
    assert not [q["sql"] for q in queries.captured_queries if 'COUNT(*) AS "__count" FROM "annotation_annotation"' in q["sql"]]
