"""Reading a project's import records (file names, error messages that quote rows, uploaders) needs
the same access as uploading: the project's researchers and admins. Its annotators get 403; everyone
else gets 404, so not even the project's existence leaks."""
import json

import pytest
from django.urls import reverse

from datasets_app.imports.services import import_file
from datasets_app.models import ImportRecord, ImportStatus
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

SECRET_ROW = {"prompt": "Confidential prompt text", "responses": []}


@pytest.fixture
def failed_import(project, researcher, tmp_path) -> ImportRecord:
    path = tmp_path / "customer-logs.jsonl"
    path.write_text(json.dumps({"prompt": "ok?", "responses": ["a", "b"]}) + "\n" + json.dumps(SECRET_ROW) + "\n")
    record = import_file(project=project, path_or_file=path, file_name="customer-logs.jsonl", user=researcher)
    assert record.status == ImportStatus.FAILED and record.errors
    return record


def test_outsiders_cannot_list_a_projects_imports(failed_import, project, client_for):
    """Guards: ImportListCreateApi.get without its membership check (an outsider researcher read 200)."""
    outsider = UserFactory(username="olga", role="researcher")
    MembershipFactory(project=ProjectFactory(slug="elsewhere"), user=outsider)

    response = client_for(outsider).get(reverse("api-project-imports", args=[project.slug]))

    assert response.status_code == 404
    assert b"customer-logs" not in response.content


def test_annotators_of_the_project_cannot_list_its_imports(failed_import, project, annotator, client_for):
    """Guards: the GET dropping the researcher check (annotators would read uploaders and errors)."""
    response = client_for(annotator).get(reverse("api-project-imports", args=[project.slug]))

    assert response.status_code == 403
    assert b"customer-logs" not in response.content


def test_researchers_of_the_project_list_its_imports(failed_import, project, researcher, client_for):
    response = client_for(researcher).get(reverse("api-project-imports", args=[project.slug]))

    assert response.status_code == 200
    (listed,) = response.json()["results"]
    assert (listed["id"], listed["file_name"], listed["created_by"]) == (failed_import.pk, "customer-logs.jsonl", researcher.username)
