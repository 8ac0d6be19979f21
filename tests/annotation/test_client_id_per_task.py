"""Idempotency is per task (issue 13, point 10): the same task and client_id replay the stored
annotation; a client_id already used on another task is a 409 that says so, and nothing is dropped."""
import uuid

from annotation.models import Annotation, Assignment, AssignmentState
from tests.factories import ItemFactory


def body(task, client_id):
    scores = {r["id"]: {a["name"]: 2 for a in task["attributes"]} for r in task["responses"]}
    return {"client_id": client_id, "preference_strength": 1, "attribute_scores": scores, "justification": ""}


def test_a_client_id_used_on_another_task_is_a_conflict(project, annotator, client_for):
    ItemFactory.create_batch(2, project=project)
    client = client_for(annotator)
    first = client.post(f"/api/projects/{project.slug}/next-task/", {}, format="json").json()
    second = client.post(f"/api/projects/{project.slug}/next-task/", {"exclude": [first["assignment_id"]]}, format="json").json()
    client_id = str(uuid.uuid4())

    created = client.post(f"/api/tasks/{first['assignment_id']}/annotation/", body(first, client_id), format="json")
    reused = client.post(f"/api/tasks/{second['assignment_id']}/annotation/", body(second, client_id), format="json")
    replayed = client.post(f"/api/tasks/{first['assignment_id']}/annotation/", body(first, client_id), format="json")

    assert (created.status_code, reused.status_code, replayed.status_code) == (201, 409, 200)
    assert "another task" in reused.json()["message"]
    assert replayed.json()["id"] == created.json()["id"]
    assert Annotation.objects.count() == 1
    assert Assignment.objects.get(pk=second["assignment_id"]).state == AssignmentState.LEASED
    fresh = client.post(f"/api/tasks/{second['assignment_id']}/annotation/", body(second, str(uuid.uuid4())), format="json")
    assert fresh.status_code == 201
