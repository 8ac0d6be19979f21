"""Issue 15.2–3: the review and adjudication queues, their permissions, reject → re-annotate, corrections,
and adjudicated labels and review status in exports."""
import uuid

import pytest

from annotation import services
from annotation.models import Assignment, AssignmentState, Item
from quality.models import QualitySettings, Review
from tests.datasets_app.export_builders import annotate, pair, read_jsonl, read_stored
from tests.factories import ItemFactory, MembershipFactory, UserFactory

QUEUES = ["review-queue/", "adjudication-queue/", "quality-settings/"]


def submit(annotator, assignment, strength=-2, justification="@A is right.", seconds=30.0):
    return services.annotation_submit(
        annotator=annotator, assignment=assignment, client_id=uuid.uuid4(),
        data=services.AnnotationInput(preference_strength=strength, justification=justification, time_spent_seconds=seconds),
    )[0]


@pytest.fixture
def pairwise(project):
    project.task_types = ["pairwise"]
    project.save()
    QualitySettings.objects.create(project=project, review_mode="all")
    return project


@pytest.mark.parametrize("path", QUEUES)
def test_queues_are_404_to_non_members_and_403_to_annotators(pairwise, annotator, client_for, path):
    stranger = UserFactory(username="stranger", role="researcher")
    assert client_for(stranger).get(f"/api/projects/demo/{path}").status_code == 404
    assert client_for(annotator).get(f"/api/projects/demo/{path}").status_code == 403


@pytest.mark.parametrize("page", ["review", "adjudicate"])
def test_quality_pages_are_404_to_non_members_and_403_to_annotators(pairwise, annotator, client, page):
    stranger = UserFactory(username="stranger", role="researcher")
    client.force_login(stranger)
    assert client.get(f"/projects/demo/{page}/").status_code == 404
    client.force_login(annotator)
    assert client.get(f"/projects/demo/{page}/").status_code == 403


def test_decisions_and_adjudications_are_refused_to_annotators(pairwise, annotator, other_annotator, client_for):
    item = ItemFactory(project=pairwise)
    annotation = submit(annotator, services.assignment_next(annotator=annotator, project=pairwise))
    client = client_for(other_annotator)
    assert client.post(f"/api/projects/demo/reviews/{annotation.pk}/", {"decision": "accept"}, format="json").status_code == 403
    assert client.post("/api/projects/demo/adjudications/", {"item_id": item.pk, "preference_strength": 1},
                       format="json").status_code == 403
    assert not Review.objects.exists()


def test_the_reviewer_sees_the_annotation_in_the_order_the_annotator_saw(pairwise, annotator, researcher, client_for):
    item = ItemFactory(project=pairwise)
    assignment = services.assignment_next(annotator=annotator, project=pairwise)
    Assignment.objects.filter(pk=assignment.pk).update(swapped=True)
    assignment.refresh_from_db()
    submit(annotator, assignment, strength=-2, justification="@A is right.", seconds=12.5)
    [task] = client_for(researcher).get("/api/projects/demo/review-queue/").json()
    assert [r["id"] for r in task["responses"]] == ["A", "B"]
    assert item.response_2.text in task["responses"][0]["html"]  # swapped: response 2 was shown first
    assert task["preference_strength"] == -2 and task["justification"] == "@A is right."
    assert task["time_spent_seconds"] == 12.5 and task["annotator"] == "anna"


def test_a_rejected_annotation_returns_its_item_for_a_fresh_annotation(pairwise, annotator, other_annotator, researcher, client_for):
    pairwise.overlap = 1
    pairwise.save()
    item = ItemFactory(project=pairwise)
    annotation = submit(annotator, services.assignment_next(annotator=annotator, project=pairwise))
    assert services.assignment_next(annotator=other_annotator, project=pairwise) is None  # overlap filled
    response = client_for(researcher).post(f"/api/projects/demo/reviews/{annotation.pk}/",
                                           {"decision": "reject", "reason": "Wrong side: B is correct."}, format="json")
    assert response.status_code == 201, response.json()
    assert Assignment.objects.get(item=item, annotator=annotator).state == AssignmentState.RETURNED
    assert Item.objects.get(pk=item.pk).completed_count == 0
    assert services.assignment_next(annotator=annotator, project=pairwise) is None  # not the same annotator again
    fresh = services.assignment_next(annotator=other_annotator, project=pairwise)
    assert fresh is not None and fresh.item == item
    submit(other_annotator, fresh, strength=2)
    assert Item.objects.get(pk=item.pk).completed_count == 1
    again = client_for(researcher).post(f"/api/projects/demo/reviews/{annotation.pk}/", {"decision": "accept"}, format="json")
    assert again.status_code == 409


def test_a_rejection_needs_a_reason_and_the_annotator_sees_it(pairwise, annotator, researcher, client_for, client):
    ItemFactory(project=pairwise)
    annotation = submit(annotator, services.assignment_next(annotator=annotator, project=pairwise))
    url = f"/api/projects/demo/reviews/{annotation.pk}/"
    assert client_for(researcher).post(url, {"decision": "reject", "reason": " "}, format="json").status_code == 400
    assert client_for(researcher).post(url, {"decision": "reject", "reason": "Misread the prompt."}, format="json").status_code == 201
    client.force_login(annotator)
    page = client.get("/projects/demo/mine/").content.decode()
    assert "Rejected" in page and "Misread the prompt." in page


def test_a_correction_replaces_the_original_in_exports(pairwise, annotator, researcher, client_for,
                                                       django_capture_on_commit_callbacks):
    item = pair(pairwise, "Q?", "first", "second")
    annotation = annotate(item, annotator, swapped=True, preference_strength=2, justification="Response A is best.")
    response = client_for(researcher).post(
        f"/api/projects/demo/reviews/{annotation.pk}/",
        {"decision": "correct", "preference_strength": 3, "justification": "@B is much better."}, format="json")
    assert response.status_code == 201, response.json()
    version = _export(pairwise, researcher, django_capture_on_commit_callbacks, "helpsteer2-preference")
    [row] = read_jsonl(version, "preference")
    # Shown swapped: B (second shown) is stored response 1, so +3 as shown is −3 stored.
    assert row["preference_strength"] == -3
    assert row["all_preferences_unprocessed"] == [{"strength": -3, "justification": "@Response 1 is much better."}]


def _export(project, researcher, capture, fmt, **filters):
    from datasets_app.exports.services import dataset_version_create

    with capture(execute=True):
        version = dataset_version_create(project=project, format=fmt, created_by=researcher, filters=filters,
                                         policy={"validation_fraction": 0.0})
    version.refresh_from_db()
    assert version.status == "ready", version.error
    return version


def test_accepted_only_exports_and_the_card_counts_reviews(pairwise, annotator, other_annotator, researcher, client_for,
                                                         django_capture_on_commit_callbacks):
    kept = pair(pairwise, "Kept?", "k1", "k2")
    accepted = annotate(kept, annotator, preference_strength=-2, justification="@A.")
    other = pair(pairwise, "Other?", "o1", "o2")
    annotate(other, annotator, preference_strength=2, justification="@B.")
    rejected = pair(pairwise, "Rejected?", "r1", "r2")
    bad = annotate(rejected, other_annotator, preference_strength=3, justification="@B!")
    client = client_for(researcher)
    assert client.post(f"/api/projects/demo/reviews/{accepted.pk}/", {"decision": "accept"}, format="json").status_code == 201
    assert client.post(f"/api/projects/demo/reviews/{bad.pk}/", {"decision": "reject", "reason": "no"}, format="json").status_code == 201
    everything = _export(pairwise, researcher, django_capture_on_commit_callbacks, "helpsteer2-preference")
    assert sorted(row["prompt"] for row in read_jsonl(everything, "preference")) == ["Kept?", "Other?"]
    card = read_stored(everything, "README.md").decode()
    assert "annotations accepted by a reviewer (corrections included): 1" in card
    assert "annotations not reviewed: 1" in card
    only = _export(pairwise, researcher, django_capture_on_commit_callbacks, "helpsteer2-preference", review="accepted")
    assert [row["prompt"] for row in read_jsonl(only, "preference")] == ["Kept?"]


def test_disagreeing_items_are_adjudicated_and_exports_use_the_adjudicated_label(
        pairwise, annotator, other_annotator, researcher, client_for, django_capture_on_commit_callbacks):
    third = UserFactory(username="tess", role="annotator")
    MembershipFactory(project=pairwise, user=third)
    opposite = pair(pairwise, "Opposite?", "p1", "p2")
    annotate(opposite, annotator, preference_strength=-1, justification="@A.")
    annotate(opposite, other_annotator, swapped=True, preference_strength=2, justification="@A is better.")
    wide = pair(pairwise, "Wide?", "w1", "w2")
    annotate(wide, annotator, preference_strength=0)
    annotate(wide, other_annotator, preference_strength=3)
    agreed = pair(pairwise, "Agreed?", "a1", "a2")
    annotate(agreed, annotator, preference_strength=2, justification="@B.")
    annotate(agreed, other_annotator, preference_strength=3, justification="@B!")
    client = client_for(researcher)
    queue = client.get("/api/projects/demo/adjudication-queue/").json()
    assert [entry["item_id"] for entry in queue] == [opposite.pk, wide.pk]
    judgements = queue[0]["judgements"]
    assert [j["annotator"] for j in judgements] == ["annotator 1", "annotator 2"]
    assert [j["saw_swapped"] for j in judgements] == [False, True]
    assert "anna" not in str(queue) and "otto" not in str(queue)
    response = client.post("/api/projects/demo/adjudications/",
                           {"item_id": opposite.pk, "preference_strength": 2, "note": "@Response 2 is right."}, format="json")
    assert response.status_code == 201
    assert [entry["item_id"] for entry in client.get("/api/projects/demo/adjudication-queue/").json()] == [wide.pk]
    version = _export(pairwise, researcher, django_capture_on_commit_callbacks, "helpsteer2-preference")
    rows = {row["prompt"]: row for row in read_jsonl(version, "preference")}
    assert rows["Opposite?"]["preference_strength"] == 2
    assert rows["Opposite?"]["all_preferences_unprocessed"] == [{"strength": 2, "justification": "@Response 2 is right."}]
    assert "Wide?" not in rows  # spread 3 > 2, not adjudicated: dropped as before
    card = read_stored(version, "README.md").decode()
    assert "adjudicated items (label set by an adjudicator, the item's other judgements left out): 1" in card
    trl = _export(pairwise, researcher, django_capture_on_commit_callbacks, "trl-preference")
    chosen = {row["chosen"][0]["content"] for row in read_jsonl(trl, "train")}
    assert "p2" in chosen


def test_review_modes_sample_and_flagged(pairwise, annotator, researcher, client_for):
    settings = QualitySettings.objects.get(project=pairwise)
    ItemFactory.create_batch(2, project=pairwise)
    slow = submit(annotator, services.assignment_next(annotator=annotator, project=pairwise), seconds=60)
    fast = submit(annotator, services.assignment_next(annotator=annotator, project=pairwise), seconds=1)
    client = client_for(researcher)
    assert client.patch("/api/projects/demo/quality-settings/", {"review_mode": "flagged"}, format="json").status_code == 200
    [task] = client.get("/api/projects/demo/review-queue/").json()
    assert task["annotation_id"] == fast.pk and task["flags"] == ["fast"]
    assert client.patch("/api/projects/demo/quality-settings/", {"review_mode": "sample", "review_sample_rate": 0.0},
                        format="json").status_code == 200
    assert client.get("/api/projects/demo/review-queue/").json() == []
    settings.refresh_from_db()
    assert settings.review_mode == "sample"
    assert client.patch("/api/projects/demo/quality-settings/", {"review_sample_rate": 2}, format="json").status_code == 400
    assert slow.pk
