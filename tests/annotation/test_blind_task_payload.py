"""What an annotator receives tells neither gold from normal items (issue 13, point 5) nor the stored
order of the responses (point 6): responses are slots in the order shown, values come back as entered."""
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from annotation.models import Annotation, Assignment
from tests.factories import ItemFactory
from tests.hindsight.hindsight_helpers import import_scenarios, keyboard_scenario, lease, make_project, simulate_with_template

TASK_KEYS = {
    "assignment_id", "project", "lease_expires_at", "kind", "ask_preference", "justification_min_strength",
    "prompt", "responses", "attributes", "progress",
}


def next_task(client, project):
    return client.post(f"/api/projects/{project.slug}/next-task/", {}, format="json").json()


def shown(client, project, *, swapped):
    """The annotator's task, shown in the given order."""
    task = next_task(client, project)
    Assignment.objects.filter(pk=task["assignment_id"]).update(swapped=swapped)
    return next_task(client, project)


def submit(client, task, strength=-1, scores=None, **extra):
    scores = scores if scores is not None else {r["id"]: {a["name"]: 2 for a in task["attributes"]} for r in task["responses"]}
    body = {"client_id": str(uuid.uuid4()), "preference_strength": strength, "attribute_scores": scores,
            "justification": "because", **extra}
    return client.post(f"/api/tasks/{task['assignment_id']}/annotation/", body, format="json")


# ---------------------------------------------------------------- gold (point 5)


def test_done_counts_gold_items_like_the_others(project, annotator, client_for):
    project.gold_rate = 1.0
    project.save()
    ItemFactory(project=project, is_gold=True, gold_strength=-2)
    ItemFactory(project=project)
    client = client_for(annotator)
    gold = next_task(client, project)
    assert gold["progress"]["done"] == 0
    assert submit(client, gold).status_code == 201
    normal = next_task(client, project)
    assert normal["progress"]["done"] == 1


def test_the_task_payload_names_no_item(project, annotator, client_for):
    item = ItemFactory(project=project)
    task = next_task(client_for(annotator), project)
    assert set(task) == TASK_KEYS
    assert str(item.pk) not in {str(r["id"]) for r in task["responses"]}


def test_progress_moves_the_same_after_a_gold_and_a_normal_submission(project, annotator, client_for):
    project.overlap = 1
    project.gold_rate = 1.0
    project.save()
    ItemFactory(project=project, is_gold=True, gold_strength=-2)
    ItemFactory.create_batch(3, project=project)
    client = client_for(annotator)
    progress = []
    task = next_task(client, project)  # gold first (gold_rate 1), then normal items
    for _ in range(3):
        progress.append(task["progress"])
        assert submit(client, task).status_code == 201
        cache.clear()  # no stale cached count either way
        task = next_task(client, project)
    progress.append(task["progress"])
    steps = [(b["done"] - a["done"], b["remaining"] - a["remaining"]) for a, b in zip(progress, progress[1:])]
    assert steps[0] == steps[1] == steps[2], f"after gold: {steps[0]}, after normal items: {steps[1:]}"


def test_my_annotations_name_no_item(project, annotator, client_for):
    ItemFactory(project=project)
    client = client_for(annotator)
    task = next_task(client, project)
    created = submit(client, task).json()
    listed = client.get("/api/annotations/").json()["results"][0]
    for body in (created, listed, client.get(f"/api/annotations/{created['id']}/").json()):
        assert "item" not in body
        assert body["assignment_id"] == task["assignment_id"]


# ---------------------------------------------------------------- display order (point 6)


@pytest.mark.parametrize("swapped", [False, True])
def test_responses_are_slots_in_the_order_shown(project, annotator, client_for, swapped):
    item = ItemFactory(project=project)
    task = shown(client_for(annotator), project, swapped=swapped)
    assert [(r["id"], r["label"]) for r in task["responses"]] == [("A", "A"), ("B", "B")]
    first, second = (item.response_2, item.response_1) if swapped else (item.response_1, item.response_2)
    assert [r["text"] for r in task["responses"]] == [first.text, second.text]


def test_attribute_scores_are_submitted_by_slot(project, annotator, client_for):
    item = ItemFactory(project=project)
    client = client_for(annotator)
    task = shown(client, project, swapped=True)
    names = [a["name"] for a in task["attributes"]]
    response = submit(client, task, scores={"A": dict.fromkeys(names, 4), "B": dict.fromkeys(names, 1)})
    assert response.status_code == 201, response.json()
    stored = Annotation.objects.get(item=item)
    assert stored.attribute_scores["2"]["helpfulness"] == 4 and stored.attribute_scores["1"]["helpfulness"] == 1


def test_a_response_id_is_not_a_slot(project, annotator, client_for):
    item = ItemFactory(project=project)
    client = client_for(annotator)
    task = next_task(client, project)
    names = [a["name"] for a in task["attributes"]]
    response = submit(client, task, scores={str(item.response_1_id): dict.fromkeys(names, 2), "B": dict.fromkeys(names, 2)})
    assert response.status_code == 400
    assert "attribute_scores" in response.json()["errors"]


@pytest.mark.parametrize("swapped", [False, True])
def test_the_submit_response_reports_what_the_annotator_entered(project, annotator, client_for, swapped):
    item = ItemFactory(project=project)
    client = client_for(annotator)
    task = shown(client, project, swapped=swapped)
    names = [a["name"] for a in task["attributes"]]
    scores = {"A": dict.fromkeys(names, 4), "B": dict.fromkeys(names, 0)}
    created = submit(client, task, strength=1, scores=scores).json()
    assert (created["preference_strength"], created["attribute_scores"]) == (1, scores)
    assert Annotation.objects.get(item=item).preference_strength == (-1 if swapped else 1)
    listed = client.get("/api/annotations/").json()["results"][0]
    assert (listed["preference_strength"], listed["attribute_scores"]) == (1, scores)
    revised = client.patch(
        f"/api/annotations/{created['id']}/",
        {"preference_strength": -2, "attribute_scores": scores, "justification": "on reflection"}, format="json",
    ).json()
    assert (revised["preference_strength"], revised["attribute_scores"]) == (-2, scores)
    assert Annotation.objects.get(item=item).preference_strength == (2 if swapped else -2)


def test_the_hindsight_reveal_names_slots_not_responses(annotator, other_annotator, researcher, client_for):
    project = make_project(annotator, other_annotator, researcher, slug="hs-pairs")
    import_scenarios(project, keyboard_scenario(), layout="pairs")
    simulate_with_template(project)
    assignment = lease(annotator, project, swapped=True)
    api = client_for(annotator)
    api.post(reverse("api-hindsight-foresight", args=[assignment.pk]), {"rating": 2}, format="json")
    revealed = api.post(reverse("api-hindsight-reveal", args=[assignment.pk]), {}, format="json").json()
    assert "item_id" not in revealed
    assert [r["id"] for r in revealed["responses"]] == ["A", "B"]
    assert [set(o) & {"response_id", "id"} for o in revealed["reveal"]["outcomes"]] == [set(), set()]


def test_the_my_annotations_page_shows_strengths_as_entered(project, annotator, client_for, client):
    ItemFactory(project=project)
    api = client_for(annotator)
    task = shown(api, project, swapped=True)
    assert submit(api, task, strength=2).status_code == 201
    client.force_login(annotator)
    page = client.get(reverse("annotation:my_annotations", args=[project.slug])).content.decode()
    assert "<td>2</td>" in page and "<td>-2</td>" not in page
