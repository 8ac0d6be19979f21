"""`GET /api/annotations/<id>/task/`: an annotator's own annotation with its task as shown (issue 16.2)."""
from tests.annotation.test_blind_task_payload import TASK_KEYS, shown, submit
from tests.factories import ItemFactory


def test_the_task_comes_back_as_shown_and_blind(project, annotator, client_for):
    item = ItemFactory(project=project)
    client = client_for(annotator)
    task = shown(client, project, swapped=True)
    created = submit(client, task, strength=-3).json()
    body = client.get(f"/api/annotations/{created['id']}/task/").json()
    assert set(body["task"]) == TASK_KEYS
    assert body["task"]["assignment_id"] == task["assignment_id"]
    assert [r["text"] for r in body["task"]["responses"]] == [item.response_2.text, item.response_1.text]
    assert body["annotation"]["preference_strength"] == -3
    assert "item" not in body["annotation"]


def test_someone_elses_annotation_is_not_found(project, annotator, other_annotator, client_for):
    ItemFactory(project=project)
    client = client_for(annotator)
    created = submit(client, shown(client, project, swapped=False)).json()
    assert client_for(other_annotator).get(f"/api/annotations/{created['id']}/task/").status_code == 404
