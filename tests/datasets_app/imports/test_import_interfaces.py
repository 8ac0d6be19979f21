"""The three ways in: `manage.py import_items`, the REST API and the import page; only the project's
researchers and admins may import (annotators 403, non-members 404)."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from annotation.models import Item
from datasets_app.models import ImportRecord, ImportStatus
from tests.factories import UserFactory

GOOD_LINES = [{"prompt": "Q1", "responses": ["a", "b"]}, {"prompt": "Q2", "responses": ["c", "d"]}]


def jsonl(rows) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def upload(content: bytes, name: str = "items.jsonl") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


# ---------------------------------------------------------------- command


def test_command_imports_and_prints_counts(project, tmp_path, capsys):
    path = tmp_path / "items.jsonl"
    path.write_bytes(jsonl(GOOD_LINES))

    call_command("import_items", str(path), project=project.slug)

    assert "2 items" in capsys.readouterr().out
    assert Item.objects.count() == 2


def test_command_failure_lists_errors_and_exits_non_zero(project, tmp_path, capsys):
    path = tmp_path / "items.jsonl"
    path.write_bytes(jsonl([GOOD_LINES[0], {"prompt": "Q2", "responses": "c"}]))

    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_items", str(path), project=project.slug, format="jsonl")

    assert "items.jsonl:2: responses:" in capsys.readouterr().err
    assert Item.objects.count() == 0
    assert ImportRecord.objects.get().status == ImportStatus.FAILED


def test_command_unknown_project(db, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(jsonl(GOOD_LINES))

    with pytest.raises(CommandError, match="No project"):
        call_command("import_items", str(path), project="nope")


# ---------------------------------------------------------------- API


def api_url(project) -> str:
    return reverse("api-project-imports", args=[project.slug])


def test_api_researcher_imports_and_lists(project, researcher, client_for):
    client = client_for(researcher)

    created = client.post(api_url(project), {"file": upload(jsonl(GOOD_LINES)), "format": "auto"}, format="multipart")
    listed = client.get(api_url(project))

    assert created.status_code == 201
    assert (created.json()["status"], created.json()["items_created"], created.json()["created_by"]) == ("succeeded", 2, "rita")
    assert [row["id"] for row in listed.json()["results"]] == [created.json()["id"]]


def test_api_errors_are_a_400_with_the_error_list(project, researcher, client_for):
    content = jsonl(GOOD_LINES) + b"{not json\n"

    response = client_for(researcher).post(api_url(project), {"file": upload(content)}, format="multipart")

    assert response.status_code == 400
    body = response.json()
    assert [(e["file"], e["line"]) for e in body["errors"]] == [("items.jsonl", 3)]
    assert body["record"]["status"] == "failed"
    assert Item.objects.count() == 0


def test_api_annotator_is_forbidden(project, annotator, client_for):
    client = client_for(annotator)

    assert client.post(api_url(project), {"file": upload(jsonl(GOOD_LINES))}, format="multipart").status_code == 403
    assert client.get(api_url(project)).status_code == 403
    assert Item.objects.count() == 0


def test_api_non_member_gets_404(project, client_for):
    outsider = UserFactory(username="olga", role="researcher")

    response = client_for(outsider).post(api_url(project), {"file": upload(jsonl(GOOD_LINES))}, format="multipart")

    assert response.status_code == 404


def test_api_admin_needs_no_membership(project, admin_user, client_for):
    response = client_for(admin_user).post(api_url(project), {"file": upload(jsonl(GOOD_LINES))}, format="multipart")

    assert response.status_code == 201


# ---------------------------------------------------------------- page


def page_url(project) -> str:
    return reverse("datasets_app:project_import", args=[project.slug])


def test_page_upload_and_table(project, researcher, client):
    client.force_login(researcher)

    response = client.post(page_url(project), {"file": upload(jsonl(GOOD_LINES)), "format": "auto"}, follow=True)

    assert response.status_code == 200
    assert b"Imported items.jsonl: 2 new items" in response.content
    assert b'id="import-records"' in response.content
    assert Item.objects.count() == 2


def test_page_shows_the_error_report_of_a_failed_import(project, researcher, client):
    client.force_login(researcher)
    content = jsonl([GOOD_LINES[0], {"prompt": "Q2", "responses": ["c"], "preference_strength": 2}])

    response = client.post(page_url(project), {"file": upload(content), "format": "jsonl"}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-errors"' in html
    assert "<td>items.jsonl</td><td>2</td><td class=\"mono\">preference_strength</td>" in html
    assert Item.objects.count() == 0


def test_page_annotator_forbidden_and_non_member_404(project, annotator, client):
    client.force_login(annotator)
    assert client.get(page_url(project)).status_code == 403
    client.force_login(UserFactory(username="olga", role="researcher"))
    assert client.get(page_url(project)).status_code == 404


def test_project_list_links_researchers_to_the_import_page(project, researcher, annotator, client):
    client.force_login(researcher)
    assert page_url(project).encode() in client.get(reverse("annotation:project_list")).content
    client.force_login(annotator)
    assert page_url(project).encode() not in client.get(reverse("annotation:project_list")).content
