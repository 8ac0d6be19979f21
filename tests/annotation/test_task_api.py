import uuid

from annotation.models import Annotation
from tests.factories import ItemFactory


def next_task(client, slug, **body):
    return client.post(f"/api/projects/{slug}/next-task/", body, format="json")


def answer(task, strength=-1, **extra):
    scores = {str(r["id"]): {a["name"]: 2 for a in task["attributes"]} for r in task["responses"]}
    return {"client_id": str(uuid.uuid4()), "preference_strength": strength, "attribute_scores": scores, "justification": "", **extra}


def test_an_annotator_works_through_the_queue_over_http(project, annotator, client_for):
    ItemFactory(project=project)
    client = client_for(annotator)
    task = next_task(client, project.slug).json()
    assert task["kind"] == "pairwise" and len(task["responses"]) == 2
    assert "model_name" not in str(task["responses"]), "annotators judge blind"
    body = answer(task)
    created = client.post(f"/api/tasks/{task['assignment_id']}/annotation/", body, format="json")
    repeated = client.post(f"/api/tasks/{task['assignment_id']}/annotation/", body, format="json")
    assert (created.status_code, repeated.status_code) == (201, 200)
    assert created.json()["id"] == repeated.json()["id"]
    assert Annotation.objects.count() == 1
    assert next_task(client, project.slug).status_code == 204


def test_errors_are_json_with_a_clear_message(project, annotator, client_for):
    ItemFactory(project=project)
    client = client_for(annotator)
    task = next_task(client, project.slug).json()
    response = client.post(f"/api/tasks/{task['assignment_id']}/annotation/", answer(task, strength=3), format="json")
    assert response.status_code == 400
    assert "justification" in response.json()["message"]
    assert Annotation.objects.count() == 0


def test_the_first_response_shown_is_the_negative_side(project, annotator, client_for):
    item = ItemFactory(project=project)
    client = client_for(annotator)
    task = next_task(client, project.slug).json()
    client.post(f"/api/tasks/{task['assignment_id']}/annotation/", answer(task, strength=-3, justification="A is right"), format="json")
    first_shown_is_response_1 = task["responses"][0]["text"] == item.response_1.text
    assert Annotation.objects.get().preference_strength == (-3 if first_shown_is_response_1 else 3)


def test_prefetch_respects_the_lease_limit(project, items, annotator, client_for):
    client = client_for(annotator)
    first = next_task(client, project.slug).json()
    second = next_task(client, project.slug, exclude=[first["assignment_id"]]).json()
    third = next_task(client, project.slug, exclude=[first["assignment_id"], second["assignment_id"]])
    assert third.status_code == 409
    assert "finish or skip" in third.json()["message"]


def test_skip_with_reason(project, annotator, client_for):
    ItemFactory(project=project)
    client = client_for(annotator)
    task = next_task(client, project.slug).json()
    assert client.post(f"/api/tasks/{task['assignment_id']}/skip/", {"reason": "unsafe"}, format="json").status_code == 200
    assert client.post(f"/api/tasks/{task['assignment_id']}/skip/", {"reason": "unsafe"}, format="json").status_code == 409
    assert next_task(client, project.slug).status_code == 204


def test_model_text_is_sanitised_in_the_payload(project, annotator, client_for):
    item = ItemFactory(project=project)
    item.response_1.text = "<script>alert(1)</script> **bold**"
    item.response_1.save()
    task = next_task(client_for(annotator), project.slug).json()
    html = next(r["html"] for r in task["responses"] if r["text"] == item.response_1.text)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<strong>bold</strong>" in html


def test_researchers_create_projects_and_become_members(researcher, client_for):
    response = client_for(researcher).post(
        "/api/projects/", {"name": "New", "slug": "new", "task_types": ["pairwise"]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["attribute_schema"][0]["name"] == "helpfulness"
    assert client_for(researcher).get("/api/projects/new/").status_code == 200


def test_token_authentication(project, annotator, api_client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=annotator)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/projects/").json()["results"][0]["slug"] == project.slug
